""" "Test stream" of a channel: routed as channel/url routes it, then fetched from a local
HTTP server (an HLS playlist, a 404, a page that is not a playlist, a server that hangs)."""

from __future__ import annotations

import http.server
import threading
import time

import pytest
from django.test import Client as HttpClient

from streaming import services
from streaming.probes import probe_stream_url
from streaming.tokens import token_decode
from tests.admin.conftest import grant, make_user

pytestmark = pytest.mark.django_db

RELEASE = threading.Event()


@pytest.fixture(autouse=True)
def _fresh_permission_cache():
    """The operator permission ids are cached per process; tests that grant them start and end
    with a fresh cache (as the admin tests do), so no other module sees stale ids."""
    from clients.admin import _operator_permission_ids

    _operator_permission_ids.cache_clear()
    yield
    _operator_permission_ids.cache_clear()


class Streams(http.server.BaseHTTPRequestHandler):
    """/<cid>/index.m3u8 a playlist for channels whose stream id starts "live", 404 for
    "gone", an HTML page for "html"; /hang/ never answers (until the test ends)."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/hang"):
            RELEASE.wait(10)
            return
        if "/live" in self.path:
            status, kind, body = 200, "application/vnd.apple.mpegurl", b"#EXTM3U\n#EXT-X-VERSION:3\nchunk.ts\n"
        elif "/html" in self.path:
            status, kind, body = 200, "text/html", b"<html>login</html>"
        else:
            status, kind, body = 404, "text/plain", b"no such stream"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def streams(local_server):
    RELEASE.clear()
    server = local_server(Streams)
    yield server
    RELEASE.set()


def route_to(world, server, cid: str):
    world.service.live_url_mask = f"{server.url}/$cid/index.m3u8?token=$token"
    world.service.save()
    channel = world.channels[0]
    channel.id_for_stream_service = cid
    channel.save()
    return channel


def test_a_playlist_behind_the_routing_is_reported_with_its_server_status_and_type(world, other_world, streams):
    channel = route_to(world, streams, "live1")
    probe = services.channel_stream_probe(channel=channel, timeout=3)
    assert probe.ok, probe
    assert probe.stream_service_id == world.service.pk and probe.stream_service_name == "Flussonic 1"
    assert probe.uri.startswith(f"{streams.url}/live1/index.m3u8?token=")
    claims = token_decode(probe.uri.rsplit("token=", 1)[1])
    assert claims is not None and claims.service_id == world.service.pk and claims.content_id == str(channel.pk)
    assert probe.check.status == 200 and probe.check.hls
    assert probe.check.content_type == "application/vnd.apple.mpegurl"


def test_a_404_is_reported_as_the_error(world, streams):
    probe = services.channel_stream_probe(channel=route_to(world, streams, "gone"), timeout=3)
    assert not probe.ok
    assert probe.check.status == 404 and probe.check.error == "HTTP 404"


def test_an_answer_that_is_not_a_playlist_at_a_playlist_url_is_an_error(world, streams):
    probe = services.channel_stream_probe(channel=route_to(world, streams, "html"), timeout=3)
    assert not probe.ok and probe.check.status == 200
    assert "#EXTM3U" in probe.check.error


def test_a_server_that_hangs_is_given_up_on_at_the_timeout(world, streams):
    channel = route_to(world, streams, "x")
    world.service.live_url_mask = f"{streams.url}/hang/$cid.m3u8"
    world.service.save()
    started = time.monotonic()
    probe = services.channel_stream_probe(channel=channel, timeout=0.5)
    waited = time.monotonic() - started
    assert not probe.ok and "within 0.5 s" in probe.check.error
    assert waited < 5  # the request would hang for 10 s; the probe stops near its timeout


def test_a_channel_without_a_usable_server_says_so_without_fetching(world):
    world.service.enabled = False
    world.service.save()
    probe = services.channel_stream_probe(channel=world.channels[0], timeout=1)
    assert not probe.ok and probe.check is None and probe.error


def test_a_static_multicast_uri_is_not_fetched(world):
    channel = world.channels[0]
    channel.uri = "udp://239.0.0.1:1234"
    channel.save()
    probe = services.channel_stream_probe(channel=channel, timeout=1)
    assert probe.stream_service_id == 0 and probe.uri == "udp://239.0.0.1:1234"
    assert not probe.ok and "not an HTTP(S) URL" in probe.check.error


def test_a_refused_connection_is_an_error_not_an_exception():
    check = probe_stream_url("http://127.0.0.1:9/stream.m3u8", timeout=1)
    assert not check.ok and check.status is None and "ConnectionError" in check.error


def test_the_channel_page_links_to_the_test_and_the_test_page_shows_the_result(world, other_world, streams):
    channel = route_to(world, streams, "live1")
    user = make_user("prober", client=world.op.client)
    grant(user, "*operator*")
    http = HttpClient()
    http.force_login(user)
    page = http.get(f"/admin/channels/channel/{channel.pk}/change/").content.decode()
    url = f"/admin/streaming/streamservice/probe-channel/{channel.pk}/"
    assert url in page
    answer = http.get(url)
    assert answer.status_code == 200
    text = answer.content.decode()
    assert "The stream answers." in text and "Flussonic 1" in text and "application/vnd.apple.mpegurl" in text
    assert http.get(f"/admin/streaming/streamservice/probe-channel/{other_world.channels[0].pk}/").status_code == 404


def test_a_login_that_may_not_see_channels_cannot_test_them(world):
    user = make_user("nochannels", client=world.op.client)
    grant(user, "streaming.view_streamservice")
    http = HttpClient()
    http.force_login(user)
    assert http.get(f"/admin/streaming/streamservice/probe-channel/{world.channels[0].pk}/").status_code == 403
