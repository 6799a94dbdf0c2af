"""Cache generations only (CONVENTIONS.md): any change of what routing reads bumps the
operator's streaming generation, so cached routing inputs are never served stale.

Watched: data centers, streaming services, routing scripts, technical work (and their
channel/service sets), channels and cameras (stream fields, tariffs, own services) and the
services granted by tariffs. Bulk `QuerySet.update()` sends no signal: services.py bumps
itself after its own updates.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from channels.models import Camera, Channel
from tariffs.models import Tariff

from .models import DataCenter, Maintenance, RoutingScript, StreamService
from .services import streaming_changed

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


def _bump_for(instance) -> None:
    client_id = getattr(instance, "client_id", None)
    if client_id:
        streaming_changed(client_id)


def _row_changed(sender, instance, **kwargs) -> None:
    _bump_for(instance)


def _set_changed(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        _bump_for(instance)


for _model in WATCHED:
    post_save.connect(_row_changed, sender=_model, dispatch_uid=f"streaming-save-{_model.__name__}")
    post_delete.connect(_row_changed, sender=_model, dispatch_uid=f"streaming-delete-{_model.__name__}")
for _through in WATCHED_M2M:
    m2m_changed.connect(_set_changed, sender=_through, dispatch_uid=f"streaming-m2m-{_through.__name__}")
