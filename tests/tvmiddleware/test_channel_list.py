"""GET /channel/list/, /channel/list/search/, /v2/channel/list/ (reference tvmw/Channel.md)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.test import override_settings

from accounts.models import Session
from channels.models import AccountChannelSetting, ChannelSort
from clients.models import PlayDevice
from epg.models import EpgCategory, EpgGenre
from tests import factories as f

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import API, spec_compact_dropped, spec_fields, xml

pytestmark = pytest.mark.django_db


def names(body: dict) -> list[str]:
    return [c["name"] for c in body["channels"]]


def test_channel_list_returns_the_entitled_channels_in_operator_order_with_every_documented_field(api, operator):
    body = api("channel/list/")
    assert body["error"] == 0
    assert names(body) == ["Channel 0", "Channel 1", "Channel 2"]
    assert set(body["channels"][0]) == spec_fields("/channel/list/", "channels")
    assert [c["channel_sort"] for c in body["channels"]] == [1, 2, 3]
    first = body["channels"][0]
    assert first["category_id"] == operator.category.id
    assert first["has_subscription"] == 1 and first["is_hidden"] == 0 and first["is_favorited"] == 0


def test_compact_channel_list_leaves_out_the_fields_the_reference_marks(api):
    body = api("channel/list/", compact=1)
    expected = spec_fields("/channel/list/", "channels") - spec_compact_dropped("/channel/list/", "channels")
    assert set(body["channels"][0]) == expected


def test_channel_list_carries_the_programme_on_air_and_the_next_one(api, operator, guide):
    body = api("channel/list/")
    channel = body["channels"][0]
    on_air, following = guide[operator.channels[0].id][3], guide[operator.channels[0].id][4]
    assert channel["program_id"] == on_air.id
    assert channel["program_name"] == on_air.name
    assert channel["program_begin_time"] == int(on_air.time_begin.timestamp())
    assert channel["program_end_time"] == int(on_air.time_end.timestamp())
    assert channel["next_program_id"] == following.id
    assert channel["next_program_begin_time"] == int(following.time_begin.timestamp())
    assert json.loads(channel["program_meta"]) == {}
    assert channel["program_genres"] == []


def test_a_channel_without_a_guide_has_empty_programme_fields(api):
    channel = api("channel/list/")["channels"][0]
    assert channel["program_id"] == 0 and channel["program_name"] == "" and channel["next_program_id"] == 0


def test_programme_category_genres_and_rating_are_shown(api, operator, guide):
    category = EpgCategory.objects.create(name="Sport")
    genre = EpgGenre.objects.create(name="Football")
    on_air = guide[operator.channels[0].id][3]
    on_air.category = category
    on_air.age_rating = "16+"
    on_air.year = "2024"
    on_air.save()
    on_air.genres.add(genre)
    channel = api("channel/list/")["channels"][0]
    assert channel["program_category_id"] == category.id and channel["program_category"] == "Sport"
    assert channel["program_rating"] == 16
    assert channel["program_genres"] == [{"genre_id": genre.id, "genre_name": "Football"}]
    assert json.loads(channel["program_meta"]) == {"year": "2024", "genres": ["Football"]}


def test_icons_are_absolute_urls_and_take_the_asked_size_in_the_file_name(api, operator):
    operator.channels[0].icon = "first.png"
    operator.channels[0].save()
    epg = f.EpgChannelFactory(icon="logos/epg.jpg")
    operator.channels[1].epg_channel = epg
    operator.channels[1].save()
    operator.channels[2].icon = "https://cdn.example/third.png"
    operator.channels[2].save()
    icons = [c["icon"] for c in api("channel/list/")["channels"]]
    assert icons == [
        "http://testserver/media/icons/first.png",
        "http://testserver/media/icons/logos/epg.jpg",
        "https://cdn.example/third.png",
    ]
    sized = [c["icon"] for c in api("channel/list/", icon_width=40, icon_height=30)["channels"]]
    assert sized[0] == "http://testserver/media/icons/first40_30.png"
    assert sized[2] == "https://cdn.example/third40_30.png"


def test_search_filters_by_name_and_paging_keeps_list_positions(api, operator):
    operator.channels[1].name = "Sport Extra"
    operator.channels[1].save()
    body = api("channel/list/", search="sport")
    assert names(body) == ["Sport Extra"]
    assert body["channels"][0]["channel_sort"] == 2
    page = api("channel/list/", page=2, limit=2)
    assert names(page) == ["Channel 2"] and page["channels"][0]["channel_sort"] == 3
    assert names(api("channel/list/", limit=2)) == ["Channel 0", "Sport Extra"]


@pytest.mark.parametrize("params", [{"page": 0, "limit": 2}, {"limit": 0}, {"page": "x"}, {"compact": 2}])
def test_bad_paging_or_flags_answer_error_1_naming_the_parameter(api, params):
    body = api("channel/list/", **params)
    assert body["error"] == 1
    assert set(body["error_fields"]) & set(params)


def test_account_sort_0_resets_the_accounts_own_order(api, operator, other_operator, other_session):
    c0, c1, c2 = operator.channels
    for position, channel in enumerate([c2, c0], start=1):
        AccountChannelSetting.objects.create(
            client=operator.client, account=operator.account, channel=channel, sort_order=position
        )
    theirs = other_operator.channels[2]
    AccountChannelSetting.objects.create(
        client=other_operator.client, account=other_operator.account, channel=theirs, sort_order=1
    )
    assert names(api("channel/list/")) == ["Channel 2", "Channel 0", "Channel 1"]
    assert names(api("channel/list/", account_sort=0)) == ["Channel 0", "Channel 1", "Channel 2"]
    # Reset, not skipped for one request: the next plain list is in the operator's order too.
    assert names(api("channel/list/")) == ["Channel 0", "Channel 1", "Channel 2"]
    assert not AccountChannelSetting.objects.filter(account=operator.account, sort_order__isnull=False).exists()
    # The other operator's subscriber keeps their order.
    assert names(api("channel/list/", _session=other_session))[0] == theirs.name


def test_account_sort_0_without_an_own_order_writes_nothing(api, operator, django_assert_max_num_queries):
    api("channel/list/")
    with django_assert_max_num_queries(12) as queries:
        api("channel/list/", account_sort=0)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_named_sort_orders_the_list_and_an_unknown_one_answers_error_1(api, operator, other_operator):
    c0, c1, c2 = operator.channels
    sort = ChannelSort.objects.create(client=operator.client, name="Popular", channel_ids=[c1.id, c2.id])
    assert names(api("channel/list/", channel_sort_id=sort.id)) == ["Channel 1", "Channel 2", "Channel 0"]
    foreign = ChannelSort.objects.create(client=other_operator.client, name="Popular", channel_ids=[])
    for sort_id in (foreign.id, 999999):
        body = api("channel/list/", channel_sort_id=sort_id)
        assert body["error"] == 1 and "channel_sort_id" in body["error_fields"]


def test_reject_multicast_drops_multicast_urls_only(api, operator):
    operator.channels[0].uri = "udp://@239.0.0.1:1234"
    operator.channels[0].save()
    operator.channels[1].uri = "http://static.test/1.m3u8"
    operator.channels[1].save()
    routed = f"http://testserver/tvmiddleware/api/channel/url/?cid={operator.channels[2].pk}&"
    urls = [c["url"] for c in api("channel/list/")["channels"]]
    assert urls[:2] == ["udp://@239.0.0.1:1234", "http://static.test/1.m3u8"]
    assert urls[2].startswith(routed)  # no static URL: the address that redirects to the routed stream
    urls = [c["url"] for c in api("channel/list/", reject_multicast=1)["channels"]]
    assert urls[:2] == ["", "http://static.test/1.m3u8"] and urls[2].startswith(routed)


def test_favourite_hidden_and_parental_flags_come_from_the_account(api, operator):
    c0, c1, c2 = operator.channels
    AccountChannelSetting.objects.create(client=operator.client, account=operator.account, channel=c0, is_favorite=True)
    AccountChannelSetting.objects.create(client=operator.client, account=operator.account, channel=c1, is_hidden=True)
    c2.parent_control = True
    c2.save()
    flags = [(c["is_favorited"], c["is_hidden"], c["is_parent_control"]) for c in api("channel/list/")["channels"]]
    assert flags == [(1, 0, 0), (0, 1, 0), (0, 0, 1)]


def test_lang_picks_the_translated_names_of_channels_and_programmes(api, operator, guide, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru", "de"]
    operator.channels[0].name_lang1 = "Первый"
    operator.channels[0].save()
    on_air = guide[operator.channels[0].id][3]
    on_air.name_lang1 = "Новости"
    on_air.save()
    ru = api("channel/list/", lang="ru")["channels"][0]
    assert ru["name"] == "Первый" and ru["program_name"] == "Новости"
    de = api("channel/list/", lang="de")["channels"][0]
    assert de["name"] == "Channel 0" and de["program_name"] == on_air.name
    assert api("channel/list/", lang="xx")["channels"][0]["name"] == "Channel 0"


def test_only_channels_of_the_accounts_and_customers_enabled_tariffs_are_listed(api, operator):
    c0, c1, c2 = operator.channels
    extra_tariff = f.TariffFactory(client=operator.client)
    extra = f.ChannelFactory(client=operator.client, name="Extra", sort_order=9)
    extra.tariffs.add(extra_tariff)
    assert "Extra" not in names(api("channel/list/"))
    operator.account.tariffs.add(extra_tariff)
    assert names(api("channel/list/"))[-1] == "Extra"
    c1.enabled = False
    c1.save()
    assert "Channel 1" not in names(api("channel/list/"))
    extra_tariff.enabled = False
    extra_tariff.save()
    assert names(api("channel/list/")) == ["Channel 0", "Channel 2"]


def test_an_account_without_tariffs_sees_no_channels(api, operator):
    bare = f.SessionFactory(account=operator.account_without_tariff)
    assert api("channel/list/", _session=bare)["channels"] == []


def test_a_tariff_limited_to_a_device_group_opens_channels_only_on_that_group(api, operator, xml_device, client):
    operator.tariff.allowed_device_groups = [PlayDevice.Group.STB]
    operator.tariff.save()
    assert api("channel/list/")["channels"] == []  # the session's device is a phone
    stb = f.SessionFactory(account=operator.account, play_device=xml_device)
    root = xml(client.get(f"{API}channel/list/", {"authkey": stb.authkey, "device": "sagemcom"}))
    assert [n.text for n in root.findall("channels/item/name")] == ["Channel 0", "Channel 1", "Channel 2"]


def test_an_inactive_account_sees_only_tariffs_available_to_inactive_accounts(api, operator):
    inactive = f.SessionFactory(account=operator.inactive_account)
    assert api("channel/list/", _session=inactive)["channels"] == []
    operator.tariff.available_for_inactive_accounts = True
    operator.tariff.save()
    assert len(api("channel/list/", _session=inactive)["channels"]) == 3


def test_a_tariff_not_available_everywhere_without_geo_data_stays_available(api, operator):
    operator.tariff.available_everywhere = False
    operator.tariff.save()
    assert len(api("channel/list/")["channels"]) == 3


def test_an_expired_or_missing_session_answers_403(client, operator, session):
    Session.objects.filter(pk=session.pk).update(expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    expired = f.SessionFactory(account=operator.account, expires_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    assert json.loads(client.get(f"{API}channel/list/", {"authkey": expired.authkey}).content)["error"] == 403
    assert json.loads(client.get(f"{API}channel/list/").content)["error"] == 403


def test_the_authkey_is_also_read_from_the_cookie(client, session):
    client.cookies["authkey"] = session.authkey
    assert len(json.loads(client.get(f"{API}channel/list/").content)["channels"]) == 3


def test_another_operators_channels_never_appear_and_its_client_id_is_refused(
    api, operator, other_operator, guide, other_guide, other_session
):
    mine = api("channel/list/")
    ours = {c.id for c in operator.channels}
    assert {c["id"] for c in mine["channels"]} == ours
    assert not any(c["program_name"].startswith("Other") for c in mine["channels"])
    theirs = api("channel/list/", _session=other_session)
    assert {c["id"] for c in theirs["channels"]} == {c.id for c in other_operator.channels}
    assert all(c["program_name"].startswith("Other") for c in theirs["channels"])
    assert api("channel/list/", client_id=other_operator.client.pk)["error"] == 403


def test_a_warm_channel_list_costs_at_most_two_queries(api, guide, django_assert_max_num_queries):
    api("channel/list/")
    with django_assert_max_num_queries(2):
        body = api("channel/list/")
    assert len(body["channels"]) == 3


def test_changes_in_the_admin_show_on_the_next_request(api, operator, guide):
    api("channel/list/")
    operator.channels[0].name = "Renamed"
    operator.channels[0].save()
    assert names(api("channel/list/"))[0] == "Renamed"
    operator.channels[2].tariffs.remove(operator.tariff)
    assert names(api("channel/list/")) == ["Renamed", "Channel 1"]
    on_air = guide[operator.channels[0].id][3]
    on_air.name = "Breaking news"
    on_air.save()
    assert api("channel/list/")["channels"][0]["program_name"] == "Breaking news"
    AccountChannelSetting.objects.create(
        client=operator.client, account=operator.account, channel=operator.channels[1], is_favorite=True
    )
    assert api("channel/list/")["channels"][1]["is_favorited"] == 1


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, dict]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append((getattr(record, "event", ""), getattr(record, "context", {})))


def test_a_cold_channel_list_logs_client_channels_not_found_once(api, operator):
    handler = _Records()
    logger = logging.getLogger("smarty_content_requests")
    logger.addHandler(handler)
    try:
        api("channel/list/")
        api("channel/list/")
    finally:
        logger.removeHandler(handler)
    assert handler.events == [("CLIENT_CHANNELS_NOT_FOUND", {"client": operator.client.pk})]


def test_the_list_still_answers_from_the_database_when_redis_is_down(api, guide):
    unreachable = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.2,
                "SOCKET_TIMEOUT": 0.2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    with override_settings(CACHES=unreachable):
        body = api("channel/list/")
        assert body["error"] == 0 and len(body["channels"]) == 3
        assert body["channels"][0]["program_id"] != 0


def test_xml_devices_get_the_list_as_xml(client, operator, xml_device, guide):
    stb = f.SessionFactory(account=operator.account, play_device=xml_device)
    root = xml(client.get(f"{API}channel/list/", {"authkey": stb.authkey, "device": "sagemcom"}))
    assert root.findtext("error") == "0"
    assert [n.text for n in root.findall("channels/item/id")] == [str(c.id) for c in operator.channels]
    first = root.find("channels/item")
    assert first.findtext("program_name") == guide[operator.channels[0].id][3].name
    assert first.findtext("drm_available") == "0"
    assert first.find("hbb") is not None and list(first.find("hbb")) == []


def test_channel_list_search_needs_a_search_string_and_answers_documented_fields(api, operator):
    missing = api("channel/list/search/")
    assert missing["error"] == 1 and "search" in missing["error_fields"]
    body = api("channel/list/search/", search="channel 1")
    assert names(body) == ["Channel 1"]
    assert set(body["channels"][0]) == spec_fields("/channel/list/search/", "channels")


def test_v2_channel_list_has_the_v2_fields_and_account_flags(api, operator):
    AccountChannelSetting.objects.create(
        client=operator.client, account=operator.account, channel=operator.channels[2], is_hidden=True
    )
    body = api("v2/channel/list/", icon_width=10, icon_height=10)
    assert body["error"] == 0
    assert set(body["channels"][0]) == spec_fields("/v2/channel/list/", "channels")
    assert [c["sort"] for c in body["channels"]] == [1, 2, 3]
    assert [c["is_hidden"] for c in body["channels"]] == [0, 0, 1]


def test_v2_channel_list_answers_400_for_a_garbled_parameter_and_403_without_session(api, client):
    body = api("v2/channel/list/", icon_width="wide")
    assert body["error"] == 400 and "icon_width" in body["error_fields"]
    assert json.loads(client.get(f"{API}v2/channel/list/").content)["error"] == 403


def test_the_current_programme_changes_when_time_passes(api, operator, guide, monkeypatch):
    from tvmiddleware.views import live_common

    later = live_common.now_ts() + 3600
    first = api("channel/list/")["channels"][0]["program_id"]
    monkeypatch.setattr(live_common, "now_ts", lambda: later)
    second = api("channel/list/")["channels"][0]["program_id"]
    assert first == guide[operator.channels[0].id][3].id
    assert second == guide[operator.channels[0].id][4].id


def test_a_bulk_guide_import_shows_in_the_list_once_epg_channel_changed_is_called(api, operator, guide):
    from epg.invalidation import epg_programmes_changed
    from epg.models import Program

    on_air = guide[operator.channels[0].id][3]
    api("channel/list/")
    Program.objects.filter(pk=on_air.pk).update(name="Imported")
    assert api("channel/list/")["channels"][0]["program_name"] == on_air.name  # no signal for bulk writes
    epg_programmes_changed(on_air.epg_channel_id)
    assert api("channel/list/")["channels"][0]["program_name"] == "Imported"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"compact": 1},
        {"reject_multicast": 1, "icon_width": 40, "icon_height": 30},
        {"compact": 1, "search": "channel", "page": 1, "limit": 2},
        {"lang": "ru"},
    ],
)
def test_the_json_list_joined_from_fragments_is_what_encoding_the_items_gives(
    api, client, operator, guide, monkeypatch, settings, params
):
    """channel/list answers JSON joined from the fragments the channel view and the now/next
    snapshot keep; byte for byte the encoding of the same items as dicts, in every variant a
    device asks for (compact, sizes, paging, language, account flags, a channel with no guide,
    static, multicast and routed addresses, a time shift)."""
    from smarty.api.render import to_json
    from tvmiddleware.views import channel as views

    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    c0, c1, c2 = operator.channels
    c0.uri, c0.name_lang1, c0.icon = "udp://@239.0.0.1:1234", 'Первый "канал"', "first.png"
    c0.save()
    c1.uri = "http://static.test/1.m3u8"
    c1.save()
    AccountChannelSetting.objects.create(client=operator.client, account=operator.account, channel=c0, is_favorite=True)
    AccountChannelSetting.objects.create(client=operator.client, account=operator.account, channel=c1, is_hidden=True)
    c2.parent_control = True
    c2.save()
    no_guide = f.ChannelFactory(client=operator.client, name="Channel no guide", sort_order=9)
    no_guide.tariffs.add(*c0.tariffs.all())
    operator.account.use_timeshift, operator.account.preferred_timeshift_offset = True, 3
    operator.account.save()
    compared = []
    original = views.list_channels

    def both(call, *, search, as_json=False):
        fragments = original(call, search=search, as_json=True)
        dicts = original(call, search=search)
        compared.append((fragments, dicts))
        return fragments if as_json else dicts

    monkeypatch.setattr(views, "list_channels", both)
    response = client.get(f"{API}channel/list/", {"authkey": operator.account.sessions.first().authkey, **params})
    body = json.loads(response.content)
    assert body["error"] == 0 and body["channels"], body
    [(fragments, dicts)] = compared
    assert all(isinstance(item, bytes) for item in fragments)
    assert b"[" + b",".join(fragments) + b"]" == to_json(dicts)
    assert response.content == to_json({"error": 0, "error_message": "", "channels": dicts})
    if not params:
        assert {c["name"]: c["program_id"] == 0 for c in body["channels"]}["Channel no guide"]
        assert body["channels"][0]["timeshift_offset"] == 3
