"""/account/status/ (reference tvmw/Account.md): session state, messages, commands,
channel_list_changed, with_tariffs, and its warm query bound."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Account, AccountDevice, DeviceCommand, Message, Session
from accounts.selectors import channel_list_version, client_content_dep
from accounts.services.messages import command_create, message_create
from smarty.cache import bump
from tariffs.selectors import tariffs_dep
from tests import factories as f

FIELDS = {
    "error",
    "status",
    "status_reason",
    "utc_time",
    "has_new_messages",
    "is_active",
    "message",
    "command",
    "channel_list_changed",
}


def test_status_of_an_active_session(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    body = tvmw_call("/account/status/", authkey=authkey, client_id=operator.client.pk)
    assert set(body) == FIELDS
    assert body["status"] == 0 and body["is_active"] == 1 and body["status_reason"] == "ACTIVE"
    assert body["message"] == {} and body["command"] == {} and body["has_new_messages"] == 0
    assert body["channel_list_changed"] == 0
    assert abs(body["utc_time"] - timezone.now().timestamp()) < 60


def test_status_without_a_session_is_status_1_and_without_an_authkey_403(tvmw_call, operator):
    body = tvmw_call("/account/status/", authkey="0" * 32, client_id=operator.client.pk)
    assert body["error"] == 0 and body["status"] == 1 and body["is_active"] == 0
    assert tvmw_call("/account/status/", client_id=operator.client.pk)["error"] == 403


def test_an_authkey_no_session_can_have_costs_no_query_and_no_cache_key(tvmw_call, operator, monkeypatch):
    # Whatever a client sends as an authkey (20000 characters, control characters) used to
    # become a cache key and a query; a session's authkey is at most 64 printable characters.
    from accounts import selectors

    def no_cache(*args, **kwargs):
        raise AssertionError("the cache was asked")

    monkeypatch.setattr(selectors, "cached", no_cache)
    for authkey in ("x" * 65, "a b", "a\x01b", "ключ"):
        with CaptureQueriesContext(connection) as queries:
            assert selectors.session_get_active(authkey=authkey) is None
        assert not queries.captured_queries
        body = tvmw_call("/account/status/", authkey=authkey, client_id=operator.client.pk)
        assert body["error"] == 0 and body["status"] == 1


def test_status_of_a_deactivated_account_is_2(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    account = Account.objects.get(pk=operator.account.pk)
    account.active, account.status_reason = False, "DEBT"
    account.save()
    body = tvmw_call("/account/status/", authkey=authkey)
    assert body["status"] == 2 and body["is_active"] == 0 and body["status_reason"] == "DEBT"


def test_with_tariffs_lists_the_sorted_tariff_ids_including_hidden_ones(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    hidden = f.TariffFactory(client=operator.client, hidden=True)
    operator.account.tariffs.add(hidden)
    body = tvmw_call("/account/status/", authkey=authkey, with_tariffs=1)
    assert body["tariff_ids"] == sorted([operator.tariff.pk, hidden.pk])
    assert "tariff_ids" not in tvmw_call("/account/status/", authkey=authkey)


def test_new_messages_and_an_urgent_message_delivered_once(tvmw_login, tvmw_call, operator, events):
    authkey = tvmw_login()["authkey"]
    message_create(account=operator.account, subject="Hello", text="Plain")
    body = tvmw_call("/account/status/", authkey=authkey)
    assert body["has_new_messages"] == 1 and body["message"] == {}
    message_create(account=operator.account, subject="Pay", text="<b>now</b>", urgent=True, no_confirmation=True)
    body = tvmw_call("/account/status/", authkey=authkey)
    assert body["message"] == {"subject": "Pay", "text": "<b>now</b>", "no_confirmation": 1}
    assert tvmw_call("/account/status/", authkey=authkey)["message"] == {}
    assert Message.objects.get(subject="Pay").is_read
    assert events.of("MESSAGE_CREATED")[-1] == {
        "account": operator.account.abonement,
        "subject": "Pay",
        "text": "<b>now</b>",
    }
    assert events.of("MESSAGE_SEND")[-1]["subject"] == "Pay"


def test_a_command_is_delivered_once(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    command_create(
        account=operator.account,
        type=3,
        user_confirmation=True,
        accompanying_text="Reboot?",
        image_url="http://img.test/r.png",
        deep_link="app://home",
    )
    body = tvmw_call("/account/status/", authkey=authkey)
    assert body["command"] == {
        "type": 3,
        "user_confirmation": 1,
        "deep_link": "app://home",
        "accompanying_text_to_command": "Reboot?",
        "image_for_command": "http://img.test/r.png",
    }
    assert tvmw_call("/account/status/", authkey=authkey)["command"] == {}
    assert DeviceCommand.objects.get().delivered_at is not None


def test_a_command_for_one_device_reaches_only_that_device(tvmw_login, tvmw_call, operator):
    phone = tvmw_login(device_uid="phone")["authkey"]
    tv = tvmw_login(device_uid="tv")["authkey"]
    command_create(account=operator.account, type=2, device=AccountDevice.objects.get(device_uid="tv"))
    assert tvmw_call("/account/status/", authkey=phone)["command"] == {}
    assert tvmw_call("/account/status/", authkey=tv)["command"]["type"] == 2


def test_channel_list_changed_follows_content_tariffs_and_account_changes(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    status = lambda: tvmw_call("/account/status/", authkey=authkey)["channel_list_changed"]  # noqa: E731
    assert status() == 0
    bump(client_content_dep(operator.client.pk))  # the content side changed a channel
    assert status() == 1
    assert status() == 0  # reported once per change
    bump(tariffs_dep(operator.client.pk))
    assert status() == 1
    operator.account.tariffs.add(f.TariffFactory(client=operator.client))
    assert status() == 1
    assert status() == 0
    # Another operator's content changing is not this account's business.
    bump(client_content_dep(operator.client.pk + 1000))
    assert status() == 0


def test_channel_list_version_is_stable_until_something_changes(operator):
    version = channel_list_version(operator.account)
    assert channel_list_version(operator.account) == version
    bump(client_content_dep(operator.client.pk))
    assert channel_list_version(operator.account) != version


def test_warm_status_needs_at_most_one_query(tvmw_login, tvmw_call, operator, django_assert_max_num_queries):
    authkey = tvmw_login()["authkey"]
    message_create(account=operator.account, subject="Hi", text="x")
    tvmw_call("/account/status/", authkey=authkey, with_tariffs=1)  # warms the caches
    with django_assert_max_num_queries(1):
        body = tvmw_call("/account/status/", authkey=authkey, with_tariffs=1)
    assert body["has_new_messages"] == 1 and body["status"] == 0
    with CaptureQueriesContext(connection) as captured:
        tvmw_call("/account/status/", authkey=authkey, with_tariffs=1)
    assert len(captured) == 0


def test_a_changed_account_is_seen_on_the_next_status(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    tvmw_call("/account/status/", authkey=authkey)
    Account.objects.get(pk=operator.account.pk).save()  # any admin edit bumps the account
    account = Account.objects.get(pk=operator.account.pk)
    account.status_reason = "WAIT"
    account.save()
    assert tvmw_call("/account/status/", authkey=authkey)["status_reason"] == "WAIT"


def test_status_slides_the_session_expiry_at_most_once_per_interval(tvmw_login, tvmw_call, operator, settings):
    settings.SMARTY_SESSION_TOUCH_INTERVAL = 300
    authkey = tvmw_login()["authkey"]
    soon = timezone.now() + dt.timedelta(hours=1)
    Session.objects.filter(authkey=authkey).update(expires_at=soon)
    from django.core.cache import cache

    from accounts.selectors import session_cache_id

    cache.delete(f"session_touch:{session_cache_id(authkey)}")
    tvmw_call("/account/status/", authkey=authkey)
    session = Session.objects.get(authkey=authkey)
    assert session.expires_at > timezone.now() + dt.timedelta(days=29)
    assert session.last_active is not None


def test_status_never_shows_another_operators_messages(tvmw_login, tvmw_call, operator, other_operator):
    mine = tvmw_login()["authkey"]
    message_create(account=other_operator.account, subject="Theirs", text="x", urgent=True)
    command_create(account=other_operator.account, type=3)
    body = tvmw_call("/account/status/", authkey=mine, client_id=operator.client.pk)
    assert body["has_new_messages"] == 0 and body["message"] == {} and body["command"] == {}
    theirs = tvmw_login(op=other_operator)["authkey"]
    assert tvmw_call("/account/status/", authkey=theirs, client_id=operator.client.pk)["error"] == 403
    assert tvmw_call("/account/status/", authkey=theirs, client_id=other_operator.client.pk)["message"]["subject"] == (
        "Theirs"
    )
