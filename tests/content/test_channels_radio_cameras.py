"""Channel, Radio and Camera methods over HTTP: every parameter lands, lists filter and page,
another operator's rows are never seen, named or changed."""

from __future__ import annotations

import pytest

from channels.models import Camera, CameraCategory, Channel, ChannelCategory, Radio
from epg.models import EpgChannel
from streaming.models import StreamService
from tests.tenancy import cross_operator_links, operator_snapshot

pytestmark = pytest.mark.django_db


def test_channel_create_keeps_every_parameter(content_client, operator):
    extra = ChannelCategory.objects.create(client=operator.client, name="Sport")
    server = StreamService.objects.create(client=operator.client, name="edge")
    epg = EpgChannel.objects.create(name="guide")
    params = {
        "name": "First",
        **{f"name_lang{n}": f"First {n}" for n in range(1, 6)},
        "hbb_channel_pid": "h1",
        "uri": "http://s/1.m3u8",
        "url_prefix": "first",
        "multicast_address": "udp://239.0.0.1:1234",
        "secondary_multicast_address": "udp://239.0.0.2:1234",
        "id_for_stream_service": "cid1",
        "comment": "note",
        "version": "2",
        "option1": "o1",
        "option2": "o2",
        "option3": "o3",
        "telemeter_account_name": "ta",
        "telemeter_tmsec_name": "tt",
        "telemeter_cat_id": "tc",
        "telemeter_vc_id": "tv",
        "telemeter_vc_version": "tvv",
        "mediahills_id": 7,
        "pause_live_tv_shift": 30,
        "lcn_number": 101,
        "recording_days": 3,
        "telemeter": 0,
        "aspect_ratio": 2,
        "show_in_all": 0,
        "parent_control": 1,
        "enabled": 0,
        "display_on_site": 0,
        "category": operator.category.pk,
        "epg_channel": epg.pk,
        "copyright_holder": 5,
        "price_category": 6,
        "additional_categories": [extra.pk],
        "tariffs": [operator.tariff.pk],
        "stream_services": [server.pk],
        "meta": '{"k": "v"}',
    }
    channel = Channel.objects.get(pk=content_client.ok("channel/create", params)["id"])
    assert channel.client == operator.client
    assert (channel.name_lang5, channel.uri, channel.url_prefix, channel.comment) == (
        "First 5",
        params["uri"],
        "first",
        "note",
    )
    assert (channel.mediahills_id, channel.lcn_number, channel.recording_days, channel.aspect_ratio) == (7, 101, 3, 2)
    assert (channel.show_in_all, channel.parent_control, channel.enabled, channel.display_on_site) == (
        False,
        True,
        False,
        False,
    )
    assert (channel.category, channel.epg_channel, channel.copyright_holder, channel.price_category) == (
        operator.category,
        epg,
        5,
        6,
    )
    assert list(channel.additional_categories.all()) == [extra]
    assert list(channel.stream_services.all()) == [server]
    assert channel.meta == {"k": "v"} and channel.telemeter == 0
    assert channel.sort_order > max(c.sort_order for c in operator.channels)


def test_channel_create_defaults(content_client, operator):
    channel = Channel.objects.get(pk=content_client.ok("channel/create", {"name": "Plain"})["id"])
    assert channel.enabled and channel.show_in_all and channel.display_on_site and not channel.parent_control
    assert channel.tariffs.count() == 0 and channel.recording_days == 0


def test_sort_after_cid_places_the_channel_right_behind_it(content_client, operator):
    first = operator.channels[0]
    new_id = content_client.ok("channel/create", {"name": "Second", "sort_after_cid": first.pk})["id"]
    order = list(Channel.objects.for_client(operator.client).order_by("sort_order", "id").values_list("id", flat=True))
    assert order[:2] == [first.pk, new_id]


@pytest.mark.parametrize(
    ("field", "value"),
    [("aspect_ratio", 9), ("enabled", 2), ("mediahills_id", "x"), ("meta", "[1]"), ("meta", "{bad"), ("telemeter", 1)],
)
def test_malformed_channel_parameters_are_20(content_client, operator, field, value):
    before = Channel.objects.count()
    body = content_client.call("channel/create", {"name": "x", field: value})
    assert body["error"] == 20 and field in body["error_fields"]
    assert Channel.objects.count() == before


def test_a_name_is_required(content_client):
    assert content_client.call("channel/create", {})["error"] == 20


def test_a_too_long_value_is_refused_before_anything_is_written(content_client, operator):
    before = Channel.objects.count()
    assert content_client.call("channel/create", {"name": "x" * 256})["error"] == 20
    assert Channel.objects.count() == before


@pytest.mark.parametrize("field", ["category", "tariffs", "stream_services", "additional_categories", "sort_after_cid"])
def test_another_operators_ids_are_404_and_nothing_is_created(content_client, operator, other_operator, field):
    theirs = {
        "category": other_operator.category.pk,
        "tariffs": [other_operator.tariff.pk],
        "stream_services": [StreamService.objects.create(client=other_operator.client, name="s").pk],
        "additional_categories": [other_operator.category.pk],
        "sort_after_cid": other_operator.channels[0].pk,
    }[field]
    before = operator_snapshot(other_operator.client)
    count = Channel.objects.count()
    body = content_client.call("channel/create", {"name": "x", field: theirs})
    assert body["error"] == 404 and field in body["error_fields"]
    assert Channel.objects.count() == count
    assert operator_snapshot(other_operator.client) == before
    assert cross_operator_links() == []


def test_channel_list_shows_the_operators_channels_only(content_client, operator, other_operator):
    body = content_client.ok("channel/list")
    assert body["count"] == 3
    assert [c["id"] for c in body["channels"]] == [c.pk for c in operator.channels]
    first = body["channels"][0]
    assert first["name"] == "Channel 0" and first["category_id"] == operator.category.pk
    assert first["category_name"] == "News" and first["tariffs"] == [{"id": operator.tariff.pk, "name": "Basic"}]
    expected = {
        "id", "name", "name_lang1", "name_lang2", "name_lang3", "name_lang4", "name_lang5", "category_id",
        "category_name", "price_category_id", "price_category_name", "epg_channel_id", "epg_channel_name",
        "enabled", "uri", "url_prefix", "option1", "option2", "option3", "additional_categories", "tariffs",
        "stream_services", "multicast_address", "secondary_multicast_address", "comment", "id_for_stream_service",
    }  # fmt: skip
    assert set(first) == expected
    other_ids = {c.pk for c in other_operator.channels}
    assert not other_ids & {c["id"] for c in body["channels"]}


def test_channel_list_filters_and_pages(content_client, operator):
    Channel.objects.filter(pk=operator.channels[2].pk).update(name="Sport HD")
    assert [c["name"] for c in content_client.ok("channel/list", {"search": "sport"})["channels"]] == ["Sport HD"]
    assert content_client.ok("channel/list", {"search_tariff": "basic"})["count"] == 3
    assert content_client.ok("channel/list", {"search_tariff": "premium"})["count"] == 0
    assert content_client.ok("channel/list", {"tariffs": [operator.tariff.pk]})["count"] == 3
    body = content_client.ok("channel/list", {"limit": 2, "page": 2})
    assert body["count"] == 3 and [c["id"] for c in body["channels"]] == [operator.channels[2].pk]
    assert content_client.call("channel/list", {"limit": 0})["error"] == 20


def test_channel_delete_removes_only_the_operators_channel(content_client, operator, other_operator):
    theirs = other_operator.channels[0]
    before = operator_snapshot(other_operator.client)
    body = content_client.call("channel/delete", {"id": theirs.pk})
    assert body["error"] == 404
    assert operator_snapshot(other_operator.client) == before
    assert content_client.ok("channel/delete", {"id": operator.channels[0].pk}) == {"error": 0, "error_message": ""}
    assert not Channel.objects.filter(pk=operator.channels[0].pk).exists()


def test_radio_create_and_delete(content_client, operator, other_operator):
    params = {
        "name": "Radio",
        "name_lang1": "Radio 1",
        "uri": "http://radio/1",
        "description": "d",
        "description_lang2": "d2",
        "tariffs": [operator.tariff.pk],
        "radio_channel": 4,
    }
    radio = Radio.objects.get(pk=content_client.ok("radio/create", params)["id"])
    assert (radio.client, radio.name_lang1, radio.description_lang2, radio.enabled) == (
        operator.client,
        "Radio 1",
        "d2",
        False,
    )
    assert list(radio.tariffs.all()) == [operator.tariff]
    assert (
        content_client.call("radio/create", {"name": "x", "uri": "u", "tariffs": other_operator.tariff.pk})["error"]
        == 404
    )
    assert content_client.call("radio/create", {"name": "no uri"})["error"] == 21
    theirs = Radio.objects.create(client=other_operator.client, name="Theirs", uri="u")
    assert content_client.call("radio/delete", {"id": theirs.pk})["error"] == 404
    assert Radio.objects.filter(pk=theirs.pk).exists()
    content_client.ok("radio/delete", {"id": radio.pk})
    assert not Radio.objects.filter(pk=radio.pk).exists()


def test_camera_create_modify_delete(content_client, operator, other_operator):
    category = CameraCategory.objects.create(client=operator.client, name="Yard")
    server = StreamService.objects.create(client=operator.client, name="edge")
    body = content_client.ok(
        "camera/create",
        {
            "name": "Gate",
            "category": category.pk,
            "enabled": 0,
            "tariffs": [operator.tariff.pk],
            "stream_services": [server.pk],
            "uri": "rtsp://cam/1",
            "id_for_stream_service": 77,
            "option2": "x",
            "preview_url": "http://p/1.jpg",
            "url_prefix": "gate",
        },
    )
    camera = Camera.objects.get(pk=body["id"])
    assert (camera.client, camera.camera_category, camera.enabled, camera.id_for_stream_service) == (
        operator.client,
        category,
        False,
        "77",
    )
    assert (camera.uri, camera.option2, camera.preview_url) == ("rtsp://cam/1", "x", "http://p/1.jpg")
    assert list(camera.stream_services.all()) == [server]
    content_client.ok("camera/modify", {"camera_id": camera.pk, "name_lang1": "Tor", "enabled": 1, "tariffs": ""})
    camera.refresh_from_db()
    assert camera.name == "Gate" and camera.name_lang1 == "Tor" and camera.enabled
    assert camera.tariffs.count() == 0 and camera.stream_services.count() == 1
    theirs = Camera.objects.create(client=other_operator.client, name="Theirs")
    before = operator_snapshot(other_operator.client)
    assert content_client.call("camera/modify", {"camera_id": theirs.pk, "name": "mine"})["error"] == 404
    assert (
        content_client.call("camera/modify", {"camera_id": camera.pk, "tariffs": other_operator.tariff.pk})["error"]
        == 404
    )
    assert content_client.call("camera/delete", {"id": theirs.pk})["error"] == 404
    assert operator_snapshot(other_operator.client) == before
    content_client.ok("camera/delete", {"id": camera.pk})
    assert not Camera.objects.filter(pk=camera.pk).exists()
