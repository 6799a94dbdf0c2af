"""Versioned cache keys (ARCHITECTURE.md "Caching"): the project's one caching API.

Every dependency (an operator's content, one EPG channel, one account...) has a generation
counter in the cache. A cached value is stored with the generations of all its dependencies
it was built from, so a change only bumps a counter: a stale value is never served, and is
rebuilt in place on the next read. Nothing has to be found and deleted.
Counters start from a random value, so a flushed cache cannot revive an old key.

Reading:
- cached(name, parts, deps, build): one value, one cache round trip on a hit. With
  local=True (large operator-wide values: channel catalogues and views, now/next snapshots)
  a per-process memory sits in front of the shared cache, see LocalValues.
- cached_many(name, items, build_missing): many values of one kind at once (EPG day windows),
  with the per-process memory in front.

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

import hashlib
import logging
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from .cache_backends import breaker
from .db_routing import replica_reads_active
from .logging import log_event
from .metrics import CACHE_LOCAL_HIT, CACHE_MISS, CACHE_SHARED_HIT
from .models import CacheEpoch

T = TypeVar("T")
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

    def current(self) -> int:
        """The epoch, re-read from the database when this process's breaker opened since the
        last read, or SMARTY_CACHE_EPOCH_SECONDS passed (0: only after a breaker opening)."""
        interval = float(getattr(settings, "SMARTY_CACHE_EPOCH_SECONDS", 5))
        now = breaker.clock()
        stale = self.trips != breaker.trips or (interval > 0 and (self.value is None or now - self.read_at >= interval))
        if stale:
            with self._lock:
                self.trips = breaker.trips
                self.value = epoch_read()
                self.read_at = now
        return self.value or 0

    def forget(self) -> None:
        self.value = None
        self.read_at = 0.0


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


def generations(deps: Iterable[str]) -> list[int]:
    """The current generation of each dependency (one cache round trip when all exist)."""
    deps = list(deps)
    if not deps:
        return []
    if breaker.is_open():
        return [_fresh() for _ in deps]
    prefix = _gen_prefix()
    gen_keys = [prefix + d for d in deps]
    return list(_resolve(gen_keys, cache.get_many(gen_keys)))


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
    if breaker.failures != failures:
        epoch_raise()


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
    local: bool = False,
) -> T:
    """The value for (name, parts), valid for the current generations of `deps`; built,
    stored and returned when missing or stale.

    One cache round trip on a hit: the entry is read together with the generation counters
    and carries the generations it was built from, so a hit is an entry whose generations
    equal the current ones. The generations are read *before* building, so a change that
    lands while building leaves an entry that the next read sees as stale.

    local=True keeps the value in this process's memory too (LocalValues), under a key that
    embeds the generations: a hit then reads only the counters from the shared cache.
    """
    if local:
        return _cached_local(name, parts, list(deps), build, timeout)
    deps = list(deps)
    if breaker.is_open():
        return build()
    key = "v:" + ":".join([name, *map(key_part, parts)])
    prefix = _gen_prefix()
    gen_keys = [prefix + d for d in deps]
    try:
        found = cache.get_many([key, *gen_keys])
        gens = _resolve(gen_keys, found)
    except Exception:  # noqa: BLE001 - a failing cache must not fail the request
        _unavailable(len(deps))
        return build()
    entry = found.get(key)
    if entry is not None and entry[0] == gens:
        CACHE_SHARED_HIT.inc()
        return entry[1]
    CACHE_MISS.inc()
    value = build()
    ttl = _store_timeout(timeout)
    try:
        cache.set(key, (gens, value), timeout=ttl)
    except Exception:  # noqa: BLE001
        return value
    log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps)
    return value


# -- the per-process memory in front of the shared cache (cached(local=True), cached_many) --


class LocalValues:
    """A small thread-safe LRU map of versioned key -> value (this process only).

    A versioned key names one immutable value (any change bumps a generation, which makes a
    new key), so a process may keep values it has seen and skip fetching and unpickling them:
    only the generations, a few small integers, are read from the shared cache on each
    request. At most SMARTY_LOCAL_CACHE_ENTRIES values (least recently used go first).
    """

    def __init__(self) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        size = int(getattr(settings, "SMARTY_LOCAL_CACHE_ENTRIES", 256))
        if size <= 0 or value is None:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


local_values = LocalValues()


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
    """Use the cache again at once, with the epoch as last read (tests; after a repair)."""
    breaker.reset()
    _epoch.trips = breaker.trips
    _epoch.forget()


def _local_key(name: str, parts: Iterable[object], gens: Sequence[int]) -> str:
    """Keys over many dependencies embed a digest of the generations instead of all of them."""
    joined = ":".join(map(str, gens))
    if len(joined) > 64:
        joined = hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - a digest, not security
    return ":".join([name, *map(str, parts), joined])


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
    name: str, parts: Iterable[object], deps: list[str], build: Callable[[], T], timeout: int | None
) -> T:
    """cached(local=True): this process's memory, else the shared cache, else `build()`
    (stored in both)."""
    gens = _local_generations(deps)
    if gens is None:
        return build()
    key = _local_key(name, parts, gens)
    value = local_values.get(key)
    if value is not None:
        CACHE_LOCAL_HIT.inc()
        return value
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001
        return build()
    if value is None:
        CACHE_MISS.inc()
        value = build()
        ttl = _store_timeout(timeout)
        try:
            cache.set(key, value, timeout=ttl)
        except Exception:  # noqa: BLE001
            return value
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps[:10])
    else:
        CACHE_SHARED_HIT.inc()
    local_values.put(key, value)
    return value


def cached_many(
    name: str,
    items: Sequence[tuple[tuple, str]],
    build_missing: Callable[[list[tuple]], dict[tuple, Any]],
    *,
    timeout: int | None = None,
) -> dict[tuple, Any]:
    """Many values at once: `items` are (parts, dep) pairs; what neither this process's
    memory nor the shared cache has is built together by `build_missing(list of parts) ->
    {parts: value}`. Two cache round trips."""
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
            result[parts] = value
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
            local_values.put(key, value)
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
            local_values.put(keys[parts], built[parts])
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, count=len(missing), deps=unique_deps[:10])
    return result
