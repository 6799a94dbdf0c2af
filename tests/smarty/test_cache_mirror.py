"""The generation mirror (docs/architecture.md, "Caching"): generations kept in each process,
dropped by a broadcast on bump, trusted only while the listener hears from Redis.

Most of these need the project's Redis backend (the services pass); the embedded pass checks
that the mirror stays off there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from smarty import cache as versioned
from smarty import device_reads
from smarty.cache import bump, cached, cached_many, generations, mirror
from tests.mirror import settle_the_mirror, wait_until

ROOT = Path(__file__).resolve().parent.parent.parent
ON_REDIS = settings.CACHES["default"]["BACKEND"] == "smarty.cache_backends.GuardedRedisCache" and not bool(
    settings.REDIS_CLUSTER_NODES
)
redis_pass = pytest.mark.skipif(not ON_REDIS, reason="the mirror follows the project's Redis backend: services pass")


def _mirrored(deps: list[str]) -> bool:
    generations(deps)
    return mirror.trusted() and len(mirror.get_many(["gen:" + d for d in deps])) == len(deps)


def _settled(deps: list[str]) -> None:
    """deps' generations in the mirror, and no broadcast left in flight before a test counts
    round trips (tests.mirror.settle_the_mirror)."""
    wait_until(lambda: _mirrored(deps), 5)
    settle_the_mirror()
    assert _mirrored(deps)


def _raw_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def test_the_mirror_stays_off_without_the_projects_redis_backend():
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        assert not mirror.active() and not mirror.trusted()
        generations(["d:off"])
        assert mirror.get_many(["gen:d:off"]) == {}


@redis_pass
def test_mirrored_generations_and_local_values_cost_no_cache_round_trip(cache_round_trips):
    deps = ["d:m1", "d:m2"]
    cached("mirrored", (1,), deps, lambda: "value", local=True)
    cached_many("mirrored_many", [((1,), "d:m1"), ((2,), "d:m2")], lambda missing: {p: p[0] for p in missing})
    _settled(deps)
    cached("mirrored", (1,), deps, lambda: "value", local=True)
    cache_round_trips.clear()
    assert cached("mirrored", (1,), deps, lambda: "rebuilt", local=True) == "value"
    assert cached_many("mirrored_many", [((1,), "d:m1"), ((2,), "d:m2")], lambda missing: {}) == {(1,): 1, (2,): 2}
    assert generations(deps)
    assert len(cache_round_trips) == 0, cache_round_trips.commands
    bump("d:m2")  # one round trip: the counters and the broadcast together
    assert len(cache_round_trips) == 1
    assert cached("mirrored", (1,), deps, lambda: "rebuilt", local=True) == "rebuilt"


@redis_pass
def test_a_read_that_overlapped_an_invalidation_is_not_kept():
    wait_until(lambda: _mirrored(["d:race"]), 5)
    seq = mirror.seq
    mirror.invalidate(["gen:d:other"])  # a message heard while a read was in flight
    mirror.store({"gen:d:late": 7}, seq)
    assert mirror.get_many(["gen:d:late"]) == {}
    mirror.store({"gen:d:late": 7}, mirror.seq)
    assert mirror.get_many(["gen:d:late"]) == {"gen:d:late": 7}


@redis_pass
def test_a_full_mirror_lets_its_oldest_quarter_go_and_keeps_the_rest():
    wait_until(lambda: _mirrored(["d:full"]), 5)
    with override_settings(SMARTY_CACHE_MIRROR_ENTRIES=8):
        mirror.clear()
        mirror.store({f"gen:d:f{i}": i for i in range(8)}, mirror.seq)
        assert len(mirror) == 8
        mirror.store({"gen:d:f8": 8}, mirror.seq)  # one past the bound: the oldest two go
        assert len(mirror) == 7
        assert mirror.get_many([f"gen:d:f{i}" for i in range(9)]) == {f"gen:d:f{i}": i for i in range(2, 9)}
        mirror.store({f"gen:d:g{i}": i for i in range(12)}, mirror.seq)  # more than the bound at once
        assert len(mirror) <= 8
        assert mirror.get_many(["gen:d:g11", "gen:d:g10"]) == {"gen:d:g11": 11, "gen:d:g10": 10}
        assert mirror.get_many(["gen:d:f8"]) == {}
    mirror.clear()


@redis_pass
def test_an_open_breaker_or_a_new_epoch_clears_the_mirror():
    wait_until(lambda: _mirrored(["d:clear"]), 5)
    versioned.breaker.trip()
    assert not mirror.trusted() and len(mirror) == 0
    versioned.breaker_reset()
    wait_until(lambda: _mirrored(["d:clear"]), 5)
    assert not mirror.trusted("gen:41:") and len(mirror) == 0


def _device_value(name: str, deps: list[str], value: object) -> object:
    return cached(name, (1,), deps, lambda: value, local="device")


@redis_pass
def test_a_prefetch_reads_device_values_and_notes_in_one_round_trip(cache_round_trips):
    from django.core.cache import cache

    _device_value("pf_a", ["d:pfa"], "a")
    _device_value("pf_b", ["d:pfa", "d:pfb"], "b")
    cache.set("note:pf", "seen", 60)
    _settled(["d:pfa", "d:pfb"])
    versioned.device_values.clear()
    mirror.invalidate(["gen:d:pfa", "gen:d:pfb"])  # a device the process forgot
    cache_round_trips.clear()
    reads = [("pf_a", (1,), ["d:pfa"], None), ("pf_b", (1,), ["d:pfa", "d:pfb"], None)]
    device_reads.prefetch_device(reads, {"note:pf": 30})
    assert len(cache_round_trips) == 1, cache_round_trips.commands
    assert _device_value("pf_a", ["d:pfa"], "rebuilt") == "a"
    assert _device_value("pf_b", ["d:pfa", "d:pfb"], "rebuilt") == "b"
    assert versioned.device_values.get("note:pf") == "seen"
    assert len(cache_round_trips) == 1, cache_round_trips.commands
    # all in memory now: a second prefetch has nothing to read
    device_reads.prefetch_device(reads, {"note:pf": 30})
    assert len(cache_round_trips) == 1


@redis_pass
def test_a_prefetch_takes_no_stale_entry_and_reads_also_only_with_a_round_trip(cache_round_trips):
    _device_value("pf_c", ["d:pfc"], "old")
    _device_value("pf_d", ["d:pfd"], "d")
    _settled(["d:pfc", "d:pfd"])
    bump("d:pfc")
    versioned.device_values.clear()
    device_reads.prefetch_device([("pf_c", (1,), ["d:pfc"], None)])
    assert _device_value("pf_c", ["d:pfc"], "new") == "new"  # the stale entry was left to cached()
    # `also` only rides along: with every needed value in memory it costs nothing
    settle_the_mirror()  # the bump's broadcast heard before counting
    cache_round_trips.clear()
    device_reads.prefetch_device([("pf_c", (1,), ["d:pfc"], None)], also=[("pf_d", (1,), ["d:pfd"], None)])
    assert len(cache_round_trips) == 0
    mirror.invalidate(["gen:d:pfc"])
    device_reads.prefetch_device([("pf_c", (1,), ["d:pfc"], None)], also=[("pf_d", (1,), ["d:pfd"], None)])
    assert len(cache_round_trips) == 1
    assert _device_value("pf_d", ["d:pfd"], "rebuilt") == "d"
    assert len(cache_round_trips) == 1, cache_round_trips.commands


@redis_pass
def test_a_prefetch_reads_nothing_while_the_mirror_is_not_trusted(cache_round_trips):
    _device_value("pf_e", ["d:pfe"], "e")
    versioned.breaker.trip()
    cache_round_trips.clear()
    device_reads.prefetch_device([("pf_e", (1,), ["d:pfe"], None)], {"note:pf": 30})
    assert len(cache_round_trips) == 0


def _linked(a: int, b: int):
    return [(f"lk_{a}", (1,), [f"d:lka{a}", f"d:lkb{b}"], None)], {f"note:lk{b}": 30}


@redis_pass
def test_a_linked_prefetch_follows_the_link_in_one_round_trip_and_takes_no_stale_entry(cache_round_trips):
    from django.core.cache import cache

    _device_value("lk_own", ["d:lko"], "own")
    _device_value("lk_7", ["d:lka7", "d:lkb8"], "seven")
    cache.set("note:lk8", "noted", 60)
    _settled(["d:lko", "d:lka7", "d:lkb8"])
    own = [("lk_own", (1,), ["d:lko"], None)]

    def forget():
        versioned.device_values.clear()
        mirror.invalidate(["gen:d:lko", "gen:d:lka7", "gen:d:lkb8"])

    forget()
    cache_round_trips.clear()
    # no link yet: the own values only, and False says so
    assert device_reads.prefetch_device_linked(own, {}, link="link:lk", shape="lk", linked=_linked) is False
    assert len(cache_round_trips) == 1
    assert _device_value("lk_own", ["d:lko"], "rebuilt") == "own"
    device_reads.link_set("link:lk", 7, 8)
    forget()
    cache_round_trips.clear()
    assert device_reads.prefetch_device_linked(own, {}, link="link:lk", shape="lk", linked=_linked) is True
    assert len(cache_round_trips) == 1, cache_round_trips.commands
    assert _device_value("lk_own", ["d:lko"], "rebuilt") == "own"
    assert _device_value("lk_7", ["d:lka7", "d:lkb8"], "rebuilt") == "seven"  # the link's (7, 8)
    assert versioned.device_values.get("note:lk8") == "noted"
    assert len(cache_round_trips) == 1, cache_round_trips.commands
    # nothing left to read: no round trip
    assert device_reads.prefetch_device_linked(own, {}, link="link:lk", shape="lk", linked=_linked) is None
    assert len(cache_round_trips) == 1
    # a bumped generation: the linked entry is left to cached(), which rebuilds it
    bump("d:lkb8")
    forget()
    assert device_reads.prefetch_device_linked(own, {}, link="link:lk", shape="lk", linked=_linked) is True
    assert _device_value("lk_7", ["d:lka7", "d:lkb8"], "new") == "new"


@redis_pass
def test_a_linked_prefetch_is_not_made_when_the_keys_hide_the_ids(cache_round_trips):
    """Keys that depend on the ids other than through their digits (a digest) cannot be made
    into templates: no round trip, the caller reads as without the link."""
    device_reads.link_set("link:lkh", 7, 8)

    def hidden(a: int, b: int):
        return [("lk_h", (f"x{a}-{b}!",), ["d:lkh"], None)], {}

    cache_round_trips.clear()
    own = [("lk_h_own", (1,), ["d:lkho"], None)]
    assert device_reads.prefetch_device_linked(own, {}, link="link:lkh", shape="lkh", linked=hidden) is None
    assert len(cache_round_trips) == 0


BUMP_ELSEWHERE = """
import os, sys
import django
django.setup()
from django.conf import settings
settings.CACHES["default"]["KEY_PREFIX"] = sys.argv[1]
from smarty.cache import bump
bump(sys.argv[2])
"""


@redis_pass
def test_a_bump_in_another_process_reaches_this_ones_mirror_within_the_bound():
    before = generations(["d:elsewhere"])
    wait_until(lambda: _mirrored(["d:elsewhere"]), 5)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings.test"}
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    subprocess.run(
        [sys.executable, "-c", BUMP_ELSEWHERE, prefix, "d:elsewhere"], cwd=ROOT, env=env, check=True, timeout=60
    )
    bound = settings.SMARTY_CACHE_LOCAL_STALENESS
    wait_until(lambda: generations(["d:elsewhere"]) != before, bound)
    assert generations(["d:elsewhere"]) == [before[0] + 1]


def _kill_listener_connection() -> None:
    """CLIENT KILL the connection of this process's listener (found by its name)."""
    raw = _raw_redis()
    name = mirror.connection_name
    ids = [c["id"] for c in raw.client_list() if c.get("name") == name]
    assert ids, "the listener's connection is not there"
    for ident in ids:
        raw.client_kill_filter(_id=ident)


def _bump_unheard(dep: str) -> None:
    """Another process's bump whose broadcast this process's listener misses."""
    backend = caches["default"]
    _raw_redis().incr(backend.make_key("gen:" + dep))


@redis_pass
def test_a_killed_listener_connection_never_leaves_a_lost_bump_in_use_beyond_the_bound():
    before = generations(["d:lost"])
    wait_until(lambda: _mirrored(["d:lost"]), 5)
    _kill_listener_connection()
    _bump_unheard("d:lost")  # published while nobody listened here
    bound = settings.SMARTY_CACHE_LOCAL_STALENESS
    wait_until(lambda: generations(["d:lost"]) == [before[0] + 1], bound)
    # Reconnected: trusted again, from a mirror cleared first.
    wait_until(lambda: _mirrored(["d:lost"]), 5)
    assert generations(["d:lost"]) == [before[0] + 1]


@redis_pass
def test_a_listener_that_hears_nothing_stops_the_mirror_being_trusted_within_the_bound(monkeypatch):
    before = generations(["d:deaf"])
    wait_until(lambda: _mirrored(["d:deaf"]), 5)
    # The subscription goes silent (a dead link no error reports): no ping is answered, and
    # a bump's broadcast does not arrive.
    monkeypatch.setattr(redis.client.PubSub, "ping", lambda self, message=None: None)
    _bump_unheard("d:deaf")
    bound = settings.SMARTY_CACHE_LOCAL_STALENESS
    wait_until(lambda: not mirror.trusted(), bound + 0.2)
    assert generations(["d:deaf"]) == [before[0] + 1]  # read from Redis again


@redis_pass
def test_a_deactivation_whose_broadcast_is_lost_is_refused_within_the_bound(login_over_http, client, operator):
    import json

    from accounts.models import Account
    from accounts.selectors import account_dep

    authkey = login_over_http(client, operator)

    def status() -> dict:
        response = client.get(f"/tvmiddleware/api/account/status/?authkey={authkey}&client_id={operator.client.pk}")
        return json.loads(response.content)

    assert status()["is_active"] == 1
    wait_until(mirror.trusted, 5)
    assert status()["is_active"] == 1
    _kill_listener_connection()
    # Another process deactivates the account; its broadcast does not reach this one.
    Account.objects.filter(pk=operator.account.pk).update(active=False)
    _bump_unheard(account_dep(operator.account.pk))
    bound = settings.SMARTY_CACHE_LOCAL_STALENESS
    wait_until(lambda: status()["is_active"] == 0, bound)
    assert status()["status"] == 2  # deactivated


@pytest.fixture
def login_over_http(transactional_db):
    def login(client, op) -> str:
        import json

        response = client.get(
            "/tvmiddleware/api/login/",
            {
                "abonement": op.account.abonement,
                "password": op.password,
                "client_id": op.client.pk,
                "api_key": op.client.api_key,
                "device": "android",
                "device_uid": f"mirror-{op.client.pk}",
            },
        )
        body = json.loads(response.content)
        assert body["error"] == 0, body
        return body["authkey"]

    return login


@redis_pass
def test_a_forked_worker_starts_its_own_listener_and_trusts_nothing_inherited():
    import multiprocessing

    generations(["d:fork"])
    wait_until(lambda: _mirrored(["d:fork"]), 5)

    def child(results) -> None:
        inherited = len(mirror)
        first = mirror.trusted()  # the parent's listener thread did not come along
        deadline = time.monotonic() + 5
        while not mirror.trusted() and time.monotonic() < deadline:
            time.sleep(0.02)
        results.put((inherited, first, mirror.trusted(), mirror._listener.is_alive()))

    assert len(mirror) > 0
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    process = context.Process(target=child, args=(results,))
    process.start()
    inherited, trusted_at_once, trusted_later, alive = results.get(timeout=20)
    process.join(timeout=10)
    assert inherited == 0 and not trusted_at_once
    assert trusted_later and alive


@redis_pass
def test_the_remembered_trust_ends_when_the_listener_stops_hearing_the_breaker_opens_or_settings_change():
    wait_until(lambda: _mirrored(["d:trust"]), 5)
    assert mirror.trusted()
    listener = mirror._listener
    heard = listener.heard_at
    listener.heard_at = None  # the listener lost its connection: not trusted at once
    assert not mirror.trusted()
    listener.heard_at = heard
    assert mirror.trusted()
    with override_settings(SMARTY_CACHE_LOCAL_STALENESS=0):
        assert not mirror.trusted()
    assert mirror.trusted()
    real = mirror.clock
    try:
        mirror.clock = lambda: heard + settings.SMARTY_CACHE_LOCAL_STALENESS  # the last answer is too old
        assert not mirror.trusted()
    finally:
        mirror.clock = real
    versioned.breaker.trip()
    try:
        assert not mirror.trusted()
    finally:
        versioned.breaker_reset()


_SCRIPT_UNDER_TEST = "return {KEYS[1], ARGV[1], 'script under test'}"


@redis_pass
def test_a_script_is_sent_once_then_named_by_its_digest_and_sent_again_when_redis_does_not_know_it(cache_round_trips):
    backend = versioned.redis_backend()
    versioned._script_digests.pop(_SCRIPT_UNDER_TEST, None)

    def run() -> list[bytes]:
        return versioned.redis_script(backend, _SCRIPT_UNDER_TEST, ["k"], ["a"], write=False)

    assert run() == [b"k", b"a", b"script under test"]
    assert cache_round_trips.names(raw=True) == [b"EVAL"]  # the first run in this process sends it
    cache_round_trips.clear()
    assert run() == [b"k", b"a", b"script under test"]
    assert cache_round_trips.names(raw=True) == [b"EVALSHA"]  # then only its digest
    # As after a restart of Redis, which then knows the script no more (without SCRIPT FLUSH,
    # which would take the scripts of tests running alongside): a digest it never saw.
    versioned._script_digests[_SCRIPT_UNDER_TEST] = "0" * 40
    cache_round_trips.clear()
    assert run() == [b"k", b"a", b"script under test"]
    assert cache_round_trips.names(raw=True) == [b"EVALSHA", b"EVAL"]  # NOSCRIPT, then sent again
    assert not versioned.breaker.is_open()  # NOSCRIPT is no failure of the cache
    cache_round_trips.clear()
    assert run() == [b"k", b"a", b"script under test"]
    assert cache_round_trips.names(raw=True) == [b"EVALSHA"]


@redis_pass
def test_a_failing_script_is_a_cache_failure():
    from smarty.cache_backends import CacheUnavailableError

    with pytest.raises(CacheUnavailableError):
        versioned.redis_script(versioned.redis_backend(), "return redis.call('NO_SUCH_COMMAND')", [], [])
    assert versioned.breaker.is_open()
    versioned.breaker_reset()
