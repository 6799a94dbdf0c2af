"""session_touch and session_channel_list_changed: the shared cache decides, each process
remembers what it learnt, so a warm account/status asks the cache nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Session
from accounts.services import sessions as module
from accounts.services.sessions import session_channel_list_changed, session_remember_channel_list, session_touch
from clients.invalidation import client_content_changed
from smarty.cache import device_values
from tests import factories as f
from tests.markers import on_redis

pytestmark = pytest.mark.django_db


class Counting:
    """The shared cache as the sessions module sees it, recording each call."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(cache, name)


@pytest.fixture
def counted(monkeypatch) -> Counting:
    counting = Counting()
    monkeypatch.setattr(module, "cache", counting)
    return counting


@pytest.fixture
def session(operator, json_device):
    return f.SessionFactory(
        account=operator.account, play_device=json_device, expires_at=timezone.now() + dt.timedelta(hours=1)
    )


def another_process() -> None:
    """What a second worker knows: the shared cache, not this one's memory."""
    device_values.clear()


def test_a_touch_updates_once_per_interval_and_a_warm_one_asks_the_cache_nothing(session, counted, settings):
    settings.SMARTY_SESSION_TOUCH_INTERVAL = 300
    assert session_touch(session=session) is True
    assert Session.objects.get(pk=session.pk).expires_at > timezone.now() + dt.timedelta(days=1)
    counted.calls.clear()
    assert session_touch(session=session) is False
    assert counted.calls == []


def test_a_touch_writes_last_active_and_the_new_expiry_of_that_session_only(session, operator, json_device, settings):
    """The touch's statement is compiled once per process (_slide_statement): the columns, the
    values and the row are still the ones update() would write, on every database."""
    settings.SMARTY_SESSION_TTL_DAYS = 30
    other = f.SessionFactory(account=operator.account, play_device=json_device)
    before = Session.objects.get(pk=other.pk)
    long_ago = timezone.now() - dt.timedelta(days=3)
    Session.objects.filter(pk=session.pk).update(last_active=long_ago)
    started = timezone.now()
    assert session_touch(session=session) is True
    row = Session.objects.get(pk=session.pk)
    assert started <= row.last_active <= timezone.now()
    assert row.expires_at - row.last_active == dt.timedelta(days=30)
    untouched = Session.objects.get(pk=other.pk)
    assert (untouched.last_active, untouched.expires_at) == (before.last_active, before.expires_at)
    with CaptureQueriesContext(connection) as captured:
        module._session_slide(session.pk, started)
    assert len(captured) == 1 and captured[0]["sql"].upper().startswith("UPDATE")


def test_the_shared_cache_stays_the_arbiter_between_processes(session, counted, settings):
    settings.SMARTY_SESSION_TOUCH_INTERVAL = 300
    assert session_touch(session=session) is True
    another_process()
    long_ago = timezone.now() - dt.timedelta(days=1)
    Session.objects.filter(pk=session.pk).update(last_active=long_ago)
    assert session_touch(session=session) is False  # touched elsewhere within the interval
    assert counted.calls.count("add") == 2
    assert Session.objects.get(pk=session.pk).last_active == long_ago
    counted.calls.clear()
    assert session_touch(session=session) is False and counted.calls == []  # and now remembered


def test_the_channel_list_changes_once_and_a_warm_check_asks_the_cache_nothing(session, operator, counted):
    account = operator.account
    session_remember_channel_list(session=session, account=account)
    assert session_channel_list_changed(session=session, account=account) is False
    counted.calls.clear()
    assert session_channel_list_changed(session=session, account=account) is False
    assert counted.calls == []
    client_content_changed(operator.client.pk)
    assert session_channel_list_changed(session=session, account=account) is True
    assert session_channel_list_changed(session=session, account=account) is False


def test_a_change_seen_in_one_process_is_not_announced_again_by_another(session, operator):
    account = operator.account
    session_remember_channel_list(session=session, account=account)
    assert session_channel_list_changed(session=session, account=account) is False  # remembered here
    client_content_changed(operator.client.pk)
    saved = dict(device_values._items)
    another_process()
    assert session_channel_list_changed(session=session, account=account) is True  # told by the other
    device_values._items.update(saved)  # back in the first process, which remembers the old version
    assert session_channel_list_changed(session=session, account=account) is False


# --- the touch written behind (Redis) ----------------------------------------------------

needs_redis = on_redis("the write-behind needs Redis")


@pytest.fixture
def lasting(operator, json_device):
    """Sessions far from their expiry, as a device's usually is: their touch is written behind."""

    def make():
        return f.SessionFactory(
            account=operator.account, play_device=json_device, expires_at=timezone.now() + dt.timedelta(days=20)
        )

    return make


def _rewind(*sessions: Session, by: dt.timedelta = dt.timedelta(days=3)) -> dt.datetime:
    long_ago = timezone.now() - by
    Session.objects.filter(pk__in=[s.pk for s in sessions]).update(last_active=long_ago)
    return long_ago


@needs_redis
def test_a_touch_on_redis_is_written_behind_and_the_flush_stores_it_from_the_minute(lasting, settings):
    settings.SMARTY_SESSION_TTL_DAYS = 30
    first, second, untouched = lasting(), lasting(), lasting()
    long_ago = _rewind(first, second, untouched)
    moment = timezone.now()
    with CaptureQueriesContext(connection) as captured:
        assert session_touch(session=first, now=moment) is True
        assert session_touch(session=second, now=moment) is True
        another_process()
        assert session_touch(session=first, now=moment) is False  # once per interval
    assert len(captured) == 0
    assert Session.objects.get(pk=first.pk).last_active == long_ago
    assert module.session_touches_flush(now=moment) == 0  # the minute is not over yet
    later = moment + dt.timedelta(minutes=1) + module.TOUCH_GRACE + dt.timedelta(seconds=1)
    assert module.session_touches_flush(now=later) == 2
    minute = moment.replace(second=0, microsecond=0)
    for touched in (first, second):
        row = Session.objects.get(pk=touched.pk)
        assert (row.last_active, row.expires_at) == (minute, minute + dt.timedelta(days=30))
    assert Session.objects.get(pk=untouched.pk).last_active == long_ago
    assert module.session_touches_flush(now=later) == 0  # stored once


@needs_redis
def test_the_flush_never_moves_a_session_back(lasting):
    """A touch stored at once later than the buffered minute (a session near its expiry, a
    failing cache) is not undone by the minute's flush."""
    session = lasting()
    moment = timezone.now() - dt.timedelta(minutes=5)
    _rewind(session)
    assert session_touch(session=session, now=moment) is True
    newer = timezone.now()
    Session.objects.filter(pk=session.pk).update(last_active=newer, expires_at=newer + dt.timedelta(days=30))
    assert module.session_touches_flush() == 0
    assert Session.objects.get(pk=session.pk).last_active == newer


@needs_redis
def test_a_failed_flush_leaves_the_touches_for_the_next_run(lasting, monkeypatch):
    session = lasting()
    long_ago = _rewind(session)
    moment = timezone.now() - dt.timedelta(minutes=5)
    assert session_touch(session=session, now=moment) is True

    def failing(*args, **kwargs):
        raise RuntimeError("database gone")

    with monkeypatch.context() as patched:
        patched.setattr(module.Session.objects, "filter", failing)
        with pytest.raises(RuntimeError):
            module.session_touches_flush()
    assert Session.objects.get(pk=session.pk).last_active == long_ago
    assert module.session_touches_flush() == 1  # the minute was released, its touches kept
    assert Session.objects.get(pk=session.pk).last_active > long_ago


@needs_redis
def test_a_session_near_its_expiry_or_a_cache_that_fails_is_touched_at_once(lasting, monkeypatch):
    near = lasting()
    Session.objects.filter(pk=near.pk).update(expires_at=timezone.now() + dt.timedelta(hours=1))
    near.refresh_from_db()
    long_ago = _rewind(near)
    assert session_touch(session=near) is True
    assert Session.objects.get(pk=near.pk).last_active > long_ago  # stored at once

    failing_cache = lasting()
    long_ago = _rewind(failing_cache)
    monkeypatch.setattr(module, "_touches_sent", lambda *args: None)
    assert session_touch(session=failing_cache) is True
    assert Session.objects.get(pk=failing_cache.pk).last_active > long_ago


@pytest.fixture
def batched(settings):
    """Touches left to the process's batch (smarty.write_behind), with a window no test waits
    for: each flushes itself, and nothing of a test waits for the next."""
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    yield
    module.touch_batch.flush()


@needs_redis
def test_a_batched_touch_costs_the_request_no_round_trip_and_the_batch_one(lasting, batched, cache_round_trips):
    settings.SMARTY_SESSION_TTL_DAYS = 30
    first, second = lasting(), lasting()
    long_ago = _rewind(first, second)
    moment = timezone.now()
    cache_round_trips.clear()
    with CaptureQueriesContext(connection) as captured:
        assert session_touch(session=first, now=moment) is True
        assert session_touch(session=second, now=moment) is True
        assert session_touch(session=first, now=moment) is False  # remembered for the interval
    assert cache_round_trips.commands == [] and len(captured) == 0
    assert cache.get(module.session_touch_key(first.authkey)) is None  # not written yet
    another_process()
    assert session_touch(session=first, now=moment) is True  # another process queues it too
    cache_round_trips.clear()
    assert module.touch_batch.flush() == 3
    assert cache_round_trips.names() == [b"EVAL"]
    assert cache.get(module.session_touch_key(first.authkey)) is not None
    assert module.session_touches_flush(now=moment, include_current=True) == 2  # each session once
    minute = moment.replace(second=0, microsecond=0)
    for touched in (first, second):
        assert Session.objects.get(pk=touched.pk).last_active == minute
    assert long_ago < minute


@needs_redis
def test_touches_the_cache_refuses_are_stored_at_once(lasting, batched):
    from smarty.cache_backends import breaker

    session = lasting()
    long_ago = _rewind(session)
    moment = timezone.now()
    assert session_touch(session=session, now=moment) is True
    breaker.trip()  # the cache fails before the batch is written
    try:
        assert module.touch_batch.flush() == 1
    finally:
        breaker.reset()
    row = Session.objects.get(pk=session.pk)
    assert row.last_active == moment and row.last_active > long_ago


def test_without_redis_the_touch_is_stored_at_once(lasting, monkeypatch):
    """The local-memory cache (development) has no shared buffer: the touch is one UPDATE and
    the flush finds nothing."""
    monkeypatch.setattr(module, "redis_backend", lambda: None)
    session = lasting()
    long_ago = _rewind(session)
    assert session_touch(session=session) is True
    assert Session.objects.get(pk=session.pk).last_active > long_ago
    assert module.session_touches_flush(include_current=True) == 0


def test_the_flush_runs_every_minute_as_a_task():
    from accounts.tasks import flush_session_touches
    from smarty.schedules import SCHEDULES

    task, schedule = SCHEDULES["flush_session_touches"]
    assert (task, schedule) == ("accounts.tasks.flush_session_touches", 60.0)
    assert flush_session_touches.name == task
    assert flush_session_touches.apply().get().startswith("updated ")
