"""Channel detail, actions, v2 info, noauth lists, icons and sorts (reference tvmw/Channel.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from channels.models import AccountChannelSetting, ChannelSort
from tests import factories as f

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import SPEC, spec_compact_dropped, spec_fields

pytestmark = pytest.mark.django_db


def test_channel_detail_lists_watch_and_subscribe_actions_from_tariffs(api, operator):
    channel = operator.channels[0]
    premium = f.TariffFactory(client=operator.client, name="Premium", price=Decimal("9.50"))
    channel.tariffs.add(premium)
    hidden = f.TariffFactory(client=operator.client, name="Hidden", hidden=True)
    channel.tariffs.add(hidden)
    body = api("channel/detail/", cid=channel.id)
    assert body["error"] == 0 and body["id"] == channel.id and body["name"] == "Channel 0"
    actions = {a["tariff_id"]: a for a in body["actions"]}
    assert set(actions) == {operator.tariff.id, premium.id}
    assert actions[operator.tariff.id]["action"] == "get_channel_url"
    assert actions[premium.id] == {
        "action": "subscribe",
        "tariff_id": premium.id,
        "is_virtual": False,
        "caption": "Premium",
        "price": 9.5,
        "periodical": True,
        "activation_price": 9.5,
    }
    assert set(SPEC["/channel/detail/"]["response"]) >= set(body)


def test_channel_detail_answers_404_for_unknown_or_foreign_channels_and_1_for_garbage(api, other_operator):
    assert api("channel/detail/", cid=other_operator.channels[0].id)["error"] == 404
    assert api("channel/detail/", cid=999999)["error"] == 404
    garbled = api("channel/detail/", cid="abc")
    assert garbled["error"] == 1 and "cid" in garbled["error_fields"]
    assert api("channel/detail/")["error"] == 1


def test_channel_action_favourite_and_hide_store_the_accounts_flags(api, operator):
    channel = operator.channels[1]
    assert api("channel/action/", cid=channel.id, action="favorite") == {
        "error": 0,
        "error_message": "",
        "result": "ok",
    }
    assert api("channel/action/", cid=channel.id, action="hide")["error"] == 0
    setting = AccountChannelSetting.objects.get(account=operator.account, channel=channel)
    assert setting.is_favorite and setting.is_hidden
    listed = api("channel/list/")["channels"][1]
    assert listed["is_favorited"] == 1 and listed["is_hidden"] == 1
    api("channel/action/", cid=channel.id, action="unfavorite")
    assert api("channel/list/")["channels"][1]["is_favorited"] == 0


def test_channel_action_get_channel_url_checks_the_tariff(api, operator):
    channel = operator.channels[0]
    channel.uri = "http://static.test/0.m3u8"
    channel.save()
    ok = api("channel/action/", cid=channel.id, action="get_channel_url", tariff_id=operator.tariff.id)
    assert ok == {"error": 0, "error_message": "", "result": "http://static.test/0.m3u8"}
    premium = f.TariffFactory(client=operator.client)
    channel.tariffs.add(premium)
    assert api("channel/action/", cid=channel.id, action="get_channel_url", tariff_id=premium.id)["error"] == 5
    other = f.TariffFactory(client=operator.client)
    assert api("channel/action/", cid=channel.id, action="get_channel_url", tariff_id=other.id)["error"] == 4
    assert api("channel/action/", cid=channel.id, action="get_channel_url")["error"] == 1


def test_channel_action_subscribe_answers_already_done_or_points_to_billing(api, operator):
    channel = operator.channels[0]
    assert api("channel/action/", cid=channel.id, action="subscribe", tariff_id=operator.tariff.id)["error"] == 3
    premium = f.TariffFactory(client=operator.client)
    channel.tariffs.add(premium)
    assert api("channel/action/", cid=channel.id, action="subscribe", tariff_id=premium.id)["error"] == 1


def test_channel_action_refuses_unknown_actions_and_foreign_channels(api, other_operator, operator):
    unknown = api("channel/action/", cid=operator.channels[0].id, action="dance")
    assert unknown["error"] == 1 and "action" in unknown["error_fields"]
    foreign = api("channel/action/", cid=other_operator.channels[0].id, action="favorite")
    assert foreign["error"] == 4
    assert not AccountChannelSetting.objects.filter(channel=other_operator.channels[0]).exists()
    missing = api("channel/action/", cid=operator.channels[0].id)
    assert missing["error"] == 1 and "action" in missing["error_fields"]


def test_v2_channel_info_returns_the_documented_fields_for_the_asked_channels(api, operator, guide):
    c0, c1, _ = operator.channels
    body = api("v2/channel/info/", _json={"channel_ids": [c1.id, c0.id]})
    assert body["error"] == 0
    assert [p["id"] for p in body["programs"]] == [c1.id, c0.id]
    assert set(body["programs"][0]) == spec_fields("/v2/channel/info/", "programs")
    assert body["programs"][0]["program_id"] == guide[c1.id][3].id
    compact = api("v2/channel/info/", compact=1, _json={"channel_ids": [c0.id]})
    expected = spec_fields("/v2/channel/info/", "programs") - spec_compact_dropped("/v2/channel/info/", "programs")
    assert set(compact["programs"][0]) == expected


def test_v2_channel_info_accepts_form_ids_and_refuses_bad_or_foreign_ones(api, operator, other_operator):
    c0 = operator.channels[0]
    assert api("v2/channel/info/", _post=True, channel_ids=c0.id)["programs"][0]["id"] == c0.id
    foreign = api("v2/channel/info/", _json={"channel_ids": [other_operator.channels[0].id]})
    assert foreign["error"] == 1
    assert api("v2/channel/info/", _json={"channel_ids": ["x"]})["error"] == 400
    assert api("v2/channel/info/", _json={})["error"] == 400


def test_noauth_channel_list_v2_lists_enabled_channels_filtered_by_tariff(noauth, operator, other_operator):
    extra_tariff = f.TariffFactory(client=operator.client)
    extra = f.ChannelFactory(client=operator.client, name="Extra", sort_order=5)
    extra.tariffs.add(extra_tariff)
    body = noauth("v2/noauth/channel/list/")
    assert [c["name"] for c in body["channels"]] == ["Channel 0", "Channel 1", "Channel 2", "Extra"]
    assert set(body["channels"][0]) == spec_fields("/v2/noauth/channel/list/", "channels")
    assert [c["name"] for c in noauth("v2/noauth/channel/list/", tariff_id=extra_tariff.id)["channels"]] == ["Extra"]
    excluded = noauth("v2/noauth/channel/list/", exclude_tariff_id=operator.tariff.id)
    assert [c["name"] for c in excluded["channels"]] == ["Extra"]
    ids = {c["id"] for c in body["channels"]}
    assert not ids & {c.id for c in other_operator.channels}


def test_noauth_methods_refuse_a_wrong_api_key_with_403(noauth, operator, other_operator):
    assert noauth("v2/noauth/channel/list/", api_key="wrong")["error"] == 403
    assert noauth("channel/icon/list/", api_key=other_operator.client.api_key)["error"] == 403


def test_noauth_channel_info_v2_leaves_out_the_account_fields(noauth, operator, other_operator, guide):
    c0 = operator.channels[0]
    body = noauth("v2/noauth/channel/info/", _json={"channel_ids": [c0.id]})
    assert set(body["programs"][0]) == spec_fields("/v2/noauth/channel/info/", "programs")
    assert noauth("v2/noauth/channel/info/", _json={"channel_ids": [other_operator.channels[0].id]})["error"] == 404


def test_channel_icon_list_gives_every_channels_icon_at_the_asked_size(noauth, operator):
    operator.channels[0].icon = "a.png"
    operator.channels[0].save()
    body = noauth("channel/icon/list/", icon_width=100, icon_height=50)
    assert body["icons"][0] == {"id": operator.channels[0].id, "icon": "http://testserver/media/icons/a100_50.png"}
    assert [i["icon"] for i in body["icons"][1:]] == ["", ""]


def test_channel_sort_list_lists_the_operators_enabled_sorts(api, operator, other_operator, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    first = ChannelSort.objects.create(client=operator.client, name="Popular", name_lang1="Популярные")
    ChannelSort.objects.create(client=operator.client, name="Off", enabled=False)
    ChannelSort.objects.create(client=other_operator.client, name="Theirs")
    assert api("channel/sort/list/") == {
        "error": 0,
        "error_message": "",
        "channel_sort": [{"id": first.id, "name": "Popular"}],
    }
    assert api("channel/sort/list/", lang="ru")["channel_sort"][0]["name"] == "Популярные"
