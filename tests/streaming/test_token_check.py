"""The stream token check, as streaming servers call it.

A local HTTP server plays the streaming server: a player asks our channel/url (over a real
HTTP port, pytest-django's live_server), opens the URI on the fake server, and the fake
server asks our token check the way Flussonic's auth backend does (GET name, ip, token,
session_id...; 200 allows, 403 denies) or the way Astra's HTTP backend does (the player's
query string plus X-Real-IP / X-Real-Path / X-Session-ID headers; 200 allows)."""

from __future__ import annotations

import datetime as dt
import http.server
import json
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone

from streaming import services
from streaming.models import StreamToken
from streaming.tokens import token_decode

from .conftest import CHANNEL_URL, STREAMING_TOKEN_CHECK, TVMW_TOKEN_CHECK

# Connections to the live server are not kept alive: its request threads must end before the
# test's database goes away.
CLOSE = {"Connection": "close"}


class FakeStreamer(http.server.BaseHTTPRequestHandler):
    """A streaming server that authorises every play request at `backend`."""

    backend = ""
    calls: list = []

    def log_message(self, *args) -> None:
        pass

    def viewer(self) -> tuple[str, str]:
        ip = self.headers.get("X-Viewer-IP") or self.client_address[0]
        return ip, self.headers.get("X-Viewer-Session") or f"session-of-{ip}"

    def ask_backend(self) -> requests.Response:  # pragma: no cover - overridden
        raise NotImplementedError

    def do_GET(self) -> None:
        answer = self.ask_backend()
        self.calls.append(answer)
        if answer.status_code == 200:
            body = b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n"
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.apple.mpegurl")
        else:
            body = b"forbidden"
            self.send_response(403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeFlussonic(FakeStreamer):
    def ask_backend(self) -> requests.Response:
        url = urlsplit(self.path)
        token = dict(p.split("=", 1) for p in url.query.split("&") if "=" in p).get("token", "")
        ip, session = self.viewer()
        params = {
            "name": url.path.strip("/").split("/")[0],
            "proto": "hls",
            "ip": ip,
            "token": token,
            "request_type": self.headers.get("X-Request-Type", "new_session"),
            "request_number": 0,
            "session_id": session,
            "stream_clients": 0,
            "total_clients": 1,
        }
        return requests.get(self.backend, params=params, headers=CLOSE, timeout=10)


class FakeAstra(FakeStreamer):
    def ask_backend(self) -> requests.Response:
        url = urlsplit(self.path)
        ip, session = self.viewer()
        headers = {
            **CLOSE,
            "X-Session-ID": session,
            "X-Channel-ID": "a001",
            "X-Real-IP": ip,
            "X-Real-Path": url.path,
            "X-Real-UA": "test-player",
            "X-Real-Host": self.headers.get("Host", ""),
        }
        return requests.get(f"{self.backend}?{url.query}", headers=headers, timeout=10)


@pytest.fixture
def streamer(world, live_server, local_server, request):
    """(fake server class, its handler) serving the world's service; param: flussonic or astra."""
    kind = request.param
    if kind == "flussonic":
        handler = type("Flussonic", (FakeFlussonic,), {"backend": live_server.url + TVMW_TOKEN_CHECK, "calls": []})
        mask_path = "$cid/index.m3u8?token=$token"
    else:
        handler = type("Astra", (FakeAstra,), {"backend": live_server.url + STREAMING_TOKEN_CHECK, "calls": []})
        mask_path = "play/$cid/index.m3u8?token=$token"
    server = local_server(handler)
    world.service.type = kind
    world.service.live_url_mask = f"{server.url}/{mask_path}"
    world.service.save()
    return handler


def play_url(live_server, world, channel) -> str:
    params = world.params(cid=channel.pk)
    body = requests.get(live_server.url + CHANNEL_URL, params=params, headers=CLOSE, timeout=10).json()
    assert body["error"] == 0, body
    return body["uri"]


def backend_json(handler) -> dict:
    return handler.calls[-1].json()


BOTH = pytest.mark.parametrize("streamer", ["flussonic", "astra"], indirect=True)


@BOTH
def test_a_fresh_token_lets_the_player_in(live_server, world, streamer):
    uri = play_url(live_server, world, world.channels[0])
    played = requests.get(uri, timeout=10)
    assert played.status_code == 200 and played.text.startswith("#EXTM3U")
    answer = streamer.calls[-1]
    assert answer.status_code == 200 and answer.json() == {"error": 0, "error_message": ""}
    assert answer.headers["X-AuthDuration"] == "3600"
    assert answer.headers["X-UserId"] == str(world.op.account.pk)
    claim = claim_of(uri.rsplit("token=", 1)[1])
    assert claim is not None and claim.ip == "127.0.0.1"
    assert not StreamToken.objects.exists()  # nothing written: the claim is in the cache


@BOTH
def test_an_expired_token_is_refused(live_server, world, streamer, later):
    uri = play_url(live_server, world, world.channels[0])
    later(61)  # the token TTL is 60 s
    assert requests.get(uri, timeout=10).status_code == 403
    assert streamer.calls[-1].status_code == 403 and backend_json(streamer)["error"] == 1


@BOTH
def test_a_token_for_another_channel_is_refused(live_server, world, streamer):
    uri = play_url(live_server, world, world.channels[0])
    other_channel_uri = uri.replace("/op1ch0/", "/op1ch1/")
    assert requests.get(other_channel_uri, timeout=10).status_code == 403
    assert backend_json(streamer)["error"] == 2
    assert requests.get(uri, timeout=10).status_code == 200


@BOTH
def test_a_token_bound_to_ip_is_refused_from_another_ip(live_server, world, streamer):
    world.service.token_bind_to_ip = True
    world.service.save()
    uri = play_url(live_server, world, world.channels[0])
    assert token_decode(uri.rsplit("token=", 1)[1]).ip == "127.0.0.1"
    assert requests.get(uri, headers={"X-Viewer-IP": "10.20.30.40"}, timeout=10).status_code == 403
    assert backend_json(streamer)["error"] == 3
    assert requests.get(uri, timeout=10).status_code == 200


@BOTH
def test_a_used_token_serves_only_its_first_viewer(live_server, world, streamer):
    uri = play_url(live_server, world, world.channels[0])
    assert requests.get(uri, timeout=10).status_code == 200
    # The same viewer comes back (Flussonic's re-check, a player reconnect): still allowed.
    again = {"X-Request-Type": "update_session"}
    assert requests.get(uri, headers=again, timeout=10).status_code == 200
    # Someone the URL was shared with is refused.
    shared = {"X-Viewer-IP": "10.0.0.99", "X-Viewer-Session": "thief"}
    assert requests.get(uri, headers=shared, timeout=10).status_code == 403
    assert backend_json(streamer)["error"] == 1


@pytest.mark.parametrize("streamer", ["flussonic"], indirect=True)
def test_the_session_limit_is_passed_to_flussonic(live_server, world, streamer):
    world.service.max_sessions_per_account = 2
    world.service.session_ttl = 600
    world.service.save()
    uri = play_url(live_server, world, world.channels[0])
    assert requests.get(uri, timeout=10).status_code == 200
    headers = streamer.calls[-1].headers
    assert headers["X-Max-Sessions"] == "2" and headers["X-AuthDuration"] == "600"


@pytest.mark.parametrize("streamer", ["astra"], indirect=True)
def test_an_unknown_token_is_refused_by_astra(live_server, world, streamer, local_server):
    uri = play_url(live_server, world, world.channels[0])
    forged = uri.rsplit("=", 1)[0] + "=" + "0" * 40
    assert requests.get(forged, timeout=10).status_code == 403


# --- direct callers: the JSON codes 0-3 -----------------------------------------------------------


def claim_of(token: str):
    return services.token_claim_get(services.token_claim_key(token))


def clock_at(monkeypatch, moment: dt.datetime) -> None:
    """The streaming services' clock (token issue and check) stands at `moment`."""
    monkeypatch.setattr(services, "timezone", type("Clock", (), {"now": staticmethod(lambda: moment)}))


@pytest.fixture
def later(monkeypatch):
    """later(seconds): the token check's clock moves forward."""

    def move(seconds: float) -> None:
        clock_at(monkeypatch, timezone.now() + dt.timedelta(seconds=seconds))

    return move


def issue(client, world, channel=None, **service_fields) -> str:
    for name, value in service_fields.items():
        setattr(world.service, name, value)
    if service_fields:
        world.service.save()
    body = json.loads(client.get(CHANNEL_URL, world.params(cid=(channel or world.channels[0]).pk)).content)
    return body["uri"].rsplit("token=", 1)[1]


def check(client, url: str = TVMW_TOKEN_CHECK, **params):
    response = client.get(url, params)
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TVMW_TOKEN_CHECK, STREAMING_TOKEN_CHECK])
def test_direct_callers_get_code_0_for_a_valid_token(client, world, url):
    token = issue(client, world)
    assert check(client, url, token=token) == (200, {"error": 0, "error_message": ""})
    assert check(client, url, token=token, name="op1ch0") == (200, {"error": 0, "error_message": ""})
    assert check(client, url, token=token, name="prefix1-0")[1]["error"] == 0


@pytest.mark.django_db
def test_a_check_without_viewer_claims_nothing(client, world):
    token = issue(client, world)
    check(client, token=token)
    assert claim_of(token) is None


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TVMW_TOKEN_CHECK, STREAMING_TOKEN_CHECK])
def test_direct_callers_get_code_1_for_expired_unknown_or_missing_tokens(client, world, url, later):
    token = issue(client, world)
    later(61)
    status, body = check(client, url, token=token)
    assert status == 403 and body["error"] == 1 and "expired" in body["error_message"]
    assert check(client, url, token="f" * 40)[1]["error"] == 1
    assert check(client, url, token="x" * 500)[1]["error"] == 1
    # One character changed anywhere (the HMAC covers every field): unknown.
    for position in (0, len(token) // 2, len(token) - 1):
        flipped = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        assert check(client, url, token=flipped, name="op1ch0")[1]["error"] == 1
    status, body = check(client, url)
    assert status == 403 and body["error"] == 1 and "token" in body["error_message"]


@pytest.mark.django_db
def test_direct_callers_get_code_2_for_other_content(client, world):
    token = issue(client, world)
    assert check(client, token=token, name="op1ch1") == (
        403,
        {"error": 2, "error_message": "The token was issued for other content"},
    )


@pytest.mark.django_db
def test_content_is_not_checked_when_the_service_does_not_bind_it(client, world):
    token = issue(client, world, token_bind_to_content=False)
    assert check(client, token=token, name="anything")[1]["error"] == 0


@pytest.mark.django_db
def test_direct_callers_get_code_3_for_another_ip(client, world):
    token = issue(client, world, token_bind_to_ip=True)
    status, body = check(client, token=token, ip="192.0.2.1")
    assert (status, body["error"]) == (403, 3)
    assert check(client, token=token, ip="127.0.0.1")[1]["error"] == 0


@pytest.mark.django_db
def test_a_check_of_an_ip_bound_token_without_ip_is_refused_and_claims_nothing(client, world):
    token = issue(client, world, token_bind_to_ip=True)
    status, body = check(client, token=token, session_id="somebody")
    assert (status, body["error"]) == (403, 3) and "ip" in body["error_message"]
    assert check(client, token=token)[1]["error"] == 3
    assert claim_of(token) is None
    # The real viewer still gets in.
    assert check(client, token=token, ip="127.0.0.1", session_id="viewer")[1]["error"] == 0


@pytest.mark.django_db
def test_a_zap_writes_no_token_to_the_database(client, world):
    issue(client, world)  # warm
    token = issue(client, world)
    assert not StreamToken.objects.exists()
    check(client, token=token, ip="10.0.0.1", session_id="s")
    assert not StreamToken.objects.exists()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        issue(client, world)
        assert check(client, token=token, ip="10.0.0.1", session_id="s")[1]["error"] == 0
    token_queries = [q["sql"] for q in queries.captured_queries if "streamtoken" in q["sql"].lower()]
    assert token_queries == []


@pytest.mark.django_db
def test_while_the_cache_is_down_claims_go_to_the_database_with_one_winner(client, world):
    from smarty.cache_backends import breaker

    token = issue(client, world)
    breaker.trip()  # every cache command of this process now fails at once
    from django.core.cache import cache

    original_add = cache.add
    try:
        # A backend that ignores its errors answers None to a failed add.
        cache.add = lambda *a, **kw: None
        assert check(client, token=token, ip="10.0.0.1", session_id="a")[1]["error"] == 0
        assert check(client, token=token, ip="10.0.0.2", session_id="b")[1]["error"] == 1
        assert check(client, token=token, ip="10.0.0.1", session_id="a")[1]["error"] == 0
    finally:
        cache.add = original_add
    row = StreamToken.objects.get()
    assert row.session_id == "a" and row.client_id == world.op.client.pk and row.token != token
    # The cache is back: the claim made meanwhile still holds.
    assert check(client, token=token, ip="10.0.0.2", session_id="b")[1]["error"] == 1
    assert check(client, token=token, ip="10.0.0.1", session_id="a")[1]["error"] == 0


@pytest.mark.django_db(transaction=True)
def test_thirty_viewers_racing_for_one_token_get_one_yes(client, world):
    import threading

    token = issue(client, world)
    barrier = threading.Barrier(30)
    results = []

    def viewer(n: int) -> None:
        barrier.wait()
        results.append(services.stream_token_check(token=token, ip=f"10.9.0.{n}", session_id=f"s{n}").code)

    threads = [threading.Thread(target=viewer, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0] + [1] * 29


@pytest.mark.django_db
def test_ip_is_not_checked_when_the_service_does_not_bind_it(client, world):
    token = issue(client, world)
    assert check(client, token=token, ip="192.0.2.1")[1]["error"] == 0


@pytest.mark.django_db
def test_a_token_must_be_first_used_within_its_ttl(client, world, later):
    token = issue(client, world, token_ttl=30)
    assert 29 <= token_decode(token).first_use_by - timezone.now().timestamp() <= 31
    later(29)
    assert check(client, token=token)[1]["error"] == 0
    later(31)
    assert check(client, token=token, ip="10.1.1.1")[1]["error"] == 1


@pytest.mark.django_db
def test_a_token_issued_late_in_a_second_is_still_usable_for_its_whole_ttl(client, world, monkeypatch):
    issued = dt.datetime(2026, 12, 7, 23, 39, 52, 990000, tzinfo=dt.UTC)
    clock_at(monkeypatch, issued)
    token = issue(client, world, token_ttl=30)
    assert token_decode(token).first_use_by == int(issued.timestamp()) + 31  # rounded up, never down
    clock_at(monkeypatch, issued + dt.timedelta(seconds=29.99))
    assert check(client, token=token)[1]["error"] == 0
    clock_at(monkeypatch, issued + dt.timedelta(seconds=31.01))
    assert check(client, token=token, ip="10.1.1.1")[1]["error"] == 1


@pytest.mark.django_db
def test_a_claimed_token_slides_forward_while_its_viewer_keeps_checking(client, world, later):
    token = issue(client, world, session_ttl=600)
    assert check(client, token=token, ip="10.1.1.1", session_id="s1")[1]["error"] == 0
    claim = claim_of(token)
    assert claim.session_id == "s1" and claim.ip == "10.1.1.1"
    assert claim.until - timezone.now().timestamp() > 1100  # 600 s x the session factor 2
    later(1000)  # past the token TTL, within the claim
    assert check(client, token=token, ip="10.1.1.1", session_id="s1")[1]["error"] == 0
    assert claim_of(token).until - timezone.now().timestamp() > 2100  # slid forward
    assert check(client, token=token, ip="10.1.1.2", session_id="s2")[1]["error"] == 1
    later(2500)
    assert check(client, token=token, ip="10.1.1.1", session_id="s1")[1]["error"] == 1


@pytest.mark.django_db
def test_flussonic_may_post_the_fields_as_json(client, world):
    token = issue(client, world)
    response = client.post(
        TVMW_TOKEN_CHECK,
        data=json.dumps({"token": token, "name": "op1ch0", "ip": "10.0.0.1", "session_id": "abc"}),
        content_type="application/json",
    )
    assert response.status_code == 200 and json.loads(response.content)["error"] == 0
    assert claim_of(token).session_id == "abc"


@pytest.mark.django_db
def test_tokens_of_both_operators_are_checked_by_the_token_alone(client, world, other_world):
    mine = issue(client, world)
    theirs = json.loads(client.get(CHANNEL_URL, other_world.params(cid=other_world.channels[0].pk)).content)["uri"]
    theirs = theirs.rsplit("token=", 1)[1]
    assert check(client, token=theirs, name="op2ch0")[1]["error"] == 0
    # A token of one operator never opens the other operator's look-alike channel.
    assert check(client, token=mine, name="op2ch0")[1]["error"] == 2
    assert check(client, token=theirs, name="op1ch0")[1]["error"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TVMW_TOKEN_CHECK, STREAMING_TOKEN_CHECK])
def test_a_token_check_that_fails_unexpectedly_denies(client, world, url, monkeypatch):
    # Flussonic and Astra read any HTTP 200 as "allowed": the unknown-error envelope used to
    # come with a 200, so a crash of the check (a JSON body nested too deeply did it) let
    # anyone in without a token.
    from streaming import services

    token = issue(client, world)

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "stream_token_check", broken)
    status, body = check(client, url, token=token, name="op1ch0")
    assert status == 403 and body["error"] == 500


@pytest.mark.django_db
@pytest.mark.parametrize("url", [TVMW_TOKEN_CHECK, STREAMING_TOKEN_CHECK])
def test_a_token_check_request_refused_before_the_check_denies_in_json(client, world, url):
    token = issue(client, world)
    # A NUL in a parameter, on the TVMW address with an XML device type named.
    response = client.get(url, {"token": token, "name": "op1ch0\x00", "device": "sagemcom"})
    assert response.status_code == 403 and response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["error_fields"] == {"name": "contains a NUL character"}
    # A body Django cannot read, a JSON body nested too deeply, another HTTP verb.
    for response in (
        client.post(url, b"--b\r\nbroken", content_type="multipart/form-data; boundary=b"),
        client.post(url, b"[" * 5000, content_type="application/json"),
        client.put(f"{url}?token={token}&name=op1ch0"),
    ):
        assert response.status_code == 403, response.content
        assert json.loads(response.content)["error"] != 0
    assert check(client, url, token=token, name="op1ch0") == (200, {"error": 0, "error_message": ""})
