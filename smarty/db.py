"""Database helpers shared by every app: retrying a transaction the database gave up on.

A server database may abort a transaction that did nothing wrong: MariaDB/MySQL answer 1213
(deadlock found) or 1205 (lock wait timeout), PostgreSQL 40P01 (deadlock detected) or 40001
(serialization failure). The whole transaction is then rolled back (or must be), and running
it again from the start is the documented cure. `retry_on_deadlock` does that, a bounded
number of times with a small jittered backoff, and only at the outermost transaction: inside
an enclosing `atomic` block the work done before the failure is already gone with it, so the
error goes up to whoever opened that block.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

from .logging import log_event

P = ParamSpec("P")
R = TypeVar("R")

# MariaDB/MySQL error numbers (args[0] of the driver's OperationalError).
MYSQL_RETRYABLE = {1213, 1205}
# PostgreSQL SQLSTATEs: deadlock_detected, serialization_failure.
POSTGRES_RETRYABLE = {"40P01", "40001"}


def is_retryable(exc: BaseException) -> bool:
    """Whether the database aborted the transaction for a reason a rerun can cure."""
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__ or exc
    pgcode = getattr(cause, "pgcode", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if pgcode in POSTGRES_RETRYABLE:
        return True
    args = getattr(cause, "args", ()) or exc.args
    return bool(args) and args[0] in MYSQL_RETRYABLE


def run_with_retry(func: Callable[[], R], *, using: str = DEFAULT_DB_ALIAS, atomic: bool = True) -> R:
    """Run `func` (in one transaction when `atomic`) and run it again, up to
    SMARTY_DB_RETRY_ATTEMPTS times in all, while the database aborts it with a deadlock or a
    lock wait timeout. Inside an enclosing transaction it runs once: a retry there would
    repeat half a transaction."""
    attempts = max(int(settings.SMARTY_DB_RETRY_ATTEMPTS), 1)
    base_delay = float(settings.SMARTY_DB_RETRY_DELAY)
    body = transaction.atomic(using=using)(func) if atomic else func
    if connections[using].in_atomic_block:
        return body()
    for attempt in range(1, attempts + 1):
        try:
            return body()
        except OperationalError as exc:
            if attempt >= attempts or not is_retryable(exc):
                raise
            log_event(
                "smarty_main",
                "DB_TRANSACTION_RETRY",
                level="WARNING",
                attempt=attempt,
                error=str(exc),
            )
            # Jittered and growing: the transactions that collided must not meet again.
            time.sleep(random.uniform(0.5, 1.5) * base_delay * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def retry_on_deadlock(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function whose whole body is one transaction (see run_with_retry)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return run_with_retry(lambda: func(*args, **kwargs))

    return wrapper
