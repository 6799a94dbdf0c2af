"""Celery tasks of the portal (beat entry in smarty/schedules.py). The periodic fetch shares
the command's lock, so a cron run and a beat run never overlap."""

from __future__ import annotations

from celery import shared_task

from smarty.commands import run_exclusive

from . import services
from .models import DataSource


@shared_task(name="portal.tasks.portal_feeds_fetch")
def portal_feeds_fetch() -> str:
    """Every widget data source that is due: the beat equivalent of `portal_feeds_fetch`."""

    def work() -> str:
        ok, failed = services.data_sources_fetch_due()
        return f"portal_feeds_fetch: {ok} fetched, {failed} failed"

    return run_exclusive("portal_feeds_fetch", work)


@shared_task(name="portal.tasks.data_source_fetch")
def data_source_fetch(source_id: int) -> bool:
    """One source now (the admin's "Fetch now")."""
    source = DataSource.objects.filter(pk=source_id).first()
    return services.data_source_fetch(source=source) if source is not None else False
