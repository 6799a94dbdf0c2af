"""When the cache is down (docs/architecture.md): the circuit breaker, and the cache epoch that
keeps a write whose invalidation was lost from leaving stale access behind.

The last test pauses a private redis-server with SIGSTOP (started here; the shared Redis is
never touched) in the middle of a deactivation."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from django.core.cache import cache
from django.test import override_settings

from accounts.services.accounts import account_deactivate
from smarty import cache as versioned
from smarty.cache_backends import GuardedRedisCache, breaker
from smarty.models import CacheEpoch

REDIS_SERVER = shutil.which("redis-server")


class Clock:
    """The breaker's and the epoch's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(breaker, "clock", fake)
    return fake


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _guarded(port: int) -> GuardedRedisCache:
    return GuardedRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {
            "KEY_PREFIX": f"outage-{os.getpid()}",
            "OPTIONS": {"SOCKET_TIMEOUT": 0.25, "SOCKET_CONNECT_TIMEOUT": 0.25, "IGNORE_EXCEPTIONS": True},
        },
    )


def _status(client, op, authkey: str) -> dict:
    import json

    response = client.get(f"/tvmiddleware/api/account/status/?authkey={authkey}&client_id={op.client.pk}")
    return json.loads(response.content)


def _login(client, op) -> str:
    import json

    response = client.get(
        "/tvmiddleware/api/login/",
        {
            "abonement": op.account.abonement,
            "password": op.password,
            "client_id": op.client.pk,
            "api_key": op.client.api_key,
            "device": "android",
            "device_uid": f"outage-{op.client.pk}",
        },
    )
    body = json.loads(response.content)
    assert body["error"] == 0, body
    return body["authkey"]


# --- the breaker --------------------------------------------------------------------------


@override_settings(SMARTY_CACHE_BREAKER_SECONDS=5)
def test_a_failed_command_opens_the_breaker_and_later_commands_skip_the_network(clock):
    backend = _guarded(_free_port())  # nothing listens there: connection refused
    trips = breaker.trips
    assert backend.get("k") is None and backend.add("k", 1) is None
    assert breaker.trips == trips + 1 and breaker.is_open()

    sent = []
    inner = backend.client._client
    original = inner.get
    inner.get = lambda *a, **kw: sent.append(1) or original(*a, **kw)
    assert backend.get("k", "default") == "default" and backend.get_many(["a", "b"]) == {}
    assert sent == []  # skipped without touching the network

    clock.now += 5
    assert not breaker.is_open()
    assert backend.get("k") is None
    assert sent == [1] and breaker.is_open()  # tried once more, failed, open again


@override_settings(SMARTY_CACHE_BREAKER_SECONDS=5)
def test_the_clients_serializer_works_with_the_breaker_open(clock):
    """Encoding a script's arguments is no command: it must not raise before the command,
    which is where callers handle the outage."""
    backend = _guarded(_free_port())
    assert backend.get("k") is None and breaker.is_open()
    assert backend.client.decode(backend.client.encode({"a": 1})) == {"a": 1}


@override_settings(SMARTY_CACHE_BREAKER_SECONDS=5)
def test_while_the_breaker_is_open_values_come_from_the_database_without_cache_calls(clock, monkeypatch):
    calls = []
    monkeypatch.setattr(versioned, "cache", _Counting(calls))
    breaker.trip()
    built = iter(range(1, 100))
    assert versioned.cached("open", (), ["d:open"], lambda: next(built)) == 1
    assert versioned.cached("open", (), ["d:open"], lambda: next(built), local=True) == 2
    assert versioned.cached_many("open_many", [((1,), "d:open")], lambda missing: {p: 3 for p in missing}) == {(1,): 3}
    assert calls == []


class _Counting:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append(name)
            return getattr(cache, name)(*args, **kwargs)

        return call


# --- lost invalidations: the cache epoch ----------------------------------------------------


@override_settings(SMARTY_CACHE_BREAKER_SECONDS=5)
def test_a_bump_that_cannot_reach_the_cache_raises_the_epoch_and_outdates_every_value(transactional_db, clock):
    assert versioned.cached("thing", (1,), ["d:thing"], lambda: "old") == "old"
    assert versioned.cached("other", (1,), ["d:unrelated"], lambda: "old") == "old"
    breaker.trip()
    versioned.bump("d:thing")  # the cache is "down": the bump cannot reach it
    assert CacheEpoch.objects.get(pk=1).value == 1
    clock.now += 5  # the breaker closes; the cache still holds the old entries
    assert versioned.cached("thing", (1,), ["d:thing"], lambda: "new") == "new"
    assert versioned.cached("other", (1,), ["d:unrelated"], lambda: "new") == "new"  # everything
    assert versioned.cached("thing", (1,), ["d:thing"], lambda: "newer") == "new"  # cached again


def test_a_bump_inside_a_transaction_raises_the_epoch_on_commit(db, django_capture_on_commit_callbacks):
    from django.db import transaction

    breaker.trip()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            versioned.bump_now_and_on_commit("d:x")
            assert not CacheEpoch.objects.exists()  # no row lock held by the writer meanwhile
    assert CacheEpoch.objects.get(pk=1).value == 2  # the bump now and the one after commit


@override_settings(SMARTY_CACHE_BREAKER_SECONDS=5)
def test_a_deactivation_during_an_outage_leaves_no_stale_access_once_the_cache_is_back(
    transactional_db, client, operator, other_operator, clock
):
    authkey = _login(client, operator)
    theirs = _login(client, other_operator)
    assert _status(client, operator, authkey)["is_active"] == 1  # warm: session and account cached
    breaker.trip()  # the cache goes away
    account_deactivate(account=operator.account)
    refused = _status(client, operator, authkey)
    assert refused["status"] == 1 and refused["is_active"] == 0  # from the database meanwhile
    clock.now += 5  # the cache is back, with the entries cached before the deactivation
    refused = _status(client, operator, authkey)
    assert refused["status"] == 1 and refused["is_active"] == 0
    assert _status(client, other_operator, theirs)["is_active"] == 1  # the other operator is untouched


@override_settings(SMARTY_CACHE_EPOCH_SECONDS=5)
def test_a_process_that_never_saw_the_outage_rereads_the_epoch_within_the_bound(
    transactional_db, client, operator, clock
):
    authkey = _login(client, operator)
    assert _status(client, operator, authkey)["is_active"] == 1
    # Another process lost the invalidation of a deactivation and raised the epoch; this one's
    # cache still says the session is fine.
    from accounts.models import Account

    Account.objects.filter(pk=operator.account.pk).update(active=False)
    CacheEpoch.objects.create(pk=1, value=41)
    clock.now += 4.9
    assert _status(client, operator, authkey)["is_active"] == 1  # within the documented bound
    clock.now += 0.1
    assert _status(client, operator, authkey)["is_active"] == 0


# --- a real Redis paused with SIGSTOP -------------------------------------------------------


@pytest.fixture
def private_redis(tmp_path):
    if not REDIS_SERVER:
        pytest.skip("redis-server is not installed")
    port = _free_port()
    proc = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield proc, port
    finally:
        os.kill(proc.pid, signal.SIGCONT)
        proc.terminate()
        proc.wait(timeout=10)


@override_settings(SMARTY_CACHE_BREAKER_SECONDS=5)
def test_redis_paused_during_a_deactivation_refuses_the_old_authkey_and_waits_once(
    transactional_db, client, operator, private_redis, clock
):
    proc, port = private_redis
    caches = {
        "default": {
            "BACKEND": "smarty.cache_backends.GuardedRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "KEY_PREFIX": f"outage-{os.getpid()}",
            "OPTIONS": {"SOCKET_TIMEOUT": 0.25, "SOCKET_CONNECT_TIMEOUT": 0.25, "IGNORE_EXCEPTIONS": True},
        }
    }
    with override_settings(CACHES=caches):
        authkey = _login(client, operator)
        assert _status(client, operator, authkey)["is_active"] == 1
        assert any(b"session" in key for key in _redis_keys(port))  # the session is cached in Redis
        failures = breaker.failures
        os.kill(proc.pid, signal.SIGSTOP)
        try:
            # A device request meets the paused Redis first: the deactivation's invalidations
            # then never reach it (no command of theirs is even sent).
            assert _status(client, operator, authkey)["is_active"] == 1
            account_deactivate(account=operator.account)
            for _ in range(5):
                assert _status(client, operator, authkey)["is_active"] == 0
            # One command waited its socket timeout (0.25 s); every other one skipped Redis.
            assert breaker.failures == failures + 1
        finally:
            os.kill(proc.pid, signal.SIGCONT)
        clock.now += 5
        body = _status(client, operator, authkey)
        assert body["status"] == 1 and body["is_active"] == 0
        assert not breaker.is_open()  # served with Redis back in use


def _redis_keys(port: int) -> list[bytes]:
    import redis

    return redis.Redis(host="127.0.0.1", port=port).keys("*")


@pytest.mark.skipif(not os.environ.get("SMARTY_REDIS_URL"), reason="reads and writes Redis: the Redis pass")
def test_values_decode_as_they_were_written_with_pickles_decoded_first():
    """GuardedRedisCache unpickles what starts as a pickle without django-redis' int() attempt
    first, and leaves the client's own decode() to anything else (integers) and to other
    serializers."""
    from django.conf import settings

    conf = settings.CACHES["default"]
    backend = GuardedRedisCache(conf["LOCATION"], {**conf, "KEY_PREFIX": "decode-test"})
    values = {"int": 7, "negative": -5, "big": 2**40, "zero": 0, "true": True, "float": 1.5, "text": "7",
              "bytes": b"\x80raw", "dict": {"a": [1, 2]}, "tuple": (1, "x"), "none_inside": [None]}  # fmt: skip
    try:
        backend.set_many(values)
        assert backend.get_many(list(values)) == values
        assert all(type(backend.get(key)) is type(value) for key, value in values.items())
        assert "decode" in vars(backend.client._client)  # the pickles-first decode is in place
    finally:
        backend.delete_many(list(values))

    other = GuardedRedisCache(
        conf["LOCATION"],
        {
            **conf,
            "KEY_PREFIX": "decode-test",
            "OPTIONS": {**conf["OPTIONS"], "SERIALIZER": "django_redis.serializers.json.JSONSerializer"},
        },
    )
    assert "decode" not in vars(other.client._client)  # another serializer: the client's own
    try:
        other.set("json", {"a": 1})
        assert other.get("json") == {"a": 1}
    finally:
        other.delete("json")
