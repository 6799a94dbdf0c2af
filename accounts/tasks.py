"""Celery tasks of the accounts app (scheduled in smarty/schedules.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="accounts.tasks.flush_session_touches", ignore_result=True)
def flush_session_touches() -> str:
    """Every minute: the session touches buffered in the cache (account/status on Redis) into
    the sessions' last_active and expiry."""
    from .services.sessions import session_touches_flush

    return f"updated {session_touches_flush()}"
