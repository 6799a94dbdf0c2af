"""Periodic work of live content (registered in smarty/schedules.py by ChannelsConfig)."""

from __future__ import annotations

from celery import shared_task
from django.core.management import call_command

from smarty.commands import LockBusyError


@shared_task(name="channels.tasks.cache_channel_list", ignore_result=True)
def cache_channel_list() -> None:
    """The Celery beat twin of the seed's `*/1 * * * * cache_channel_list` cron line; a run
    still in progress (the command's lock) makes this one a no-op."""
    try:
        call_command("cache_channel_list")
    except LockBusyError:
        return
