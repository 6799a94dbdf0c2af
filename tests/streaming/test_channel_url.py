"""GET /channel/url/ (reference tvmw/Channel.md ChannelUrl) through HTTP."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from lxml import etree

from streaming.models import Maintenance, StreamToken
from streaming.tokens import name_digest, token_decode
from tests import factories as f

from .conftest import CHANNEL_URL, named

pytestmark = pytest.mark.django_db


def get_json(client, params: dict) -> dict:
    response = client.get(CHANNEL_URL, params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_channel_url_returns_the_masked_uri_with_a_fresh_token(client, world):
    channel = world.channels[0]
    body = get_json(client, world.params(cid=channel.pk))
    assert body["error"] == 0
    assert body["stream_service_id"] == world.service.pk
    token = body["uri"].rsplit("token=", 1)[1]
    assert body["uri"] == f"http://fl1.test/op1ch0/index.m3u8?token={token}"
    assert body["archive_preview_url_mask"] == f"http://fl1.test/op1ch0/$flpbt-preview.mp4?token={token}"
    claims = token_decode(token)
    assert claims.account_id == world.op.account.pk and claims.client_id == world.op.client.pk
    assert claims.service_id == world.service.pk and claims.kind == "live"
    assert not StreamToken.objects.exists()  # signed, not stored
    assert claims.names == (name_digest("op1ch0"), name_digest("prefix1-0"))


def test_every_request_gets_a_different_token(client, world):
    first = get_json(client, world.params(cid=world.channels[0].pk))["uri"]
    second = get_json(client, world.params(cid=world.channels[0].pk))["uri"]
    assert first != second
    assert token_decode(first.rsplit("token=", 1)[1]) and token_decode(second.rsplit("token=", 1)[1])


def test_redirect_1_answers_http_302_to_the_stream(client, world):
    response = client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk, redirect=1))
    assert response.status_code == 302
    assert response["Location"].startswith("http://fl1.test/op1ch0/index.m3u8?token=")


def test_redirect_is_the_default_as_the_reference_says(client, world):
    params = world.params(cid=world.channels[0].pk)
    del params["redirect"]
    assert client.get(CHANNEL_URL, params).status_code == 302


def test_a_redirect_to_a_multicast_address_is_allowed(client, world):
    channel = world.channels[0]
    channel.uri = "udp://@239.1.1.1:1234"
    channel.save()
    response = client.get(CHANNEL_URL, world.params(cid=channel.pk, redirect=1))
    assert response.status_code == 302 and response["Location"] == "udp://@239.1.1.1:1234"


def test_a_channel_with_its_own_uri_is_routed_statically_without_a_token(client, world):
    channel = world.channels[1]
    channel.uri = "http://partner.test/live/ch.m3u8"
    channel.save()
    body = get_json(client, world.params(cid=channel.pk))
    assert body["uri"] == "http://partner.test/live/ch.m3u8"
    assert body["stream_service_id"] == 0
    assert "token" not in body["uri"]


def test_a_mask_without_token_creates_no_token(client, world):
    world.service.live_url_mask = "http://open.test/$prefix/playlist.m3u8?abonement=$abonement&uid=$device_uid"
    world.service.archive_preview_url_mask = ""
    world.service.save()
    body = get_json(client, world.params(cid=world.channels[0].pk, device_uid="box 1&x=2"))
    assert body["uri"] == "http://open.test/prefix1-0/playlist.m3u8?abonement=100001&uid=box%201%26x%3D2"


def test_xml_devices_get_the_answer_in_xml(client, world, xml_device):
    world.session.play_device = xml_device
    world.session.save()
    response = client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk, device="sagemcom"))
    root = etree.fromstring(response.content)
    assert root.findtext("error") == "0"
    assert root.findtext("uri").startswith("http://fl1.test/op1ch0/")


def test_the_warm_path_costs_at_most_two_queries(client, world, django_assert_max_num_queries):
    params = world.params(cid=world.channels[0].pk, device="android")
    get_json(client, params)  # warms the session, tariff and routing caches
    with django_assert_max_num_queries(2):
        body = get_json(client, params)
    assert body["error"] == 0 and "token=" in body["uri"]


def test_a_change_of_the_service_is_seen_at_once(client, world):
    get_json(client, world.params(cid=world.channels[0].pk))
    world.service.live_url_mask = "http://changed.test/$cid?token=$token"
    world.service.save()
    assert get_json(client, world.params(cid=world.channels[0].pk))["uri"].startswith("http://changed.test/op1ch0?")


def test_successful_requests_are_logged_with_the_stream_address(client, world, events):
    body = get_json(client, world.params(cid=world.channels[0].pk))
    [event] = named(events, "CONTENT_REQUEST_SUCCESS")
    assert event.logger == "smarty_content_requests"
    assert event.context["url"] == CHANNEL_URL
    token = body["uri"].rsplit("token=", 1)[1]
    # The address as handed out, its one-time token masked.
    assert event.context["uri"] == body["uri"].replace(token, "***") == "http://fl1.test/op1ch0/index.m3u8?token=***"
    assert event.context["params"]["cid"] == str(world.channels[0].pk)


def test_content_request_logs_never_hold_the_authkey_or_the_stream_token(client, world, written_log):
    body = get_json(client, world.params(cid=world.channels[0].pk))
    assert get_json(client, world.params(cid=999_999))["error"] == 404
    token = body["uri"].rsplit("token=", 1)[1]
    assert token_decode(token) is not None
    assert "CONTENT_REQUEST_SUCCESS" in written_log.text and "CONTENT_REQUEST_ERROR" in written_log.text
    assert world.authkey not in written_log.text
    assert token not in written_log.text
    assert "'authkey': '***'" in written_log.text


# --- error codes ------------------------------------------------------------------------------


def test_without_a_session_the_answer_is_403_and_is_logged(client, world, events):
    body = get_json(client, {"cid": world.channels[0].pk, "client_id": world.op.client.pk})
    assert body["error"] == 403
    assert named(events, "CONTENT_REQUEST_ERROR")[0].context["error"] == 403


def test_an_expired_session_is_refused_with_403(client, world):
    world.session.expires_at = timezone.now() - dt.timedelta(minutes=1)
    world.session.save()
    assert get_json(client, world.params(cid=world.channels[0].pk))["error"] == 403


@pytest.mark.parametrize("cid", ["", "abc", "1.5"])
def test_a_missing_or_malformed_cid_is_error_1_naming_it(client, world, cid, events):
    body = get_json(client, world.params(cid=cid))
    assert body["error"] == 1
    assert "cid" in body["error_fields"] and "cid" in body["error_message"]
    assert named(events, "CONTENT_REQUEST_ERROR")


def test_a_malformed_exclude_service_id_is_error_1(client, world):
    body = get_json(client, world.params(cid=world.channels[0].pk, exclude_service_id="x"))
    assert body["error"] == 1 and "exclude_service_id" in body["error_fields"]


def test_an_unknown_channel_is_404(client, world):
    body = get_json(client, world.params(cid=999999))
    assert body["error"] == 404 and body["error_fields"] == {"cid": "not found"}


def test_a_channel_outside_the_accounts_tariffs_is_404(client, world):
    extra = f.ChannelFactory(client=world.op.client, name="Premium")
    extra.tariffs.add(f.TariffFactory(client=world.op.client, name="Premium"))
    assert get_json(client, world.params(cid=extra.pk))["error"] == 404


def test_a_disabled_channel_is_404(client, world):
    channel = world.channels[0]
    channel.enabled = False
    channel.save()
    assert get_json(client, world.params(cid=channel.pk))["error"] == 404


def test_no_available_service_is_404_with_a_message(client, world):
    world.service.is_available = False
    world.service.save()
    body = get_json(client, world.params(cid=world.channels[0].pk))
    assert body["error"] == 404 and "streaming service" in body["error_message"]


def test_get_drm_info_returns_the_channels_drm_parameters(client, world):
    channel = world.channels[0]
    channel.meta = {"drm": {"type": "Widevine", "license_url": "https://drm.test/lic", "provider": "x"}}
    channel.save()
    body = get_json(client, world.params(cid=channel.pk, get_drm_info=1))
    assert body["drm"] == {"license_url": "https://drm.test/lic", "params": "", "provider": "x", "type": "Widevine"}


def test_incomplete_drm_data_is_error_2(client, world):
    channel = world.channels[0]
    channel.meta = {"drm": {"type": "Widevine"}}
    channel.save()
    assert get_json(client, world.params(cid=channel.pk, get_drm_info=1))["error"] == 2
    assert "drm" not in get_json(client, world.params(cid=world.channels[1].pk, get_drm_info=1))


def test_an_unexpected_failure_is_error_500_logged_as_content_request_fail(client, world, events, monkeypatch):
    from streaming import services

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "stream_url_build", boom)
    body = get_json(client, world.params(cid=world.channels[0].pk))
    assert body["error"] == 500
    [event] = named(events, "CONTENT_REQUEST_FAIL")
    assert event.level == "ERROR"


# --- technical work -----------------------------------------------------------------------------


def test_technical_work_on_the_channel_answers_404_with_the_window(client, world):
    now = timezone.now()
    window = Maintenance.objects.create(
        client=world.op.client,
        start_time=now - dt.timedelta(minutes=5),
        end_time=now + dt.timedelta(hours=1),
        message="Replacing the encoder",
    )
    window.channels.add(world.channels[0])
    body = get_json(client, world.params(cid=world.channels[0].pk))
    assert body["error"] == 404
    assert body["error_message"] == "Technical work: Replacing the encoder"
    assert body["maintenance"]["id"] == window.pk
    assert body["maintenance"]["datetime_end"] == int(window.end_time.timestamp())
    # Other channels keep playing.
    assert get_json(client, world.params(cid=world.channels[1].pk))["error"] == 0


def test_technical_work_also_closes_statically_routed_channels(client, world):
    channel = world.channels[0]
    channel.uri = "http://partner.test/ch.m3u8"
    channel.save()
    window = Maintenance.objects.create(client=world.op.client, start_time=timezone.now() - dt.timedelta(minutes=1))
    window.channels.add(channel)
    assert get_json(client, world.params(cid=channel.pk))["error"] == 404


def test_archive_only_technical_work_leaves_live_alone(client, world):
    window = Maintenance.objects.create(
        client=world.op.client, start_time=timezone.now() - dt.timedelta(minutes=1), restrict_live=False
    )
    window.channels.add(world.channels[0])
    assert get_json(client, world.params(cid=world.channels[0].pk))["error"] == 0


def test_finished_and_future_technical_work_do_not_restrict(client, world):
    now = timezone.now()
    past = Maintenance.objects.create(
        client=world.op.client, start_time=now - dt.timedelta(hours=2), end_time=now - dt.timedelta(hours=1)
    )
    future = Maintenance.objects.create(client=world.op.client, start_time=now + dt.timedelta(hours=1))
    for window in (past, future):
        window.channels.add(world.channels[0])
    assert get_json(client, world.params(cid=world.channels[0].pk))["error"] == 0


# --- tenancy --------------------------------------------------------------------------------------


def test_another_operators_channel_is_never_routed(client, world, other_world):
    foreign = other_world.channels[0]
    body = get_json(client, world.params(cid=foreign.pk))
    assert body["error"] == 404 and "uri" not in body


def test_another_operators_services_are_never_used(client, world, other_world):
    world.service.is_available = False
    world.service.save()
    body = get_json(client, world.params(cid=world.channels[0].pk))
    assert body["error"] == 404
    assert "fl2.test" not in json.dumps(body)


def test_each_operator_gets_its_own_service(client, world, other_world):
    mine = get_json(client, world.params(cid=world.channels[0].pk))
    theirs = get_json(client, other_world.params(cid=other_world.channels[0].pk))
    assert mine["uri"].startswith("http://fl1.test/op1ch0/")
    assert theirs["uri"].startswith("http://fl2.test/op2ch0/")
    assert token_decode(theirs["uri"].rsplit("token=", 1)[1]).client_id == other_world.op.client.pk
    assert token_decode(mine["uri"].rsplit("token=", 1)[1]).client_id == world.op.client.pk


def test_a_session_of_another_operator_with_this_client_id_is_refused(client, world, other_world):
    params = other_world.params(cid=other_world.channels[0].pk)
    params["client_id"] = world.op.client.pk
    assert get_json(client, params)["error"] == 403
