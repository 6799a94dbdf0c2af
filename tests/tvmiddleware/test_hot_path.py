"""The device hot path without network round trips (docs/architecture.md, "Caching"): warm,
the hot methods make no Redis round trip and no SQL query; channel/url at most one round trip.

Counted where redis-py writes to a socket (tests/conftest.py `cache_round_trips`), so only
the Redis pass runs these; the SQLite pass has no network cache to count."""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from smarty import cache as versioned

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import hour_start

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.CACHES["default"]["BACKEND"] != "smarty.cache_backends.GuardedRedisCache"
        or bool(settings.REDIS_CLUSTER_NODES),
        reason="counts Redis round trips: the Redis pass",
    ),
]


def wait_for_the_mirror(seconds: float = 5.0) -> None:
    """The listener subscribes in the background on first use; until then reads go to Redis."""
    deadline = time.monotonic() + seconds
    while not versioned.mirror.trusted() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert versioned.mirror.trusted()


def _hot_calls(operator) -> dict[str, tuple[str, dict]]:
    start = int(hour_start().timestamp())
    cid = operator.channels[0].id
    return {
        "account/status": ("account/status/", {}),
        "channel/list": ("channel/list/", {}),
        "channel/programs": ("channel/programs/", {"cid": cid}),
        "program/list": ("program/list/", {"cid": cid, "time_from": start, "time_to": start + 7200}),
        "portal/settings/list": (
            "portal/settings/list/",
            {"authkey": None, "device": "android", "api_key": operator.client.api_key},
        ),
        "health/check": ("health/check/", {"authkey": None, "client_id": None}),
    }


def _warm_round_trips(api, method: str, params: dict, cache_round_trips, django_assert_max_num_queries) -> int:
    assert api(method, **params).get("error", 0) == 0
    wait_for_the_mirror()
    api(method, **params)
    api(method, **params)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        body = api(method, **params)
    assert body.get("error", 0) == 0, body
    return len(cache_round_trips)


@pytest.mark.parametrize(
    "name",
    ["account/status", "channel/list", "channel/programs", "program/list", "portal/settings/list", "health/check"],
)
def test_a_warm_hot_call_makes_no_cache_round_trip_and_no_query(
    name, api, operator, guide, cache_round_trips, django_assert_max_num_queries
):
    method, params = _hot_calls(operator)[name]
    trips = _warm_round_trips(api, method, params, cache_round_trips, django_assert_max_num_queries)
    assert trips == 0, cache_round_trips.commands


def test_a_warm_channel_url_makes_one_cache_round_trip_and_no_query(
    api, operator, guide, cache_round_trips, django_assert_max_num_queries
):
    from streaming.demo import load as streaming_demo

    streaming_demo(operator.client, operator.channels)
    params = {"cid": operator.channels[0].id, "redirect": 0}
    assert api("channel/url/", **params)["error"] == 0
    wait_for_the_mirror()
    api("channel/url/", **params)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        body = api("channel/url/", **params)
    assert body["error"] == 0
    # One write is left: the viewing-statistics buffer (a sequence number, the event,
    # "watching now" and the account's recently watched channels, in one script); "last
    # viewed" is stored by the buffer's flush.
    commands = [c.split(b"\r\n")[2] for c in cache_round_trips.commands]
    assert commands == [b"EVAL"], cache_round_trips.commands


def _forget_the_device(session) -> list[str]:
    """What a process serving 100,000 devices has usually lost of one: its values in the
    per-device memory and their generations in the mirror. Returns the device's dependencies."""
    from accounts.selectors import account_dep, inbox_dep, session_dep

    versioned.device_values.clear()
    prefix = versioned._gen_prefix()
    device_deps = [session_dep(session.authkey), account_dep(session.account_id), inbox_dep(session.account_id)]
    versioned.mirror.invalidate([prefix + d for d in device_deps])
    return device_deps


def _mget_keys(command: bytes) -> int:
    """How many keys an MGET the recorder kept asked for (its arity less the command)."""
    assert command.startswith(b"*") and command.split(b"\r\n")[2] == b"MGET", command
    return int(command[1 : command.index(b"\r\n")]) - 1


def test_a_device_the_process_forgot_costs_two_round_trips(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """100,000 devices do not fit a process's memory nor its generation mirror. account/status
    of a device seen again after both forgot it: one round trip reads the session with its
    generation; once the session names the account, one more reads the account, its inbox,
    the session's touch and channel-list notes and their generations. No query."""
    assert api("account/status/")["error"] == 0
    wait_for_the_mirror()
    api("account/status/")
    _forget_the_device(session)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        body = api("account/status/")
    assert body["error"] == 0 and body["channel_list_changed"] == 0, body
    commands = cache_round_trips.commands
    assert len(commands) == 2, commands
    # the session entry and its generation; then two entries (the account, its inbox), two
    # notes and two generations (the account's, the inbox's)
    assert [_mget_keys(c) for c in commands] == [2, 6], commands
    # and all of it is in this process's memory now: the next call makes no round trip
    cache_round_trips.clear()
    api("account/status/")
    assert cache_round_trips.commands == []


@pytest.mark.parametrize("name", ["channel/list", "channel/programs", "program/list"])
def test_a_forgotten_device_costs_two_round_trips_on_a_live_tv_call(
    name, api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """The session, then the account with its tariffs (and the other account-level values the
    live-TV views read), each with their generations: no more round trips for a device this
    process forgot, and no query."""
    method, params = _hot_calls(operator)[name]
    assert api(method, **params)["error"] == 0
    wait_for_the_mirror()
    api(method, **params)
    _forget_the_device(session)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        assert api(method, **params)["error"] == 0
    commands = cache_round_trips.commands
    assert len(commands) == 2, commands
    assert all(c.split(b"\r\n")[2] == b"MGET" for c in commands), commands


def test_a_forgotten_device_whose_values_changed_is_served_fresh(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """The prefetch trusts nothing the cache would not: an entry built before the account's
    change is not taken, and the status shows the change."""
    from accounts.services.messages import message_create

    assert api("account/status/")["error"] == 0
    wait_for_the_mirror()
    assert api("account/status/")["has_new_messages"] == 0
    message_create(account=session.account, subject="s", text="t")
    _forget_the_device(session)
    assert api("account/status/")["has_new_messages"] == 1
    session.account.active = False
    session.account.save()
    _forget_the_device(session)
    assert api("account/status/")["is_active"] == 0
