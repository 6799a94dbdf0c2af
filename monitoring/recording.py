"""Recording what devices watch without a database write per zap (docs/monitoring.md).

`viewing_started` (called by channel/url and program/url) costs four cache operations: the
event goes into a per-minute buffer in the cache (a sequence counter and one key per event)
and the account's "watching now" entry is replaced. `buffer_flush` (the scheduled
monitoring.tasks.flush_views, every minute) moves the buffers of finished minutes into
ViewEvent with one bulk INSERT per minute. With Redis the buffer is shared by every process;
with the local-memory cache (development) it lives in the process that served the request.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import ViewEvent

logger = logging.getLogger("smarty_main")

BUFFER_TTL = 6 * 3600
# A minute is flushed once this many seconds have passed since it ended: a request that read
# the clock just before the minute ended has finished writing by then.
GRACE_SECONDS = 20
# How far back a flush looks for minutes not yet flushed (a worker that was down a while).
LOOKBACK_MINUTES = 180


def _minute(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def _incr(key: str) -> int:
    cache.add(key, 0, timeout=BUFFER_TTL)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=BUFFER_TTL)
        return 1


def watching_key(client_id: int, account_id: int) -> str:
    return f"monitoring:watching:{client_id}:{account_id}"


def viewing_started(
    *,
    client_id: int,
    account_id: int,
    content_type: str,
    content_id: int,
    device: str = "",
    device_uid: str = "",
    program_id: int | None = None,
    now: dt.datetime | None = None,
) -> None:
    """A device starts watching (a stream address was handed out). Never raises: a cache
    failure must not cost the viewer the stream; it is logged and the event is lost."""
    now = now or timezone.now()
    minute = _minute(now)
    event = (client_id, account_id, content_type, int(content_id), device[:64], device_uid[:128], program_id, now)
    try:
        seq = _incr(f"monitoring:views:seq:{minute}")
        cache.set(f"monitoring:views:{minute}:{seq}", event, timeout=BUFFER_TTL)
        cache.set(
            watching_key(client_id, account_id),
            {"content_type": content_type, "content_id": int(content_id), "device": device, "since": now},
            timeout=settings.SMARTY_MONITORING_URL_SESSION_MAX,
        )
    except Exception:
        logger.exception("MONITORING_BUFFER_ERROR", extra={"event": "MONITORING_BUFFER_ERROR", "context": {}})


def watching_now(client_id: int, account_ids: list[int]) -> dict[int, dict]:
    """account id -> what it started watching last (for the accounts still watching)."""
    keys = {watching_key(client_id, a): a for a in account_ids}
    found = cache.get_many(list(keys))
    return {keys[k]: v for k, v in found.items()}


def _flush_minute(minute: str) -> int:
    done = f"monitoring:views:done:{minute}"
    if not cache.add(done, 1, timeout=BUFFER_TTL):
        return 0  # flushed already, or another worker is on it
    count = cache.get(f"monitoring:views:seq:{minute}") or 0
    if not count:
        return 0
    keys = [f"monitoring:views:{minute}:{n}" for n in range(1, count + 1)]
    rows = []
    for start in range(0, len(keys), 1000):
        found = cache.get_many(keys[start : start + 1000])
        for client_id, account_id, content_type, content_id, device, uid, program_id, at in found.values():
            rows.append(
                ViewEvent(
                    client_id=client_id,
                    account_id=account_id,
                    content_type=content_type,
                    content_id=str(content_id),
                    device=device,
                    device_uid=uid,
                    program_id=program_id,
                    started_at=at,
                    source=ViewEvent.Source.URL,
                )
            )
    try:
        with transaction.atomic():
            ViewEvent.objects.bulk_create(rows, batch_size=1000)
    except Exception:
        cache.delete(done)  # the next run tries this minute again
        raise
    cache.delete_many(keys)
    return len(rows)


def buffer_flush(*, now: dt.datetime | None = None, include_current: bool = False) -> int:
    """Move the buffered events of every finished minute into ViewEvent; returns how many.
    `include_current` also flushes the minute in progress (tests, a shutdown)."""
    now = now or timezone.now()
    if include_current:
        last = now.replace(second=0, microsecond=0)
    else:
        # minute M is complete once M + 1 minute + the grace has passed
        last = (now - dt.timedelta(minutes=1, seconds=GRACE_SECONDS)).replace(second=0, microsecond=0)
    moved = 0
    moment = last - dt.timedelta(minutes=LOOKBACK_MINUTES)
    while moment <= last:
        moved += _flush_minute(_minute(moment))
        moment += dt.timedelta(minutes=1)
    if include_current:
        # The minute in progress may get more events: let the next flush look at it again.
        cache.delete(f"monitoring:views:done:{_minute(now)}")
        cache.delete(f"monitoring:views:seq:{_minute(now)}")
    return moved
