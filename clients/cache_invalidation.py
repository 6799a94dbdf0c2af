"""Cache generations of operator settings, bumped on every save/delete (admin included).
Signals are used for this one thing only."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from smarty.cache import bump

from .models import City, Client, ClientPlayDevice, Country, PlayDevice, PlayDeviceTemplate, PortalSettings
from .selectors import COUNTRIES, DEVICE_TYPES, client_dep


def bump_now_and_on_commit(*deps: str) -> None:
    bump(*deps)
    transaction.on_commit(lambda: bump(*deps))


@receiver([post_save, post_delete], sender=PortalSettings)
@receiver([post_save, post_delete], sender=ClientPlayDevice)
def _client_setting_changed(sender, instance, **kwargs) -> None:
    bump_now_and_on_commit(client_dep(instance.client_id))


@receiver([post_save, post_delete], sender=Client)
def _client_changed(sender, instance: Client, **kwargs) -> None:
    bump_now_and_on_commit(client_dep(instance.pk))


@receiver([post_save, post_delete], sender=PlayDevice)
@receiver([post_save, post_delete], sender=PlayDeviceTemplate)
def _device_types_changed(sender, instance, **kwargs) -> None:
    bump_now_and_on_commit(DEVICE_TYPES)


@receiver([post_save, post_delete], sender=Country)
@receiver([post_save, post_delete], sender=City)
def _countries_changed(sender, instance, **kwargs) -> None:
    bump_now_and_on_commit(COUNTRIES)
