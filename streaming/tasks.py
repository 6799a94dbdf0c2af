"""Celery tasks of the streaming app (schedules in smarty/schedules.py)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="streaming.tasks.check_stream_services", ignore_result=True)
def check_stream_services(client_id: int | None = None) -> None:
    """Probe the streaming services and mark them up or down (seed 4.1.11)."""
    services.stream_service_check_all(client_id=client_id)


@shared_task(name="streaming.tasks.purge_stream_tokens", ignore_result=True)
def purge_stream_tokens() -> None:
    services.stream_token_purge()
