"""Celery tasks of the EPG (beat entries in smarty/schedules.py mirror the seed's crontab).
Tasks take ids, load rows and call a service; the periodic ones share the commands' locks, so
a cron run and a beat run never overlap."""

from __future__ import annotations

from celery import shared_task

from smarty.commands import LockBusyError, command_lock

from . import services
from .models import EpgChannel, EpgSource


@shared_task(name="epg.tasks.epg_import")
def epg_import(source_id: int | None = None, force: bool = False) -> str:
    """All enabled sources (or one): the beat equivalent of `epg_import`."""
    try:
        with command_lock("epg_import"):
            sources = None
            if source_id is not None:
                sources = list(EpgSource.objects.filter(pk=source_id))
            return services.epg_import(sources=sources, force=force).line()
    except LockBusyError:
        return "epg_import is already running"


@shared_task(name="epg.tasks.epg_channel_force_import")
def epg_channel_force_import(epg_channel_id: int) -> str:
    """Re-import one EPG channel (the admin's "Force import")."""
    channel = EpgChannel.objects.select_related("source").filter(pk=epg_channel_id).first()
    if channel is None or channel.source_id is None:
        return f"EPG channel {epg_channel_id} has no source"
    return services.epg_channel_force_import(epg_channel=channel).status()


@shared_task(name="epg.tasks.epg_cleanup")
def epg_cleanup() -> str:
    """Old programmes beyond SMARTY_EPG_RETENTION_DAYS: the beat equivalent of `epg_cleanup`."""
    try:
        with command_lock("epg_cleanup"):
            return f"{services.epg_cleanup()} programmes removed"
    except LockBusyError:
        return "epg_cleanup is already running"


@shared_task(name="epg.tasks.premiere_import")
def premiere_import() -> str:
    try:
        with command_lock("premiere_import"):
            results = services.premiere_import_all()
            return f"{sum(r.premieres for r in results)} premieres"
    except LockBusyError:
        return "premiere_import is already running"
