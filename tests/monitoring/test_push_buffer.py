"""StatPush buffered: an accepted push goes into the cache and the scheduled flush stores it;
when the cache cannot take it, it is stored at once; a failing flush keeps it for the next
run; a flush never stores it twice. Both operators push look-alike sessions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring import recording, services
from monitoring.models import ViewEvent
from smarty.cache_backends import CacheUnavailableError
from tests.markers import on_redis
from tests.mirror import settle_the_mirror

PUSH = "/viewstats/api/stat/push"


def viewing(op, session: int = 9, channel: int | None = None) -> services.Viewing:
    return services.Viewing(
        client_id=op.client.pk,
        account_id=op.account.pk,
        content_type="live",
        content_id=channel or op.channels[0].pk,
        channel_session=session,
    )


def minute_ago() -> dt.datetime:
    return (timezone.now() - dt.timedelta(minutes=30)).replace(second=5, microsecond=0)


class BrokenCache:
    """A cache whose server is gone: every call fails as a Redis client's would."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("cache down")

        return fail


class SilentCache:
    """A cache configured to ignore its errors: every call answers None."""

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def cache_down(monkeypatch, broken: type) -> None:
    """The cache cannot take a push, whichever way the push reaches it: its commands (the
    local-memory cache) or, on Redis, the push's script, which fails as smarty.cache's
    redis_script fails (CacheUnavailableError) or, for a cache that ignores its errors,
    answers nothing."""
    monkeypatch.setattr(recording, "cache", broken())
    monkeypatch.setattr(services, "cache", broken())

    def script(*args, **kwargs):
        if broken is BrokenCache:
            raise CacheUnavailableError("cache down")
        return None

    monkeypatch.setattr(recording, "redis_script", script)


def test_an_accepted_push_writes_nothing_to_the_viewing_table_until_the_flush(api_get, operator, session_of):
    session = session_of(operator)
    params = {"authkey": session.authkey, "client_id": operator.client.pk, "channel_session": 5}
    with CaptureQueriesContext(connection) as captured:
        _, body = api_get(PUSH, channel_id=operator.channels[0].pk, **params)
    assert body["error"] == 0
    assert not [q for q in captured.captured_queries if "monitoring_viewevent" in q["sql"]]
    assert not ViewEvent.objects.exists()
    assert recording.buffer_flush(include_current=True) == 1
    assert ViewEvent.objects.get().channel_session == 5


def test_pushes_of_one_session_in_successive_minutes_extend_one_row(operator):
    start = minute_ago()
    for minute in range(4):
        services.view_push(viewing=viewing(operator), now=start + dt.timedelta(minutes=minute))
        # the scheduled flush runs between the pushes
        recording.buffer_flush(now=start + dt.timedelta(minutes=minute + 2))
    row = ViewEvent.objects.get()
    assert (row.started_at, row.ended_at, row.duration) == (start, start + dt.timedelta(minutes=3), 180)


def test_a_flush_extending_more_rows_than_one_statement_holds_gives_each_its_own_end(operator, settings):
    """More sessions than one UPDATE chunk: every row gets its own ended_at, programme and
    duration, and the rows of sessions that did not push again stay as they were."""
    settings.SMARTY_VIEWSTATS_PUSH_LIMIT = 0  # one account plays every session here
    start = minute_ago()
    count = recording.CHUNK * 2 + 7
    for session in range(count + 3):
        services.view_push(viewing=viewing(operator, session=session), now=start)
    recording.buffer_flush(now=start + dt.timedelta(minutes=2))
    for session in range(count):
        at = start + dt.timedelta(minutes=1, seconds=session % 50)
        services.view_push(
            viewing=dataclasses.replace(viewing(operator, session=session), program_id=1000 + session),
            now=at,
        )
    assert recording.buffer_flush(now=start + dt.timedelta(minutes=3)) == count
    rows = {r.channel_session: r for r in ViewEvent.objects.all()}
    assert len(rows) == count + 3
    for session in range(count):
        row = rows[session]
        assert row.ended_at == start + dt.timedelta(minutes=1, seconds=session % 50)
        assert (row.program_id, row.duration) == (1000 + session, 60 + session % 50)
    for session in range(count, count + 3):
        assert (rows[session].ended_at, rows[session].duration, rows[session].program_id) == (start, 0, None)


def test_one_flush_of_many_minutes_gives_the_same_rows(operator):
    start = minute_ago()
    for minute in range(4):
        services.view_push(viewing=viewing(operator), now=start + dt.timedelta(minutes=minute))
    services.view_push(viewing=viewing(operator, session=10), now=start + dt.timedelta(minutes=4))
    assert recording.buffer_flush(now=start + dt.timedelta(minutes=10)) == 5
    rows = list(ViewEvent.objects.order_by("started_at"))
    assert [(r.channel_session, r.duration) for r in rows] == [(9, 180), (10, 0)]


def test_a_session_pushed_again_after_the_gap_starts_a_new_row(operator, settings):
    settings.SMARTY_VIEWSTATS_SESSION_GAP = 60
    start = minute_ago()
    services.view_push(viewing=viewing(operator), now=start)
    services.view_push(viewing=viewing(operator), now=start + dt.timedelta(minutes=5))
    recording.buffer_flush(now=start + dt.timedelta(minutes=10))
    assert ViewEvent.objects.count() == 2


def test_a_flush_never_stores_a_push_twice(operator):
    start = minute_ago()
    services.view_push(viewing=viewing(operator), now=start)
    later = start + dt.timedelta(minutes=5)
    assert recording.buffer_flush(now=later) == 1
    assert recording.buffer_flush(now=later) == 0
    assert recording.buffer_flush(now=later, include_current=True) == 0
    assert ViewEvent.objects.count() == 1


def test_a_failing_flush_keeps_the_pushes_for_the_next_run(operator, monkeypatch):
    start = minute_ago()
    services.view_push(viewing=viewing(operator), now=start)
    services.view_push(viewing=viewing(operator, session=10), now=start + dt.timedelta(seconds=20))

    def refuse(*args, **kwargs):
        raise recording.transaction.DatabaseError("the database is gone")

    with monkeypatch.context() as patch:
        patch.setattr(ViewEvent.objects, "bulk_create", refuse)
        with pytest.raises(recording.transaction.DatabaseError):
            recording.buffer_flush(now=start + dt.timedelta(minutes=5))
    assert not ViewEvent.objects.exists()
    assert recording.buffer_flush(now=start + dt.timedelta(minutes=6)) == 2
    assert ViewEvent.objects.count() == 2


@pytest.mark.parametrize("broken", [BrokenCache, SilentCache], ids=["raising", "ignoring"])
def test_when_the_cache_cannot_take_a_push_it_is_stored_at_once(api_get, operator, session_of, monkeypatch, broken):
    session = session_of(operator)
    cache_down(monkeypatch, broken)
    params = {"authkey": session.authkey, "client_id": operator.client.pk, "channel_session": 3}
    for _ in range(2):
        _, body = api_get(PUSH, channel_id=operator.channels[0].pk, **params)
        assert body["error"] == 0
    row = ViewEvent.objects.get()  # no flush: written by the request, the repeat extended it
    assert (row.client_id, row.account_id, row.channel_session) == (operator.client.pk, operator.account.pk, 3)


def test_when_neither_the_cache_nor_the_database_takes_a_push_it_answers_2(api_get, operator, session_of, monkeypatch):
    session = session_of(operator)
    cache_down(monkeypatch, BrokenCache)

    def refuse(*args, **kwargs):
        raise recording.transaction.DatabaseError("the database is gone")

    monkeypatch.setattr(recording, "pushes_write", refuse)
    _, body = api_get(
        PUSH,
        authkey=session.authkey,
        client_id=operator.client.pk,
        channel_id=operator.channels[0].pk,
        channel_session=1,
    )
    assert body["error"] == 2


def test_look_alike_sessions_of_two_operators_stay_apart(api_get, operator, other_operator, session_of):
    mine, theirs = session_of(operator), session_of(other_operator)
    for op, session in ((operator, mine), (other_operator, theirs)):
        for _ in range(2):
            _, body = api_get(
                PUSH, authkey=session.authkey, client_id=op.client.pk, channel_id=op.channels[0].pk, channel_session=1
            )
            assert body["error"] == 0
    assert recording.buffer_flush(include_current=True) == 4
    rows = {r.client_id: r for r in ViewEvent.objects.all()}
    assert set(rows) == {operator.client.pk, other_operator.client.pk}
    assert rows[operator.client.pk].account_id == operator.account.pk
    assert rows[other_operator.client.pk].account_id == other_operator.account.pk
    assert ViewEvent.objects.for_client(operator.client).count() == 1


def test_a_push_of_an_account_deleted_before_the_flush_does_not_block_the_others(operator, other_operator):
    start = minute_ago()
    services.view_push(viewing=viewing(other_operator), now=start)
    services.view_push(viewing=viewing(operator), now=start)
    other_operator.account.delete()
    assert recording.buffer_flush(now=start + dt.timedelta(minutes=5)) == 1
    assert ViewEvent.objects.get().client_id == operator.client.pk


@on_redis("counts Redis round trips")
def test_a_warm_push_counts_and_buffers_in_one_round_trip(
    api_get, operator, session_of, cache_round_trips, django_assert_max_num_queries, settings
):
    """The account's counter of the minute and the buffer's append are one script: a push
    of a device whose session and account this process holds costs one round trip, no query."""
    settings.SMARTY_VIEWSTATS_PUSH_LIMIT = 50
    session = session_of(operator)
    params = {"authkey": session.authkey, "client_id": operator.client.pk, "channel_id": operator.channels[0].pk}
    assert api_get(PUSH, channel_session=1, **params)[1]["error"] == 0
    settle_the_mirror()
    assert api_get(PUSH, channel_session=2, **params)[1]["error"] == 0
    cache_round_trips.clear()
    with django_assert_max_num_queries(0):
        assert api_get(PUSH, channel_session=3, **params)[1]["error"] == 0
    assert cache_round_trips.names() == [b"EVAL"], cache_round_trips.commands
    assert recording.buffer_flush(include_current=True) == 3


@on_redis("the push's script")
def test_a_push_past_the_limit_on_redis_keeps_nothing_and_a_later_minute_counts_anew(operator, settings):
    settings.SMARTY_VIEWSTATS_PUSH_LIMIT = 2
    start = minute_ago()
    outcomes = [
        recording.push_offered(push_of(operator, start + dt.timedelta(seconds=n), session=n), limit=2) for n in range(4)
    ]
    assert outcomes == [recording.PushOutcome.BUFFERED] * 2 + [recording.PushOutcome.LIMITED] * 2
    next_minute = start + dt.timedelta(minutes=1)
    assert recording.push_offered(push_of(operator, next_minute, session=9), limit=2) is recording.PushOutcome.BUFFERED
    assert recording.buffer_flush(now=start + dt.timedelta(minutes=5)) == 3
    assert sorted(ViewEvent.objects.values_list("channel_session", flat=True)) == [0, 1, 9]


def push_of(op, at: dt.datetime, session: int) -> recording.Push:
    return recording.Push(
        client_id=op.client.pk,
        account_id=op.account.pk,
        content_type="live",
        content_id=op.channels[0].pk,
        channel_session=session,
        at=at,
    )
