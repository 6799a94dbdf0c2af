"""EPG methods over HTTP: the EPG channel list, the icon upload (a local HTTP server serves
the icons; Pillow verifies them), exact programme times by event id."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from channels.models import Channel
from epg import icons
from epg.models import EpgChannel, EpgSource, Program
from tests.epg.conftest import LocalServer

from .conftest import BASE, signed_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def guide(db):
    source = EpgSource.objects.create(name="feed", parser="xmltv", last_import_at=timezone.now())
    return EpgChannel.objects.create(name="One", source=source, ext_id="one.tv", hour_shift=2)


def test_epg_channel_list_shapes_every_field(content_client, guide):
    EpgChannel.objects.create(name="Two")
    body = content_client.ok("epgchannel/list")
    assert body["count"] == 2
    first = body["channels"][0]
    assert set(first) == {
        "id", "source", "icon_url", "source_channel_id", "extra_category_ids", "sort_number", "timeshift",
        "source_update_date", "extra_icons",
    }  # fmt: skip
    assert (first["id"], first["source"], first["source_channel_id"], first["timeshift"]) == (
        guide.pk,
        guide.source_id,
        "one.tv",
        2,
    )
    assert first["source_update_date"] == guide.source.last_import_at.date().isoformat()
    only = content_client.ok("epgchannel/list", {"source": guide.source_id})
    assert [c["id"] for c in only["channels"]] == [guide.pk]
    assert (
        content_client.ok("epgchannel/list", {"limit": 1, "page": 2})["channels"][0]["name" if False else "id"]
        != guide.pk
    )


def test_icon_upload_needs_the_operator_in_content_full_access_clients(content_client, guide, settings):
    settings.CONTENT_FULL_ACCESS_CLIENTS = []
    body = content_client.call("epgchannel/icon/upload", {"icon_url": "http://x/a.png", "epg_channel_id": guide.pk})
    assert body["error"] == 1


def test_icon_upload_stores_the_icon_and_its_sizes(content_client, operator, guide, settings, http_server):
    settings.CONTENT_FULL_ACCESS_CLIENTS = [operator.client.pk]
    url = http_server.serve("/logo.png", png())
    body = content_client.call(
        "epgchannel/icon/upload", {"icon_url": url, "epg_channel_id": guide.pk, "extra_sizes": "40_40"}
    )
    assert body["error"] == 0, body
    guide.refresh_from_db()
    assert guide.icon.startswith(f"epg{guide.pk}_")
    folder = Path(settings.MEDIA_ROOT) / settings.SMARTY_ICONS_DIR
    assert (folder / guide.icon).is_file()
    assert (folder / icons.sized_name(guide.icon, 40, 40)).is_file()
    listed = content_client.ok("epgchannel/list")["channels"][0]
    assert listed["icon_url"].endswith(guide.icon) and "40_40" in listed["extra_icons"]
    # skip_main_size: only the copies change, the main icon stays
    main = (folder / guide.icon).read_bytes()
    url2 = http_server.serve("/other.png", png(30, 90))
    body = content_client.call(
        "epgchannel/icon/upload",
        {"icon_url": url2, "epg_channel_id": guide.pk, "extra_sizes": "40_40", "skip_main_size": 1},
    )
    assert body["error"] == 0, body
    assert (folder / guide.icon).read_bytes() == main
    assert Path(settings.MEDIA_ROOT).resolve() in (folder / guide.icon).resolve().parents


def test_icon_upload_errors(content_client, operator, guide, settings, http_server):
    settings.CONTENT_FULL_ACCESS_CLIENTS = [operator.client.pk]
    good = http_server.serve("/ok.png", png())
    call = content_client.call
    assert (
        call("epgchannel/icon/upload", {"icon_url": good, "epg_channel_id": guide.pk, "extra_sizes": "13_13"})["error"]
        == 2
    )
    assert (
        call("epgchannel/icon/upload", {"icon_url": good, "epg_channel_id": guide.pk, "extra_sizes": "ab"})["error"]
        == 2
    )
    assert (
        call("epgchannel/icon/upload", {"icon_url": good, "epg_channel_id": guide.pk, "skip_main_size": 1})["error"]
        == 4
    )
    not_image = http_server.serve("/fake.png", b"<html>not an image</html>")
    assert call("epgchannel/icon/upload", {"icon_url": not_image, "epg_channel_id": guide.pk})["error"] == 3
    settings.SMARTY_EPG_MAX_ICON_PIXELS = 100
    assert call("epgchannel/icon/upload", {"icon_url": good, "epg_channel_id": guide.pk})["error"] == 3
    assert call("epgchannel/icon/upload", {"icon_url": "file:///etc/passwd", "epg_channel_id": guide.pk})["error"] == 3
    assert call("epgchannel/icon/upload", {"icon_url": good, "epg_channel_id": 999999})["error"] == 404
    guide.refresh_from_db()
    assert guide.icon == ""


@pytest.fixture
def programme(operator, guide):
    Channel.objects.filter(pk=operator.channels[0].pk).update(epg_channel=guide)
    start = dt.datetime(2021, 9, 28, 13, 0, tzinfo=dt.UTC)
    return Program.objects.create(
        epg_channel=guide,
        name="News",
        time_begin=start,
        time_end=start + dt.timedelta(hours=1),
        meta={"external_id": "124a4de0"},
    )


def test_program_time_specify_by_form_parameters(content_client, programme):
    content_client.ok("epg/program/time/specify", {"external_id": "124a4de0", "start": "20210928130512", "stop": ""})
    programme.refresh_from_db()
    assert programme.time_begin == dt.datetime(2021, 9, 28, 13, 5, 12, tzinfo=dt.UTC)
    assert programme.time_end == dt.datetime(2021, 9, 28, 14, 0, tzinfo=dt.UTC)
    content_client.ok("epg/program/time/specify", {"external_id": "124a4de0", "start": "20210928130000 +0100",
                                                   "stop": "20210928133000 +0100"})  # fmt: skip
    programme.refresh_from_db()
    assert (programme.time_begin.hour, programme.time_end.minute) == (12, 30)


def test_program_time_specify_by_the_reference_xml_body(content_client, operator, programme):
    xml = (
        '<?xml version="1.0"?><exact-time-event>'
        '<programme external_id="124a4de0" start="20210928131000" stop="20210928141500"/></exact-time-event>'
    )
    query = "&".join(
        f"{k}={v}" for k, v in signed_items([("client_id", str(operator.client.pk))], operator.client.content_api_key)
    )
    response = content_client.http.post(f"{BASE}/epg/program/time/specify/?{query}", xml, content_type="text/xml")
    assert json.loads(response.content)["error"] == 0
    programme.refresh_from_db()
    assert (programme.time_begin.minute, programme.time_end.minute) == (10, 15)


def test_program_time_specify_errors(content_client, operator, other_operator, programme):
    call = content_client.call
    assert call("epg/program/time/specify", {"external_id": "nope", "start": "20210928130000"})["error"] == 404
    assert call("epg/program/time/specify", {"external_id": "124a4de0", "start": "yesterday"})["error"] == 20
    assert call("epg/program/time/specify", {"external_id": "124a4de0", "start": "20210928150000"})["error"] == 21
    # a guide none of the operator's channels shows is not the operator's to change
    other = type(content_client)(other_operator.client)
    assert (
        other.call("epg/program/time/specify", {"external_id": "124a4de0", "start": "20210928130100"})["error"] == 404
    )
    programme.refresh_from_db()
    assert programme.time_begin.minute == 0
    entity = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    query = "&".join(
        f"{k}={v}" for k, v in signed_items([("client_id", str(operator.client.pk))], operator.client.content_api_key)
    )
    response = content_client.http.post(f"{BASE}/epg/program/time/specify/?{query}", entity, content_type="text/xml")
    assert json.loads(response.content)["error"] == 20
