"""Cache backends: django-redis behind a circuit breaker, and a client for a Redis Cluster
(seed 2.4.4's cluster mode).

The breaker (docs/architecture.md, "When the cache is down"): the first command that fails
(refused, reset, or no answer within SMARTY_CACHE_SOCKET_TIMEOUT) opens it, and for
SMARTY_CACHE_BREAKER_SECONDS every command of this process fails at once without touching the
network; the backend's IGNORE_EXCEPTIONS then answers "not cached", and smarty.cache builds
values from the database. A dead or paused Redis costs one socket timeout per process per
breaker period, never a worker timeout.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django_redis.cache import RedisCache
from django_redis.client import DefaultClient
from django_redis.compressors.identity import IdentityCompressor
from django_redis.exceptions import ConnectionInterrupted
from django_redis.serializers.pickle import PickleSerializer
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError

from .logging import log_event


class CacheUnavailableError(RedisConnectionError):
    """The breaker is open: the command was not sent."""


class CircuitBreaker:
    """Per-process state: closed (use the cache) or open until a time (skip it).

    `trips` counts openings: smarty.cache re-reads the cache epoch from the database when it
    changed, before trusting the cache again. `failures` counts failed commands, so a caller
    can tell whether its own commands reached the cache."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.trips = 0
        self.failures = 0

    def is_open(self) -> bool:
        return self._open_until > 0 and self.clock() < self._open_until

    def trip(self, error: BaseException | None = None) -> None:
        seconds = float(getattr(settings, "SMARTY_CACHE_BREAKER_SECONDS", 5))
        with self._lock:
            self.failures += 1
            was_open = self.is_open()
            self._open_until = self.clock() + max(seconds, 0.0)
            if not was_open:
                self.trips += 1
        if not was_open:
            log_event(
                "smarty_cache",
                "CACHE_UNAVAILABLE",
                level="WARNING",
                skip_seconds=seconds,
                error=repr(error) if error is not None else "",
            )

    def reset(self) -> None:
        """Closed at once (tests; an operator's shell after fixing the cache)."""
        with self._lock:
            self._open_until = 0.0


breaker = CircuitBreaker()


# The client's methods that never reach Redis (its serializer): they work with the breaker open,
# so code that encodes before a command (a script's arguments) fails at the command, where it
# handles CacheUnavailableError, not before it.
_OFFLINE = frozenset({"encode", "decode"})


class _GuardedClient:
    """A django-redis client whose every command passes the breaker."""

    def __init__(self, client: DefaultClient) -> None:
        self._client = client

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if name.startswith("_") or name in _OFFLINE or not callable(attr):
            return attr

        def command(*args, **kwargs):
            if breaker.is_open():
                raise ConnectionInterrupted(connection=None) from CacheUnavailableError("cache breaker open")
            try:
                return attr(*args, **kwargs)
            except ConnectionInterrupted as exc:
                breaker.trip(exc.__cause__)
                raise

        return command


class GuardedRedisCache(RedisCache):
    """django-redis's RedisCache with the circuit breaker in front of its client."""

    @property
    def client(self):
        if self._client is None:
            client = self._client_cls(self._server, self._params, self)
            _decode_pickles_first(client)
            self._client = _GuardedClient(client)
        return self._client


def _decode_pickles_first(client) -> None:
    """The client's decode() tries int() on every value before unpickling it, an exception
    per cached object: a device this process forgot decodes eight values in a row. With the
    default serializer and no compressor, a pickle (protocol 2 and up: django-redis writes
    the default protocol) starts with the PROTO opcode, which no integer's digits do: those
    go straight to pickle.loads, anything else to the client's own decode()."""
    if type(getattr(client, "_serializer", None)) is not PickleSerializer:
        return
    if type(getattr(client, "_compressor", None)) is not IdentityCompressor:
        return
    original, loads = client.decode, pickle.loads

    def decode(value):
        if type(value) is bytes and value[:1] == b"\x80":
            return loads(value)
        return original(value)

    client.decode = decode


class _Cluster(RedisCluster):
    """Keys of one get_many call live in different slots: read them slot by slot."""

    def mget(self, *keys, **kwargs):
        return self.mget_nonatomic(*keys)


class RedisClusterClient(DefaultClient):
    def __init__(self, server, params, backend) -> None:
        super().__init__(server, params, backend)
        nodes = []
        for item in self._options.get("STARTUP_NODES", []):
            host, _, port = item.partition(":")
            nodes.append(ClusterNode(host, int(port or 6379)))
        timeout = self._options.get("SOCKET_TIMEOUT", 1)
        connect_timeout = self._options.get("SOCKET_CONNECT_TIMEOUT", timeout)
        self._cluster = _Cluster(startup_nodes=nodes, socket_timeout=timeout, socket_connect_timeout=connect_timeout)

    def connect(self, index: int = 0):
        # Every "server index" of django-redis is the one cluster client.
        return self._cluster
