"""The parsers end to end: downloads (plain, gz, zip), URL masks, files on the server, generated
blocks, and moving an old guide to today."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import timedelta

from django.utils import timezone

from epg.models import Program
from epg.services import epg_import

from .conftest import data_file, programme, xmltv


def names(channel) -> list[str]:
    return list(Program.objects.filter(epg_channel=channel).order_by("time_begin").values_list("name", flat=True))


def test_xmltv_common_downloads_plain_gzip_and_zip_guides(make_source, make_channel, http_server):
    plain = data_file("iptv-org_epg.iptvx.one_ru_+0300.xml").read_bytes()
    packed = data_file("iptv-org_epg.iptvx.one_ru_+0300.xml.gz").read_bytes()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("readme.txt", b"not the guide")
        zipped.writestr("guide.xml", plain)
    guides = []
    for path, body in [("/guide.xml", plain), ("/guide.xml.gz", packed), ("/guide.zip", archive.getvalue())]:
        source = make_source(http_server.serve(path, body), parser="xmltv_common")
        channel = make_channel(source, "12-omsk")
        epg_import(sources=[source])
        guides.append(list(Program.objects.filter(epg_channel=channel).values_list("name", "time_begin", "time_end")))
    assert len(guides[0]) == 230
    assert guides[0] == guides[1] == guides[2]


def test_content_encoding_gzip_from_the_server_is_handled(make_source, make_channel, http_server):
    body = gzip.compress(xmltv(programme("a", "20250301100000 +0000", "20250301110000 +0000", "Zipped on the wire")))
    url = http_server.serve("/encoded.xml", body, headers={"Content-Encoding": "gzip"})
    source = make_source(url, parser="xmltv_common")
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    assert names(channel) == ["Zipped on the wire"]


def test_epgservice_fills_the_url_mask_per_channel_and_a_missing_channel_fails_alone(
    make_source, make_channel, http_server, epg_events
):
    http_server.serve("/file/one", xmltv(programme("one", "20250301100000 +0000", "20250301110000 +0000", "First")))
    source = make_source(http_server.base + "/file/%s", parser="epgservice")
    one, two = make_channel(source, "one"), make_channel(source, "two")
    result = epg_import(sources=[source]).results[0]
    assert names(one) == ["First"] and names(two) == []
    assert sorted(http_server.hits) == ["/file/one", "/file/two"]
    (event,) = epg_events.events("EPG_CHANNEL_IMPORT_ERROR")
    assert event["epg_channel"] == f"two ({two.pk})" and "HTTP 404" in event["error"]
    assert (result.channels_imported, result.channels_failed, result.error) == (1, 1, "")


def test_epgservice_with_a_mask_value_reads_one_file(make_source, make_channel, http_server):
    http_server.serve("/file/all.xml", xmltv(programme("one", "20250301100000 +0000", "20250301110000 +0000", "All")))
    source = make_source(http_server.base + "/file/%s", parser="epgservice", options={"mask_value": "all.xml"})
    channel = make_channel(source, "one")
    epg_import(sources=[source])
    assert names(channel) == ["All"] and http_server.hits == ["/file/all.xml"]


def test_epgservice_without_a_mask_is_an_error(make_source, make_channel, http_server):
    source = make_source(http_server.base + "/file/all.xml", parser="epgservice")
    make_channel(source, "one")
    result = epg_import(sources=[source]).results[0]
    assert "needs %s" in result.error


def test_xmltv_from_file_resolves_relative_paths_against_the_project(make_source, make_channel, settings):
    source = make_source("tests/data/xmltv/iptv-org_makrodigitaltelevision.com_single-quotes.xml")
    channel = make_channel(source, "17")
    epg_import(sources=[source])
    assert names(channel)[0] == "Programación Infantil"


def test_the_dummy_source_fills_channels_without_a_guide_with_hour_blocks(make_source, make_channel):
    source = make_source("", parser="dummy_source", options={"days_before": 1, "days_after": 1})
    camera = make_channel(source, "", name="Yard camera")
    other = make_channel(source, "", name="Gate camera")
    epg_import(sources=[source])
    blocks = list(Program.objects.filter(epg_channel=camera).order_by("time_begin"))
    assert len(blocks) == 3 * 24
    assert {b.name for b in blocks} == {"Yard camera"}
    assert set(Program.objects.filter(epg_channel=other).values_list("name", flat=True)) == {"Gate camera"}
    now = timezone.now()
    assert any(b.time_begin <= now < b.time_end for b in blocks)


def test_shift_to_today_moves_an_old_guide_so_that_it_covers_now(make_source, make_channel):
    source = make_source(data_file("iptv-org_epg.iptvx.one_ru_+0300.xml"), options={"shift_to_today": True})
    channel = make_channel(source, "12-omsk")
    epg_import(sources=[source])
    now = timezone.now()
    guide = list(Program.objects.filter(epg_channel=channel).order_by("time_begin"))
    assert len(guide) == 230
    assert guide[0].time_begin.date() == (now - timedelta(days=1)).date()
    assert any(p.time_begin <= now < p.time_end for p in guide)
    # whole days: the time of day of every programme is kept
    assert (guide[0].time_begin.hour, guide[0].time_begin.minute) == (22, 45)
