"""Admin machinery shared by every app's admin.py: operator scoping.

`OperatorScopedAdmin` is the base of every admin of an operator-owned model: staff bound to
an operator see and edit only that operator's rows (lists, forms, foreign-key choices);
superusers see the operator chosen in the header selector (session key `admin_client_id`),
or all operators when none is chosen. New rows get the current operator automatically.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

SESSION_CLIENT_KEY = "admin_client_id"


def current_client_id(request: HttpRequest) -> int | None:
    """The operator a request works on: the staff member's, or the superuser's selection."""
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        selected = request.session.get(SESSION_CLIENT_KEY)
        return int(selected) if selected else None
    profile = getattr(user, "smarty_profile", None)
    return profile.client_id if profile is not None else -1  # -1: bound to nothing, sees nothing


class OperatorScopedAdmin(admin.ModelAdmin):
    #: the lookup from this model to its operator id
    client_field = "client"

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        qs = super().get_queryset(request)
        client_id = current_client_id(request)
        if client_id is None:
            return qs
        return qs.filter(**{f"{self.client_field}_id": client_id})

    def get_exclude(self, request: HttpRequest, obj=None):  # noqa: ANN001, ANN201
        exclude = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser or current_client_id(request) is not None:
            exclude.append(self.client_field)
        return exclude

    def formfield_for_foreignkey(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_choices(field, db_field, request)

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # noqa: ANN001, ANN003, ANN201
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scope_choices(field, db_field, request)

    def save_model(self, request, obj, form, change):  # noqa: ANN001
        client_id = current_client_id(request)
        if not change and client_id and client_id > 0 and not getattr(obj, f"{self.client_field}_id", None):
            setattr(obj, f"{self.client_field}_id", client_id)
        super().save_model(request, obj, form, change)


def _scope_choices(field, db_field, request):  # noqa: ANN001, ANN201
    client_id = current_client_id(request)
    if field is None or client_id is None:
        return field
    related = db_field.related_model
    if any(f.name == "client" for f in related._meta.fields):
        field.queryset = field.queryset.filter(client_id=client_id)
    return field
