"""Cache invalidation of the clients app: the generations it owns (clients/selectors.py) and
the functions other apps call to bump them. Signals are used for this one thing only.

Owned dependency names: `client:<id>` (everything an operator configures), `client_content:<id>`
(the operator's live content: channels, categories, radio, cameras, sorts), the device types
and the countries/cities. Every bump goes through smarty.cache.bump_now_and_on_commit.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from smarty.admin import OPERATOR_CHANGED
from smarty.cache import bump_now_and_on_commit

from .models import City, Client, ClientPlayDevice, Country, PlayDevice, PlayDeviceTemplate, PortalSettings
from .selectors import COUNTRIES, DEVICE_TYPES, client_content_dep, client_dep

_UID = "clients-invalidation"


def clients_changed(*client_ids: int) -> None:
    """An operator's settings changed (including bulk writes, which send no signal)."""
    bump_now_and_on_commit(*(client_dep(pk) for pk in client_ids))


def client_content_changed(*client_ids: int) -> None:
    """An operator's live content changed: channels, categories, radio, cameras, their
    tariffs and services (the channels app calls this from its own signal handlers and bulk
    writes; the EPG app when an EPG channel's icon shown by a channel changes)."""
    bump_now_and_on_commit(*(client_content_dep(pk) for pk in client_ids))


def device_types_changed() -> None:
    bump_now_and_on_commit(DEVICE_TYPES)


def countries_changed() -> None:
    bump_now_and_on_commit(COUNTRIES)


def _client_setting_changed(sender, instance, **kwargs) -> None:
    clients_changed(instance.client_id)


def _client_changed(sender, instance: Client, **kwargs) -> None:
    clients_changed(instance.pk)


def _device_types_changed(sender, instance, **kwargs) -> None:
    device_types_changed()


def _countries_changed(sender, instance, **kwargs) -> None:
    countries_changed()


def connect() -> None:
    """Called once from ClientsConfig.ready()."""
    # Rows saved or deleted through an operator-scoped admin refresh the operator's settings.
    if clients_changed not in OPERATOR_CHANGED:
        OPERATOR_CHANGED.append(clients_changed)
    handlers = (
        (_client_setting_changed, (PortalSettings, ClientPlayDevice)),
        (_client_changed, (Client,)),
        (_device_types_changed, (PlayDevice, PlayDeviceTemplate)),
        (_countries_changed, (Country, City)),
    )
    for handler, models in handlers:
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(
                    handler, sender=model, dispatch_uid=f"{_UID}-{handler.__name__}-{model.__name__}-{signal}"
                )
