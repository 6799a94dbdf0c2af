"""A device session end to end on `make run`'s demo data, in JSON and in XML:
login -> account/status -> channel/list -> program/list -> channel/programs -> channel/url."""

from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import pytest
from lxml import etree

from demo.loader import demo_load

API = "/tvmiddleware/api"


def as_dict(response) -> dict:
    if response["Content-Type"].startswith("application/xml"):
        return _xml(etree.fromstring(response.content))
    return json.loads(response.content)


def _xml(node) -> object:
    children = list(node)
    if not children:
        return node.text or ""
    if all(child.tag == "item" for child in children):
        return [_xml(child) for child in children]
    return {child.tag: _xml(child) for child in children}


@pytest.fixture
def demo(db):
    return demo_load()


@pytest.mark.parametrize("device", ["android", "sagemcom"])
def test_a_demo_device_logs_in_reads_channels_and_guide_and_gets_a_stream(client, demo, device):
    base = {"client_id": demo["client_id"], "device": device}
    login = client.get(
        f"{API}/login/",
        {
            **base,
            "api_key": demo["api_key"],
            "abonement": demo["abonement"],
            "password": demo["password"],
            "device_uid": f"demo-{device}",
        },
    )
    expected_type = "application/xml" if device == "sagemcom" else "application/json"
    assert login["Content-Type"].startswith(expected_type)
    body = as_dict(login)
    assert int(body["error"]) == 0, body
    authkey = body["authkey"]
    base["authkey"] = authkey

    status = as_dict(client.get(f"{API}/account/status/", base))
    assert int(status["error"]) == 0 and int(status["is_active"]) == 1

    channels = as_dict(client.get(f"{API}/channel/list/", base))
    assert int(channels["error"]) == 0
    listed = channels["channels"]
    assert len(listed) == 10
    names = {c["name"] for c in listed}
    assert names, listed

    # The demo guide is real XMLTV shifted to cover today: every demo channel is on air now.
    now = int(time.time())
    with_guide = 0
    for channel in listed:
        programs = as_dict(client.get(f"{API}/program/list/", {**base, "cid": channel["id"]}))
        assert int(programs["error"]) == 0
        if programs["programs"]:
            with_guide += 1
    assert with_guide == len(listed)

    cid = listed[0]["id"]
    upcoming = as_dict(client.get(f"{API}/channel/programs/", {**base, "cid": cid}))
    assert int(upcoming["error"]) == 0 and upcoming["programs"]
    first = upcoming["programs"][0]
    assert int(first["program_begin_time"]) <= now + 24 * 3600

    url = as_dict(client.get(f"{API}/channel/url/", {**base, "cid": cid, "redirect": 0}))
    assert int(url["error"]) == 0, url
    stream = urlparse(url["uri"])
    assert stream.scheme in {"http", "https"} and "token=" in stream.query
