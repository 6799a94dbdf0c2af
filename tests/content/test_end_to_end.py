"""Acceptance: a film imported through the Content API, as the vendor's Python client and
import script send it, appears in the device's video/list and plays through video/url with
a token the streaming servers' token check accepts; the other operator's device sees none of it."""

from __future__ import annotations

import json

import pytest

from streaming.services import stream_token_check
from tests import factories as f

from .conftest import ContentClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def vod_server(operator):
    dc = f.DataCenterFactory(client=operator.client, name="DC")
    return f.StreamServiceFactory(
        client=operator.client,
        name="VOD",
        data_center=dc,
        serves_live=False,
        serves_vod=True,
        vod_url_mask="http://vod.test/$cid/index.m3u8?token=$token",
    )


def device(client, session):
    def call(method: str, **params):
        params.update(authkey=session.authkey, client_id=session.client_id)
        response = client.get(f"/tvmiddleware/api/{method}/", params)
        assert response.status_code == 200, response.content[:300]
        return json.loads(response.content)

    return call


@pytest.mark.parametrize("style", ["python", "node"])
def test_an_imported_film_is_listed_and_plays_on_the_device(
    style, client, operator, other_operator, json_device, vod_server
):
    api = ContentClient(operator.client, style)
    vid = api.ok(
        "video/create",
        {"name": "Imported Film", "rating": 12, "year": 2021, "ext_id": "imp-1", "tariffs": [operator.tariff.pk],
         "duration": 100, "description": "From the import script"},
    )["id"]  # fmt: skip
    fid = api.ok("video/file/create", {"name": "HD", "vid": vid, "filename": "films/imported.mp4", "quality": 2})["id"]

    tv = device(client, f.SessionFactory(account=operator.account, play_device=json_device))
    listing = tv("video/list")
    assert listing["error"] == 0, listing
    assert vid in [v["id"] for v in listing["videos"]]
    detail = tv("video/detail", vid=vid)
    assert detail["error"] == 0 and detail["name"] == "Imported Film"
    played = tv("video/url", vid=vid, vfid=fid, redirect=0)
    assert played["error"] == 0, played
    assert played["uri"].startswith("http://vod.test/films/imported.mp4/index.m3u8?token=")
    token = played["uri"].rsplit("=", 1)[1]
    assert stream_token_check(token=token, name="films/imported.mp4").allowed

    theirs = device(client, f.SessionFactory(account=other_operator.account, play_device=json_device))
    assert vid not in [v["id"] for v in theirs("video/list").get("videos", [])]
    assert theirs("video/url", vid=vid, redirect=0)["error"] != 0


def test_a_film_outside_the_accounts_tariffs_is_not_listed(client, operator, json_device, vod_server):
    api = ContentClient(operator.client)
    other_tariff = operator.tariff.__class__.objects.create(client=operator.client, name="Premium")
    vid = api.ok("video/create", {"name": "Premium Film", "rating": 0, "tariffs": [other_tariff.pk]})["id"]
    api.ok("video/file/create", {"name": "HD", "vid": vid, "filename": "films/p.mp4"})
    tv = device(client, f.SessionFactory(account=operator.account, play_device=json_device))
    assert vid not in [v["id"] for v in tv("video/list")["videos"]]
    api.ok("video/modify", {"id": vid, "tariffs": [operator.tariff.pk]})
    assert vid in [v["id"] for v in tv("video/list")["videos"]]
