"""Cache generations of the portal's own models. Everything the portal caches per operator
(the dashboard rows, applications, feeds, games, ad blocks, child operators) depends on one
generation per operator, `portal:<client id>`, bumped on any change of these models: a row
composed in the admin shows on the device's next request. Connected from PortalConfig.ready.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from smarty.cache import bump_now_and_on_commit, dep

from . import models as m

_MODELS = (
    m.Dashboard,
    m.SliderBanner,
    m.Application,
    m.DataSource,
    m.AdBlock,
    m.AdMovie,
    m.Feed,
    m.FeedItem,
    m.Game,
    m.HbbProvider,
    m.HbbEvent,
    m.ChildClient,
)
_M2M = (
    m.Dashboard.play_devices.through,
    m.Dashboard.channels.through,
    m.AdBlock.channels.through,
    m.AdBlock.tariffs.through,
    m.AdBlock.play_devices.through,
    m.Feed.play_devices.through,
    m.Game.play_devices.through,
    m.HbbProvider.channels.through,
)


def portal_dep(client_id: int) -> str:
    """Generation of everything the portal app configures for an operator."""
    return dep("portal", client_id)


def portal_changed(client_id: int) -> None:
    """Bump now and after commit (smarty.cache.bump_now_and_on_commit)."""
    bump_now_and_on_commit(portal_dep(client_id))


def _on_change(sender, instance, **kwargs) -> None:
    client_id = getattr(instance, "client_id", None)
    if client_id is not None:
        portal_changed(client_id)


def _on_m2m(sender, instance, action, **kwargs) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        _on_change(sender, instance)


def connect() -> None:
    for model in _MODELS:
        post_save.connect(_on_change, sender=model, dispatch_uid=f"portal-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"portal-delete-{model.__name__}")
    for through in _M2M:
        m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"portal-m2m-{through.__name__}")
