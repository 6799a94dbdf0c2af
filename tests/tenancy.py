"""Tenancy checks shared by the test modules: a snapshot of everything one operator owns (to
prove a request of another operator changed nothing of it) and a scan for rows that point at
another operator's rows (which no code path may ever create)."""

from __future__ import annotations

from django.apps import apps
from django.db.models import F
from django.forms.models import model_to_dict

from smarty.admin_access import is_operator_owned


def operator_models() -> list[type]:
    return [model for model in apps.get_models() if is_operator_owned(model)]


def operator_snapshot(client) -> dict[str, list[str]]:
    """Every row of every operator-owned model of `client`, with its many-to-many links."""
    snapshot = {}
    for model in operator_models():
        rows = model._default_manager.filter(client_id=client.pk).order_by("pk")
        snapshot[model.__name__] = [repr(sorted(model_to_dict(row).items(), key=lambda kv: kv[0])) for row in rows]
    return snapshot


def cross_operator_links() -> list[str]:
    """ "Model.field: n" for each foreign key or many-to-many link from a row of one operator
    to a row of another; empty when the operators are cleanly apart."""
    problems = []
    for model in operator_models():
        for field in model._meta.get_fields():
            if not field.is_relation or field.auto_created or field.name == "client":
                continue
            target = field.related_model
            if target is None or not is_operator_owned(target):
                continue
            if field.many_to_many:
                through = field.remote_field.through
                source, other = field.m2m_field_name(), field.m2m_reverse_field_name()
                bad = through.objects.exclude(**{f"{source}__client_id": F(f"{other}__client_id")}).count()
            else:
                bad = (
                    model._default_manager.filter(**{f"{field.name}__isnull": False, "client_id__isnull": False})
                    .exclude(**{f"{field.name}__client_id": F("client_id")})
                    .count()
                )
            if bad:
                problems.append(f"{model.__name__}.{field.name}: {bad}")
    return problems
