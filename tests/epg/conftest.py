"""Fixtures of the EPG tests: the copied real XMLTV files, a local HTTP server for downloads,
captured smarty_epg events, and a quick way to make sources and EPG channels."""

from __future__ import annotations

import http.server
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from epg.models import EpgChannel, EpgSource

DATA = Path(__file__).resolve().parent.parent / "data" / "xmltv"


def data_file(name: str) -> Path:
    return DATA / name


@pytest.fixture(autouse=True)
def _languages(settings, tmp_path):
    """English by default, French, Spanish and Russian as additional content languages."""
    settings.SMARTY_DEFAULT_LANGUAGE = "en"
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["fr", "es", "ru"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMARTY_EPG_CONNECT_TIMEOUT = 2
    settings.SMARTY_EPG_READ_TIMEOUT = 2


@pytest.fixture(params=["spooled", "streamed"])
def both_import_ways(request, settings):
    """Run a test through both ways of the importer: the whole input spooled before anything is
    written, and channels written while the input is parsed (SourceImport._stream)."""
    settings.SMARTY_EPG_STREAMING = request.param == "streamed"
    return request.param


@dataclass
class Route:
    body: bytes
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Route] = {}
    hits: list[str] = []

    def do_GET(self):
        self.hits.append(self.path)
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        if route.delay:
            time.sleep(route.delay)
        self.send_response(route.status)
        headers = {"Content-Length": str(len(route.body)), **route.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(route.body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):  # quiet
        pass


class LocalServer:
    """An http.server on 127.0.0.1 in a thread; `serve(path, body)` returns the URL."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"routes": {}, "hits": []})
        self.handler = handler
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path: str, body: bytes, **kwargs) -> str:
        self.handler.routes[path] = Route(body=body, **kwargs)
        return self.base + path

    @property
    def hits(self) -> list[str]:
        return self.handler.hits

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


class EventLog(logging.Handler):
    """Collects (event, context) of smarty_epg records."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def events(self, name: str) -> list[dict]:
        return [r.context for r in self.records if getattr(r, "event", None) == name]

    def names(self) -> list[str]:
        return [r.event for r in self.records if getattr(r, "event", None)]


@pytest.fixture
def epg_events():
    logger = logging.getLogger("smarty_epg")
    handler = EventLog()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
def make_source(db):
    def make(path_or_url: str | Path = "", *, parser: str = "xmltv_from_file", name: str | None = None, **fields):
        return EpgSource.objects.create(
            name=name or f"source {EpgSource.objects.count() + 1}",
            parser=parser,
            url=str(path_or_url),
            **fields,
        )

    return make


@pytest.fixture
def make_channel(db):
    def make(source: EpgSource, ext_id: str, **fields):
        fields.setdefault("name", ext_id)
        return EpgChannel.objects.create(source=source, ext_id=ext_id, **fields)

    return make


def xmltv(*programmes: str, channels: str = "", head: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    """A small XMLTV document from programme snippets."""
    return f"{head}\n<tv>{channels}{''.join(programmes)}</tv>".encode()


def programme(channel: str, start: str, stop: str | None, title: str, extra: str = "") -> str:
    stop_attr = f' stop="{stop}"' if stop else ""
    return f'<programme channel="{channel}" start="{start}"{stop_attr}><title>{title}</title>{extra}</programme>'
