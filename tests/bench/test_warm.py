"""bench/warm.py: each session's first requests (account/status, then channel/programs of its
operator's first channel) and its account's library state, made before the measured phases."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from accounts.models import Session
from bench import warm
from smarty.cache import _shared_key
from tariffs.selectors import account_tariffs_read
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
