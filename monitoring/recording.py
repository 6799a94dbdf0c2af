"""Recording what devices watch without a database write per request (docs/monitoring.md).

Two streams share one buffer design: a per-minute sequence counter in the cache and one key
per event.

- `views`: `viewing_started` (channel/url, program/url, video/url) appends the start of a
  viewing and replaces the account's "watching now" entry; a live channel also becomes the
  account's most recently watched one (`recently_watched`), and the flush stores the live
  views as the accounts' "last viewed" (the write behind channel/list/last).
- `pushes`: `push_offered` (ViewStats stat/push) counts the account's pushes of the minute
  against its limit and appends one "still watching" report (on Redis, one script).

`buffer_flush` (the scheduled monitoring.tasks.flush_views, every minute) moves the buffers of
finished minutes into ViewEvent: the views with one bulk INSERT per minute, the pushes with
`pushes_write` (one read of the sessions they may extend, CASE UPDATEs and bulk INSERTs in
chunks).
A minute is claimed with `cache.add`, so two workers never write it twice, and released if
the write fails, so the next run tries it again. With Redis the buffer is shared by every
process; with the local-memory cache (development) it lives in the process that served the
request.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.utils import timezone

from accounts.models import Account
from channels.selectors import account_last_viewed, last_viewed_kept
from channels.services import channels_viewed_store
from smarty.cache import redis_backend, redis_script
from smarty.cache_backends import CacheUnavailableError, breaker
from smarty.write_behind import write_behind, write_behind_on

from .models import ViewEvent

logger = logging.getLogger("smarty_main")

BUFFER_TTL = 6 * 3600
# A minute is flushed once this many seconds have passed since it ended: a request that read
# the clock just before the minute ended has finished writing by then.
GRACE_SECONDS = 20
# How far back a flush looks for minutes not yet flushed (a worker that was down a while).
LOOKBACK_MINUTES = 180
VIEWS = "views"
LIVE = "live"  # the content type of a live channel's viewing (channel/url, a player's live stream)
PUSHES = "pushes"
# Rows read or written per statement when a minute is flushed.
CHUNK = 500


def _minute(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def _incr(key: str, timeout: int = BUFFER_TTL) -> int | None:
    """The next number of a counter (one round trip once the counter exists; a new one kept
    `timeout` seconds); None when the cache did not answer (a cache configured to ignore its
    errors answers None)."""
    try:
        return cache.incr(key)
    except ValueError:  # the counter's first number
        if cache.add(key, 1, timeout=timeout):
            return 1
        return cache.incr(key)  # another request created it meanwhile


def _buffer_error(stream: str) -> dict:
    return {"event": "MONITORING_BUFFER_ERROR", "context": {"stream": stream}}


def _seq_key(stream: str, minute: str) -> str:
    """The counter that numbers the stream's events of the minute."""
    return f"monitoring:{stream}:seq:{minute}"


def _event_key(stream: str, minute: str, seq: int | str = "") -> str:
    """The key of the stream's event number `seq` of the minute; without `seq`, what the
    scripts append their number to."""
    return f"monitoring:{stream}:{minute}:{seq}"


def _append(stream: str, event: tuple, now: dt.datetime) -> bool:
    """Put one event into the stream's buffer of the current minute. True once the cache
    holds it; False (never an exception) when it could not take it."""
    minute = _minute(now)
    try:
        seq = _incr(_seq_key(stream, minute))
        if seq and cache.add(_event_key(stream, minute, seq), event, timeout=BUFFER_TTL):
            return True
        logger.error("MONITORING_BUFFER_ERROR", extra=_buffer_error(stream))
    except Exception:
        logger.exception("MONITORING_BUFFER_ERROR", extra=_buffer_error(stream))
    return False


def watching_key(client_id: int, account_id: int) -> str:
    return f"monitoring:watching:{client_id}:{account_id}"


def recent_key(client_id: int, account_id: int) -> str:
    """The account's live channels watched lately, channel id -> epoch seconds: what
    channel/list/last adds to the stored times until the flush has stored them."""
    return f"monitoring:recent:{client_id}:{account_id}"


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
) -> bool:
    """A device starts watching (a stream address was handed out). A live channel also becomes
    the account's most recently watched one (`recently_watched`); the flush stores that with
    the event (channels.services.channels_viewed_store). Never raises: a cache failure must
    not cost the viewer the stream; it is logged, the event is lost and False is returned (the
    caller then stores what must not be lost itself)."""
    now = now or timezone.now()
    event = (client_id, account_id, content_type, int(content_id), device[:64], device_uid[:128], program_id, now)
    watching = {"content_type": content_type, "content_id": int(content_id), "device": device, "since": now}
    backend = redis_backend()
    if backend is not None:
        view = _view(backend, event, watching, now)
        if write_behind_on(backend) and view_batch.add(view):
            return True  # written behind (smarty.write_behind)
        return _views_sent(backend, [view])[0]
    if not _append(VIEWS, event, now):
        return False
    try:
        cache.set(watching_key(client_id, account_id), watching, timeout=settings.SMARTY_MONITORING_URL_SESSION_MAX)
        if content_type == LIVE:
            key = recent_key(client_id, account_id)
            recent = dict(cache.get(key) or {})
            recent[int(content_id)] = now.timestamp()
            kept = sorted(recent.items(), key=lambda item: -item[1])[: last_viewed_kept()]
            cache.set(key, dict(kept), timeout=BUFFER_TTL)
    except Exception:
        logger.exception("MONITORING_BUFFER_ERROR", extra=_buffer_error(VIEWS))
    return True


# What viewing_started does on Redis, for one view or a batch of them in one round trip: per
# view, the minute's next sequence number (the counter expires with the buffer), the event
# under it, "watching now" and, for a live channel, the account's recently watched channels (a
# sorted set: the newest kept, expiring with the buffer, so it covers every view its flush has
# not stored yet). Returns each view's sequence number (0: its event key was taken).
# KEYS per view: the counter, the "watching now" key[, the recently watched key].
# ARGV: the buffer ttl; per view: 1 for a live channel (else 0), the event key without its
# number, the event, the "watching now" value and its ttl[, the moment, the channel id, how
# many channels are kept].
_VIEWS_SCRIPT = """
local ttl = ARGV[1]
local k, a = 1, 2
local seqs = {}
while a <= #ARGV do
  local live = ARGV[a] == '1'
  local seq = redis.call('INCR', KEYS[k])
  if seq == 1 then redis.call('EXPIRE', KEYS[k], ttl) end
  if redis.call('SET', ARGV[a + 1] .. seq, ARGV[a + 2], 'NX', 'EX', ttl) then
    redis.call('SET', KEYS[k + 1], ARGV[a + 3], 'EX', ARGV[a + 4])
    if live then
      redis.call('ZADD', KEYS[k + 2], ARGV[a + 5], ARGV[a + 6])
      redis.call('ZREMRANGEBYRANK', KEYS[k + 2], 0, -1 - tonumber(ARGV[a + 7]))
      redis.call('EXPIRE', KEYS[k + 2], ttl)
    end
    seqs[#seqs + 1] = seq
  else
    seqs[#seqs + 1] = 0
  end
  if live then k, a = k + 3, a + 8 else k, a = k + 2, a + 5 end
end
return seqs
"""


@dataclass(frozen=True)
class _View:
    """One view as _VIEWS_SCRIPT takes it; `live`: (operator, account, channel, moment) of a
    live channel's view, what "last viewed" stores if the cache does not take it."""

    keys: tuple
    args: tuple
    live: tuple | None


def _view(backend, event: tuple, watching: dict, now: dt.datetime) -> _View:
    """viewing_started's writes on Redis: the same keys and values as _append and cache.set write."""
    minute = _minute(now)
    client_id, account_id, content_type, content_id = event[:4]
    keys = [
        backend.make_key(_seq_key(VIEWS, minute)),
        backend.make_key(watching_key(client_id, account_id)),
    ]
    args = [
        "1" if content_type == LIVE else "0",
        backend.make_key(_event_key(VIEWS, minute)),
        backend.client.encode(event),
        backend.client.encode(watching),
        int(settings.SMARTY_MONITORING_URL_SESSION_MAX),
    ]
    live = None
    if content_type == LIVE:
        keys.append(backend.make_key(recent_key(client_id, account_id)))
        args += [repr(now.timestamp()), content_id, last_viewed_kept()]
        live = (client_id, account_id, content_id, now)
    return _View(tuple(keys), tuple(args), live)


def _views_sent(backend, views: list[_View]) -> list[bool]:
    """The views written in one script: whether each was taken (logged when not)."""
    keys = [key for view in views for key in view.keys]
    args = [BUFFER_TTL, *(arg for view in views for arg in view.args)]
    try:
        seqs = redis_script(backend, _VIEWS_SCRIPT, keys, args)
    except CacheUnavailableError:  # a failing cache must not cost the viewer the stream
        # (the breaker open: the events are lost, as _append loses them)
        logger.exception("MONITORING_BUFFER_ERROR", extra=_buffer_error(VIEWS))
        return [False] * len(views)
    taken = [bool(seq) for seq in seqs]
    if not all(taken):
        logger.error("MONITORING_BUFFER_ERROR", extra=_buffer_error(VIEWS))
    return taken


def _views_send(views: list[_View]) -> list[bool]:
    """A batch of views (smarty.write_behind) in one script."""
    backend = redis_backend()
    if backend is None:  # the breaker opened since they were queued
        logger.error("MONITORING_BUFFER_ERROR", extra=_buffer_error(VIEWS))
        return [False] * len(views)
    return _views_sent(backend, views)


def _views_settle(views: list[_View]) -> None:
    """Views the cache did not take: their live channels stored as "last viewed" at once, as
    channel/url stores its own when the cache is down (their events are lost, as then)."""
    lost = [view.live for view in views if view.live is not None]
    if lost:
        with transaction.atomic(using=router.db_for_write(ViewEvent)):
            channels_viewed_store(lost)


# The process's views waiting to be written (SMARTY_WRITE_BEHIND_SECONDS).
view_batch = write_behind("views", _views_send, _views_settle, "MONITORING_BUFFER_ERROR")


def _views_waiting(client_id: int, account_id: int) -> dict[int, float]:
    """The account's live views waiting in this process's batch: channel id -> epoch seconds."""
    found: dict[int, float] = {}
    for view in view_batch.waiting():
        if view.live is not None and view.live[:2] == (client_id, account_id):
            channel, moment = int(view.live[2]), view.live[3].timestamp()
            found[channel] = max(found.get(channel, 0.0), moment)
    return found


def recently_watched(client_id: int, account_id: int) -> dict[int, float]:
    """The account's live channels watched lately (`viewing_started`), channel id -> epoch
    seconds, with this process's views still waiting in its batch; without the cache's
    answer (down) only those (the stored times are then all there is)."""
    found = _recent_in_cache(client_id, account_id)
    for channel, moment in _views_waiting(client_id, account_id).items():
        found[channel] = max(found.get(channel, 0.0), moment)
    return found


def _recent_in_cache(client_id: int, account_id: int) -> dict[int, float]:
    backend = redis_backend()
    try:
        if backend is None:
            return dict(cache.get(recent_key(client_id, account_id)) or {})
        if breaker.is_open():
            return {}
        client = backend.client.get_client(write=True)  # its own writes, not a replica's
        found = client.zrange(backend.make_key(recent_key(client_id, account_id)), 0, -1, withscores=True)
        return {int(member): float(score) for member, score in found}
    except Exception as exc:  # noqa: BLE001 - the stored times still answer
        breaker.trip(exc)  # logs CACHE_UNAVAILABLE
        return {}


def last_viewed_channels(account: Account) -> tuple[int, ...]:
    """Channel ids the account watched, newest first (channel/list/last, the portal's
    "recently watched" row): the stored times and the views the flush has not stored yet."""
    return account_last_viewed(account, recent=recently_watched(account.client_id, account.pk))


def watching_now(client_id: int, account_ids: list[int]) -> dict[int, dict]:
    """account id -> what it started watching last (for the accounts still watching)."""
    keys = {watching_key(client_id, a): a for a in account_ids}
    found = cache.get_many(list(keys))
    return {keys[k]: v for k, v in found.items()}


# --- ViewStats pushes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Push:
    """One accepted ViewStats report: the account still watches `content_id` in its
    `channel_session` at `at`."""

    client_id: int
    account_id: int
    content_type: str
    content_id: int
    channel_session: int
    at: dt.datetime
    program_id: int | None = None
    timeshift_offset: int = 0
    device: str = ""
    device_uid: str = ""

    def as_tuple(self) -> tuple:
        return (
            self.client_id,
            self.account_id,
            self.content_type,
            self.content_id,
            self.channel_session,
            self.at,
            self.program_id,
            self.timeshift_offset,
            self.device,
            self.device_uid,
        )


class PushOutcome(enum.Enum):
    BUFFERED = "buffered"  # in the cache's buffer: the minute's flush stores it
    LIMITED = "limited"  # past the account's pushes this minute: refused, nothing kept
    NOT_TAKEN = "not taken"  # the cache could not take it: the caller stores it (pushes_write)


def push_limit_key(account_id: int, now: dt.datetime) -> str:
    """The account's pushes counted this minute (SMARTY_VIEWSTATS_PUSH_LIMIT)."""
    return f"viewstats:push:{account_id}:{_minute(now)}"


PUSH_LIMIT_TTL = 120

# What push_offered does on Redis in one round trip: the account's counter of the minute
# (expiring after PUSH_LIMIT_TTL), and unless it is past the limit, the minute's next sequence
# number (expiring with the buffer) and the push under it. Returns -1 past the limit, else
# the sequence number (0: its event key was taken).
# KEYS: the account's counter, the buffer's counter. ARGV: the limit (0: none), the counter's
# ttl, the buffer's ttl, the event key without its number, the event.
_PUSH_SCRIPT = """
local limit = tonumber(ARGV[1])
if limit > 0 then
  local count = redis.call('INCR', KEYS[1])
  if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
  if count > limit then return -1 end
end
local seq = redis.call('INCR', KEYS[2])
if seq == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
if redis.call('SET', ARGV[4] .. seq, ARGV[5], 'NX', 'EX', ARGV[3]) then return seq end
return 0
"""


def push_offered(push: Push, *, limit: int) -> PushOutcome:
    """A push the request validated: LIMITED when its account already made `limit` pushes
    this minute (0: no limit), else appended to the cache's buffer (BUFFERED) or NOT_TAKEN
    when the cache could not take it. On Redis the counter and the buffer are one script,
    one round trip; elsewhere they are cache commands. A cache that fails refuses nobody: no
    counter, no limit."""
    backend = redis_backend()
    if backend is not None:
        minute = _minute(push.at)
        keys = [
            backend.make_key(push_limit_key(push.account_id, push.at)),
            backend.make_key(_seq_key(PUSHES, minute)),
        ]
        args = [
            max(int(limit), 0),
            PUSH_LIMIT_TTL,
            BUFFER_TTL,
            backend.make_key(_event_key(PUSHES, minute)),
            backend.client.encode(push.as_tuple()),
        ]
        try:
            seq = redis_script(backend, _PUSH_SCRIPT, keys, args)
        except CacheUnavailableError:
            logger.exception("MONITORING_BUFFER_ERROR", extra=_buffer_error(PUSHES))
            return PushOutcome.NOT_TAKEN
        if seq == -1:
            return PushOutcome.LIMITED
        if seq:
            return PushOutcome.BUFFERED
        logger.error("MONITORING_BUFFER_ERROR", extra=_buffer_error(PUSHES))
        return PushOutcome.NOT_TAKEN
    if limit and not _push_counted(push_limit_key(push.account_id, push.at), limit):
        return PushOutcome.LIMITED
    return PushOutcome.BUFFERED if _append(PUSHES, push.as_tuple(), push.at) else PushOutcome.NOT_TAKEN


def _push_counted(key: str, limit: int) -> bool:
    """Count one push under `key`; False once the count is past `limit`. True when the cache
    does not answer (no counter, no limit)."""
    try:
        count = _incr(key, timeout=PUSH_LIMIT_TTL)
    except Exception:  # noqa: BLE001 - no cache, no counter: the push is not refused for it
        return True
    return count is None or count <= limit


@dataclass
class _Run:
    first: Push
    last: Push


def _runs(pushes: Iterable[Push], gap: dt.timedelta) -> dict[tuple, list[_Run]]:
    """The pushes grouped per viewing session (operator, account, channel_session, content),
    split where two pushes are further apart than the session gap."""
    runs: dict[tuple, list[_Run]] = {}
    for push in sorted(pushes, key=lambda p: p.at):
        key = (push.client_id, push.account_id, push.channel_session, str(push.content_id))
        found = runs.setdefault(key, [])
        if found and push.at - found[-1].last.at <= gap:
            found[-1].last = push
        else:
            found.append(_Run(first=push, last=push))
    return runs


@dataclass
class _OpenRow:
    pk: int
    started_epoch: int
    ended_at: dt.datetime


def _open_rows(runs: dict[tuple, list[_Run]], gap: dt.timedelta) -> dict[tuple, _OpenRow]:
    """The stored sessions the first run of each key may extend: the latest row of the same
    operator, account, channel_session and content that ended within the gap (read as plain
    tuples: a minute of a large operator's pushes reads ~100,000 of them)."""
    earliest = min(r[0].first.at for r in runs.values()) - gap
    accounts = sorted({key[1] for key in runs})
    found: dict[tuple, _OpenRow] = {}
    for start in range(0, len(accounts), CHUNK):
        rows = ViewEvent.objects.filter(
            account_id__in=accounts[start : start + CHUNK],
            channel_session__isnull=False,
            started_at__gte=earliest - dt.timedelta(days=1),
            ended_at__gte=earliest,
        ).values_list("pk", "client_id", "account_id", "channel_session", "content_id", "started_epoch", "ended_at")
        for pk, client_id, account_id, channel_session, content_id, started_epoch, ended_at in rows:
            key = (client_id, account_id, channel_session, content_id)
            if key in runs and (key not in found or ended_at > found[key].ended_at):
                found[key] = _OpenRow(pk=pk, started_epoch=started_epoch, ended_at=ended_at)
    return found


def _rows_extend(updates: list[tuple[int, dt.datetime, int | None, int]]) -> None:
    """Set ended_at, program_id and duration of stored rows, given as (pk, ended_at,
    program_id, duration): one UPDATE ... SET col = CASE pk WHEN ... END per CHUNK rows. The
    same statement bulk_update writes, built here directly: bulk_update's per-row expression
    objects made a minute of 100,000 pushes take minutes to flush."""
    if not updates:
        return
    connection = connections[router.db_for_write(ViewEvent)]
    quote = connection.ops.quote_name
    meta = ViewEvent._meta
    fields = [meta.get_field(name) for name in ("ended_at", "program_id", "duration")]
    pk = quote(meta.pk.column)
    # PostgreSQL types a CASE branch's placeholder as text unless told otherwise.
    typed = connection.vendor == "postgresql"
    for start in range(0, len(updates), CHUNK):
        chunk = updates[start : start + CHUNK]
        assignments, params = [], []
        for index, field in enumerate(fields, start=1):
            value = f"%s::{field.db_type(connection)}" if typed else "%s"
            assignments.append(
                f"{quote(field.column)} = CASE {pk} {' '.join([f'WHEN %s THEN {value}'] * len(chunk))} END"
            )
            for row in chunk:
                params += [row[0], field.get_db_prep_save(row[index], connection)]
        ids = [row[0] for row in chunk]
        # Identifiers from the model's meta, every value a parameter.
        where = f"{pk} IN ({', '.join(['%s'] * len(ids))})"
        sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {where}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params + ids)


def _new_row(run: _Run) -> ViewEvent:
    first, last = run.first, run.last
    epoch = int(first.at.timestamp())
    return ViewEvent(
        client_id=first.client_id,
        account_id=first.account_id,
        content_type=first.content_type,
        content_id=str(first.content_id),
        program_id=last.program_id,
        channel_session=first.channel_session,
        timeshift_offset=first.timeshift_offset,
        device=first.device[:64],
        device_uid=first.device_uid[:128],
        started_at=first.at,
        started_epoch=epoch,
        ended_at=last.at,
        duration=max(int(last.at.timestamp()) - epoch, 0),
        source=ViewEvent.Source.PUSH,
    )


def _live_accounts(account_ids: set[int]) -> set[int]:
    """The accounts of `account_ids` that still exist: an event of an account (or operator)
    deleted since it was accepted has nothing left to describe, and must not block the
    flush of the minute with a foreign key error."""
    ids = sorted(account_ids)
    found: set[int] = set()
    for start in range(0, len(ids), 1000):
        found.update(Account.objects.filter(pk__in=ids[start : start + 1000]).values_list("pk", flat=True))
    return found


def pushes_write(pushes: list[Push]) -> int:
    """Store accepted pushes as viewing sessions, as if each had been written on arrival: the
    first push of a session starts a row, later ones (within SMARTY_VIEWSTATS_SESSION_GAP)
    extend it. One read of the rows they may extend, CASE UPDATEs and INSERTs in chunks, in one
    transaction. Returns how many pushes were stored."""
    live = _live_accounts({p.account_id for p in pushes})
    pushes = [p for p in pushes if p.account_id in live]
    if not pushes:
        return 0
    gap = dt.timedelta(seconds=settings.SMARTY_VIEWSTATS_SESSION_GAP)
    runs = _runs(pushes, gap)
    with transaction.atomic():
        existing = _open_rows(runs, gap)
        updated: list[tuple[int, dt.datetime, int | None, int]] = []
        created: list[ViewEvent] = []
        for key, found in runs.items():
            row = existing.get(key)
            if row is not None and found[0].first.at - row.ended_at <= gap:
                last = found[0].last
                if last.at >= row.ended_at:
                    duration = max(int(last.at.timestamp()) - row.started_epoch, 0)
                    updated.append((row.pk, last.at, last.program_id, duration))
                found = found[1:]
            created.extend(_new_row(run) for run in found)
        _rows_extend(updated)
        ViewEvent.objects.bulk_create(created, batch_size=1000)
    return len(pushes)


# --- the flush ----------------------------------------------------------------------------


def _views_write(events: list[tuple]) -> int:
    live = _live_accounts({event[1] for event in events})
    rows = [
        ViewEvent(
            client_id=client_id,
            account_id=account_id,
            content_type=content_type,
            content_id=str(content_id),
            device=device,
            device_uid=uid,
            program_id=program_id,
            started_at=at,
            started_epoch=int(at.timestamp()),
            source=ViewEvent.Source.URL,
        )
        for client_id, account_id, content_type, content_id, device, uid, program_id, at in events
        if account_id in live
    ]
    with transaction.atomic():
        ViewEvent.objects.bulk_create(rows, batch_size=1000)
        # The write behind channel/url's "last viewed" (viewing_started, recently_watched).
        channels_viewed_store(
            (row.client_id, row.account_id, int(row.content_id), row.started_at)
            for row in rows
            if row.content_type == LIVE
        )
    return len(rows)


def _pushes_write(events: list[tuple]) -> int:
    return pushes_write([Push(*event) for event in events])


WRITERS: dict[str, Callable[[list[tuple]], int]] = {VIEWS: _views_write, PUSHES: _pushes_write}


def _flush_minute(stream: str, minute: str) -> int:
    done = f"monitoring:{stream}:done:{minute}"
    if not cache.add(done, 1, timeout=BUFFER_TTL):
        return 0  # flushed already, or another worker is on it
    count = cache.get(_seq_key(stream, minute)) or 0
    if not count:
        return 0
    keys = [_event_key(stream, minute, n) for n in range(1, count + 1)]
    events: list[tuple] = []
    for start in range(0, len(keys), 1000):
        events.extend(cache.get_many(keys[start : start + 1000]).values())
    try:
        written = WRITERS[stream](events)
    except Exception:
        cache.delete(done)  # the next run tries this minute again
        raise
    cache.delete_many(keys)
    return written


def buffer_flush(*, now: dt.datetime | None = None, include_current: bool = False) -> int:
    """Move the buffered events of every finished minute into ViewEvent, oldest first (a
    failing minute stops the run, so a later minute never overtakes it); returns how many.
    `include_current` also flushes the minute in progress (tests, a shutdown), after this
    process's views waiting in its batch."""
    now = now or timezone.now()
    if include_current:
        view_batch.flush()
        last = now.replace(second=0, microsecond=0)
    else:
        # minute M is complete once M + 1 minute + the grace has passed
        last = (now - dt.timedelta(minutes=1, seconds=GRACE_SECONDS)).replace(second=0, microsecond=0)
    moved = 0
    moment = last - dt.timedelta(minutes=LOOKBACK_MINUTES)
    while moment <= last:
        for stream in WRITERS:
            moved += _flush_minute(stream, _minute(moment))
        moment += dt.timedelta(minutes=1)
    if include_current:
        # The minute in progress may get more events: let the next flush look at it again
        # (its counter stays, so later events get new numbers and the flushed keys are gone).
        for stream in WRITERS:
            cache.delete(f"monitoring:{stream}:done:{_minute(now)}")
    return moved
