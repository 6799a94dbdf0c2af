"""Versioned caching for large, operator-wide values (channel catalogues and views, now/next
snapshots, EPG day windows), on top of smarty.cache's generations.

Two additions to smarty.cache.cached:

- A per-process memory in front of the shared cache. A versioned key names one immutable
  value (any change bumps a generation, which makes a new key), so a process may keep values
  it has seen and skip fetching and unpickling them: only the generations, a few small
  integers, are read from Redis on each request. The memory holds at most
  SMARTY_LOCAL_CACHE_ENTRIES values (least recently used go first).
- Robustness: when the generations cannot be read (cache down) or the cache raises, the value
  is built from the database and nothing is remembered, so no stale value can be served.

Keys over many dependencies embed a digest of the generations instead of all of them.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from smarty.cache import generations
from smarty.logging import log_event

T = TypeVar("T")
logger = logging.getLogger("smarty_cache")


class LocalValues:
    """A small thread-safe LRU map of versioned key -> value (this process only)."""

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


def _key(name: str, parts: Iterable[object], gens: Sequence[int]) -> str:
    joined = ":".join(map(str, gens))
    if len(joined) > 64:
        joined = hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - a digest, not security
    return ":".join([name, *map(str, parts), joined])


def _generations(deps: Sequence[str]) -> list[int] | None:
    try:
        gens = generations(deps)
    except Exception:  # noqa: BLE001 - a failing cache must not fail the request
        logger.warning("CACHE_UNAVAILABLE", extra={"event": "CACHE_UNAVAILABLE", "context": {"deps": len(deps)}})
        return None
    return None if any(g is None for g in gens) else gens


def cached_value(
    name: str,
    parts: Iterable[object],
    deps: Sequence[str],
    build: Callable[[], T],
    *,
    timeout: int | None = None,
) -> T:
    """The value of (name, parts) for the current generations of `deps`: from this process's
    memory, else the shared cache, else `build()` (stored in both)."""
    deps = list(deps)
    gens = _generations(deps)
    if gens is None:
        return build()
    key = _key(name, parts, gens)
    value = local_values.get(key)
    if value is not None:
        return value
    try:
        value = cache.get(key)
    except Exception:  # noqa: BLE001
        return build()
    if value is None:
        value = build()
        ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
        try:
            cache.set(key, value, timeout=ttl)
        except Exception:  # noqa: BLE001
            return value
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps[:10])
    local_values.put(key, value)
    return value


def cached_values(
    name: str,
    items: Sequence[tuple[tuple, str]],
    build_missing: Callable[[list[tuple]], dict[tuple, Any]],
    *,
    timeout: int | None = None,
) -> dict[tuple, Any]:
    """Many values at once: `items` are (parts, dep) pairs; what neither memory has is built
    together by `build_missing(list of parts) -> {parts: value}`. Two cache round trips."""
    if not items:
        return {}
    unique_deps = list(dict.fromkeys(d for _, d in items))
    gens = _generations(unique_deps)
    if gens is None:
        return build_missing([parts for parts, _ in items])
    by_dep = dict(zip(unique_deps, gens, strict=True))
    keys = {parts: _key(name, parts, [by_dep[d]]) for parts, d in items}
    result: dict[tuple, Any] = {}
    remote: dict[tuple, str] = {}
    for parts, key in keys.items():
        value = local_values.get(key)
        if value is not None:
            result[parts] = value
        else:
            remote[parts] = key
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
    if missing:
        built = build_missing(missing)
        ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
        try:
            cache.set_many({keys[parts]: built[parts] for parts in missing}, timeout=ttl)
        except Exception:  # noqa: BLE001
            return {**result, **{parts: built[parts] for parts in missing}}
        for parts in missing:
            result[parts] = built[parts]
            local_values.put(keys[parts], built[parts])
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, count=len(missing), deps=unique_deps[:10])
    return result
