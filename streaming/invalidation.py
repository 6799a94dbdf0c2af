"""Cache invalidation of the streaming app (signals for cache generations only, CONVENTIONS.md):
any change of what routing reads bumps the operator's streaming generation
(`streaming:<client id>`, streaming/selectors.py), so cached routing inputs are never served
stale. The handlers also watch rows of the apps below (channels, cameras, tariffs' services):
they bump only this app's own generation.

Watched: data centers, streaming services, routing scripts, technical work (and their
channel/service sets), channels and cameras (stream fields, tariffs, own services) and the
services granted by tariffs. Bulk `QuerySet.update()` sends no signal: services.py bumps
itself after its own updates.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from channels.models import Camera, Channel
from smarty.cache import bump_now_and_on_commit
from tariffs.models import Tariff

from .models import DataCenter, Maintenance, RoutingScript, StreamService
from .selectors import streaming_dep

WATCHED = (DataCenter, RoutingScript, StreamService, Maintenance, Channel, Camera)
WATCHED_M2M = (
    Maintenance.channels.through,
    Maintenance.stream_services.through,
    Channel.tariffs.through,
    Channel.stream_services.through,
    Camera.tariffs.through,
    Camera.stream_services.through,
    Tariff.stream_services.through,
)


def streaming_changed(client_id: int) -> None:
    """Invalidate the operator's routing inputs (services.py calls this after its own bulk
    updates, which send no signal)."""
    bump_now_and_on_commit(streaming_dep(client_id))


def _bump_for(instance) -> None:
    client_id = getattr(instance, "client_id", None)
    if client_id:
        streaming_changed(client_id)


def _row_changed(sender, instance, **kwargs) -> None:
    _bump_for(instance)


def _set_changed(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        _bump_for(instance)


def connect() -> None:
    """Called once from StreamingConfig.ready()."""
    for model in WATCHED:
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"streaming-save-{model.__name__}")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"streaming-delete-{model.__name__}")
    for through in WATCHED_M2M:
        m2m_changed.connect(_set_changed, sender=through, dispatch_uid=f"streaming-m2m-{through.__name__}")
