"""Operations the admin performs on tariff packages (to be folded into tariffs/services.py)."""

from __future__ import annotations

from django.db import transaction

from clients.selectors import client_dep
from smarty.cache import bump

from .models import Tariff
from .selectors import tariffs_dep


def tariff_cache_deps(client_id: int) -> list[str]:
    """A package change touches every entitlement and channel list of its operator."""
    return [tariffs_dep(client_id), client_dep(client_id)]


def tariff_save(*, tariff: Tariff, m2m: dict | None = None) -> Tariff:
    """Create or change a package; `m2m` maps many-to-many field names to their new values."""
    with transaction.atomic():
        tariff.full_clean(exclude=["countries", "cities", "stream_services"])
        tariff.save()
        for name, values in (m2m or {}).items():
            getattr(tariff, name).set(values)
        deps = tariff_cache_deps(tariff.client_id)
        transaction.on_commit(lambda: bump(*deps))
    return tariff


def tariff_delete(*, tariff: Tariff) -> None:
    with transaction.atomic():
        deps = tariff_cache_deps(tariff.client_id)
        tariff.delete()
        transaction.on_commit(lambda: bump(*deps))
