"""Recording (channel/url buffered in the cache, then flushed) and the rollups: an hour of
viewing becomes hourly and daily rows per channel and in total, per operator."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from monitoring import recording, selectors, services
from monitoring.models import LoginStat, ViewEvent, ViewRollup
from smarty.schedules import SCHEDULES


def hour_ago() -> dt.datetime:
    return (timezone.now() - dt.timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)


def test_viewing_started_writes_nothing_until_the_flush(operator, django_assert_num_queries):
    start = hour_ago()
    with django_assert_num_queries(0):
        recording.viewing_started(
            client_id=operator.client.pk,
            account_id=operator.account.pk,
            content_type="live",
            content_id=operator.channels[0].pk,
            device="android",
            now=start + dt.timedelta(minutes=5),
        )
    assert not ViewEvent.objects.exists()
    assert recording.buffer_flush() == 1
    event = ViewEvent.objects.get()
    assert (event.account_id, event.content_id, event.source) == (
        operator.account.pk,
        str(operator.channels[0].pk),
        "url",
    )
    assert recording.buffer_flush() == 0  # a minute is flushed once


def test_the_current_minute_waits_for_the_next_flush(operator):
    recording.viewing_started(
        client_id=operator.client.pk, account_id=operator.account.pk, content_type="live", content_id=1
    )
    assert recording.buffer_flush() == 0
    assert recording.buffer_flush(include_current=True) == 1


def test_an_hour_of_viewing_rolls_up_per_channel_and_in_total(operator, other_operator):
    start = hour_ago()
    ch0, ch1 = operator.channels[0].pk, operator.channels[1].pk
    # account A: ch0 for 20 minutes, then ch1 until the cap; account B (other operator): ch0.
    for minute, account, client, channel in (
        (0, operator.account, operator.client, ch0),
        (20, operator.account, operator.client, ch1),
        (10, other_operator.account, other_operator.client, other_operator.channels[0].pk),
    ):
        recording.viewing_started(
            client_id=client.pk,
            account_id=account.pk,
            content_type="live",
            content_id=channel,
            now=start + dt.timedelta(minutes=minute),
        )
    recording.buffer_flush()
    result = services.rollup_views(now=start + dt.timedelta(hours=6), hours=7)
    assert result["closed"] == 3
    rows = {
        (r.client_id, r.content_id): r
        for r in ViewRollup.objects.filter(period="hour", bucket=start, content_type="live")
    }
    assert rows[(operator.client.pk, str(ch0))].seconds == 20 * 60
    assert rows[(operator.client.pk, "")].viewers == 1 and rows[(operator.client.pk, "")].sessions == 2
    assert rows[(other_operator.client.pk, "")].viewers == 1
    day = ViewRollup.objects.get(period="day", client=operator.client, content_id="", content_type="live")
    assert day.sessions == 2
    top = selectors.top_content(operator.client.pk, start=start, end=start + dt.timedelta(hours=1))
    assert [t[0] for t in top] == [str(ch1), str(ch0)]  # ch1 ran to the 4-hour cap
    assert all(t[0] != str(other_operator.channels[0].pk) for t in top)
    # running it again changes nothing (idempotent)
    services.rollup_views(now=start + dt.timedelta(hours=6), hours=7)
    assert ViewRollup.objects.filter(period="hour", bucket=start, client=operator.client).count() == 3


def test_pushed_sessions_roll_up_with_their_length(operator):
    start = hour_ago()
    viewing = services.Viewing(
        client_id=operator.client.pk,
        account_id=operator.account.pk,
        content_type="live",
        content_id=5,
        channel_session=9,
    )
    services.view_push(viewing=viewing, now=start)
    services.view_push(viewing=viewing, now=start + dt.timedelta(minutes=7))
    recording.buffer_flush(now=start + dt.timedelta(minutes=30))
    services.rollup_views(now=start + dt.timedelta(minutes=30))
    row = ViewRollup.objects.get(period="hour", bucket=start, content_id="5")
    assert (row.sessions, row.seconds) == (1, 7 * 60)


def test_logins_are_counted_per_hour(operator, other_operator):
    now = timezone.now()
    for ok in (True, True, False):
        services.login_counted(client_id=operator.client.pk, ok=ok, now=now)
    services.logins_flush(now=now)
    stat = LoginStat.objects.get(client=operator.client)
    assert (stat.logins, stat.errors) == (2, 1)
    assert not LoginStat.objects.filter(client=other_operator.client).exists()


def test_retention_drops_old_raw_events(operator, settings):
    settings.SMARTY_MONITORING_RAW_DAYS = 2
    old = timezone.now() - dt.timedelta(days=3)
    ViewEvent.objects.create(client=operator.client, content_type="live", content_id="1", started_at=old)
    ViewEvent.objects.create(client=operator.client, content_type="live", content_id="1", started_at=timezone.now())
    assert services.retention_purge(now=timezone.now()) == 1
    assert ViewEvent.objects.count() == 1


def test_the_tasks_are_in_the_one_schedule_registry():
    assert SCHEDULES["flush_views"][0] == "monitoring.tasks.flush_views"
    assert SCHEDULES["rollup_views"][0] == "monitoring.tasks.rollup_views"


def test_channel_url_records_the_viewing(operator):
    """The stream address request itself (tests/streaming covers the stream): the hook puts
    the event in the buffer and the account's watching-now entry."""
    recording.viewing_started(
        client_id=operator.client.pk, account_id=operator.account.pk, content_type="live", content_id=7
    )
    assert recording.watching_now(operator.client.pk, [operator.account.pk])[operator.account.pk]["content_id"] == 7
    assert cache.get(recording.watching_key(operator.client.pk + 1, operator.account.pk)) is None


def test_a_channel_url_request_over_http_is_recorded(client, operator, json_device):
    from tests.streaming.conftest import CHANNEL_URL, build_world

    world = build_world(operator, json_device, 1)
    response = client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk, redirect=0))
    assert response.json()["error"] == 0
    assert recording.buffer_flush(include_current=True) == 1
    event = ViewEvent.objects.get()
    assert (event.client_id, event.content_id, event.content_type) == (
        operator.client.pk,
        str(world.channels[0].pk),
        "live",
    )


def test_viewing_started_with_the_cache_breaker_open_loses_the_event_without_raising(operator):
    """It never raises: on Redis its script's arguments are encoded before the command, and
    that must not fail with the breaker open (the command is where the outage is handled)."""
    from smarty.cache import breaker_reset, redis_backend
    from smarty.cache_backends import breaker

    on_redis = redis_backend() is not None
    breaker.trip()
    try:
        started = recording.viewing_started(
            client_id=operator.client.pk,
            account_id=operator.account.pk,
            content_type=recording.LIVE,
            content_id=operator.channels[0].pk,
            device="android",
        )
    finally:
        breaker_reset()
    # The local-memory cache has no breaker: there the event is kept.
    assert started is (not on_redis)
