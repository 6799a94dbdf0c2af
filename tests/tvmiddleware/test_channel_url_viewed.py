"""/channel/url/ feeds /channel/list/last/ without a database write: the view is kept with the
viewing statistics in the cache and stored by their flush (monitoring.recording,
channels.services.channels_viewed_store); zapping does not flag a channel list change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone

from channels import services
from channels.models import AccountChannelSetting
from monitoring import recording
from smarty.cache_backends import breaker

pytestmark = pytest.mark.django_db


@pytest.fixture
def streams(operator):
    from streaming.demo import load as streaming_demo

    streaming_demo(operator.client, operator.channels)


def _forget_recent(operator) -> None:
    """What the cache holds of the account's recent views expires (or the cache lost it)."""
    cache.delete(recording.recent_key(operator.client.pk, operator.account.pk))


def test_watching_a_channel_lists_it_last_without_changing_the_channel_list(tvmw_login, tvmw_call, operator, streams):
    authkey = tvmw_login()["authkey"]
    first = tvmw_call("/account/status/", authkey=authkey)
    assert first["error"] == 0
    for channel in (operator.channels[0], operator.channels[2]):
        body = tvmw_call("/channel/url/", authkey=authkey, cid=channel.id, redirect=0)
        assert body["error"] == 0, body
    last = tvmw_call("/channel/list/last/", authkey=authkey)
    assert [c["id"] for c in last["channels"]] == [operator.channels[2].id, operator.channels[0].id]
    status = tvmw_call("/account/status/", authkey=authkey)
    assert status["channel_list_changed"] == 0


def test_a_zap_writes_no_row_and_the_flush_stores_it(
    tvmw_login, tvmw_call, operator, streams, django_assert_num_queries
):
    authkey = tvmw_login()["authkey"]
    c0, c1, _ = operator.channels
    tvmw_call("/channel/url/", authkey=authkey, cid=c0.id, redirect=0)  # warms the caches
    AccountChannelSetting.objects.all().delete()
    with django_assert_num_queries(0):
        assert tvmw_call("/channel/url/", authkey=authkey, cid=c1.id, redirect=0)["error"] == 0
    assert not AccountChannelSetting.objects.exists()
    recording.buffer_flush(include_current=True)
    stored = dict(AccountChannelSetting.objects.values_list("channel_id", "last_viewed_at"))
    assert set(stored) == {c0.id, c1.id}
    assert stored[c1.id] >= stored[c0.id]
    _forget_recent(operator)
    last = tvmw_call("/channel/list/last/", authkey=authkey)
    assert [c["id"] for c in last["channels"]] == [c1.id, c0.id]  # from the stored times now


def test_views_not_stored_yet_come_before_older_stored_ones(tvmw_login, tvmw_call, operator, streams):
    authkey = tvmw_login()["authkey"]
    c0, c1, c2 = operator.channels
    for channel in (c0, c1):
        tvmw_call("/channel/url/", authkey=authkey, cid=channel.id, redirect=0)
    recording.buffer_flush(include_current=True)
    _forget_recent(operator)
    tvmw_call("/channel/url/", authkey=authkey, cid=c2.id, redirect=0)
    tvmw_call("/channel/url/", authkey=authkey, cid=c0.id, redirect=0)
    last = tvmw_call("/channel/list/last/", authkey=authkey)
    assert [c["id"] for c in last["channels"]] == [c0.id, c2.id, c1.id]


def test_with_the_cache_down_a_zap_stores_its_view_at_once(tvmw_login, tvmw_call, operator, streams, monkeypatch):
    authkey = tvmw_login()["authkey"]
    c0 = operator.channels[0]
    monkeypatch.setattr(recording, "viewing_started", lambda **kwargs: False)
    monkeypatch.setattr("tvmiddleware.views.stream.viewing_started", lambda **kwargs: False)
    assert tvmw_call("/channel/url/", authkey=authkey, cid=c0.id, redirect=0)["error"] == 0
    assert AccountChannelSetting.objects.get(channel=c0).last_viewed_at is not None
    last = tvmw_call("/channel/list/last/", authkey=authkey)
    assert [c["id"] for c in last["channels"]] == [c0.id]


@pytest.mark.skipif(
    django_settings.CACHES["default"]["BACKEND"] != "smarty.cache_backends.GuardedRedisCache",
    reason="the breaker guards the shared cache: the Redis pass",
)
def test_recently_watched_is_empty_while_the_breaker_is_open(operator):
    recording.viewing_started(
        client_id=operator.client.pk, account_id=operator.account.pk, content_type="live", content_id=5
    )
    assert set(recording.recently_watched(operator.client.pk, operator.account.pk)) == {5}
    breaker.trip()
    try:
        assert recording.recently_watched(operator.client.pk, operator.account.pk) == {}
    finally:
        breaker.reset()


def test_only_live_channels_become_recently_watched(operator):
    for kind, content_id in (("archive", 7), ("video", 8), ("live", 9)):
        recording.viewing_started(
            client_id=operator.client.pk, account_id=operator.account.pk, content_type=kind, content_id=content_id
        )
    assert set(recording.recently_watched(operator.client.pk, operator.account.pk)) == {9}


def test_recently_watched_keeps_the_newest_channels(operator, settings):
    settings.SMARTY_LAST_CHANNELS_LIMIT = 1  # four kept
    start = timezone.now() - dt.timedelta(minutes=30)
    for n in range(6):
        recording.viewing_started(
            client_id=operator.client.pk,
            account_id=operator.account.pk,
            content_type="live",
            content_id=100 + n,
            now=start + dt.timedelta(seconds=n),
        )
    assert set(recording.recently_watched(operator.client.pk, operator.account.pk)) == {102, 103, 104, 105}


# --- channels_viewed_store: the write behind -----------------------------------------------


def test_the_store_keeps_the_newest_moment_and_never_moves_one_back(operator):
    c0 = operator.channels[0]
    account = operator.account
    now = timezone.now().replace(microsecond=0)
    earlier, later = now - dt.timedelta(minutes=5), now
    assert services.channels_viewed_store([(account.client_id, account.pk, c0.id, earlier)]) == 1
    services.channels_viewed_store(
        [(account.client_id, account.pk, c0.id, later), (account.client_id, account.pk, c0.id, earlier)]
    )
    assert AccountChannelSetting.objects.get(account=account, channel=c0).last_viewed_at == later
    services.channels_viewed_store([(account.client_id, account.pk, c0.id, earlier)])  # a late minute
    assert AccountChannelSetting.objects.get(account=account, channel=c0).last_viewed_at == later


def test_the_store_keeps_existing_flags_and_bumps_the_accounts_last_viewed(operator):
    from channels import selectors as live

    c1 = operator.channels[1]
    account = operator.account
    AccountChannelSetting.objects.create(client=operator.client, account=account, channel=c1, is_favorite=True)
    assert live.account_last_viewed(account) == ()
    services.channels_viewed_store([(account.client_id, account.pk, c1.id, timezone.now())])
    row = AccountChannelSetting.objects.get(account=account, channel=c1)
    assert row.is_favorite and row.last_viewed_at is not None
    assert live.account_last_viewed(account) == (c1.id,)  # not the value cached before


def test_the_store_skips_other_operators_channels_and_deleted_accounts(operator, other_operator):
    from tests import factories as f

    account = operator.account
    gone = f.AccountFactory(client=operator.client)
    gone_id = gone.pk
    gone.delete()
    now = timezone.now()
    written = services.channels_viewed_store(
        [
            (account.client_id, account.pk, other_operator.channels[0].id, now),  # not its operator's
            (other_operator.client.pk, account.pk, other_operator.channels[0].id, now),  # not its account
            (account.client_id, gone_id, operator.channels[0].id, now),
            (account.client_id, account.pk, 999_999, now),
        ]
    )
    assert written == 0
    assert not AccountChannelSetting.objects.exists()
