"""The stream addresses of the lists: channel/list `url` of a routed channel (no static URL)
and program/list `url` of a recorded programme are the channel/url and program/url addresses
of the session, which redirect the device to the routed, tokenised stream (reference:
channels.url "the live stream URL", programs.url "the stream URL of the recording")."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from streaming.tokens import token_decode
from tests import factories as f

pytestmark = pytest.mark.django_db

CHANNEL_LIST = "/tvmiddleware/api/channel/list/"
PROGRAM_LIST = "/tvmiddleware/api/program/list/"
SEARCH = "/tvmiddleware/api/program/list/search/"


def get(client, url: str, params: dict) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def session_params(world, **extra) -> dict:
    return {"authkey": world.authkey, "client_id": world.op.client.pk, **extra}


def opened(client, address: str):
    """The device opens the address as it is (a GET of its path and query)."""
    parts = urlsplit(address)
    assert parts.scheme == "http" and parts.netloc == "testserver"
    return client.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})


@pytest.fixture
def recorded(world):
    """Channel 0 with a guide: a programme two hours ago (in the 3-day archive), one next hour."""
    channel = world.channels[0]
    channel.epg_channel = f.EpgChannelFactory()
    channel.save()
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    past = f.ProgramFactory(
        epg_channel=channel.epg_channel, time_begin=hour - dt.timedelta(hours=2), time_end=hour - dt.timedelta(hours=1)
    )
    future = f.ProgramFactory(
        epg_channel=channel.epg_channel, time_begin=hour + dt.timedelta(hours=1), time_end=hour + dt.timedelta(hours=2)
    )
    return {"channel": channel, "past": past, "future": future}


def test_a_routed_channels_list_url_redirects_to_its_tokenised_stream(client, world):
    channels = get(client, CHANNEL_LIST, session_params(world))["channels"]
    first = next(c for c in channels if c["id"] == world.channels[0].pk)
    query = parse_qs(urlsplit(first["url"]).query)
    assert urlsplit(first["url"]).path == "/tvmiddleware/api/channel/url/"
    assert query["cid"] == [str(world.channels[0].pk)] and query["authkey"] == [world.authkey]
    response = opened(client, first["url"])
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://fl1.test/op1ch0/index.m3u8?token=")
    assert token_decode(location.rsplit("token=", 1)[1]).kind == "live"


def test_a_static_channel_url_is_listed_as_it_is(client, world):
    channel = world.channels[1]
    channel.uri = "http://static.test/one.m3u8"
    channel.save()
    channels = get(client, CHANNEL_LIST, session_params(world))["channels"]
    assert next(c for c in channels if c["id"] == channel.pk)["url"] == "http://static.test/one.m3u8"


def test_the_list_address_carries_the_asked_device_and_makes_no_token(client, world):
    channels = get(client, CHANNEL_LIST, session_params(world, device_uid="box-1"))["channels"]
    for item in channels:
        assert "token=" not in item["url"]
        assert parse_qs(urlsplit(item["url"]).query)["device_uid"] == ["box-1"]


def test_another_sessions_list_addresses_carry_its_own_authkey(client, world, other_world):
    mine = get(client, CHANNEL_LIST, session_params(world))["channels"]
    theirs = get(client, CHANNEL_LIST, session_params(other_world))["channels"]
    assert all(world.authkey in c["url"] for c in mine)
    assert all(world.authkey not in c["url"] and other_world.authkey in c["url"] for c in theirs)
    assert {c["id"] for c in mine}.isdisjoint({c["id"] for c in theirs})


def test_a_recorded_programmes_url_redirects_to_the_recording_and_a_future_one_has_none(client, world, recorded):
    now = int(timezone.now().timestamp())
    params = session_params(world, cid=recorded["channel"].pk, time_from=now - 4 * 3600, time_to=now + 4 * 3600)
    programs = {p["id"]: p for p in get(client, PROGRAM_LIST, params)["programs"]}
    past, future = programs[recorded["past"].pk], programs[recorded["future"].pk]
    assert past["has_record"] == 1 and future["has_record"] == 0
    assert future["url"] == ""
    assert urlsplit(past["url"]).path == "/tvmiddleware/api/program/url/"
    assert parse_qs(urlsplit(past["url"]).query)["pid"] == [str(recorded["past"].pk)]
    response = opened(client, past["url"])
    assert response.status_code == 302
    begin = int(recorded["past"].time_begin.timestamp())
    assert response["Location"].startswith(f"http://fl1.test/op1ch0/video-{begin}-3600.m3u8?token=")


def test_program_search_gives_the_recording_address_or_the_channel_address(client, world, recorded):
    name = recorded["past"].name
    results = get(client, SEARCH, session_params(world, search=name))["results"]
    hit = next(r for r in results if r["program_id"] == recorded["past"].pk)
    assert urlsplit(hit["url"]).path == "/tvmiddleware/api/program/url/"
    assert opened(client, hit["url"]).status_code == 302


def test_a_warm_channel_list_with_addresses_keeps_its_query_bound(client, world, django_assert_max_num_queries):
    params = session_params(world)
    get(client, CHANNEL_LIST, params)
    with django_assert_max_num_queries(2):
        channels = get(client, CHANNEL_LIST, params)["channels"]
    assert all(c["url"] for c in channels)
