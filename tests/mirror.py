"""Waiting for the generation mirror before a test counts cache round trips."""

from __future__ import annotations

import time

from smarty.cache import mirror


def wait_until(condition, seconds: float) -> float:
    """Seconds until condition() held (fails after `seconds`)."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, "not within the bound"
        time.sleep(0.01)
    return time.monotonic() - start


def _heard_since(moment: float) -> bool:
    listener = mirror._listener
    heard = listener.heard_at if listener is not None else None
    return mirror.trusted() and heard is not None and heard >= moment


def settle_the_mirror(seconds: float = 5.0) -> None:
    """Wait until the mirror is trusted and its listener has heard a ping sent after this call.

    Redis answers a subscription in order, so by then every broadcast published before the
    call (an earlier test's bump, the creation of the generations a test has just read) has
    been applied: none arrives in the middle of what the test counts and makes a read go to
    Redis. The trust is then fresh for its whole bound. On a loaded machine a message or a
    pong can take longer than the few milliseconds a test's reads take."""
    since = mirror.clock()
    wait_until(lambda: _heard_since(since), seconds)
