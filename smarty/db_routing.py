"""Read replicas (SMARTY_DATABASE_REPLICA_URLS; docs/scaling.md "Read replicas").

The device API's reads go to a replica; everything else stays on the primary ("default"):
- writes, always;
- every read of a request after its first write (the request reads what it wrote);
- reads inside a transaction (select_for_update, check-then-act under a lock);
- reads outside a device request: the admin, the other APIs, commands and Celery tasks;
- reads while no replica is within SMARTY_DATABASE_REPLICA_MAX_LAG seconds of the primary
  (each process asks a replica for its lag at most every SMARTY_DATABASE_REPLICA_LAG_CHECK
  seconds; a replica that is not replicating, or cannot be asked, counts as too far behind).

A value the shared cache keeps may be built from a replica that has not yet received the
change that made the value stale: smarty.cache keeps such values at most
SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT seconds (replica_reads_active()).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("smarty_main")

PRIMARY = "default"


@dataclass
class _RequestState:
    replicas_allowed: bool
    wrote: bool = False
    replica: str | None = None


_state: ContextVar[_RequestState | None] = ContextVar("smarty_db_routing", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


class _Lag:
    """Each replica's lag as this process last measured it."""

    def __init__(self) -> None:
        self._checked: dict[str, tuple[float, float]] = {}  # alias -> (monotonic time, lag)
        self._lock = threading.Lock()

    def seconds(self, alias: str) -> float:
        now = time.monotonic()
        with self._lock:
            checked = self._checked.get(alias)
        if checked is not None and now - checked[0] < settings.SMARTY_DATABASE_REPLICA_LAG_CHECK:
            return checked[1]
        lag = measure_lag(alias)
        with self._lock:
            self._checked[alias] = (now, lag)
        return lag

    def clear(self) -> None:
        with self._lock:
            self._checked.clear()


lag = _Lag()


def measure_lag(alias: str) -> float:
    """Seconds the replica is behind its primary (MariaDB/MySQL); infinity when it is not
    replicating or cannot be asked. Other engines are taken as current."""
    connection = connections[alias]
    if connection.vendor != "mysql":
        return 0.0
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW SLAVE STATUS")
            row = cursor.fetchone()
            names = [column[0] for column in cursor.description or ()]
    except Exception:  # noqa: BLE001 - an unreachable replica is skipped, not an error page
        logger.warning("REPLICA_UNAVAILABLE", exc_info=True, extra={"event": "REPLICA_UNAVAILABLE", "context": {}})
        return float("inf")
    if row is None:
        return 0.0  # not a replica of anything: a copy kept current by other means
    behind = dict(zip(names, row, strict=False)).get("Seconds_Behind_Master")
    return float("inf") if behind is None else float(behind)


def _choose_replica() -> str | None:
    aliases = replica_aliases()
    random.shuffle(aliases)
    for alias in aliases:
        if lag.seconds(alias) <= settings.SMARTY_DATABASE_REPLICA_MAX_LAG:
            return alias
    return None


def replica_reads_active() -> bool:
    """Whether the current request reads from a replica now."""
    state = _state.get()
    return state is not None and state.replica is not None and not state.wrote


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside go to the primary."""
    token = _state.set(None)
    try:
        yield
    finally:
        _state.reset(token)


class ReplicaRouter:
    """The database router (DATABASE_ROUTERS) when replicas are configured."""

    def db_for_read(self, model, **hints) -> str:
        state = _state.get()
        if state is None or not state.replicas_allowed or state.wrote:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        if state.replica is None:
            state.replica = _choose_replica()
            if state.replica is None:
                state.replicas_allowed = False  # none close enough: this request stays on the primary
                return PRIMARY
        return state.replica

    def db_for_write(self, model, **hints) -> str:
        state = _state.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == PRIMARY


class ReplicaRoutingMiddleware:
    """Marks device API requests (SMARTY_DATABASE_REPLICA_PATHS) as readable from a replica."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(settings.SMARTY_DATABASE_REPLICA_PATHS)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _state.set(_RequestState(replicas_allowed=request.path.startswith(self.prefixes)))
        try:
            return self.get_response(request)
        finally:
            _state.reset(token)
