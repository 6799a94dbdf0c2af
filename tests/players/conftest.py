"""Fixtures of the player doors: for each operator a routed world (a Flussonic-like service,
channels with stream ids and an archive), a guide for the first channel, players enabled,
and helpers to ask the streaming token check about an address a player was sent to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from accounts.models import AccountDevice
from tests import factories as f

TOKEN_CHECK = "/tvmiddleware/api/streamservice/token/check/"


@dataclass
class World:
    op: object
    service: object
    guide: object
    programmes: list = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return self.op.client.domain_prefix

    def url(self, path: str) -> str:
        return f"/players/{self.prefix}/{path}"


def build_world(op, index: int) -> World:
    service = f.StreamServiceFactory(
        client=op.client,
        name=f"Flussonic {index}",
        live_url_mask=f"http://fl{index}.test/$cid/index.m3u8?token=$token",
        archive_url_mask=f"http://fl{index}.test/$cid/video-$flpbt-$flpdur.m3u8?token=$token",
    )
    op.tariff.stream_services.add(service)
    op.tariff.players_enabled = True
    op.tariff.save()
    source = f.EpgSourceFactory()
    guide = f.EpgChannelFactory(source=source, name=f"Guide {index}", ext_id=f"guide{index}")
    for n, channel in enumerate(op.channels):
        channel.id_for_stream_service = f"op{index}ch{n}"
        channel.recording_days = 3 if n == 0 else 0
        channel.icon = f"https://logos.test/op{index}/{n}.png"
        if n == 0:
            channel.epg_channel = guide
        channel.save()
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    programmes = [
        f.ProgramFactory(
            epg_channel=guide,
            name=f"Show {index}-{k} & <friends>",
            description=f"About show {k}",
            time_begin=now + dt.timedelta(hours=k),
            time_end=now + dt.timedelta(hours=k + 1),
        )
        for k in range(-3, 5)
    ]
    return World(op=op, service=service, guide=guide, programmes=programmes)


@pytest.fixture
def world(operator) -> World:
    return build_world(operator, 1)


@pytest.fixture
def other_world(other_operator, world) -> World:
    return build_world(other_operator, 2)


def token_of(location: str) -> str:
    return parse_qs(urlsplit(location).query)["token"][0]


def stream_name(location: str) -> str:
    return urlsplit(location).path.strip("/").split("/")[0]


def check_token(client, location: str, *, ip: str, session: str, name: str = "") -> int:
    """What the streaming server hears from the token check for this viewer (200: play)."""
    params = {"token": token_of(location), "name": name or stream_name(location), "ip": ip, "session_id": session}
    return client.get(TOKEN_CHECK, params).status_code


def assert_played_once(client, location: str, *, name: str = "") -> None:
    """The address plays for its first viewer and for no one else; `name` is the stream
    name the streaming server asks about (the first path segment by default)."""
    assert check_token(client, location, ip="10.0.0.1", session="first", name=name) == 200
    assert check_token(client, location, ip="10.0.0.1", session="first", name=name) == 200
    assert check_token(client, location, ip="10.9.9.9", session="second", name=name) != 200


MAC = "00:1A:79:12:34:56"


class Box:
    """A MAG box: its MAC cookie, and the token from its handshake once it has one."""

    def __init__(self, client, world, mac: str = MAC, path: str = "stalker_portal/server/load.php") -> None:
        self.client, self.world, self.mac, self.path = client, world, mac, path
        self.token = ""
        client.cookies["mac"] = mac.replace(":", "%3A")

    def ask(self, type_: str, action: str, **params):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        query = {"type": type_, "action": action, "JsHttpRequest": "1-xml", **params}
        return self.client.get(self.world.url(self.path), query, **headers)

    def js(self, type_: str, action: str, **params):
        response = self.ask(type_, action, **params)
        assert response.status_code == 200, response.content
        return response.json()["js"]

    def handshake(self) -> str:
        self.token = self.js("stb", "handshake")["token"]
        return self.token


@pytest.fixture
def known_box(client, world) -> Box:
    """A box whose MAC is a device of the first operator's account."""
    AccountDevice.objects.create(client=world.op.client, account=world.op.account, device_uid=MAC, is_basic=True)
    return Box(client, world)


# --- the MAG portal page in a browser ----------------------------------------------------------
@pytest.fixture
def portal_page(chromium_browser, live_server):
    """A browser page on the live server that reaches no other host (stream and logo
    addresses are refused before they leave the machine)."""
    context = chromium_browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 720})
    context.set_default_timeout(15_000)

    def only_the_portal(route) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_portal)
    page = context.new_page()
    yield page
    context.close()
