"""TVMW fixtures: `tvmw_call` (GET a method, decode JSON) and `tvmw_login` (a real /login/
through HTTP, returning the response body with the authkey) for every TVMW test module."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest

from tests.conftest import on_seed_loggers

BASE = "/tvmiddleware/api"


def decode(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return json.loads(response.content)


@pytest.fixture(autouse=True)
def mag_device(db):
    """A set-top box type answering JSON ("mag"): a basic device for the login rules."""
    from clients.models import PlayDevice
    from tests import factories as f

    return f.PlayDeviceFactory(system_name="mag", device_group=PlayDevice.Group.STB)


@pytest.fixture
def tvmw_call(client):
    """tvmw_call("/account/status/", authkey=..., _ip="1.2.3.4", _post=False) -> decoded JSON."""

    def call(path: str, _ip: str = "127.0.0.1", _post: bool = False, **params) -> dict:
        params = {k: v for k, v in params.items() if v is not None}
        if _post:
            return decode(client.post(BASE + path, params, REMOTE_ADDR=_ip))
        return decode(client.get(f"{BASE}{path}?{urlencode(params, doseq=True)}", REMOTE_ADDR=_ip))

    return call


@pytest.fixture
def tvmw_login(tvmw_call, operator):
    """Log in through /login/ (abonement + password of the operator's main account by
    default) and return the body; asserts success unless `expect_error` is given."""

    def do_login(
        account=None,
        *,
        password: str = "1234",
        device: str = "android",
        device_uid: str | None = "test-device-1",
        op=None,
        expect_error: int = 0,
        **extra,
    ) -> dict:
        op = op or operator
        account = account or op.account
        body = tvmw_call(
            "/login/",
            abonement=account.abonement,
            password=password,
            client_id=op.client.pk,
            api_key=op.client.api_key,
            device=device,
            device_uid=device_uid,
            **extra,
        )
        assert body["error"] == expect_error, body
        return body

    return do_login


class EventLog(logging.Handler):
    """Collects (logger, event, context) of the seed's log events."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[tuple[str, str, dict]] = []

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "event", None)
        if event:
            self.records.append((record.name, event, dict(getattr(record, "context", {}) or {})))

    def of(self, event: str) -> list[dict]:
        return [context for _name, name, context in self.records if name == event]


@pytest.fixture
def events():
    """Captures log_event() calls on every seed logger (they do not propagate to root)."""
    with on_seed_loggers(EventLog()) as handler:
        yield handler
