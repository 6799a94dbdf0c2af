"""Fixtures of the streaming tests: a routed world for each operator, a session per account,
a recorder of log events, and a local HTTP server helper."""

from __future__ import annotations

import http.server
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from tests import factories as f

CHANNEL_URL = "/tvmiddleware/api/channel/url/"
PROGRAM_URL = "/tvmiddleware/api/program/url/"
CAMERA_URL = "/tvmiddleware/api/camera/url/"
TVMW_TOKEN_CHECK = "/tvmiddleware/api/streamservice/token/check/"
STREAMING_TOKEN_CHECK = "/streaming/api/streamservice/token/check/"


@dataclass
class World:
    """One operator's streaming setup: a data center, a Flussonic service granted by the
    basic tariff, channels with stream ids, and a logged-in session."""

    op: object
    dc: object
    service: object
    session: object
    channels: list = field(default_factory=list)

    @property
    def authkey(self) -> str:
        return self.session.authkey

    def params(self, **extra) -> dict:
        return {"authkey": self.authkey, "client_id": self.op.client.pk, "redirect": 0, **extra}


def build_world(op, device, index: int) -> World:
    dc = f.DataCenterFactory(client=op.client, name=f"DC {index}")
    service = f.StreamServiceFactory(
        client=op.client,
        name=f"Flussonic {index}",
        data_center=dc,
        live_url_mask=f"http://fl{index}.test/$cid/index.m3u8?token=$token",
        archive_url_mask=f"http://fl{index}.test/$cid/video-$flpbt-$flpdur.m3u8?token=$token",
        archive_preview_url_mask=f"http://fl{index}.test/$cid/$flpbt-preview.mp4?token=$token",
    )
    op.tariff.stream_services.add(service)
    for n, channel in enumerate(op.channels):
        channel.id_for_stream_service = f"op{index}ch{n}"
        channel.url_prefix = f"prefix{index}-{n}"
        channel.recording_days = 3
        channel.save()
    session = f.SessionFactory(account=op.account, play_device=device)
    return World(op=op, dc=dc, service=service, session=session, channels=list(op.channels))


@pytest.fixture
def world(operator, json_device) -> World:
    return build_world(operator, json_device, 1)


@pytest.fixture
def other_world(other_operator, json_device, world) -> World:
    return build_world(other_operator, json_device, 2)


@dataclass
class Event:
    logger: str
    name: str
    level: str
    context: dict


class _Recorder(logging.Handler):
    def __init__(self, sink: list[Event]) -> None:
        super().__init__(level=logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event:
            self.sink.append(Event(record.name, event, record.levelname, dict(getattr(record, "context", {}) or {})))


@pytest.fixture
def events() -> Iterator[list[Event]]:
    """Every seed event logged during the test, in order."""
    sink: list[Event] = []
    handler = _Recorder(sink)
    names = ("smarty_content_requests", "smarty_stream_services", "smarty_management")
    loggers = [logging.getLogger(name) for name in names]
    for log in loggers:
        log.addHandler(handler)
    yield sink
    for log in loggers:
        log.removeHandler(handler)


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]


class LocalServer:
    """An http.server on 127.0.0.1 with an ephemeral port, served from a thread."""

    def __init__(self, handler_class: type[http.server.BaseHTTPRequestHandler]) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def local_server() -> Iterator[Callable[[type[http.server.BaseHTTPRequestHandler]], LocalServer]]:
    started: list[LocalServer] = []

    def start(handler_class: type[http.server.BaseHTTPRequestHandler]) -> LocalServer:
        server = LocalServer(handler_class).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__()
