"""Celery tasks of the EPG (beat entries in smarty/schedules.py mirror the seed's crontab).
Tasks take ids, load rows and call a service; the periodic ones share the commands' locks, so
a cron run and a beat run never overlap."""

from __future__ import annotations

from celery import shared_task

from smarty.commands import run_exclusive

from . import services
from .models import EpgChannel, EpgSource


@shared_task(name="epg.tasks.epg_import")
def epg_import(source_id: int | None = None, force: bool = False) -> str:
    """All enabled sources (or one): the beat equivalent of `epg_import`."""

    def work() -> str:
        sources = list(EpgSource.objects.filter(pk=source_id)) if source_id is not None else None
        return services.epg_import(sources=sources, force=force).line()

    return run_exclusive("epg_import", work)


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
    return run_exclusive("epg_cleanup", lambda: f"{services.epg_cleanup()} programmes removed")


@shared_task(name="epg.tasks.premiere_import")
def premiere_import() -> str:
    def work() -> str:
        return f"{sum(r.premieres for r in services.premiere_import_all())} premieres"

    return run_exclusive("premiere_import", work)
