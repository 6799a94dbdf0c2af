"""bench/warm.py: each session's first requests (account/status, then channel/programs of its
operator's first channel), its account's channel settings and library state, and the guide's
day windows the load asks for, made before the measured phases."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Session
from bench import warm
from channels.selectors import account_channels_read
from epg import selectors as guide
from smarty.cache import _shared_key
from smarty.local_memory import local_values
from tariffs.selectors import account_tariffs_read
from tests.tvmiddleware.live_fixtures import make_guide
from vod.selectors import account_state_read


def _session(operator, authkey: str) -> Session:
    return Session.objects.create(
        client=operator.client,
        account=operator.account,
        authkey=authkey,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )


def test_a_live_session_is_warmed_and_a_dead_one_is_counted_as_an_error(operator):
    live = _session(operator, "w" * 32)
    rows = [(str(operator.client.pk), live.authkey), (str(operator.client.pk), "x" * 32)]

    assert warm._warm(rows, "android", {str(operator.client.pk): operator.channels[0].pk}) == (2, 1)


def test_the_warmed_device_leaves_its_accounts_entitlement_in_the_shared_cache(operator):
    live = _session(operator, "v" * 32)
    name, parts, _deps, _timeout = account_tariffs_read(operator.client.pk, operator.account.pk)
    key = _shared_key(name, parts)
    cache.delete(key)

    assert warm._warm([(str(operator.client.pk), live.authkey)], "android", {}) == (1, 0)
    assert cache.get(key) is None  # account/status alone does not read the tariffs

    assert warm._warm([(str(operator.client.pk), live.authkey)], "android", {str(operator.client.pk): 0}) == (1, 1)
    assert warm._warm(
        [(str(operator.client.pk), live.authkey)], "android", {str(operator.client.pk): operator.channels[0].pk}
    ) == (1, 0)
    assert cache.get(key) is not None


def test_the_warmed_device_leaves_its_accounts_library_state_in_the_shared_cache(operator):
    live = _session(operator, "u" * 32)
    name, parts, _deps, _timeout = account_state_read(operator.account.pk)
    key = _shared_key(name, parts)
    cache.delete(key)

    assert warm._warm([(str(operator.client.pk), live.authkey)], "android", {}) == (1, 0)

    assert cache.get(key) is not None  # what video/list and video/detail read of the account


def test_the_warmed_device_leaves_its_accounts_channel_settings_in_the_shared_cache(operator):
    live = _session(operator, "t" * 32)
    name, parts, _deps, _timeout = account_channels_read(operator.client.pk, operator.account.pk)
    key = _shared_key(name, parts)
    cache.delete(key)

    first = {str(operator.client.pk): operator.channels[0].pk}
    assert warm._warm([(str(operator.client.pk), live.authkey)], "android", first) == (1, 0)

    assert cache.get(key) is not None  # what channel/list reads of the account


def test_the_guide_warm_up_leaves_the_days_the_load_asks_for_in_the_shared_cache(operator, monkeypatch):
    make_guide(operator.channels)
    epg_ids = sorted({c.epg_channel_id for c in operator.channels})
    days = warm.GUIDE_DAYS_BACK + 1 + warm.GUIDE_DAYS_AHEAD

    assert warm._warm_guides([operator.client.pk]) == len(epg_ids) * days

    def no_query(*args, **kwargs):
        raise AssertionError("a day window the warm-up left was built again")

    local_values.clear()  # this process's copies gone: only the shared cache has them
    monkeypatch.setattr(guide, "programs_in_range", no_query)
    today = guide.day_start(int(time.time()))
    asked = [today + n * guide.DAY for n in range(-3, 3)]  # program/list's dates in the load
    assert len(guide.epg_days(epg_ids, asked)) == len(epg_ids) * len(asked)
    with pytest.raises(AssertionError, match="built again"):
        guide.epg_days(epg_ids, [today + (warm.GUIDE_DAYS_AHEAD + 1) * guide.DAY])
