"""The Xtream Codes player API with the field names and types players read (user_info and
server_info, live categories and streams, short EPG and the simple data table), get.php,
xmltv.php and the stream paths that redirect to a URL the token check accepts once; session
rules, refusals, throttling and the other operator."""

from __future__ import annotations

import base64
import datetime as dt
import zoneinfo
from urllib.parse import urlsplit

import pytest
from ipytv import playlist
from lxml import etree

from accounts.models import AccountDevice, Session
from accounts.services.players import account_playlist_token_ensure

from .conftest import assert_played_once
from .test_xmltv import parse_valid

pytestmark = pytest.mark.django_db


def api(client, world, *, password=None, account=None, **params):
    account = account or world.op.account
    query = {"username": account.abonement, "password": password or world.op.password, **params}
    return client.get(world.url("player_api.php"), query)


def test_login_answers_user_info_and_server_info_with_the_players_types(client, world):
    body = api(client, world).json()
    user, server = body["user_info"], body["server_info"]
    assert user["auth"] == 1 and user["status"] == "Active"
    assert user["username"] == world.op.account.abonement and user["password"] == world.op.password
    for key in ("is_trial", "active_cons", "created_at", "max_connections", "message"):
        assert isinstance(user[key], str), key
    assert user["exp_date"] is None  # no deactivation date: no end
    assert user["allowed_output_formats"] == ["m3u8", "ts"]
    assert user["max_connections"] == str(world.op.tariff.basic_sessions_count)
    assert server["server_protocol"] == "http" and server["url"] == "testserver"
    for key in ("port", "https_port", "rtmp_port", "timezone", "time_now"):
        assert isinstance(server[key], str), key
    assert isinstance(server["timestamp_now"], int)


def test_the_expiry_is_the_deactivation_date_as_a_timestamp_string(client, world):
    account = world.op.account
    account.deactivation_date = dt.date.today() + dt.timedelta(days=10)
    account.save()
    exp = api(client, world).json()["user_info"]["exp_date"]
    assert isinstance(exp, str) and dt.datetime.fromtimestamp(int(exp), dt.UTC).date() >= account.deactivation_date


def test_a_player_is_one_device_and_one_session_of_the_account(client, world):
    for _ in range(3):
        assert api(client, world).json()["user_info"]["auth"] == 1
        api(client, world, action="get_live_streams")
    devices = AccountDevice.objects.filter(account=world.op.account)
    assert devices.count() == 1 and devices.get().device_uid.startswith("xtream-")
    assert Session.objects.filter(account=world.op.account).count() == 1


def test_the_device_limit_of_the_tariffs_applies(client, world):
    for n in range(world.op.tariff.basic_sessions_count):
        AccountDevice.objects.create(
            client=world.op.client, account=world.op.account, device_uid=f"stb-{n}", is_basic=True
        )
    body = api(client, world).json()
    assert body["user_info"]["auth"] == 0 and body["user_info"]["status"] == "Banned"
    assert not AccountDevice.objects.filter(account=world.op.account, device_uid__startswith="xtream-").exists()


def test_live_categories_and_streams(client, world, other_world):
    categories = api(client, world, action="get_live_categories").json()
    assert categories == [{"category_id": str(world.op.category.pk), "category_name": "News", "parent_id": 0}]
    streams = api(client, world, action="get_live_streams").json()
    assert [s["stream_id"] for s in streams] == [c.pk for c in world.op.channels]
    first = streams[0]
    assert first["num"] == 1 and first["name"] == world.op.channels[0].name
    assert first["stream_type"] == "live"
    assert first["stream_icon"] == world.op.channels[0].icon
    assert first["epg_channel_id"] == f"{world.op.channels[0].pk}.{world.prefix}"
    assert first["category_id"] == str(world.op.category.pk)
    assert first["tv_archive"] == 1 and first["tv_archive_duration"] == 3
    assert streams[1]["tv_archive"] == 0 and streams[1]["epg_channel_id"] is None
    assert isinstance(first["added"], str) and isinstance(first["is_adult"], str)
    by_category = api(client, world, action="get_live_streams", category_id=world.op.category.pk).json()
    assert len(by_category) == 3
    other_category = api(client, world, action="get_live_streams", category_id=other_world.op.category.pk).json()
    assert other_category == []


def test_short_epg_and_the_simple_data_table(client, world, other_world):
    channel = world.op.channels[0]
    short = api(client, world, action="get_short_epg", stream_id=channel.pk, limit=2).json()["epg_listings"]
    assert len(short) == 2
    current = world.programmes[3]  # on air now
    assert base64.b64decode(short[0]["title"]).decode() == current.name
    assert base64.b64decode(short[0]["description"]).decode() == current.description
    assert short[0]["start_timestamp"] == str(int(current.time_begin.timestamp()))
    assert short[0]["stop_timestamp"] == str(int(current.time_end.timestamp()))
    assert short[0]["channel_id"] == f"{channel.pk}.{world.prefix}"
    zone = zoneinfo.ZoneInfo(world.op.client.timezone)
    assert short[0]["start"] == current.time_begin.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")
    table = api(client, world, action="get_simple_data_table", stream_id=channel.pk).json()["epg_listings"]
    assert [base64.b64decode(r["title"]).decode() for r in table] == [p.name for p in world.programmes]
    assert [r["now_playing"] for r in table] == [0, 0, 0, 1, 0, 0, 0, 0]
    assert [r["has_archive"] for r in table] == [1, 1, 1, 0, 0, 0, 0, 0]
    assert api(client, world, action="get_short_epg", stream_id=world.op.channels[1].pk).json() == {"epg_listings": []}
    other = api(client, world, action="get_short_epg", stream_id=other_world.op.channels[0].pk)
    assert other.status_code == 404
    assert api(client, world, action="get_short_epg", stream_id="x").status_code == 400


def test_without_a_video_library_the_video_actions_answer_empty_lists(client, world):
    for action in ("get_vod_categories", "get_vod_streams", "get_series_categories", "get_series"):
        assert api(client, world, action=action).json() == [], action
    assert api(client, world, action="get_vod_info", vod_id=1).status_code == 404
    assert api(client, world, action="nonsense").status_code == 400


def test_get_php_gives_the_m3u_variants_with_stream_paths(client, world):
    account = world.op.account
    query = {"username": account.abonement, "password": world.op.password}
    plus = client.get(world.url("get.php"), {**query, "type": "m3u_plus", "output": "ts"})
    assert plus.status_code == 200
    parsed = playlist.loads(plus.content.decode())
    entries = parsed.get_channels()
    assert [e.attributes["tvg-id"] for e in entries] == [f"{c.pk}.{world.prefix}" for c in world.op.channels]
    assert urlsplit(entries[0].url).path == world.url(
        f"live/{account.abonement}/{world.op.password}/{world.op.channels[0].pk}.ts"
    )
    assert urlsplit(parsed.get_attributes()["url-tvg"]).path == world.url("xmltv.php")
    simple = playlist.loads(
        client.get(world.url("get.php"), {**query, "type": "m3u", "output": "m3u8"}).content.decode()
    )
    assert [e.name for e in simple.get_channels()] == [c.name for c in world.op.channels]
    assert simple.get_channels()[0].url.endswith(".m3u8")
    assert client.get(world.url("get.php"), {**query, "type": "xml"}).status_code == 400


def test_xmltv_php_is_the_accounts_guide(client, world):
    account = world.op.account
    response = client.get(world.url("xmltv.php"), {"username": account.abonement, "password": world.op.password})
    root = parse_valid(response.content)
    assert isinstance(root, etree._Element)
    assert len(root.findall("programme")) == len(world.programmes)


def test_a_live_path_redirects_to_a_url_the_token_check_accepts_once(client, world):
    account = world.op.account
    channel = world.op.channels[2]
    response = client.get(world.url(f"live/{account.abonement}/{world.op.password}/{channel.pk}.ts"))
    assert response.status_code == 302
    assert response["Location"].startswith("http://fl1.test/op1ch2/index.m3u8?token=")
    assert_played_once(client, response["Location"])


def test_a_timeshift_path_redirects_to_the_recording(client, world):
    account = world.op.account
    channel = world.op.channels[0]
    zone = zoneinfo.ZoneInfo(world.op.client.timezone)
    begin = world.programmes[1].time_begin
    start = begin.astimezone(zone).strftime("%Y-%m-%d:%H-%M")
    path = f"timeshift/{account.abonement}/{world.op.password}/60/{start}/{channel.pk}.ts"
    response = client.get(world.url(path))
    assert response.status_code == 302
    assert response["Location"].startswith(f"http://fl1.test/op1ch0/video-{int(begin.timestamp())}-3600.m3u8")
    assert_played_once(client, response["Location"])
    future = (begin + dt.timedelta(days=1)).astimezone(zone).strftime("%Y-%m-%d:%H-%M")
    assert client.get(world.url(path.replace(start, future))).status_code == 404


def test_wrong_passwords_are_refused_and_then_throttled(client, world, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 3
    for _ in range(3):
        assert api(client, world, password="wrong").json()["user_info"]["auth"] == 0
    throttled = api(client, world).json()["user_info"]
    assert throttled["auth"] == 0 and throttled["status"] == "Banned"
    account = world.op.account
    live = client.get(world.url(f"live/{account.abonement}/{world.op.password}/{world.op.channels[0].pk}.ts"))
    assert live.status_code == 429


def test_an_inactive_account_and_a_closed_tariff_are_refused(client, world):
    inactive = api(client, world, account=world.op.inactive_account).json()["user_info"]
    assert inactive["auth"] == 0
    world.op.tariff.players_enabled = False
    world.op.tariff.save()
    closed = api(client, world).json()["user_info"]
    assert closed["auth"] == 0 and closed["status"] == "Disabled"


def test_another_operators_account_and_channels_are_never_reached(client, world, other_world):
    other = other_world.op.account
    assert api(client, world, account=other).json()["user_info"]["auth"] == 0
    streams = api(client, world, action="get_live_streams").json()
    assert not {s["stream_id"] for s in streams} & {c.pk for c in other_world.op.channels}
    path = f"live/{world.op.account.abonement}/{world.op.password}/{other_world.op.channels[0].pk}.ts"
    assert client.get(world.url(path)).status_code == 404
    assert (
        client.get(f"/players/{other_world.prefix}/player_api.php", {"username": "x"}).json()["user_info"]["auth"] == 0
    )


def test_passwords_and_playlist_tokens_never_reach_the_logs(client, world, written_log):
    account = world.op.account
    account.set_password("s3cret-Pw")
    account.save()
    token = account_playlist_token_ensure(account=account)
    channel = world.op.channels[0].pk
    assert client.get(world.url(f"live/{account.abonement}/s3cret-Pw/{channel}.ts")).status_code == 302
    assert client.get(world.url(f"live/{account.abonement}/wrong-Pw/{channel}.ts")).status_code == 401
    assert client.get(world.url(f"play/{token}/{channel}.m3u8")).status_code == 302
    assert client.get(world.url(f"play/{token}x/{channel}.m3u8")).status_code == 401
    assert "CONTENT_REQUEST_SUCCESS" in written_log.text and "LOGIN_ERROR" in written_log.text
    for secret in ("s3cret-Pw", "wrong-Pw", token):
        assert secret not in written_log.text


def test_a_new_password_or_a_deactivation_ends_the_remembered_player_session(client, world):
    assert api(client, world).json()["user_info"]["auth"] == 1
    account = world.op.account
    account.set_password("changed-1")
    account.save()
    assert api(client, world).json()["user_info"]["auth"] == 0
    assert api(client, world, password="changed-1").json()["user_info"]["auth"] == 1
    account.active = False
    account.save()
    assert api(client, world, password="changed-1").json()["user_info"]["auth"] == 0
