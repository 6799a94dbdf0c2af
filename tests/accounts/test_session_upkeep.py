"""session_touch and session_channel_list_changed: the shared cache decides, each process
remembers what it learnt, so a warm account/status asks the cache nothing."""

from __future__ import annotations

import datetime as dt

import pytest
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
