"""Versioned cache keys (ARCHITECTURE.md "Caching"): the project's one caching API.

Every dependency (an operator's content, one EPG channel, one account...) has a generation
counter in the cache. A cached value is stored with the generations of all its dependencies
it was built from, so a change only bumps a counter: a stale value is never served, and is
rebuilt in place on the next read. Nothing has to be found and deleted.
Counters start from a random value, so a flushed cache cannot revive an old key.

Reading:
- cached(name, parts, deps, build): one value, one cache round trip on a hit. With
  local=True (large operator-wide values: channel catalogues and views, now/next snapshots)
  a per-process memory sits in front of the shared cache (smarty.local_memory); with
  local="device" (sessions, accounts: one per device) another, whose misses read the
  generations and the value in one round trip.
- smarty.device_reads: what one request will read of a device brought into the per-device
  memory in one round trip (prefetch_device, prefetch_device_linked).
- cached_many(name, items, build_missing): many values of one kind at once (EPG day windows),
  with the per-process memory in front.

The generation mirror (on the project's Redis backend; not on the local-memory cache, which
is in-process anyway, nor on a Redis Cluster, whose broadcast is not followed yet):
- Each process keeps the generation counters it has read (GenerationMirror). bump() increments
  the counters and PUBLISHes their keys in one atomic script; a daemon listener thread per
  process (started on first use, again after a fork) drops the named entries. So a hit of
  cached(local=True) or cached_many with every generation mirrored makes no cache call, and
  cached() reads only its entry.
- The bound: the listener PINGs over its subscription every SMARTY_CACHE_BROADCAST_PING
  seconds; Redis answers in order, so a ping answered means every bump published before it was
  sent has been applied. The mirror is used only while the last answered ping was sent less
  than SMARTY_CACHE_LOCAL_STALENESS seconds ago; otherwise generations come from Redis as
  without it. A (re)subscription clears the mirror first. So no process uses a generation
  more than SMARTY_CACHE_LOCAL_STALENESS seconds after a bump of it completed, whatever
  happened to the broadcast.
- A read from Redis is kept only when no invalidation was heard while it was in flight (a
  per-process sequence number), so a broadcast is never overtaken by the read it outdates.
- An opening of the breaker and a new cache epoch clear the mirror; flush() clears every
  process's.

Invalidating:
- bump(*deps): at once. Code inside a transaction calls bump_now_and_on_commit(*deps).
- Each app owns the invalidation of its own models (its invalidation.py, connected from its
  AppConfig.ready(), and the *_changed functions it exports); no app bumps another app's
  dependency names (docs/architecture.md, "Caching").

When the cache is down (docs/architecture.md, "When the cache is down"):
- The circuit breaker (smarty/cache_backends.py) makes every cache command of the process fail
  at once for SMARTY_CACHE_BREAKER_SECONDS after one failed; values are built from the
  database meanwhile, and nothing is remembered: the API keeps answering.
- A bump that could not reach the cache is a lost invalidation: the value cached before the
  write would be served again once the cache is back. Such a bump raises the cache epoch, a
  counter kept in the database (smarty.models.CacheEpoch) and part of every generation key:
  every process re-reads it after its own breaker closed and at least every
  SMARTY_CACHE_EPOCH_SECONDS, so no value cached before the write is used longer than that.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import math
import os
import pickle
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.db.models import F
from django.dispatch import receiver
from django_redis.exceptions import ConnectionInterrupted

from .cache_backends import CacheUnavailableError, GuardedRedisCache, breaker
from .db_routing import replica_reads_active
from .local_memory import device_values, local_values
from .logging import log_event
from .metrics import CACHE_LOCAL_HIT, CACHE_MISS, CACHE_SHARED_HIT
from .models import CacheEpoch

T = TypeVar("T")
_DEFAULT_CACHE = cache  # the mirror follows it only while this module uses it (tests swap it)
_GEN = "gen:"
logger = logging.getLogger("smarty_cache")


_PLAIN = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def key_part(part: object) -> str:
    """A value as a piece of a cache key: ids and short plain names as they are, anything else
    (text a client sent: any length, any character) as a digest, so that every key stays
    short and printable whatever the backend."""
    if type(part) is int:
        return str(part)
    text = str(part)
    if _PLAIN.fullmatch(text):
        return text
    return "~" + hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def dep(kind: str, ident: object) -> str:
    """A dependency name, e.g. dep("client_content", 3) -> "client_content:3"."""
    return f"{kind}:{key_part(ident)}"


def _fresh() -> int:
    return secrets.randbelow(1 << 40) + 1


# -- the cache epoch: lost invalidations ------------------------------------------------------


class _Epoch:
    """This process's copy of the database's cache epoch and when it was read."""

    def __init__(self) -> None:
        self.value: int | None = None
        self.read_at = 0.0
        self.trips = 0
        self._lock = threading.Lock()
        # Until when the value needs no second look (settings_changed() ends it at once).
        self._until = 0.0

    def current(self) -> int:
        """The epoch, re-read from the database when this process's breaker opened since the
        last read, or SMARTY_CACHE_EPOCH_SECONDS passed (0: only after a breaker opening)."""
        now = breaker.clock()
        if now < self._until and self.trips == breaker.trips:
            return self.value or 0
        interval = float(getattr(settings, "SMARTY_CACHE_EPOCH_SECONDS", 5))
        stale = self.trips != breaker.trips or (interval > 0 and (self.value is None or now - self.read_at >= interval))
        if stale:
            with self._lock:
                self.trips = breaker.trips
                self.value = epoch_read()
                self.read_at = now
        self._until = self.read_at + interval if interval > 0 else math.inf
        return self.value or 0

    def forget(self) -> None:
        self.value = None
        self.read_at = 0.0
        self._until = 0.0


_epoch = _Epoch()


def epoch_read() -> int:
    """The cache epoch in the database (0 before the first lost invalidation)."""
    return CacheEpoch.objects.filter(pk=1).values_list("value", flat=True).first() or 0


def epoch_raise() -> None:
    """Outdate every cached value in every process (within SMARTY_CACHE_EPOCH_SECONDS): a
    write's invalidation did not reach the cache. One short UPDATE, outside any transaction
    the caller holds (on commit), so writers do not queue on the row during an outage."""

    def write() -> None:
        with transaction.atomic():
            if not CacheEpoch.objects.filter(pk=1).update(value=F("value") + 1):
                try:
                    with transaction.atomic():
                        CacheEpoch.objects.create(pk=1, value=1)
                except IntegrityError:
                    CacheEpoch.objects.filter(pk=1).update(value=F("value") + 1)
        _epoch.forget()
        log_event("smarty_cache", "OBJECT_INVALIDATED", object="*", deps_key="epoch")

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(write)
    else:
        write()


# -- the generation mirror: generations in this process's memory, invalidated by broadcast --

_BROADCAST_CHANNEL = "cache:generations"
_CLEAR_ALL = "*"


class GenerationMirror:
    """This process's copy of the generation counters it has read, trusted only while its
    listener hears from Redis (the module's docstring, "The generation mirror").

    Entries are generation keys (with the epoch prefix) -> value. A bump anywhere publishes
    the bumped keys on one channel; the listener thread of every process drops them here.
    `seq` counts invalidations: a value read from Redis is stored only when no invalidation
    was heard while it was being read, so a message can never be overtaken by the read it
    was meant to outdate.
    """

    def __init__(self) -> None:
        self.clock: Callable[[], float] = time.monotonic
        self._gens: dict[str, int] = {}
        self._lock = threading.Lock()
        self.seq = 0
        self._pid = 0
        self._config: tuple | None = None
        self._listener: _Listener | None = None
        self._trips = breaker.trips
        self._prefix = ""
        self._settings_seen: object = None
        self._settings_config: tuple | None = None
        # trusted()'s last yes: (breaker trips, epoch prefix, heard at, until, listener); a
        # fork and a change of the settings forget it (_mirror_after_fork, settings_changed).
        self._trust: tuple | None = None
        self._limit: int | None = None  # SMARTY_CACHE_MIRROR_ENTRIES, read once (settings_changed)

    # -- which cache, and whether to trust what is here

    def _current_config(self) -> tuple | None:
        """(url, channel) of the cache the mirror follows, or None where it stays off: not
        the project's Redis backend (the local-memory cache, a Redis Cluster), or turned off."""
        if cache is not _DEFAULT_CACHE:
            return None
        conf = settings.CACHES.get("default", {})
        if conf is self._settings_seen:
            return self._settings_config
        config = None
        options = conf.get("OPTIONS", {})
        client_class = options.get("CLIENT_CLASS", "django_redis.client.DefaultClient")
        backend = conf.get("BACKEND", "")
        location = conf.get("LOCATION", "")
        if isinstance(location, list | tuple):
            location = location[0] if location else ""
        location = str(location).split(",")[0]
        if (
            backend.rsplit(".", 1)[-1] == GuardedRedisCache.__name__
            and client_class == "django_redis.client.DefaultClient"
            and location
        ):
            prefix = conf.get("KEY_PREFIX", "")
            timeout = float(options.get("SOCKET_CONNECT_TIMEOUT", options.get("SOCKET_TIMEOUT", 1)) or 1)
            config = (location, f"{prefix}:{_BROADCAST_CHANNEL}", timeout)
        self._settings_seen, self._settings_config = conf, config
        return config

    def trusted(self, prefix: str | None = None) -> bool:
        """Whether mirrored generations may be used now. Starts (or, in a forked child,
        restarts) the listener; never waits for it.

        A request asks this for every value it reads: the answer of the full check below is
        remembered until its listener's last answer gets too old (`_trust`), and while it
        is, only what can change it between two reads is checked again: the breaker's
        openings, the epoch, the cache followed, whether the listener still hears. A new
        process (a fork) and new settings forget the answer when they happen, rather than
        every read asking (getpid is a system call, the settings a lazy object's lookup)."""
        trust = self._trust
        if trust is not None:
            trips, trusted_prefix, heard, until, listener = trust
            if (
                trips == breaker.trips
                and (prefix is None or prefix == trusted_prefix)
                and listener.heard_at is not None
                and heard <= self.clock() < until
                and cache is _DEFAULT_CACHE
                and not breaker.is_open()
            ):
                return True
            self._trust = None
        staleness = float(getattr(settings, "SMARTY_CACHE_LOCAL_STALENESS", 2.0))
        if staleness <= 0:
            return False
        config = self._current_config()
        if config is None:
            if self._config is not None:
                self.stop()
            return False
        if self._pid != os.getpid() or self._config != config:
            self._restart(config)
            return False
        if self._trips != breaker.trips or (prefix is not None and prefix != self._prefix):
            # The breaker opened (invalidations may have been lost) or the epoch changed.
            self.clear()
            self._trips = breaker.trips
            if prefix is not None:
                self._prefix = prefix
            return False
        if breaker.is_open():
            return False
        listener = self._listener
        heard = listener.heard_at if listener is not None else None
        if heard is None or not 0 <= self.clock() - heard < staleness:
            return False
        self._trust = (breaker.trips, self._prefix, heard, heard + staleness, listener)
        return True

    def _restart(self, config: tuple) -> None:
        with self._lock:
            if self._pid == os.getpid() and self._config == config:
                return
            if self._listener is not None and self._pid == os.getpid():
                self._listener.stop()
            self._gens = {}
            self.seq += 1
            self._trust = None
            self._pid, self._config = os.getpid(), config
            self._trips = breaker.trips
            self._listener = _Listener(self, *config)
            self._listener.start()

    def stop(self) -> None:
        """Stop following the cache (tests)."""
        with self._lock:
            if self._listener is not None and self._pid == os.getpid():
                self._listener.stop()
            self._listener = None
            self._config = None
            self._pid = 0  # nothing is stored until a listener follows a cache again
            self._gens = {}
            self._trust = None
            self.seq += 1

    # -- entries

    def get_many(self, keys: Sequence[str]) -> dict[str, int]:
        gens = self._gens
        get = gens.get  # one lookup a key: an invalidation may drop one between two
        return {key: value for key in keys if (value := get(key)) is not None}

    def _current_limit(self) -> int:
        limit = self._limit
        if limit is None:
            limit = self._limit = max(int(getattr(settings, "SMARTY_CACHE_MIRROR_ENTRIES", 20_000)), 1)
        return limit

    def store(self, values: dict[str, int], seq: int) -> None:
        """Keep generations read from Redis, unless an invalidation came in since `seq`.

        Past SMARTY_CACHE_MIRROR_ENTRIES the oldest stored quarter goes (first in, first
        out: a generation still in use is read again once and kept as a new one) rather
        than the whole mirror, which would send all of the process's operator-wide reads
        back to Redis at once. `_pid` is 0 in a forked child until its listener starts
        (_mirror_after_fork): nothing read before then is kept."""
        limit = self._current_limit()
        with self._lock:
            if seq != self.seq or not self._pid:
                return
            gens = self._gens
            gens.update(values)
            excess = len(gens) - limit
            if excess > 0:
                # A new dict, not deletions in place: readers use the one they took lock-free.
                self._gens = dict(itertools.islice(gens.items(), max(excess, limit // 4), None))

    def invalidate(self, keys: Iterable[str]) -> None:
        with self._lock:
            self.seq += 1
            for key in keys:
                if key == _CLEAR_ALL:
                    self._gens = {}
                    break
                self._gens.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.seq += 1
            self._gens = {}

    def __len__(self) -> int:
        return len(self._gens)

    @property
    def connection_name(self) -> str:
        """The name of the listener's Redis connection (CLIENT LIST shows it)."""
        return f"smarty-cache-listener-{os.getpid()}"

    # -- telling the other processes

    def active(self) -> bool:
        """Whether the cache is one the mirror follows (the project's Redis backend)."""
        return self._current_config() is not None

    def publish(self, keys: Sequence[str]) -> None:
        """Announce generation keys (or _CLEAR_ALL) to every process's listener. A failure
        raises: the caller counts it as a cache failure and raises the epoch."""
        config = self._current_config()
        if config is None or not keys:
            return
        client = caches["default"].client.get_client(write=True)
        client.publish(config[1], "\n".join(keys))

    def bump(self, keys: Sequence[str]) -> None:
        """Increment the counters (a missing one starts from a random value) and announce
        them, in one atomic script: either every process hears of the bump or none happened.
        A failure raises."""
        config = self._current_config()
        if config is None or not keys:
            return
        backend = caches["default"]
        client = backend.client.get_client(write=True)
        full = [backend.make_key(key) for key in keys]
        client.eval(_BUMP_SCRIPT, len(full), *full, config[1], "\n".join(keys), *(_fresh() for _ in keys))


# KEYS: the counters; ARGV: the channel, the message, a fresh start value per counter.
_BUMP_SCRIPT = """
for i, key in ipairs(KEYS) do
    if redis.call('EXISTS', key) == 1 then
        redis.call('INCR', key)
    else
        redis.call('SET', key, ARGV[i + 2])
    end
end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return #KEYS
"""


class _Listener(threading.Thread):
    """The daemon thread that follows the broadcast channel for its process.

    It pings over its subscription every SMARTY_CACHE_BROADCAST_PING seconds; `heard_at` is
    when the last answered ping was *sent* (Redis answers in order, so every message
    published before that moment has been applied). A (re)subscription clears the mirror
    before `heard_at` is set: messages published while disconnected are lost. A connection
    that answers nothing is dropped and opened again; requests never wait for any of it."""

    def __init__(self, mirror: GenerationMirror, url: str, channel: str, connect_timeout: float) -> None:
        super().__init__(name="smarty-cache-listener", daemon=True)
        self.mirror = mirror
        self.url = url
        self.channel = channel
        self.connect_timeout = connect_timeout
        self.heard_at: float | None = None
        self._stopped = threading.Event()

    def stop(self) -> None:
        self._stopped.set()
        self.heard_at = None

    def run(self) -> None:
        failed_at = 0.0
        while not self._stopped.is_set():
            try:
                self._follow()
            except Exception as exc:  # noqa: BLE001 - any failure: reconnect after a pause
                self.heard_at = None
                if self.mirror.clock() - failed_at > 60:
                    failed_at = self.mirror.clock()
                    log_event("smarty_cache", "CACHE_UNAVAILABLE", level="WARNING", listener=1, error=repr(exc))
            self._stopped.wait(self._ping_seconds())

    @staticmethod
    def _ping_seconds() -> float:
        return max(float(getattr(settings, "SMARTY_CACHE_BROADCAST_PING", 1.0)), 0.05)

    def _follow(self) -> None:
        clock = self.mirror.clock
        ping = self._ping_seconds()
        # No reply within this long: the connection (or Redis) is gone, open another.
        dead_after = max(3 * ping, float(getattr(settings, "SMARTY_CACHE_LOCAL_STALENESS", 2.0)))
        client = redis.Redis.from_url(
            self.url,
            socket_connect_timeout=self.connect_timeout,
            socket_timeout=dead_after,
            retry=None,
            retry_on_timeout=False,
            client_name=self.mirror.connection_name,
        )
        pubsub = client.pubsub()
        try:
            sent = clock()
            pubsub.subscribe(self.channel)
            pinged = last_answer = sent
            subscribed = False
            while not self._stopped.is_set():
                now = clock()
                if now - last_answer > dead_after:
                    raise TimeoutError("no answer from the cache")
                if subscribed and now - pinged >= ping:
                    pinged = now
                    pubsub.ping(f"{now:.6f}")
                wait = max(0.0, min(pinged + ping - now, 0.25)) if subscribed else 0.05
                message = pubsub.get_message(timeout=wait)
                if message is None:
                    continue
                kind = message["type"]
                if kind == "subscribe":
                    # Anything published before this was not heard: start from nothing.
                    self.mirror.clear()
                    subscribed = True
                    last_answer = clock()
                    self.heard_at = sent
                elif kind == "message":
                    data = message["data"]
                    text = data.decode() if isinstance(data, bytes) else str(data)
                    self.mirror.invalidate(text.split("\n"))
                elif kind == "pong":
                    data = message["data"]
                    try:
                        ping_sent = float(data.decode() if isinstance(data, bytes) else data)
                    except ValueError:
                        continue
                    last_answer = clock()
                    self.heard_at = max(self.heard_at or 0.0, ping_sent)
        finally:
            self.heard_at = None
            try:
                pubsub.close()
                client.close()
            except Exception:  # noqa: BLE001, S110 - closing a broken connection
                pass


mirror = GenerationMirror()


def _mirror_after_fork() -> None:
    """In a forked child (gunicorn's workers): the parent's listener thread did not come along,
    and its lock may have been held at the fork. Start over; the next read starts a listener."""
    mirror._lock = threading.Lock()
    mirror._gens = {}
    mirror._listener = None
    mirror._trust = None
    mirror._pid = 0
    mirror.seq += 1


os.register_at_fork(after_in_child=_mirror_after_fork)


@receiver(setting_changed)
def settings_changed(**kwargs: Any) -> None:
    """New settings (tests' overrides): the epoch's and the mirror's remembered answers were
    decided under the old ones (the epoch's interval, the staleness bound, the cache)."""
    _epoch._until = 0.0
    mirror._trust = None
    mirror._limit = None


def _gen_prefix() -> str:
    epoch = _epoch.current()
    return f"{_GEN}{epoch}:" if epoch else _GEN


def _resolve(gen_keys: list[str], found: dict) -> tuple[int, ...]:
    """The generations of gen_keys from a get_many result, creating the missing ones."""
    values = []
    for key in gen_keys:
        value = found.get(key)
        if value is None:
            fresh = _fresh()
            # add() keeps a concurrent writer's value; read that one then.
            value = fresh if cache.add(key, fresh, timeout=None) else cache.get(key, fresh)
        values.append(value)
    return tuple(values)


def _read(deps: Sequence[str], extra: Sequence[str] = ()) -> tuple[tuple[int, ...], dict]:
    """The generations of `deps` and the cache's answer for the `extra` keys: the mirrored
    generations when the mirror is trusted, the others read from the cache together with
    `extra` in one round trip (none when everything is mirrored and nothing extra asked)."""
    prefix = _gen_prefix()
    gen_keys = [prefix + d for d in deps]
    known = mirror.get_many(gen_keys) if mirror.trusted(prefix) else {}
    missing = [key for key in gen_keys if key not in known]
    found: dict = {}
    if missing or extra:
        seq = mirror.seq  # before the read: an invalidation heard meanwhile discards it
        found = cache.get_many([*extra, *missing])
        if missing:
            read = dict(zip(missing, _resolve(missing, found), strict=True))
            mirror.store(read, seq)
            known.update(read)
    return tuple(known[key] for key in gen_keys), found


def generations(deps: Iterable[str]) -> list[int]:
    """The current generation of each dependency (no round trip when all are mirrored, one
    when all exist in the cache)."""
    deps = list(deps)
    if not deps:
        return []
    if breaker.is_open():
        return [_fresh() for _ in deps]
    return list(_read(deps)[0])


def bump(*deps: str) -> None:
    """Invalidate everything that depends on any of `deps`; when the cache cannot be
    reached, raise the cache epoch instead (the module's docstring)."""
    if not deps:
        return
    if breaker.is_open():
        epoch_raise()
        return
    failures = breaker.failures
    prefix = _gen_prefix()
    if mirror.active():
        # Redis: the counters and the broadcast to every process's mirror in one round trip.
        keys = [prefix + d for d in deps]
        try:
            mirror.bump(keys)
        except Exception as exc:  # noqa: BLE001 - a failing cache must not fail the write
            breaker.trip(exc)
        else:
            for d, key in zip(deps, keys, strict=True):
                log_event("smarty_cache", "OBJECT_INVALIDATED", object=d, deps_key=key)
        mirror.invalidate(keys)  # this process at once
    else:
        _bump_each(prefix, deps, failures)
    if breaker.failures != failures:
        epoch_raise()


def _bump_each(prefix: str, deps: Sequence[str], failures: int) -> None:
    """bump() on a backend without the broadcast: one increment per counter."""
    for d in deps:
        key = prefix + d
        try:
            if cache.incr(key) is None:  # a backend ignoring its errors answers None
                if breaker.failures == failures:  # not already counted by the guarded backend
                    breaker.trip()
                break
        except ValueError:
            cache.set(key, _fresh(), timeout=None)
        except Exception:  # noqa: BLE001 - a failing cache must not fail the write
            breaker.trip()
            break
        log_event("smarty_cache", "OBJECT_INVALIDATED", object=d, deps_key=key)


def bump_now_and_on_commit(*deps: str, now: bool = True) -> None:
    """Invalidate `deps` at once and again when the current transaction commits: the one way
    a write invalidates cached values.

    Why both:
    - now: readers inside the same transaction see the new rows; without the bump they would
      be served the value cached from the old rows.
    - after commit: between the first bump and the commit, a reader in another connection
      still sees the old (committed) rows; it may rebuild a value from them and store it under
      the new generations. The second bump outdates that value.
    Outside a transaction (autocommit) the write is already committed: one bump is enough.

    now=False leaves out the first bump, for writers that no reader of their own transaction
    follows (the EPG importer's long transactions): the values cached from the old rows stay
    valid until the commit, and are rebuilt once.
    """
    deps = tuple(dict.fromkeys(deps))
    if not deps:
        return
    in_transaction = transaction.get_connection().in_atomic_block
    if now or not in_transaction:
        bump(*deps)
    if in_transaction:
        transaction.on_commit(lambda: bump(*deps))


def cached(
    name: str,
    parts: Iterable[object],
    deps: Iterable[str],
    build: Callable[[], T],
    *,
    timeout: int | None = None,
    local: bool | str = False,
) -> T:
    """The value for (name, parts), valid for the current generations of `deps`; built,
    stored and returned when missing or stale.

    One cache round trip on a hit: the entry is read together with the generation counters
    and carries the generations it was built from, so a hit is an entry whose generations
    equal the current ones. The generations are read *before* building, so a change that
    lands while building leaves an entry that the next read sees as stale.

    local=True keeps the value in this process's memory too (LocalValues), under a key that
    embeds the generations: a hit with the generations mirrored makes no cache call at all.
    local="device" does the same in the per-device memory (device_values: sessions, accounts,
    whatever there is one of per device or account); on a miss there, one round trip reads
    the generations the mirror lacks with the shared entry (_cached_device).
    """
    if local == "device":
        return _cached_device(name, parts, list(deps), build, timeout)
    if local:
        return _cached_local(name, parts, list(deps), build, timeout)
    if breaker.is_open():
        return build()
    return _cached_shared(name, parts, list(deps), build, timeout)[0]


def _shared_key(name: str, parts: Iterable[object]) -> str:
    """The shared cache's key of a versioned entry (it carries its generations)."""
    return "v:" + ":".join([name, *map(key_part, parts)])


def _cached_shared(
    name: str, parts: Iterable[object], deps: list[str], build: Callable[[], T], timeout: int | None
) -> tuple[T, tuple[int, ...] | None]:
    """The shared cache's entry (name, parts), which carries the generations it was built from:
    read with the generations the mirror lacks in one round trip, built and stored when missing
    or stale. Returns the value and its generations (None when the cache failed)."""
    key = _shared_key(name, parts)
    try:
        gens, found = _read(deps, [key])
    except Exception:  # noqa: BLE001 - a failing cache must not fail the request
        _unavailable(len(deps))
        return build(), None
    entry = found.get(key)
    if entry is not None and entry[0] == gens:
        CACHE_SHARED_HIT.inc()
        return entry[1], gens
    CACHE_MISS.inc()
    value = build()
    ttl = _store_timeout(timeout)
    try:
        cache.set(key, (gens, value), timeout=ttl)
    except Exception:  # noqa: BLE001
        return value, None
    log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps)
    return value, gens


def _store_timeout(timeout: int | None) -> int:
    """How long a value built now is kept: built from a replica (smarty.db_routing), no
    longer than SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT, since the replica may not have had
    the change that outdated the previous value yet."""
    ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
    if replica_reads_active():
        return min(ttl, settings.SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT)
    return ttl


def _unavailable(deps: int) -> None:
    """A backend that raises instead of ignoring its errors failed: skip it for a while."""
    logger.warning("CACHE_UNAVAILABLE", extra={"event": "CACHE_UNAVAILABLE", "context": {"deps": deps}})
    breaker.trip()


def breaker_reset() -> None:
    """Use the cache again at once, with the epoch as last read and nothing mirrored (tests;
    after a repair)."""
    breaker.reset()
    _epoch.trips = breaker.trips
    _epoch.forget()
    mirror.clear()


def redis_backend():
    """The project's Redis cache backend when it is what this module uses (not the local-memory
    cache, nor a Redis Cluster): for code that sends its few writes as one script. None
    otherwise; its commands pass the circuit breaker like every other."""
    return caches["default"] if mirror.active() else None


@contextlib.contextmanager
def _past_the_breaker() -> Iterator[None]:
    """Around one call on redis_backend()'s own client: CacheUnavailableError when the breaker
    is open or the call failed, which trips it (and logs CACHE_UNAVAILABLE)."""
    if breaker.is_open():
        raise CacheUnavailableError("cache breaker open")
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, ConnectionInterrupted):  # the guarded client counted that one
            breaker.trip(exc)
        raise CacheUnavailableError(repr(exc)) from exc


def redis_command(backend, name: str, *args: Any, write: bool = True, **kwargs: Any) -> Any:
    """One command of redis_backend()'s own client (a raw SET), past the
    circuit breaker as every cache command (_past_the_breaker)."""
    with _past_the_breaker():
        return getattr(backend.client.get_client(write=write), name)(*args, **kwargs)


# Lua scripts this process has sent once (EVAL), by their SHA-1: EVALSHA names them after that.
_script_digests: dict[str, str] = {}


def redis_script(backend, script: str, keys: Sequence[Any], args: Sequence[Any] = (), *, write: bool = True) -> Any:
    """Run a Lua script on redis_backend()'s own client, past the breaker as redis_command.

    The first run in a process sends the script (EVAL, which also makes Redis keep it); the
    next ones name it by its digest (EVALSHA): 40 bytes instead of the script, and Redis
    neither hashes nor looks up its text. A server that no longer knows it (restarted, SCRIPT
    FLUSH) answers NOSCRIPT, and the script is sent again in a second round trip; that answer
    is not a failure of the cache (the breaker stays closed)."""
    digest = _script_digests.get(script)
    with _past_the_breaker():
        client = backend.client.get_client(write=write)
        if digest is not None:
            try:
                return client.evalsha(digest, len(keys), *keys, *args)
            except redis.exceptions.NoScriptError:
                pass
        answer = client.eval(script, len(keys), *keys, *args)
    _script_digests[script] = hashlib.sha1(script.encode()).hexdigest()  # noqa: S324 - Redis's name for it
    return answer


def flush() -> None:
    """Clear this installation's cache (flushall): every value is rebuilt from the database,
    and every process's mirror starts over."""
    backend = caches["default"]
    if hasattr(backend, "delete_pattern"):
        # Only this installation's keys (KEY_PREFIX): a Celery broker or another instance
        # sharing the Redis database keeps its data.
        backend.delete_pattern("*")
    else:
        backend.clear()
    mirror.invalidate([_CLEAR_ALL])
    try:
        mirror.publish([_CLEAR_ALL])
    except Exception:  # noqa: BLE001 - the others stop trusting theirs within the bound
        breaker.trip()


def _local_key(name: str, parts: Iterable[object], gens: Sequence[int]) -> str:
    """Keys over many dependencies embed a digest of the generations instead of all of them."""
    joined = ":".join(map(str, gens))
    if len(joined) > 64:
        joined = hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - a digest, not security
    return ":".join([name, *map(key_part, parts), joined])


def _local_generations(deps: Sequence[str]) -> list[int] | None:
    if breaker.is_open():
        return None
    try:
        gens = generations(deps)
    except Exception:  # noqa: BLE001 - a failing cache must not fail the request
        _unavailable(len(deps))
        return None
    return None if any(g is None for g in gens) else gens


def _cached_local(
    name: str,
    parts: Iterable[object],
    deps: list[str],
    build: Callable[[], T],
    timeout: int | None,
) -> T:
    """cached(local=True): this process's memory, else the shared cache, else `build()`
    (stored in both). The operator-wide values are large and their generations few (the
    mirror keeps them): the generations first, and the value is fetched only when this
    process does not have it under them."""
    gens = _local_generations(deps)
    if gens is None:
        return build()
    key = _local_key(name, parts, gens)
    value = local_values.get(key)
    if value is not None:
        CACHE_LOCAL_HIT.inc()
        return value
    ttl = _store_timeout(timeout)
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001
        return build()
    if value is None:
        CACHE_MISS.inc()
        value = build()
        try:
            cache.set(key, value, timeout=ttl)
        except Exception:  # noqa: BLE001
            return value
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps[:10])
    else:
        CACHE_SHARED_HIT.inc()
    # A value found in the shared cache may be older than ttl: kept no longer than a new one.
    local_values.put(key, value, ttl)
    return value


def _cached_device(
    name: str,
    parts: Iterable[object],
    deps: list[str],
    build: Callable[[], T],
    timeout: int | None,
) -> T:
    """cached(local="device"): this process's per-device memory, else the shared cache, else
    `build()` (stored in both).

    The memory's key embeds the generations, so a hit needs them all mirrored, and then makes
    no cache call. The values are small and there are many devices: 100,000 devices'
    generations do not fit the mirror, so a device's are often not there. Then one round trip
    reads the missing generations together with the shared entry, which carries the
    generations it was built from (_cached_shared, as cached() reads): one round trip per value
    where reading the generations first would take two."""
    if breaker.is_open():
        return build()
    prefix = _gen_prefix()
    if mirror.trusted(prefix):
        value = _device_memory_get(prefix, name, parts, deps)
        if value is not None:
            CACHE_LOCAL_HIT.inc()
            return value
    value, gens = _cached_shared(name, parts, deps, build, timeout)
    if gens is not None:
        # A value found in the shared cache may be older than its ttl: kept no longer than a new one.
        device_values.put(_local_key(name, parts, gens), value, _store_timeout(timeout))
    return value


def _device_memory_get(prefix: str, name: str, parts: Iterable[object], deps: Sequence[str]) -> Any:
    """The per-device memory's value for (name, parts) under the mirrored generations of
    `deps`; None when one of them is not mirrored or the memory lacks the value."""
    mirrored = mirror.get_many([prefix + d for d in deps])
    if len(mirrored) < len(deps):
        return None
    return device_values.get(_local_key(name, parts, [mirrored[prefix + d] for d in deps]))


def _pack(value: Any) -> bytes:
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _as_is(value: Any) -> Any:
    return value


def cached_many(
    name: str,
    items: Sequence[tuple[tuple, str]],
    build_missing: Callable[[list[tuple]], dict[tuple, Any]],
    *,
    timeout: int | None = None,
    packed: bool = False,
) -> dict[tuple, Any]:
    """Many values at once: `items` are (parts, dep) pairs; what neither this process's
    memory nor the shared cache has is built together by `build_missing(list of parts) ->
    {parts: value}`. Two cache round trips.

    packed=True keeps the values in this process's memory pickled: a third to a quarter of
    the bytes of the objects (the guide's day windows, lists of small dicts), so three to four
    times as many fit its byte budget, for an unpickling (tens of microseconds) on each read
    instead of a round trip. Each caller then gets its own copy."""
    if not packed:
        return _cached_many(name, items, build_missing, timeout, _as_is, _as_is)
    return _cached_many(name, items, build_missing, timeout, _pack, pickle.loads)


def _cached_many(
    name: str,
    items: Sequence[tuple[tuple, str]],
    build_missing: Callable[[list[tuple]], dict[tuple, Any]],
    timeout: int | None,
    pack: Callable[[Any], Any],
    unpack: Callable[[Any], Any],
) -> dict[tuple, Any]:
    if not items:
        return {}
    unique_deps = list(dict.fromkeys(d for _, d in items))
    gens = _local_generations(unique_deps)
    if gens is None:
        return build_missing([parts for parts, _ in items])
    by_dep = dict(zip(unique_deps, gens, strict=True))
    keys = {parts: _local_key(name, parts, [by_dep[d]]) for parts, d in items}
    result: dict[tuple, Any] = {}
    remote: dict[tuple, str] = {}
    for parts, key in keys.items():
        value = local_values.get(key)
        if value is not None:
            result[parts] = unpack(value)
        else:
            remote[parts] = key
    CACHE_LOCAL_HIT.inc(len(result))
    if not remote:
        return result
    try:
        found = cache.get_many(list(remote.values())) or {}
    except Exception:  # noqa: BLE001
        found = {}
    missing = []
    for parts, key in remote.items():
        value = found.get(key)
        if value is None:
            missing.append(parts)
        else:
            result[parts] = value
            local_values.put(key, pack(value), _store_timeout(timeout))
    CACHE_SHARED_HIT.inc(len(remote) - len(missing))
    if missing:
        CACHE_MISS.inc(len(missing))
        built = build_missing(missing)
        ttl = _store_timeout(timeout)
        try:
            cache.set_many({keys[parts]: built[parts] for parts in missing}, timeout=ttl)
        except Exception:  # noqa: BLE001
            return {**result, **{parts: built[parts] for parts in missing}}
        for parts in missing:
            result[parts] = built[parts]
            local_values.put(keys[parts], pack(built[parts]), ttl)
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, count=len(missing), deps=unique_deps[:10])
    return result
