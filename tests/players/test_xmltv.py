"""The account's XMLTV guide: valid against the XMLTV DTD, the playlist's tvg-ids, the guide
window, gzip as a file or on request, cached per channel set and rebuilt when a guide
changes, and read back by the project's own EPG importer."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import pytest
from lxml import etree

from accounts.services.players import account_playlist_token_ensure
from epg.models import EpgChannel, EpgSource, Program
from epg.services import epg_source_import
from tests import factories as f

pytestmark = pytest.mark.django_db

DTD = Path(__file__).resolve().parent.parent / "data" / "xmltv" / "xmltv.dtd"


def guide(client, world, ext: str = "xml", **headers) -> bytes:
    token = account_playlist_token_ensure(account=world.op.account)
    response = client.get(world.url(f"xmltv.{ext}"), {"token": token}, **headers)
    assert response.status_code == 200, response.content
    return response


def parse_valid(body: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(body, parser)
    dtd = etree.DTD(str(DTD))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()
    return root


def test_the_guide_validates_against_the_xmltv_dtd_and_uses_the_playlists_ids(client, world, other_world):
    root = parse_valid(guide(client, world).content)
    channels = root.findall("channel")
    assert [c.get("id") for c in channels] == [f"{ch.pk}.{world.prefix}" for ch in world.op.channels]
    assert [c.findtext("display-name") for c in channels] == [ch.name for ch in world.op.channels]
    assert channels[0].find("icon").get("src") == world.op.channels[0].icon
    programmes = root.findall("programme")
    assert {p.get("channel") for p in programmes} == {f"{world.op.channels[0].pk}.{world.prefix}"}
    titles = [p.findtext("title") for p in programmes]
    assert titles == [p.name for p in world.programmes]  # escaped "&" and "<" read back
    first = world.programmes[0]
    assert programmes[0].get("start") == first.time_begin.strftime("%Y%m%d%H%M%S +0000")
    assert programmes[0].findtext("desc") == first.description
    assert b"Guide 2" not in guide(client, world).content and b"Show 2-" not in guide(client, world).content


def test_the_window_ends_after_the_configured_days(client, world, settings):
    settings.SMARTY_PLAYERS_XMLTV_DAYS = 1
    settings.SMARTY_PLAYERS_XMLTV_PAST_DAYS = 0
    far = world.programmes[-1].time_begin + dt.timedelta(days=3)
    f.ProgramFactory(epg_channel=world.guide, name="Far away", time_begin=far, time_end=far + dt.timedelta(hours=1))
    titles = [p.findtext("title") for p in parse_valid(guide(client, world).content).findall("programme")]
    assert "Far away" not in titles


def test_gzip_as_a_file_and_on_request(client, world):
    plain = guide(client, world).content
    as_file = guide(client, world, "xml.gz")
    assert as_file["Content-Type"] == "application/gzip"
    assert gzip.decompress(as_file.content) == plain
    encoded = guide(client, world, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert encoded["Content-Encoding"] == "gzip"
    assert gzip.decompress(encoded.content) == plain


def test_a_guide_change_reaches_the_cached_document(client, world):
    before = guide(client, world).content
    assert guide(client, world).content == before  # served from the cache
    programme = world.programmes[2]
    programme.name = "Renamed show"
    programme.save()
    after = guide(client, world).content
    assert b"Renamed show" in after


def test_the_guide_round_trips_through_the_epg_importer(client, world, tmp_path):
    body = guide(client, world).content
    path = tmp_path / "players.xml"
    path.write_bytes(body)
    source = EpgSource.objects.create(name="round trip", parser="xmltv_from_file", url=str(path))
    tvg_id = f"{world.op.channels[0].pk}.{world.prefix}"
    target = EpgChannel.objects.create(source=source, ext_id=tvg_id, name="copy")
    result = epg_source_import(source=source)
    assert result.ok, result.errors
    copied = list(
        Program.objects.filter(epg_channel=target)
        .order_by("time_begin")
        .values_list("name", "description", "time_begin", "time_end")
    )
    assert copied == [(p.name, p.description, p.time_begin, p.time_end) for p in world.programmes]
