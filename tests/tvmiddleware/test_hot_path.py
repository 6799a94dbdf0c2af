"""The device hot path without network round trips (docs/architecture.md, "Caching"): warm,
the hot methods make no Redis round trip and no SQL query; channel/url at most one round trip.

Counted where redis-py writes to a socket (tests/conftest.py `cache_round_trips`), so only
the Redis pass runs these; the SQLite pass has no network cache to count."""

from __future__ import annotations

import datetime as dt

import pytest

from smarty import cache as versioned
from tests.markers import on_redis
from tests.mirror import settle_the_mirror

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import hour_start

pytestmark = [
    pytest.mark.django_db,
    on_redis("counts Redis round trips"),
]


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
        "video/list": ("video/list/", {"limit": 20}),
    }


def _warm_call(api, method: str, params: dict, cache_round_trips, django_assert_max_num_queries):
    """A call made warm (after two of the same and a trusted mirror), asserted to make no
    query: its body and the names of the Redis commands it sent."""
    assert api(method, **params).get("error", 0) == 0
    settle_the_mirror()  # the listener subscribes on first use; until then reads go to Redis
    api(method, **params)
    api(method, **params)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        body = api(method, **params)
    assert body.get("error", 0) == 0, body
    return body, cache_round_trips.names()


@pytest.mark.parametrize(
    "name",
    [
        "account/status",
        "channel/list",
        "channel/programs",
        "program/list",
        "portal/settings/list",
        "health/check",
        "video/list",
    ],
)
def test_a_warm_hot_call_makes_no_cache_round_trip_and_no_query(
    name, api, operator, guide, cache_round_trips, django_assert_max_num_queries
):
    method, params = _hot_calls(operator)[name]
    _, commands = _warm_call(api, method, params, cache_round_trips, django_assert_max_num_queries)
    assert commands == [], cache_round_trips.commands


def test_a_warm_channel_url_makes_one_cache_round_trip_and_no_query(
    api, operator, guide, cache_round_trips, django_assert_max_num_queries
):
    from streaming.demo import load as streaming_demo

    streaming_demo(operator.client, operator.channels)
    params = {"cid": operator.channels[0].id, "redirect": 0}
    _, commands = _warm_call(api, "channel/url/", params, cache_round_trips, django_assert_max_num_queries)
    # One write is left: the viewing-statistics buffer (a sequence number, the event,
    # "watching now" and the account's recently watched channels, in one script); "last
    # viewed" is stored by the buffer's flush.
    assert commands == [b"EVAL"], cache_round_trips.commands


def test_a_warm_channel_url_with_views_written_behind_makes_no_round_trip(
    api, operator, guide, cache_round_trips, django_assert_max_num_queries, settings
):
    """With the views batched (SMARTY_WRITE_BEHIND_SECONDS, on by default outside
    the tests) the request leaves its view to the process's batch: no round trip of its own."""
    from monitoring import recording
    from streaming.demo import load as streaming_demo

    settings.SMARTY_WRITE_BEHIND_SECONDS = 60  # written by the flush below, not the thread
    streaming_demo(operator.client, operator.channels)
    cid = operator.channels[0].id
    try:
        _, commands = _warm_call(
            api, "channel/url/", {"cid": cid, "redirect": 0}, cache_round_trips, django_assert_max_num_queries
        )
        assert commands == [], cache_round_trips.commands
    finally:
        assert recording.view_batch.flush() == 4  # _warm_call makes four calls
    assert set(recording.recently_watched(operator.client.pk, operator.account.pk)) == {cid}


def test_a_warm_catch_up_by_time_makes_one_cache_round_trip_and_no_query(
    api, operator, guide, cache_round_trips, django_assert_max_num_queries
):
    """program/url by time or by id finds the programme in the guide's cached day windows."""
    from streaming.demo import load as streaming_demo

    channel = operator.channels[0]
    channel.recording_days = 3
    channel.save()
    streaming_demo(operator.client, operator.channels)
    programme = guide[channel.id][1]  # two hours ago
    begin = int(programme.time_begin.timestamp())
    for params in (
        {"cid": channel.id, "time": begin + 600, "redirect": 0},
        {"cid": channel.id, "pid": programme.id, "redirect": 0},  # by id: the same windows
    ):
        body, commands = _warm_call(api, "program/url/", params, cache_round_trips, django_assert_max_num_queries)
        assert f"-{begin}-3600." in body["uri"]  # the programme's own start and length
        assert commands == [b"EVAL"], cache_round_trips.commands


def _forget_the_device(session) -> list[str]:
    """What a process serving 100,000 devices has usually lost of one: its values in the
    per-device memory and their generations in the mirror. Returns the device's dependencies."""
    from accounts.selectors import account_dep, inbox_dep, session_dep
    from vod.invalidation import account_video_dep

    versioned.device_values.clear()
    prefix = versioned._gen_prefix()
    device_deps = [
        session_dep(session.authkey),
        account_dep(session.account_id),
        inbox_dep(session.account_id),
        account_video_dep(session.account_id),
    ]
    versioned.mirror.invalidate([prefix + d for d in device_deps])
    return device_deps


def test_a_device_the_process_forgot_costs_one_round_trip(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """100,000 devices do not fit a process's memory nor its generation mirror. account/status
    of a device seen again after both forgot it: one script reads the session with its
    generation and notes and, following the session's link to its account, the account and
    its inbox with their generations. No query."""
    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    api("account/status/")
    _forget_the_device(session)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        body = api("account/status/")
    assert body["error"] == 0 and body["channel_list_changed"] == 0, body
    assert cache_round_trips.names() == [b"EVAL"], cache_round_trips.commands
    # and all of it is in this process's memory now: the next call makes no round trip
    cache_round_trips.clear()
    api("account/status/")
    assert cache_round_trips.commands == []


@pytest.mark.parametrize("name", ["channel/list", "channel/programs", "program/list", "video/list"])
def test_a_forgotten_device_costs_one_round_trip_on_a_live_tv_call(
    name, api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """The session, then through its link the account with its tariffs, channel settings and
    library state (the account-level values the live-TV and VOD views read), each with their
    generations, in one script: no more round trips for a device this process forgot, and no
    query."""
    method, params = _hot_calls(operator)[name]
    assert api(method, **params)["error"] == 0
    settle_the_mirror()
    api(method, **params)
    _forget_the_device(session)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        assert api(method, **params)["error"] == 0
    assert cache_round_trips.names() == [b"EVAL"], cache_round_trips.commands


def test_without_its_link_a_forgotten_device_costs_two_round_trips_and_writes_the_link(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """A session whose link the cache lost (evicted, or never written by this version): the
    script finds the session only, a second round trip reads the account's values, and the
    link is written, so the next time takes one."""
    from django.core.cache import cache

    from accounts.selectors import session_cache_id, session_owner_key

    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    cache.delete(session_owner_key(session_cache_id(session.authkey)))
    _forget_the_device(session)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        assert api("account/status/")["error"] == 0
    assert cache_round_trips.names() == [b"EVAL", b"SET", b"MGET"], cache_round_trips.commands
    _forget_the_device(session)
    cache_round_trips.clear()
    assert api("account/status/")["error"] == 0
    assert cache_round_trips.names() == [b"EVAL"], cache_round_trips.commands


def test_a_forgotten_device_whose_values_changed_is_served_fresh(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """The prefetch trusts nothing the cache would not: an entry built before the account's
    change is not taken, and the status shows the change."""
    from accounts.services.messages import message_create

    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    assert api("account/status/")["has_new_messages"] == 0
    message_create(account=session.account, subject="s", text="t")
    _forget_the_device(session)
    assert api("account/status/")["has_new_messages"] == 1
    session.account.active = False
    session.account.save()
    _forget_the_device(session)
    assert api("account/status/")["is_active"] == 0


def test_a_status_whose_touch_is_due_writes_it_behind_in_the_same_round_trips(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries
):
    """Once per touch interval a status refreshes the session's last_active and expiry: on
    Redis that is one more script beside the read (the note and the minute's set of touches), and
    no query; the minute's flush stores it."""
    from django.core.cache import cache

    from accounts.models import Session
    from accounts.selectors import session_touch_key
    from accounts.services.sessions import session_touches_flush

    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    api("account/status/")
    _forget_the_device(session)
    cache.delete(session_touch_key(session.authkey))  # the interval has passed
    long_ago = session.last_active - dt.timedelta(hours=1)
    Session.objects.filter(pk=session.pk).update(last_active=long_ago)
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        assert api("account/status/")["error"] == 0
    # the linked read, then the touch's script
    assert cache_round_trips.names() == [b"EVAL", b"EVAL"], cache_round_trips.commands
    assert Session.objects.get(pk=session.pk).last_active == long_ago  # not yet stored
    assert session_touches_flush(include_current=True) == 1
    row = Session.objects.get(pk=session.pk)
    assert row.last_active > long_ago and row.expires_at > session.expires_at


def test_with_touches_written_behind_a_forgotten_device_whose_touch_is_due_costs_one_round_trip(
    api, operator, session, guide, cache_round_trips, django_assert_max_num_queries, settings
):
    """The same status with the touches batched (SMARTY_WRITE_BEHIND_SECONDS, on by default
    outside the tests): the linked read is the request's only round trip; the touch goes with
    the process's batch."""
    from django.core.cache import cache

    from accounts.models import Session
    from accounts.selectors import session_touch_key
    from accounts.services.sessions import session_touches_flush, touch_batch

    settings.SMARTY_WRITE_BEHIND_SECONDS = 60  # written by the flush below, not the thread
    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    api("account/status/")
    touch_batch.flush()
    _forget_the_device(session)
    cache.delete(session_touch_key(session.authkey))  # the interval has passed
    long_ago = session.last_active - dt.timedelta(hours=1)
    Session.objects.filter(pk=session.pk).update(last_active=long_ago)
    cache_round_trips.clear()
    try:
        with django_assert_max_num_queries(0):
            assert api("account/status/")["error"] == 0
        assert cache_round_trips.names() == [b"EVAL"], cache_round_trips.commands
    finally:
        assert touch_batch.flush() == 1
    assert session_touches_flush(include_current=True) == 1
    assert Session.objects.get(pk=session.pk).last_active > long_ago


def test_a_link_to_another_account_serves_nothing_of_it(
    api, operator, other_operator, session, other_session, guide, cache_round_trips
):
    """The link only decides what is read ahead: the session's own account is what the
    request serves, so a link that names another operator's account (corrupted, say) shows
    nothing of it and costs a round trip more."""
    from accounts.selectors import session_cache_id, session_owner_key
    from smarty.device_reads import link_set

    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    other = other_session.account
    link_set(session_owner_key(session_cache_id(session.authkey)), other.client_id, other.pk)
    other.active = False
    other.save()
    _forget_the_device(session)
    cache_round_trips.clear()
    body = api("account/status/")
    assert body["error"] == 0 and body["is_active"] == 1, body  # its own account, active
    assert cache_round_trips.names()[:2] == [b"EVAL", b"MGET"], cache_round_trips.commands


def test_a_session_read_from_the_database_is_linked_at_once(
    api, operator, session, guide, cache_round_trips, monkeypatch
):
    """Building a session's record writes its link, whether or not the process could use the
    linked read then (its mirror not yet trusted, say): the next time it forgets the device,
    one round trip."""
    from django.core.cache import cache

    from accounts.selectors import session_cache_id, session_dep, session_owner_key

    assert api("account/status/")["error"] == 0
    settle_the_mirror()
    cache.delete(session_owner_key(session_cache_id(session.authkey)))
    versioned.bump(session_dep(session.authkey))  # the record is read from the database again
    with monkeypatch.context() as patched:
        patched.setattr(versioned.mirror, "trusted", lambda prefix=None: False)  # no linked read now
        assert api("account/status/")["error"] == 0
    _forget_the_device(session)
    cache_round_trips.clear()
    assert api("account/status/")["error"] == 0
    assert cache_round_trips.names() == [b"EVAL"], cache_round_trips.commands
