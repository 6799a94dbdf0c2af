"""The Stalker portal protocol as a MAG box speaks it: handshake, profile, genres and
channels, create_link ending in a URL the token check accepts once, the guide; a new box
logging in with abonement and password; refusals and the other operator."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import AccountDevice

from .conftest import MAC, Box, assert_played_once

pytestmark = pytest.mark.django_db


def test_handshake_profile_channels_and_create_link_end_in_a_playable_url(known_box, world):
    box = known_box
    assert box.handshake()
    profile = box.js("stb", "get_profile", hd=1, sn="SN1", stb_type="MAG250")
    assert profile["status"] == 0 and profile["mac"] == MAC
    assert profile["login"] == world.op.account.abonement and profile["id"] == world.op.account.pk
    channels = box.js("itv", "get_all_channels")
    assert channels["total_items"] == 3
    data = channels["data"]
    assert [c["name"] for c in data] == [c.name for c in world.op.channels]
    assert [c["number"] for c in data] == ["1", "2", "3"]
    assert data[0]["xmltv_id"] == f"{world.op.channels[0].pk}.{world.prefix}"
    assert data[0]["archive"] == 1 and data[0]["tv_archive_duration"] == 72
    assert data[0]["tv_genre_id"] == str(world.op.category.pk) and data[0]["logo"] == world.op.channels[0].icon
    link = box.js("itv", "create_link", cmd=data[1]["cmd"], series="", forced_storage="undefined")
    assert link["error"] == "" and link["id"] == world.op.channels[1].pk
    command, url = link["cmd"].split(" ", 1)
    assert command == "ffmpeg" and url.startswith("http://fl1.test/op1ch1/index.m3u8?token=")
    assert_played_once(box.client, url)


def test_genres_and_the_ordered_list_pages(known_box, world):
    box = known_box
    box.handshake()
    genres = box.js("itv", "get_genres")
    assert genres[0]["id"] == "*" and genres[1:] == [
        {"id": str(world.op.category.pk), "title": "News", "alias": "news", "censored": 0}
    ]
    page = box.js("itv", "get_ordered_list", genre=str(world.op.category.pk), p=1)
    assert page["total_items"] == 3 and page["max_page_items"] == 14 and page["cur_page"] == 1
    assert len(page["data"]) == 3
    assert box.js("itv", "get_ordered_list", genre="999999", p=1)["total_items"] == 0
    assert box.ask("itv", "get_ordered_list", genre="abc").json()["js"]["error"] == "bad_request"


def test_the_guide_short_epg_and_simple_data_table(known_box, world):
    box = known_box
    box.handshake()
    channel = world.op.channels[0]
    short = box.js("itv", "get_short_epg", ch_id=channel.pk, size=2)
    current = world.programmes[3]
    assert [p["name"] for p in short] == [current.name, world.programmes[4].name]
    assert short[0]["start_timestamp"] == int(current.time_begin.timestamp())
    assert short[0]["ch_id"] == str(channel.pk) and short[0]["duration"] == 3600
    day = current.time_begin.strftime("%Y-%m-%d")
    table = box.js("epg", "get_simple_data_table", ch_id=channel.pk, date=day, p=1)
    day_start = current.time_begin.replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + dt.timedelta(days=1)
    # on the air during that day (one ending at its first instant is not: run near midnight)
    on_that_day = [p for p in world.programmes if p.time_begin < day_end and p.time_end > day_start]
    assert table["total_items"] == len(on_that_day)
    archived = [p["mark_archive"] for p in table["data"]]
    assert set(archived) <= {0, 1}
    opened = box.js("epg", "get_simple_data_table", ch_id=channel.pk, date=day, p=0)
    assert opened["selected_item"] >= 1
    assert (
        box.ask("epg", "get_simple_data_table", ch_id=channel.pk, date="tomorrow").json()["js"]["error"]
        == "bad_request"
    )


def test_a_new_box_asks_for_the_login_and_is_registered_by_it(client, world):
    box = Box(client, world, path="portal.php")
    box.handshake()
    assert box.js("stb", "get_profile")["status"] == 2
    assert box.js("stb", "do_auth", login=world.op.account.abonement, password="wrong") is False
    assert box.js("stb", "do_auth", login=world.op.account.abonement, password=world.op.password) is True
    assert AccountDevice.objects.filter(account=world.op.account, device_uid=MAC).exists()
    assert box.js("stb", "get_profile")["status"] == 0
    assert box.js("itv", "get_all_channels")["total_items"] == 3


def test_requests_without_a_valid_token_are_not_authorised(known_box, world, other_world):
    box = known_box
    assert box.ask("itv", "get_all_channels").status_code == 401
    box.token = "forged"
    assert box.ask("itv", "get_all_channels").status_code == 401
    box.handshake()
    box.client.cookies["mac"] = "00%3A1A%3A79%3A00%3A00%3A01"
    assert box.ask("itv", "get_all_channels").status_code == 401  # the token is another MAC's
    box.client.cookies["mac"] = MAC.replace(":", "%3A")
    other = Box(box.client, other_world)
    other.token = box.token  # a token of operator 1 at operator 2's portal
    assert other.ask("itv", "get_all_channels").status_code == 401
    assert box.ask("stb", "nonsense").json()["js"]["error"] == "bad_request"


def test_an_inactive_account_is_blocked_and_other_operators_channels_do_not_play(client, world, other_world):
    AccountDevice.objects.create(
        client=world.op.client, account=world.op.inactive_account, device_uid="00:1A:79:00:00:09", is_basic=True
    )
    inactive = Box(client, world, mac="00:1A:79:00:00:09")
    inactive.handshake()
    assert inactive.js("stb", "get_profile")["status"] == 1
    AccountDevice.objects.create(client=world.op.client, account=world.op.account, device_uid=MAC, is_basic=True)
    box = Box(client, world)
    box.handshake()
    names = {c["name"] for c in box.js("itv", "get_all_channels")["data"]}
    assert names == {c.name for c in world.op.channels}
    stolen = box.js("itv", "create_link", cmd=f"ffmpeg http://localhost/ch/{other_world.op.channels[0].pk}")
    assert stolen["error"] == "nothing_to_play" and stolen["cmd"] == ""
    # The other operator's box with the same MAC belongs to the other operator only.
    AccountDevice.objects.create(client=other_world.op.client, account=other_world.op.account, device_uid=MAC)
    profile = box.js("stb", "get_profile")
    assert profile["id"] == world.op.account.pk


def test_do_auth_failures_are_throttled(client, world, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 2
    box = Box(client, world)
    box.handshake()
    for _ in range(2):
        assert box.js("stb", "do_auth", login=world.op.account.abonement, password="wrong") is False
    throttled = box.ask("stb", "do_auth", login=world.op.account.abonement, password=world.op.password)
    assert throttled.status_code == 429
