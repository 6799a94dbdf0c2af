"""Fixtures of the live-TV / TV-guide tests (imported by their modules: this folder's
conftest belongs to the whole TVMW API). A session per operator (until the login area's
fixture exists, sessions are created directly), a guide of programmes around now on every
channel of both operators, and small HTTP helpers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone
from lxml import etree

from tests import factories as f

__all__ = ["api", "guide", "noauth", "other_guide", "other_session", "session"]

SPEC = json.loads((Path(__file__).resolve().parent.parent / "data" / "tvmw_content_spec.json").read_text())["methods"]
API = "/tvmiddleware/api/"


def spec_fields(path: str, prefix: str) -> set[str]:
    """Top-level field names of the items of list `prefix` in the reference."""
    fields = SPEC[path]["response"]
    head = prefix + "."
    return {name[len(head) :] for name in fields if name.startswith(head) and "." not in name[len(head) :]}


def spec_compact_dropped(path: str, prefix: str) -> set[str]:
    head = prefix + "."
    return {
        name[len(head) :]
        for name in SPEC[path]["not_in_compact"]
        if name.startswith(head) and "." not in name[len(head) :]
    }


def hour_start() -> dt.datetime:
    return timezone.now().replace(minute=0, second=0, microsecond=0)


def make_guide(channels, *, prefix: str = "Show", hours: range = range(-3, 6)) -> dict:
    """An EPG channel per channel with one-hour programmes around now; returns
    {channel id: [programmes in time order]}."""
    start = hour_start()
    guide = {}
    for channel in channels:
        epg = f.EpgChannelFactory(name=f"EPG {channel.name}")
        channel.epg_channel = epg
        channel.save()
        guide[channel.id] = [
            f.ProgramFactory(
                epg_channel=epg,
                name=f"{prefix} {channel.name} {h:+d}",
                time_begin=start + dt.timedelta(hours=h),
                time_end=start + dt.timedelta(hours=h + 1),
            )
            for h in hours
        ]
    return guide


@pytest.fixture
def session(operator, json_device):
    return f.SessionFactory(account=operator.account, play_device=json_device)


@pytest.fixture
def other_session(other_operator, json_device):
    return f.SessionFactory(account=other_operator.account, play_device=json_device)


@pytest.fixture
def guide(operator):
    return make_guide(operator.channels)


@pytest.fixture
def other_guide(other_operator):
    return make_guide(other_operator.channels, prefix="Other")


@pytest.fixture
def api(client, session):
    """GET (or POST) a TVMW method as the session's device; returns the parsed JSON body."""

    def call(method: str, _session=None, _post=False, _json=None, **params):
        sess = _session or session
        params.setdefault("authkey", sess.authkey)
        params.setdefault("client_id", sess.client_id)
        params = {k: v for k, v in params.items() if v is not None}
        if _json is not None:
            query = "&".join(f"{k}={v}" for k, v in params.items())
            response = client.post(f"{API}{method}?{query}", data=json.dumps(_json), content_type="application/json")
        elif _post:
            response = client.post(f"{API}{method}", params)
        else:
            response = client.get(f"{API}{method}", params)
        assert response.status_code == 200, response.content[:300]
        return json.loads(response.content)

    return call


@pytest.fixture
def noauth(client, operator):
    def call(method: str, _operator=None, _json=None, **params):
        op = _operator or operator
        params.setdefault("client_id", op.client.pk)
        params.setdefault("api_key", op.client.api_key)
        if _json is not None:
            query = "&".join(f"{k}={v}" for k, v in params.items())
            response = client.post(f"{API}{method}?{query}", data=json.dumps(_json), content_type="application/json")
        else:
            response = client.get(f"{API}{method}", params)
        assert response.status_code == 200
        return json.loads(response.content)

    return call


def xml(response) -> etree._Element:
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content)
