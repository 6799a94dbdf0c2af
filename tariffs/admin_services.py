"""Operations the admin performs on tariff packages (to be folded into tariffs/services.py)."""

from __future__ import annotations

from django.db import transaction

from clients.invalidation import clients_changed

from .invalidation import tariffs_changed
from .models import Tariff


def _tariff_changed(client_id: int) -> None:
    """A package change touches every entitlement and channel list of its operator."""
    tariffs_changed(client_id)
    clients_changed(client_id)


def tariff_save(*, tariff: Tariff, m2m: dict | None = None) -> Tariff:
    """Create or change a package; `m2m` maps many-to-many field names to their new values."""
    with transaction.atomic():
        tariff.full_clean(exclude=["countries", "cities", "stream_services"])
        tariff.save()
        for name, values in (m2m or {}).items():
            getattr(tariff, name).set(values)
        _tariff_changed(tariff.client_id)
    return tariff


def tariff_delete(*, tariff: Tariff) -> None:
    with transaction.atomic():
        tariff.delete()
        _tariff_changed(tariff.client_id)
