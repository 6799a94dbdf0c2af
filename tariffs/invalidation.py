"""Cache invalidation of the tariffs app: `tariffs:<client id>` (tariffs/selectors.py), the
operator's entitlement inputs (its tariffs and their geography), which the channel views and
account_tariff_ids depend on. Signals are used for this one thing only; every bump goes
through smarty.cache.bump_now_and_on_commit.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from smarty.cache import bump_now_and_on_commit

from .models import Tariff
from .selectors import tariffs_dep

M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}
_UID = "tariffs-invalidation"


def tariffs_changed(*client_ids: int) -> None:
    """The tariffs of these operators changed (bulk writes send no signal; the accounts app
    calls this when tariffs are given to or taken from accounts and customers)."""
    bump_now_and_on_commit(*(tariffs_dep(pk) for pk in client_ids))


def _tariff_saved(sender, instance: Tariff, **kwargs) -> None:
    tariffs_changed(instance.client_id)


def _tariff_geo_changed(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    if action in M2M_ACTIONS and not reverse:
        tariffs_changed(instance.client_id)


def connect() -> None:
    """Called once from TariffsConfig.ready()."""
    for signal in (post_save, post_delete):
        signal.connect(_tariff_saved, sender=Tariff, dispatch_uid=f"{_UID}-tariff-{signal}")
    for through in (Tariff.countries.through, Tariff.cities.through):
        m2m_changed.connect(_tariff_geo_changed, sender=through, dispatch_uid=f"{_UID}-geo-{through.__name__}")
