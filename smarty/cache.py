"""Versioned cache keys (ARCHITECTURE.md "Caching").

Every dependency (an operator's content, one EPG channel, one account...) has a generation
counter in the cache. A cached value is stored with the generations of all its dependencies
it was built from, so a change only bumps a counter: a stale value is never served, and is
rebuilt in place on the next read. Nothing has to be found and deleted.
Counters start from a random value, so a flushed cache cannot revive an old key.

If the cache is down (django-redis with IGNORE_EXCEPTIONS), reads miss and values are built
from the database: the API keeps answering.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from .logging import log_event

T = TypeVar("T")
_GEN = "gen:"


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
    gen_keys = [_GEN + d for d in deps]
    if not gen_keys:
        return []
    return list(_resolve(gen_keys, cache.get_many(gen_keys)))


def bump(*deps: str) -> None:
    """Invalidate everything that depends on any of `deps`."""
    for d in deps:
        key = _GEN + d
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, _fresh(), timeout=None)
        log_event("smarty_cache", "OBJECT_INVALIDATED", object=d, deps_key=key)


def cached(
    name: str,
    parts: Iterable[object],
    deps: Iterable[str],
    build: Callable[[], T],
    *,
    timeout: int | None = None,
) -> T:
    """The value for (name, parts), valid for the current generations of `deps`; built,
    stored and returned when missing or stale.

    One cache round trip on a hit: the entry is read together with the generation counters
    and carries the generations it was built from, so a hit is an entry whose generations
    equal the current ones. The generations are read *before* building, so a change that
    lands while building leaves an entry that the next read sees as stale.
    """
    deps = list(deps)
    key = "v:" + ":".join([name, *map(key_part, parts)])
    gen_keys = [_GEN + d for d in deps]
    found = cache.get_many([key, *gen_keys])
    gens = _resolve(gen_keys, found)
    entry = found.get(key)
    if entry is not None and entry[0] == gens:
        return entry[1]
    value = build()
    ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
    cache.set(key, (gens, value), timeout=ttl)
    log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=deps)
    return value
