"""What one request reads of a device, in one round trip (smarty.cache, "Reading").

A device's values (its session, its account and the account's tariffs, channel settings,
inbox: each cached by cached(name, parts, deps, local="device")) are brought into this
process's per-device memory (smarty.local_memory.device_values) before the request reads
them, so that cached() then finds them there:

- prefetch_device(values, keys): once the request knows which account it serves;
- held(read): what the memory holds already, so that a device it holds skips the rest;
- prefetch_device_linked(values, keys, link=..., linked=...): before it knows, following a
  link key to the ids it holds (link_set) in one script.

Nothing is trusted beyond what cached() checks itself: an entry is kept only under the
current generations, which the generation mirror then holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings

from .cache import (
    _device_memory_get,
    _gen_prefix,
    _local_key,
    _read,
    _shared_key,
    _store_timeout,
    _unavailable,
    mirror,
    redis_backend,
    redis_command,
    redis_script,
)
from .cache_backends import CacheUnavailableError, breaker
from .local_memory import device_values
from .metrics import CACHE_LOCAL_HIT

DeviceRead = tuple[str, tuple, Sequence[str], int | None]  # name, parts, deps, timeout: as cached() takes them


def prefetch_device(
    values: Sequence[DeviceRead], keys: dict[str, float] | None = None, *, also: Sequence[DeviceRead] = ()
) -> None:
    """Bring what one request will read of a device into this process's per-device memory in
    one round trip: the shared entries of `values` (read later by cached(name, parts, deps,
    timeout=..., local="device")) and plain `keys` (-> seconds to remember them), with the
    generations the mirror lacks. `also`: values the request may read, fetched only when that
    round trip is made anyway (a value nobody builds would otherwise cost a round trip on
    every request).

    Nothing is returned and nothing is trusted beyond what cached() itself checks: an entry
    goes into the memory under the generations it was built from only when they are the
    current ones, which the generation mirror then holds; a missing or stale entry is left to
    cached(), which reads and builds it as without the prefetch. Without a trusted mirror (no
    broadcast followed, or the local-memory cache) the memory could not be used: nothing is
    read."""
    if breaker.is_open():
        return
    prefix = _gen_prefix()
    if not mirror.trusted(prefix):
        return
    wanted = [read for read in values if _device_memory_get(prefix, *read[:3]) is None]
    plain = [key for key in (keys or {}) if device_values.get(key) is None]
    if not wanted and not plain:
        return
    wanted += [read for read in also if _device_memory_get(prefix, *read[:3]) is None]
    all_deps = list(dict.fromkeys(d for _, _, deps, _ in wanted for d in deps))
    entry_keys = [_shared_key(name, parts) for name, parts, _, _ in wanted]
    try:
        gens, found = _read(all_deps, [*entry_keys, *plain])
    except Exception:  # noqa: BLE001 - a failing cache must not fail the request
        _unavailable(len(all_deps))
        return
    _device_keep(
        wanted,
        [found.get(k) for k in entry_keys],
        dict(zip(all_deps, gens, strict=True)),
        {key: keys[key] for key in plain},
        [found.get(k) for k in plain],
    )


def _device_keep(
    reads: Sequence[DeviceRead], entries: Sequence, gens: dict[str, int], keys: dict[str, float], values: Sequence
) -> None:
    """What a device read found, into the per-device memory: each entry of `reads` only under
    the current generations `gens` (dependency -> generation; a missing one is left to
    cached(), which creates it), each plain key's value for the seconds `keys` gives it."""
    for (name, parts, deps, timeout), entry in zip(reads, entries, strict=True):
        current = tuple(gens.get(d) for d in deps)
        if entry is not None and entry[0] == current:
            device_values.put(_local_key(name, parts, current), entry[1], _store_timeout(timeout))
    for (key, seconds), value in zip(keys.items(), values, strict=True):
        if value is not None:
            device_values.put(key, value, seconds)


def held(read: DeviceRead) -> Any:
    """What cached(*read[:3], ..., local="device") would find in this process's per-device
    memory without a round trip; None when it would have to read (the breaker open, the
    mirror not trusted, a generation not mirrored, the value not held)."""
    if breaker.is_open():
        return None
    prefix = _gen_prefix()
    if not mirror.trusted(prefix):
        return None
    value = _device_memory_get(prefix, *read[:3])
    if value is not None:
        CACHE_LOCAL_HIT.inc()  # counted as cached() counts what it finds there
    return value


# -- one round trip for a device the process forgot (prefetch_device_linked) -----------------

# Stand-ins for the two ids a link names, while the linked keys are made into templates: the
# keys are made by the same functions as for real ids, then the stand-ins' digits replaced.
_LINK_IDS = ((982451653000001, 982451653000002), (982451653000003, 982451653000004))
# One round trip: MGET of KEYS (the first is the link, "<a>:<b>" written raw); when the link
# is there, the linked templates of ARGV with {a} and {b} replaced, in a second MGET.
_LINKED_SCRIPT = """
local found = redis.call('MGET', unpack(KEYS))
local link = found[1]
if not link or #ARGV == 0 then return {found} end
local a, b = string.match(link, '^(%d+):(%d+)$')
if not a then return {found} end
local keys = {}
for i, template in ipairs(ARGV) do
  keys[i] = (string.gsub((string.gsub(template, '{a}', a)), '{b}', b))
end
return {found, redis.call('MGET', unpack(keys))}
"""
_link_templates: dict[tuple, list[str]] = {}


def link_set(link: str, a: int, b: int, timeout: int | None = None) -> None:
    """Write the link `link` -> (a, b) that prefetch_device_linked follows (raw, so the script
    can read it; never read by cache.get). Nothing happens without the project's Redis."""
    backend = redis_backend()
    if backend is None:
        return
    ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
    with contextlib.suppress(CacheUnavailableError):  # without the link: two round trips next time
        redis_command(backend, "set", backend.make_key(link), f"{int(a)}:{int(b)}", ex=max(int(ttl), 1))


def _linked_keys(backend, prefix: str, reads: Sequence[DeviceRead], keys: Sequence[str]) -> list[str]:
    """The cache keys of `reads` (their entries, then their generations) and plain `keys`."""
    entries = [backend.make_key(_shared_key(name, parts)) for name, parts, _, _ in reads]
    gens = [backend.make_key(prefix + d) for d in dict.fromkeys(d for _, _, deps, _ in reads for d in deps)]
    return [*entries, *gens, *(backend.make_key(k) for k in keys)]


def _templates(backend, prefix: str, shape: Any, linked: Callable) -> list[str] | None:
    """The keys `linked` names as templates, made once per shape; None when its keys do not
    depend on the ids through their digits alone (a digest of them, say): then no link."""
    if (shape, prefix) not in _link_templates:
        made = []
        for ids in _LINK_IDS:
            reads, keys = linked(*ids)
            a, b = (str(n) for n in ids)
            named = _linked_keys(backend, prefix, reads, list(keys))
            made.append([k.replace(a, "{a}").replace(b, "{b}") for k in named])
        if len(_link_templates) > 64:
            _link_templates.clear()
        _link_templates[(shape, prefix)] = made[0] if made[0] == made[1] else None
    return _link_templates[(shape, prefix)]


def prefetch_device_linked(
    values: Sequence[DeviceRead],
    keys: dict[str, float],
    *,
    link: str,
    shape: Any,
    linked: Callable[[int, int], tuple[Sequence[DeviceRead], dict[str, float]]],
) -> bool | None:
    """prefetch_device for a device the process forgot, in one round trip where it would take
    two: `values` and `keys` as prefetch_device reads them, and what `linked(a, b)` names
    (values and plain keys), where (a, b) are the ids the link key `link` holds (link_set:
    a session's operator and account). `shape` names what `linked` returns apart from the
    ids (its keys are made once per shape into templates the script fills in).

    The same checks as prefetch_device: an entry is kept in the per-device memory only under
    the current generations (the mirror's, else the ones read with it). Returns None when no
    round trip was made (no trusted mirror, not the project's Redis, the cache failing, or
    every one of `values` in the memory already): the caller reads as without it. When made:
    True if the link was there and followed, False if not (the caller may write it)."""
    if breaker.is_open():
        return None
    prefix = _gen_prefix()
    if not mirror.trusted(prefix):
        return None
    values = [read for read in values if _device_memory_get(prefix, *read[:3]) is None]
    if not values:  # the usual case: nothing to read (and no need to look for the backend)
        return None
    backend = redis_backend()
    if backend is None:
        return None
    templates = _templates(backend, prefix, shape, linked)
    if templates is None:
        return None
    own = _linked_keys(backend, prefix, values, list(keys))
    seq = mirror.seq  # before the read: an invalidation heard meanwhile discards it
    try:
        answer = redis_script(backend, _LINKED_SCRIPT, [backend.make_key(link), *own], templates, write=False)
    except CacheUnavailableError:  # a failing cache must not fail the request
        return None
    found, linked_found = answer[0], (answer[1] if len(answer) > 1 else None)
    _linked_keep(backend, prefix, values, keys, found[1:], seq)
    if linked_found is None:
        return False
    a, b = (int(n) for n in found[0].split(b":"))
    reads, linked_keys = linked(a, b)
    _linked_keep(backend, prefix, reads, linked_keys, linked_found, seq)
    return True


def _linked_keep(
    backend, prefix: str, reads: Sequence[DeviceRead], keys: dict[str, float], raw: list, seq: int
) -> None:
    """What one MGET of _linked_keys found: the generations into the mirror (those it lacks),
    the rest as _device_keep keeps it."""
    decode = backend.client.decode
    deps = list(dict.fromkeys(d for _, _, ds, _ in reads for d in ds))
    entries, gens, plain = raw[: len(reads)], raw[len(reads) : len(reads) + len(deps)], raw[len(reads) + len(deps) :]
    gen_keys = [prefix + d for d in deps]
    known = mirror.get_many(gen_keys)
    read = {k: decode(v) for k, v in zip(gen_keys, gens, strict=True) if v is not None and k not in known}
    mirror.store(read, seq)
    known.update(read)
    current = {d: known[prefix + d] for d in deps if prefix + d in known}
    decoded = [None if v is None else decode(v) for v in entries]
    _device_keep(reads, decoded, current, keys, [None if v is None else decode(v) for v in plain])
