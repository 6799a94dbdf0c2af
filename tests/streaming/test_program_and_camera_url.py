"""GET /program/url/ (catch-up, ProgramUrl) and /camera/url/ (CameraUrl) through HTTP."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from channels.models import Camera
from streaming.models import Maintenance
from streaming.tokens import name_digest, token_decode
from tests import factories as f

from .conftest import CAMERA_URL, PROGRAM_URL, named

pytestmark = pytest.mark.django_db


def get(client, url: str, params: dict) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


@pytest.fixture
def epg(world):
    """Channel 0 with an EPG channel and programmes: two hours ago, yesterday, a week ago, next hour."""
    channel = world.channels[0]
    epg_channel = f.EpgChannelFactory()
    channel.epg_channel = epg_channel
    channel.save()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    make = lambda begin, minutes=60: f.ProgramFactory(  # noqa: E731
        epg_channel=epg_channel, time_begin=begin, time_end=begin + dt.timedelta(minutes=minutes)
    )
    return {
        "channel": channel,
        "recent": make(hour - dt.timedelta(hours=2), 45),
        "yesterday": make(hour - dt.timedelta(days=1)),
        "old": make(hour - dt.timedelta(days=7)),
        "future": make(hour + dt.timedelta(hours=1)),
        "other": f.ProgramFactory(),  # a programme of another EPG channel
    }


def test_program_url_fills_the_flussonic_archive_mask(client, world, epg):
    program = epg["recent"]
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=program.pk))
    assert body["error"] == 0
    token = body["uri"].rsplit("token=", 1)[1]
    assert token_decode(token).kind == "archive"
    begin = int(program.time_begin.timestamp())
    assert body["uri"] == f"http://fl1.test/op1ch0/video-{begin}-2700.m3u8?token={token}"
    assert body["preview_uri_mask"] == f"http://fl1.test/op1ch0/$flpbt-preview.mp4?token={token}"
    assert body["stream_service_id"] == world.service.pk


def test_program_url_by_time_finds_the_programme_airing_then(client, world, epg):
    program = epg["yesterday"]
    moment = int(program.time_begin.timestamp()) + 600
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, time=moment))
    assert f"/video-{int(program.time_begin.timestamp())}-3600.m3u8" in body["uri"]


def test_pid_has_priority_over_time(client, world, epg):
    moment = int(epg["yesterday"].time_begin.timestamp()) + 60
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=epg["recent"].pk, time=moment))
    assert f"video-{int(epg['recent'].time_begin.timestamp())}-" in body["uri"]


def test_program_url_by_time_without_epg_uses_the_moment(client, world, settings):
    settings.SMARTY_ARCHIVE_NO_EPG_DURATION = 1800
    moment = int(timezone.now().timestamp()) - 3600
    body = get(client, PROGRAM_URL, world.params(cid=world.channels[1].pk, time=moment))
    assert f"video-{moment}-1800.m3u8" in body["uri"]


def test_tv_pause_asks_flussonic_for_now(client, world, epg):
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=epg["recent"].pk, tv_pause=1))
    assert body["uri"].split("?")[0].endswith("-now.m3u8")


def test_program_url_redirects_by_default(client, world, epg):
    params = world.params(cid=epg["channel"].pk, pid=epg["recent"].pk)
    del params["redirect"]
    response = client.get(PROGRAM_URL, params)
    assert response.status_code == 302 and "/video-" in response["Location"]


def test_a_programme_older_than_the_archive_depth_is_404_and_logged(client, world, epg, events):
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=epg["old"].pk))
    assert body["error"] == 404 and body["error_fields"] == {"pid": "too old"}
    assert "3 days" in body["error_message"]
    assert named(events, "CONTENT_REQUEST_ERROR")[0].context["error"] == 404


def test_a_future_programme_is_404(client, world, epg):
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=epg["future"].pk))
    assert body["error"] == 404 and body["error_fields"] == {"pid": "in the future"}
    future = int(timezone.now().timestamp()) + 7200
    body = get(client, PROGRAM_URL, world.params(cid=world.channels[1].pk, time=future))
    assert body["error"] == 404 and body["error_fields"] == {"time": "in the future"}


def test_a_programme_of_another_epg_channel_is_404(client, world, epg):
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=epg["other"].pk))
    assert body["error"] == 404 and body["error_fields"] == {"pid": "not found"}


def test_a_channel_without_archive_is_404(client, world, epg):
    channel = epg["channel"]
    channel.recording_days = 0
    channel.save()
    body = get(client, PROGRAM_URL, world.params(cid=channel.pk, pid=epg["recent"].pk))
    assert body["error"] == 404 and body["error_fields"] == {"cid": "no archive"}


def test_neither_pid_nor_time_is_error_1(client, world):
    body = get(client, PROGRAM_URL, world.params(cid=world.channels[0].pk))
    assert body["error"] == 1 and set(body["error_fields"]) == {"pid", "time"}
    assert get(client, PROGRAM_URL, world.params(cid=world.channels[0].pk, time="noon"))["error"] == 1


def test_program_url_without_a_session_is_403(client, world, epg):
    body = get(client, PROGRAM_URL, {"cid": epg["channel"].pk, "pid": epg["recent"].pk})
    assert body["error"] == 403


def test_incomplete_drm_data_is_error_2_for_programmes_too(client, world, epg):
    channel = epg["channel"]
    channel.meta = {"drm": "yes"}
    channel.save()
    assert get(client, PROGRAM_URL, world.params(cid=channel.pk, pid=epg["recent"].pk, get_drm_info=1))["error"] == 2


def test_archive_technical_work_answers_404_with_the_window(client, world, epg):
    window = Maintenance.objects.create(
        client=world.op.client,
        start_time=timezone.now() - dt.timedelta(minutes=1),
        restrict_live=False,
        restrict_archive=True,
        message="Archive disks are being replaced",
    )
    window.channels.add(epg["channel"])
    body = get(client, PROGRAM_URL, world.params(cid=epg["channel"].pk, pid=epg["recent"].pk))
    assert body["error"] == 404 and body["maintenance"]["id"] == window.pk
    assert body["error_message"] == "Technical work: Archive disks are being replaced"
    # Live still plays.
    live = get(client, "/tvmiddleware/api/channel/url/", world.params(cid=epg["channel"].pk))
    assert live["error"] == 0


def test_another_operators_channel_has_no_archive_for_us(client, world, other_world):
    moment = int(timezone.now().timestamp()) - 600
    body = get(client, PROGRAM_URL, world.params(cid=other_world.channels[0].pk, time=moment))
    assert body["error"] == 404


# --- cameras ----------------------------------------------------------------------------------------


@pytest.fixture
def cameras(world):
    public = Camera.objects.create(client=world.op.client, name="Square", id_for_stream_service="cam-square")
    public.tariffs.add(world.op.tariff)  # open to every account with the basic tariff
    own = Camera.objects.create(
        client=world.op.client, name="Porch", id_for_stream_service="cam-porch", account=world.op.account
    )
    neighbours = Camera.objects.create(
        client=world.op.client, name="Neighbour", id_for_stream_service="cam-n", account=world.op.account_without_tariff
    )
    paid = Camera.objects.create(client=world.op.client, name="Paid", id_for_stream_service="cam-paid")
    paid.tariffs.add(f.TariffFactory(client=world.op.client, name="Cameras"))
    return {"public": public, "own": own, "neighbours": neighbours, "paid": paid}


def test_camera_url_routes_cameras_like_live_channels(client, world, cameras):
    body = get(client, CAMERA_URL, world.params(cid=cameras["public"].pk))
    assert body["error"] == 0 and body["stream_service_id"] == world.service.pk
    assert body["uri"].startswith("http://fl1.test/cam-square/index.m3u8?token=")
    claims = token_decode(body["uri"].rsplit("token=", 1)[1])
    assert claims.names == (name_digest("cam-square"),)
    assert get(client, CAMERA_URL, world.params(cid=cameras["own"].pk))["uri"].startswith("http://fl1.test/cam-porch/")


def test_a_camera_with_its_own_uri_is_static(client, world, cameras):
    camera = cameras["public"]
    camera.uri = "rtsp://cam.test/square"
    camera.save()
    body = get(client, CAMERA_URL, world.params(cid=camera.pk))
    assert body["uri"] == "rtsp://cam.test/square" and body["stream_service_id"] == 0


def test_cameras_of_other_accounts_or_tariffs_and_unknown_ones_are_error_1(client, world, cameras, other_world):
    for camera_id in (cameras["neighbours"].pk, cameras["paid"].pk, 999999):
        body = get(client, CAMERA_URL, world.params(cid=camera_id))
        assert body["error"] == 1 and body["error_fields"] == {"cid": "not found"}
    foreign = Camera.objects.create(client=other_world.op.client, name="Square", id_for_stream_service="cam-square")
    assert get(client, CAMERA_URL, world.params(cid=foreign.pk))["error"] == 1


def test_a_camera_in_no_tariff_and_bound_to_no_account_is_open_to_nobody(client, world, cameras):
    # The camera lists hide it; the stream URL method must not hand it out either.
    orphan = Camera.objects.create(client=world.op.client, name="Orphan", id_for_stream_service="cam-orphan")
    body = get(client, CAMERA_URL, world.params(cid=orphan.pk))
    assert body["error"] == 1 and body["error_fields"] == {"cid": "not found"}
    listed = get(client, "/tvmiddleware/api/camera/list/", world.params())
    assert orphan.pk not in {camera["id"] for camera in listed["cameras"]}
    assert cameras["public"].pk in {camera["id"] for camera in listed["cameras"]}


def test_camera_url_without_a_session_is_403_and_with_a_bad_cid_is_1(client, world, cameras):
    assert get(client, CAMERA_URL, {"cid": cameras["public"].pk})["error"] == 403
    assert get(client, CAMERA_URL, world.params(cid="x"))["error"] == 1


def test_a_camera_without_any_service_is_error_1(client, world, cameras):
    world.service.enabled = False
    world.service.save()
    body = get(client, CAMERA_URL, world.params(cid=cameras["public"].pk))
    assert body["error"] == 1 and "streaming service" in body["error_message"]


def test_camera_archive_through_program_url_is_camera(client, world, cameras):
    camera = cameras["own"]
    camera.recording_days = 1
    camera.save()
    moment = int(timezone.now().timestamp()) - 600
    body = get(client, PROGRAM_URL, world.params(cid=camera.pk, time=moment, is_camera=1))
    assert body["uri"].startswith(f"http://fl1.test/cam-porch/video-{moment}-")
    assert (
        get(client, PROGRAM_URL, world.params(cid=cameras["neighbours"].pk, time=moment, is_camera=1))["error"] == 404
    )
