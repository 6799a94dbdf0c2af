"""Login throttling against brute force: attempts counted per IP and per login (abonement or
phone) in the cache, so every process and server shares the counters.

Exact under concurrency: an attempt takes its slot with one atomic increment (Redis: INCR and
its expiry in one script) *before* the credentials are checked, and is refused when the count
it got is over the limit. Sixty parallel wrong passwords against a limit of ten give ten
checks and fifty refusals, never more. An attempt that did not guess at credentials (a
success, a refusal for another reason) gives its slot back.

When the cache cannot be reached (the circuit breaker is open, a command failed), the counters
live in this process's memory for the while: each worker still enforces the limit, so an
outage multiplies the allowance by the number of workers at most, never switches it off.

A sliding window approximated by two fixed buckets: the previous bucket counts in
proportion to how much of it is still inside the window."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from smarty.cache_backends import breaker

# The increment (or a give-back, never below zero nor creating a key) and the expiry, in one
# atomic step: no key is ever left without its expiry.
_INCR_SCRIPT = """
local by = tonumber(ARGV[2])
if by < 0 and redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('INCRBY', KEYS[1], by)
if n < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL'); n = 0 end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""


class _LocalCounters:
    """The per-process stand-in for the cache's counters while the cache is unreachable."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[int, float]] = {}

    def incr(self, key: str, by: int, timeout: float) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._values) > 10_000:
                self._values = {k: v for k, v in self._values.items() if v[1] > now}
            count, expires = self._values.get(key, (0, now + timeout))
            if expires <= now:
                count, expires = 0, now + timeout
            count = max(count + by, 0)
            self._values[key] = (count, expires)
            return count

    def get(self, key: str) -> int:
        with self._lock:
            count, expires = self._values.get(key, (0, 0.0))
            return count if expires > time.monotonic() else 0

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


local_counters = _LocalCounters()


def _window() -> int:
    return max(settings.SMARTY_LOGIN_ATTEMPTS_WINDOW, 1)


def _keys(kind: str, client_id: int, value: str) -> tuple[str, str, float]:
    window = _window()
    now = time.time()
    bucket = int(now // window)
    elapsed = (now % window) / window
    # The login or address as sent is hashed: a cache key made of whatever a client typed could
    # be any length and hold any character.
    digest = hashlib.blake2b(value.encode(), digest_size=16).hexdigest()
    base = f"login_failures:{kind}:{client_id}:{digest}"
    return f"{base}:{bucket}", f"{base}:{bucket - 1}", 1.0 - elapsed


def _redis_client():
    """The raw Redis client behind the cache, or None for another backend (locmem in tests)."""
    client = getattr(cache, "client", None)
    return client.get_client(write=True) if hasattr(client, "get_client") else None


def _shared_incr(key: str, by: int, timeout: int) -> int | None:
    """The counter after adding `by`, from the shared cache; None when it cannot be reached."""
    if breaker.is_open():
        return None
    try:
        raw = _redis_client()
        if raw is not None:
            return int(raw.eval(_INCR_SCRIPT, 1, cache.make_key(key), timeout, by))
        return _backend_incr(key, by, timeout)
    except RedisError as exc:
        breaker.trip(exc)
    except Exception as exc:  # noqa: BLE001 - django-redis wraps the error; a failing cache must not fail a login
        if breaker.is_open():  # the guarded client refused without sending
            return None
        breaker.trip(exc)
    return None


def _backend_incr(key: str, by: int, timeout: int) -> int:
    """Other backends (locmem): add-then-incr, each atomic under the backend's own lock."""
    if by < 0 and cache.get(key) is None:
        return 0
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, by)
    except ValueError:  # expired between the two calls
        cache.set(key, max(by, 0), timeout=timeout)
        return max(by, 0)


def _incr(key: str, by: int) -> int:
    timeout = _window() * 2
    found = _shared_incr(key, by, timeout)
    if found is None:
        return local_counters.incr(key, by, timeout)
    return found


def _get(key: str) -> int:
    if not breaker.is_open():
        failures = breaker.failures
        value = cache.get(key)
        if breaker.failures == failures:
            return int(value or 0)
    return local_counters.get(key)


def _targets(ip: str, login: str) -> list[tuple[str, str, int]]:
    targets = []
    if ip:
        targets.append(("ip", ip, settings.SMARTY_LOGIN_ATTEMPTS_PER_IP))
    if login:
        targets.append(("login", login, settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT))
    return targets


@dataclass
class LoginAttempt:
    """The slots one attempt took; `refused` when any of them was over its limit."""

    refused: bool = False
    keys: list[str] = field(default_factory=list)

    def release(self) -> None:
        """Give the slots back: the attempt did not guess at credentials (or was refused)."""
        keys, self.keys = self.keys, []
        for key in keys:
            _incr(key, -1)


def login_attempt_take(*, client_id: int, ip: str, login: str = "") -> LoginAttempt:
    """Count an attempt against the IP and the login before its credentials are checked.

    A refused attempt has already given its slots back; the caller answers "too many
    attempts". Otherwise the caller checks the credentials and calls `release()` unless they
    were wrong (a wrong guess keeps its slot until the window passes)."""
    attempt = LoginAttempt()
    for kind, value, limit in _targets(ip, login):
        if limit <= 0:
            continue
        current, previous, weight = _keys(kind, client_id, value)
        taken = _incr(current, 1)
        attempt.keys.append(current)
        if taken + _get(previous) * weight > limit:
            attempt.refused = True
            break
    if attempt.refused:
        attempt.release()
    return attempt
