"""Catch-up on the Stalker portal: the guide marks what the archive keeps, the programme
overview of every channel, and tv_archive.create_link ending in the recording's routed URL
that the token check accepts once; nothing for channels without an archive, programmes not
yet aired, or another operator's guide."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from .conftest import assert_played_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def box(known_box):
    known_box.handshake()
    return known_box


def test_the_days_guide_marks_the_programmes_the_archive_keeps(box, world):
    channel = world.op.channels[0]
    day = world.programmes[3].time_begin.strftime("%Y-%m-%d")
    table = box.js("epg", "get_simple_data_table", ch_id=channel.pk, date=day, p=1)
    now = time.time()
    by_name = {row["name"]: row for row in table["data"]}
    assert by_name
    for programme in world.programmes:
        row = by_name.get(programme.name)
        if row is None:
            continue  # on another day
        ended = programme.time_end.timestamp() <= now
        assert row["mark_archive"] == (1 if ended else 0), programme.name
        assert row["cmd"] == (f"auto /media/{programme.pk}.mpg" if ended else "")


def test_a_channel_without_an_archive_marks_nothing(box, world):
    plain = world.op.channels[1]
    plain.epg_channel = world.guide
    plain.save()
    day = world.programmes[3].time_begin.strftime("%Y-%m-%d")
    table = box.js("epg", "get_simple_data_table", ch_id=plain.pk, date=day, p=1)
    assert table["data"] and {row["mark_archive"] for row in table["data"]} == {0}


def test_get_epg_info_gives_every_channels_next_hours(box, world):
    now = time.time()
    info = box.js("itv", "get_epg_info", period=3)["data"]
    assert list(info) == [str(world.op.channels[0].pk)]  # the only channel with a guide
    expected = [
        p.name for p in world.programmes if p.time_end.timestamp() > now and p.time_begin.timestamp() < now + 3 * 3600
    ]
    assert [row["name"] for row in info[str(world.op.channels[0].pk)]] == expected
    assert box.ask("itv", "get_epg_info", period=0).json()["js"]["error"] == "bad_request"


def test_tv_archive_create_link_plays_the_recording_once(box, world):
    channel = world.op.channels[0]
    past = world.programmes[1]
    link = box.js("tv_archive", "create_link", cmd=f"auto /media/{past.pk}.mpg")
    assert link["error"] == "" and link["id"] == str(past.pk) and link["ch_id"] == str(channel.pk)
    command, url = link["cmd"].split(" ", 1)
    begin = int(past.time_begin.timestamp())
    assert command == "ffmpeg" and url.startswith(f"http://fl1.test/op1ch0/video-{begin}-3600.m3u8?token=")
    assert_played_once(box.client, url)


def test_tv_archive_refuses_what_the_archive_does_not_hold(box, world, other_world):
    future = world.programmes[-1]
    assert box.js("tv_archive", "create_link", cmd=f"auto /media/{future.pk}.mpg")["error"] == "nothing_to_play"
    plain = world.op.channels[1]
    plain.epg_channel = world.guide
    plain.save()
    past = world.programmes[1]
    no_archive = box.js("tv_archive", "create_link", cmd=f"auto /media/{past.pk}.mpg", ch_id=plain.pk)
    assert no_archive["error"] == "nothing_to_play" and no_archive["cmd"] == ""
    foreign = other_world.programmes[1]
    stolen = box.js("tv_archive", "create_link", cmd=f"auto /media/{foreign.pk}.mpg")
    assert stolen["error"] == "nothing_to_play" and stolen["cmd"] == ""
    assert box.js("tv_archive", "create_link", cmd="auto /media/999999999.mpg")["error"] == "nothing_to_play"
    assert box.ask("tv_archive", "create_link", cmd="http://elsewhere/").json()["js"]["error"] == "bad_request"
    too_old = world.programmes[0]
    too_old_begin = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    type(too_old).objects.filter(pk=too_old.pk).update(
        time_begin=too_old_begin, time_end=too_old_begin + dt.timedelta(hours=1)
    )
    assert box.js("tv_archive", "create_link", cmd=f"auto /media/{too_old.pk}.mpg")["error"] == "nothing_to_play"
