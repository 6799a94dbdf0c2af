"""Versioned cache keys (ARCHITECTURE.md "Caching").

Every dependency (an operator's content, one EPG channel, one account...) has a generation
counter in the cache. A cached value's key embeds the generations of all its dependencies,
so a change only bumps a counter: stale values are never read again and expire on their own.
Counters start from a random value, so a flushed cache cannot revive an old key.

If the cache is down (django-redis with IGNORE_EXCEPTIONS), reads miss and values are built
from the database: the API keeps answering.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from .logging import log_event

T = TypeVar("T")
_GEN = "gen:"


def dep(kind: str, ident: object) -> str:
    """A dependency name, e.g. dep("client_content", 3) -> "client_content:3"."""
    return f"{kind}:{ident}"


def _fresh() -> int:
    return secrets.randbelow(1 << 40) + 1


def generations(deps: Iterable[str]) -> list[int]:
    deps = list(deps)
    if not deps:
        return []
    keys = [_GEN + d for d in deps]
    found = cache.get_many(keys)
    missing = {k: _fresh() for k in keys if k not in found}
    if missing:
        for key, value in missing.items():
            # add() keeps a concurrent writer's value; re-read it then.
            if not cache.add(key, value, timeout=None):
                missing[key] = cache.get(key, value)
        found.update(missing)
    return [found[k] for k in keys]


def bump(*deps: str) -> None:
    """Invalidate everything that depends on any of `deps`."""
    for d in deps:
        key = _GEN + d
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, _fresh(), timeout=None)
        log_event("smarty_cache", "OBJECT_INVALIDATED", object=d, deps_key=key)


def versioned_key(name: str, parts: Iterable[object], deps: Iterable[str]) -> str:
    deps = list(deps)
    gens = generations(deps)
    return ":".join([name, *map(str, parts), *map(str, gens)])


def cached(
    name: str,
    parts: Iterable[object],
    deps: Iterable[str],
    build: Callable[[], T],
    *,
    timeout: int | None = None,
) -> T:
    """Get the value for (name, parts) valid for the current generations of deps, or build,
    store and return it."""
    deps = list(deps)
    key = versioned_key(name, parts, deps)
    value = cache.get(key)
    if value is not None:
        return value
    value = build()
    ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
    cache.set(key, value, timeout=ttl)
    log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps)
    return value


def get_or_none(key: str) -> Any:
    return cache.get(key)
