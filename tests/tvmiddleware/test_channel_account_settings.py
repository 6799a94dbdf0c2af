"""The account's channel settings: /channel/list/last/, /v2/account/channels/* (reference
tvmw/Account.md)."""

from __future__ import annotations

import json

import pytest

from channels import services
from channels.models import AccountChannelSetting

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import API, SPEC

pytestmark = pytest.mark.django_db


def test_channel_list_last_lists_recently_watched_channels_newest_first(api, operator):
    c0, c1, c2 = operator.channels
    assert api("channel/list/last/") == {"error": 0, "error_message": "", "channels": []}
    for channel in (c2, c0):
        services.channel_viewed(account=operator.account, channel_id=channel.id)
    body = api("channel/list/last/", icon_width=20, icon_height=20)
    assert [c["id"] for c in body["channels"]] == [c0.id, c2.id]
    assert set(body["channels"][0]) == {"id", "name", "icon"}


def test_channel_list_last_falls_back_to_the_accounts_last_channel(api, operator):
    operator.account.last_channel = operator.channels[1]
    operator.account.save()
    fresh = type(operator.account).objects.get(pk=operator.account.pk)
    from tests import factories as f

    sess = f.SessionFactory(account=fresh)
    assert [c["id"] for c in api("channel/list/last/", _session=sess)["channels"]] == [operator.channels[1].id]


def test_account_settings_info_lists_favourite_hidden_and_parental_channels(api, operator):
    c0, c1, c2 = operator.channels
    AccountChannelSetting.objects.create(client=operator.client, account=operator.account, channel=c0, is_favorite=True)
    AccountChannelSetting.objects.create(
        client=operator.client, account=operator.account, channel=c1, is_hidden=True, is_parent_control=True
    )
    c2.parent_control = True
    c2.save()
    body = api("v2/account/channels/accountsettingsinfo/")
    assert body == {
        "error": 0,
        "error_message": "",
        "is_favorited": [c0.id],
        "is_hidden": [c1.id],
        "is_parent_control": [c1.id, c2.id],
    }
    assert set(body) <= set(SPEC["/v2/account/channels/accountsettingsinfo/"]["response"])


def test_account_channels_update_sets_flags_in_bulk_and_the_list_shows_them(api, operator):
    c0, c1, _ = operator.channels
    body = api(
        "v2/account/channels/update/",
        _json={
            "account_channels": [
                {"channel_id": c0.id, "is_favorited": 1},
                {"channel_id": c1.id, "is_hidden": 1, "is_parent_control": 1},
            ]
        },
    )
    assert body["error"] == 0
    listed = api("channel/list/")["channels"]
    assert (listed[0]["is_favorited"], listed[1]["is_hidden"], listed[1]["is_parent_control"]) == (1, 1, 1)
    api("v2/account/channels/update/", _json={"account_channels": [{"channel_id": c0.id, "is_favorited": 0}]})
    assert api("channel/list/")["channels"][0]["is_favorited"] == 0


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"account_channels": []},
        {"account_channels": [{"is_favorited": 1}]},
        {"account_channels": [{"channel_id": "x"}]},
        {"account_channels": "nope"},
    ],
)
def test_account_channels_update_answers_400_for_bad_payloads(api, payload):
    assert api("v2/account/channels/update/", _json=payload)["error"] == 400


def test_account_channels_update_answers_400_for_bad_flags(api, operator):
    body = api(
        "v2/account/channels/update/",
        _json={"account_channels": [{"channel_id": operator.channels[0].id, "is_hidden": 5}]},
    )
    assert body["error"] == 400 and "account_channel.is_hidden" in body["error_fields"]


def test_account_channels_update_answers_404_for_foreign_channels(api, other_operator):
    body = api(
        "v2/account/channels/update/", _json={"account_channels": [{"channel_id": other_operator.channels[0].id}]}
    )
    assert body["error"] == 404
    assert not AccountChannelSetting.objects.exists()


def test_account_channels_sort_stores_the_accounts_order(api, operator):
    c0, c1, c2 = operator.channels
    assert api("v2/account/channels/sort/", _json={"channel_ids": [c2.id, c1.id]})["error"] == 0
    assert [c["id"] for c in api("channel/list/")["channels"]] == [c2.id, c1.id, c0.id]
    api("v2/account/channels/sort/", _json={"channel_ids": [c1.id]})
    assert [c["id"] for c in api("channel/list/")["channels"]] == [c1.id, c0.id, c2.id]


def test_account_channels_sort_error_codes(api, client, operator, other_operator, session):
    assert api("v2/account/channels/sort/", _json={})["error"] == 400
    assert api("v2/account/channels/sort/", _json={"channel_ids": "a,b"})["error"] == 400
    assert api("v2/account/channels/sort/", _json={"channel_ids": [other_operator.channels[0].id]})["error"] == 404
    refused = client.get(f"{API}v2/account/channels/sort/", {"authkey": session.authkey})
    assert json.loads(refused.content)["error"] == 400  # POST only


def test_one_accounts_settings_never_show_for_another(api, operator, other_operator, other_session):
    api(
        "v2/account/channels/update/",
        _json={"account_channels": [{"channel_id": operator.channels[0].id, "is_favorited": 1}]},
    )
    theirs = api("v2/account/channels/accountsettingsinfo/", _session=other_session)
    assert theirs["is_favorited"] == []
    assert all(c["is_favorited"] == 0 for c in api("channel/list/", _session=other_session)["channels"])


@pytest.mark.parametrize(
    ("method", "code"),
    [("v2/account/channels/sort/", 400), ("v2/account/channels/update/", 400), ("channel/list/programs/", 1)],
)
def test_a_json_body_nested_too_deeply_is_the_methods_parameter_error(client, session, method, code):
    # json.loads gives up on deep nesting with a RecursionError, which was error 500.
    url = f"{API}{method}?authkey={session.authkey}&client_id={session.client_id}"
    url += "&programs_from_ts=0&programs_to_ts=3600"  # channel/list/programs reads its body after these
    response = client.post(url, data=b"[" * 5000, content_type="application/json")
    assert json.loads(response.content)["error"] == code


def test_account_channels_update_answers_400_for_a_form_value_nested_too_deeply(api):
    assert api("v2/account/channels/update/", _post=True, account_channels="[" * 5000)["error"] == 400
