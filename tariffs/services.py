"""Operations on tariff packages: create, modify, delete, their streaming services. Every change
bumps the operator's tariff generation (tariffs/invalidation.py), so channel lists and
entitlements follow at once. Tariff subscriptions (a customer's paid periods) are
billing/subscribers.py's."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from clients.invalidation import clients_changed
from clients.services import clone_row

from .invalidation import tariffs_changed
from .models import Tariff

TARIFF_FIELDS = frozenset(
    {
        "name",
        "ext_id",
        "kind",
        "enabled",
        "hidden",
        "period",
        "price",
        "default_activation_price",
        "assigned_by_default",
        "required",
        "sessions_count",
        "basic_sessions_count",
        "basic_tariff_priority",
        "ip_restriction",
        "available_for_inactive_accounts",
        "available_everywhere",
        "display_in_channels_widget",
        "used_for_channel_list",
        "used_for_video_list",
        "used_for_radio_list",
        "available_to_unsubscribe",
        "allowed_device_groups",
        "sort_order",
    }
)
MAX_BASIC_PRIORITY = 10


def _tariffs_changed(client_id: int) -> None:
    tariffs_changed(client_id)
    clients_changed(client_id)


def _validate(tariff: Tariff) -> None:
    errors: dict[str, list[str]] = {}
    try:
        tariff.full_clean(exclude=["client"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not str(tariff.name or "").strip():
        errors.setdefault("name", []).append("required")
    if tariff.price is not None and Decimal(tariff.price) < 0:
        errors.setdefault("price", []).append("must not be negative")
    if tariff.default_activation_price is not None and Decimal(tariff.default_activation_price) < 0:
        errors.setdefault("default_activation_price", []).append("must not be negative")
    if not 0 <= int(tariff.basic_tariff_priority or 0) <= MAX_BASIC_PRIORITY:
        errors.setdefault("basic_tariff_priority", []).append(f"0..{MAX_BASIC_PRIORITY}")
    if errors:
        raise ValidationError(errors)


def _kind_for(tariff: Tariff) -> int:
    """Basic when it has a basic priority (1..10), additional otherwise; options stay options."""
    if tariff.kind == Tariff.Kind.OPTION:
        return tariff.kind
    return Tariff.Kind.BASIC if tariff.basic_tariff_priority else Tariff.Kind.ADDITIONAL


def _check_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - TARIFF_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def tariff_create(*, client, data: Mapping[str, Any]) -> Tariff:
    """Create a tariff. Without an explicit `kind` it is basic when basic_tariff_priority is
    1..10 and additional when 0. Raises ValidationError."""
    data = dict(data)
    _check_fields(data)
    tariff = Tariff(client=client, **data)
    if "kind" not in data:
        tariff.kind = _kind_for(tariff)
    _validate(tariff)
    with transaction.atomic():
        tariff.save()
        _tariffs_changed(client.pk)
    return tariff


def tariff_modify(*, tariff: Tariff, data: Mapping[str, Any]) -> list[str]:
    """Change the given fields; returns the changed ones. Raises ValidationError."""
    data = dict(data)
    _check_fields(data)
    with transaction.atomic():
        tariff = Tariff.objects.select_for_update().get(pk=tariff.pk)
        before = {name: getattr(tariff, name) for name in [*data, "kind"]}
        for name, value in data.items():
            setattr(tariff, name, value)
        if "basic_tariff_priority" in data and "kind" not in data:
            tariff.kind = _kind_for(tariff)
        _validate(tariff)
        changed = [name for name in before if getattr(tariff, name) != before[name]]
        if changed:
            tariff.save(update_fields=changed)
            _tariffs_changed(tariff.client_id)
    return changed


def tariff_save(*, tariff: Tariff, m2m: dict | None = None) -> Tariff:
    """Create or change a package as the admin's form built it, with the checks of
    tariff_create/tariff_modify; `m2m` maps many-to-many field names to their new values."""
    _validate(tariff)
    with transaction.atomic():
        tariff.save()
        for name, values in (m2m or {}).items():
            getattr(tariff, name).set(values)
        _tariffs_changed(tariff.client_id)
    return tariff


def tariff_delete(*, tariff: Tariff) -> None:
    """Delete a tariff: its assignments and subscriptions go with it; transactions keep their
    amounts (their tariff link is cleared)."""
    with transaction.atomic():
        _tariffs_changed(tariff.client_id)
        tariff.delete()


def tariff_stream_service_assign(*, tariff: Tariff, service) -> bool:
    """Let the tariff's subscribers use a streaming service. Returns whether it was new."""
    if service.client_id != tariff.client_id:
        raise ValidationError({"service_id": ["not found"]})
    with transaction.atomic():
        if tariff.stream_services.filter(pk=service.pk).exists():
            return False
        tariff.stream_services.add(service)
        _tariffs_changed(tariff.client_id)
    return True


def tariff_stream_service_remove(*, tariff: Tariff, service) -> bool:
    """Returns whether the service was linked."""
    with transaction.atomic():
        if not tariff.stream_services.filter(pk=service.pk).exists():
            return False
        tariff.stream_services.remove(service)
        _tariffs_changed(tariff.client_id)
    return True


def tariffs_clone(*, source, new, options: Mapping[str, bool], context: dict) -> dict[str, int]:
    """client_clone's step (registered in TariffsConfig.ready()): the operator's tariffs with
    their geography; leaves old id -> copy in context["tariff_map"] for the content steps."""
    tariff_map = context["tariff_map"]
    for tariff in Tariff.objects.filter(client=source):
        old_id = tariff.pk
        countries, cities = list(tariff.countries.all()), list(tariff.cities.all())
        copy = clone_row(tariff, client=new)
        copy.countries.set(countries)
        copy.cities.set(cities)
        tariff_map[old_id] = copy
    return {"tariffs": len(tariff_map)}
