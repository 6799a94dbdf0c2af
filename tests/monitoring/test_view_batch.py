"""Views written behind in batches (monitoring.recording.view_batch, docs/monitoring.md): a
stream request queues its view and a thread of the process writes the queue in one script; the
buffer, "watching now", the recently watched channels and the flushed events are what writing
each view at once gives."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from channels.models import AccountChannelSetting
from monitoring import recording
from monitoring.models import ViewEvent
from smarty import write_behind
from smarty.cache_backends import breaker
from tests.markers import on_redis

pytestmark = [
    pytest.mark.django_db,
    on_redis("the batch writes to Redis"),
]


@pytest.fixture
def batched(settings):
    """Batching on, with a window no test waits for (each flushes itself), and nothing of a
    test left queued for the next."""
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    yield settings
    recording.view_batch.flush()


def _views(operator, *, at: dt.datetime) -> list[dict]:
    """A live view, a catch-up view and a video view of one account, then a live view of
    another channel: the script's arguments differ in length between live and the others."""
    channels = operator.channels
    return [
        {"content_type": "live", "content_id": channels[0].pk, "now": at},
        {"content_type": "archive", "content_id": channels[1].pk, "program_id": 77, "now": at},
        {"content_type": "video", "content_id": 5, "now": at},
        {"content_type": "live", "content_id": channels[2].pk, "now": at + dt.timedelta(seconds=1)},
    ]


def _start(operator, view: dict) -> bool:
    return recording.viewing_started(
        client_id=operator.client.pk, account_id=operator.account.pk, device="android", device_uid="uid-1", **view
    )


def _stored(operator) -> list[tuple]:
    return sorted(
        (e.content_type, e.content_id, e.program_id, e.device, e.started_at)
        for e in ViewEvent.objects.filter(account=operator.account)
    )


def test_a_batch_is_what_writing_each_view_at_once_gives(operator, batched, cache_round_trips):
    at = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)
    # each view at once
    batched.SMARTY_WRITE_BEHIND_SECONDS = 0
    for view in _views(operator, at=at):
        assert _start(operator, view)
    at_once = (
        recording.watching_now(operator.client.pk, [operator.account.pk]),
        recording.recently_watched(operator.client.pk, operator.account.pk),
    )
    assert recording.buffer_flush() == 4
    expected = _stored(operator)
    ViewEvent.objects.all().delete()

    # the same views queued: no round trip for the request, nothing in the buffer yet
    batched.SMARTY_WRITE_BEHIND_SECONDS = 60
    later = timezone.now().replace(microsecond=0)  # a minute the flush above has not claimed
    cache_round_trips.clear()
    for view in _views(operator, at=later):
        assert _start(operator, view)
    assert cache_round_trips.commands == []
    assert recording.watching_now(operator.client.pk, [operator.account.pk]) == at_once[0]
    # written: one script for the four
    cache_round_trips.clear()
    assert recording.view_batch.flush() == 4
    assert cache_round_trips.names() == [b"EVAL"]
    assert recording.watching_now(operator.client.pk, [operator.account.pk]) == {
        operator.account.pk: {**at_once[0][operator.account.pk], "since": later + dt.timedelta(seconds=1)}
    }
    recent = recording.recently_watched(operator.client.pk, operator.account.pk)
    assert set(recent) == set(at_once[1]) == {operator.channels[0].pk, operator.channels[2].pk}
    assert recent[operator.channels[2].pk] == (later + dt.timedelta(seconds=1)).timestamp()
    assert recording.buffer_flush(include_current=True) == 4
    assert _stored(operator) == [(*e[:4], e[4] + (later - at)) for e in expected]


def test_the_process_sees_its_own_views_before_they_are_written(operator, other_operator, batched):
    channel = operator.channels[1]
    assert _start(operator, {"content_type": "live", "content_id": channel.pk})
    assert set(recording.recently_watched(operator.client.pk, operator.account.pk)) == {channel.pk}
    assert recording.last_viewed_channels(operator.account) == (channel.pk,)
    # nobody else's
    assert recording.recently_watched(other_operator.client.pk, operator.account.pk) == {}
    assert recording.recently_watched(operator.client.pk, operator.account_without_tariff.pk) == {}


def test_the_thread_writes_the_batch_within_its_window(operator, settings):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.05
    started = time.monotonic()
    assert _start(operator, {"content_type": "live", "content_id": operator.channels[0].pk})
    while not recording._recent_in_cache(operator.client.pk, operator.account.pk):
        assert time.monotonic() - started < 5, "the batch was not written"
        time.sleep(0.01)
    assert recording.view_batch.flush() == 0  # nothing left waiting
    assert recording.buffer_flush(include_current=True) == 1


def test_more_views_than_a_script_takes_go_in_several(operator, batched, monkeypatch):
    """A full script's worth goes at once (the thread), the rest with the flush."""
    monkeypatch.setattr(write_behind, "BATCH_SIZE", 3)
    scripts: list[int] = []
    sent = recording._views_sent
    monkeypatch.setattr(
        recording, "_views_sent", lambda backend, views: scripts.append(len(views)) or sent(backend, views)
    )
    at = timezone.now() - dt.timedelta(minutes=5)
    for n in range(7):
        assert _start(operator, {"content_type": "video", "content_id": n, "now": at})
    recording.view_batch.flush()
    started = time.monotonic()
    while sum(scripts) < 7:  # what the thread took may still be on its way
        assert time.monotonic() - started < 5, scripts
        time.sleep(0.01)
    assert sorted(scripts) == [1, 3, 3]
    assert recording.buffer_flush() == 7
    assert sorted(int(e.content_id) for e in ViewEvent.objects.all()) == list(range(7))


def test_a_full_queue_makes_the_request_write_its_own(operator, batched, monkeypatch, cache_round_trips):
    monkeypatch.setattr(write_behind, "WAITING_LIMIT", 1)
    assert _start(operator, {"content_type": "video", "content_id": 1})
    cache_round_trips.clear()
    assert _start(operator, {"content_type": "video", "content_id": 2})
    assert cache_round_trips.names() == [b"EVAL"]
    assert recording.view_batch.flush() == 1
    assert recording.buffer_flush(include_current=True) == 2


def test_with_the_breaker_open_the_request_handles_its_own_view(operator, batched):
    breaker.trip()
    try:
        assert _start(operator, {"content_type": "live", "content_id": operator.channels[0].pk}) is False
        assert recording.view_batch.flush() == 0  # not queued: channel/url stores "last viewed" itself
    finally:
        breaker.reset()


def test_a_batch_the_cache_does_not_take_stores_its_live_views_as_last_viewed(operator, batched, written_log):
    c0, c1 = operator.channels[:2]
    AccountChannelSetting.objects.create(
        client=operator.client,
        account=operator.account,
        channel=c1,
        last_viewed_at=timezone.now() + dt.timedelta(hours=1),
    )
    moment = timezone.now().replace(microsecond=0)
    for view in (
        {"content_type": "live", "content_id": c0.pk, "now": moment},
        {"content_type": "live", "content_id": c1.pk, "now": moment},  # older than the stored one
        {"content_type": "video", "content_id": 5, "now": moment},
    ):
        assert _start(operator, view)
    breaker.trip()  # the cache fails before the batch is written
    try:
        assert recording.view_batch.flush() == 3
    finally:
        breaker.reset()
    assert "MONITORING_BUFFER_ERROR" in written_log.text
    stored = dict(
        AccountChannelSetting.objects.filter(account=operator.account).values_list("channel_id", "last_viewed_at")
    )
    assert stored[c0.pk] == moment
    assert stored[c1.pk] > moment  # the newest moment wins
    assert recording.buffer_flush(include_current=True) == 0  # the events went with the batch


def test_a_forked_process_starts_with_its_own_empty_batch(operator, batched):
    assert _start(operator, {"content_type": "video", "content_id": 1})
    pid = os.fork()
    if pid == 0:  # the child: not the parent's views to write
        os._exit(0 if recording.view_batch.flush() == 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert recording.view_batch.flush() == 1
