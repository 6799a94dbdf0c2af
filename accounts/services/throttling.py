"""Login throttling against brute force: failed attempts counted per IP and per login
(abonement or phone) in the cache, so every process and server shares the counters.

A sliding window approximated by two fixed buckets: the previous bucket counts in
proportion to how much of it is still inside the window."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def _keys(kind: str, client_id: int, value: str) -> tuple[str, str, float]:
    window = max(settings.SMARTY_LOGIN_ATTEMPTS_WINDOW, 1)
    now = time.time()
    bucket = int(now // window)
    elapsed = (now % window) / window
    # The login or address as sent is hashed: a cache key made of whatever a client typed could
    # be any length and hold any character.
    digest = hashlib.blake2b(value.encode(), digest_size=16).hexdigest()
    base = f"login_failures:{kind}:{client_id}:{digest}"
    return f"{base}:{bucket}", f"{base}:{bucket - 1}", 1.0 - elapsed


def _count(kind: str, client_id: int, value: str) -> float:
    current, previous, weight = _keys(kind, client_id, value)
    found = cache.get_many([current, previous])
    return found.get(current, 0) + found.get(previous, 0) * weight


def _targets(ip: str, login: str) -> list[tuple[str, str, int]]:
    targets = []
    if ip:
        targets.append(("ip", ip, settings.SMARTY_LOGIN_ATTEMPTS_PER_IP))
    if login:
        targets.append(("login", login, settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT))
    return targets


def login_attempts_exceeded(*, client_id: int, ip: str, login: str = "") -> bool:
    """True when the IP or the login has used up its failed attempts for the window."""
    return any(limit > 0 and _count(kind, client_id, value) >= limit for kind, value, limit in _targets(ip, login))


def login_failure_record(*, client_id: int, ip: str, login: str = "") -> None:
    window = max(settings.SMARTY_LOGIN_ATTEMPTS_WINDOW, 1)
    for kind, value, _limit in _targets(ip, login):
        key, _previous, _weight = _keys(kind, client_id, value)
        cache.add(key, 0, timeout=window * 2)
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, timeout=window * 2)
