"""Celery tasks of the video library."""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction

from . import imports


@shared_task(name="vod.tasks.import_videos", ignore_result=True)
def import_videos(client_id: int, import_id: str) -> None:
    """Run a bulk import the admin queued (vod.imports; progress in the cache)."""
    imports.video_import_run(client_id=client_id, import_id=import_id)


def import_videos_enqueue(*, client_id: int, import_id: str) -> None:
    """Queue the run once the current transaction has committed."""
    transaction.on_commit(partial(import_videos.delay, client_id, import_id))
