"""Celery tasks of the monitoring app (scheduled in smarty/schedules.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="monitoring.tasks.flush_views", ignore_result=True)
def flush_views() -> str:
    """Every minute: the cache's buffered viewing events of finished minutes into ViewEvent."""
    from .recording import buffer_flush

    return f"moved {buffer_flush()}"


@shared_task(name="monitoring.tasks.rollup_views", ignore_result=True)
def rollup_views() -> str:
    """Every ten minutes: close finished sessions, recompute the last hours' rollups, write
    the login counts, apply the retention (same as `smarty_manage monitoring_rollup`)."""
    from .services import rollup_views as run

    return ", ".join(f"{k} {v}" for k, v in run().items())
