"""The demo library of `load_demo`: the demo account lists it and plays a film and an
episode, in JSON and in XML."""

from __future__ import annotations

import pytest

from demo.loader import demo_load
from tests.test_demo_session import API, as_dict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("device", ["android", "sagemcom"])
def test_the_demo_account_lists_and_plays_the_demo_library(client, device, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    demo = demo_load()
    demo_load()  # idempotent
    base = {"client_id": demo["client_id"], "device": device}
    login = as_dict(
        client.get(
            f"{API}/login/",
            {
                **base,
                "api_key": demo["api_key"],
                "abonement": demo["abonement"],
                "password": demo["password"],
                "device_uid": f"vod-{device}",
            },
        )
    )
    base["authkey"] = login["authkey"]
    listed = as_dict(client.get(f"{API}/video/list/", base))
    assert int(listed["error"]) == 0 and int(listed["count"]) == 4
    names = {v["name"] for v in listed["videos"]}
    assert {"Northern Lights", "Harbour Town"} <= names
    film = next(v for v in listed["videos"] if v["name"] == "Northern Lights")
    assert film["thumbnail_big"].endswith("_400x600.jpg")
    url = as_dict(client.get(f"{API}/video/url/", {**base, "vid": film["id"], "redirect": 0}))
    assert int(url["error"]) == 0 and "token=" in url["uri"]
    series = next(v for v in listed["videos"] if v["name"] == "Harbour Town")
    detail = as_dict(client.get(f"{API}/video/detail/", {**base, "vid": series["id"]}))
    assert len(detail["seasons"]) == 2
    assert list(tmp_path.rglob("*_160x240.jpg"))
