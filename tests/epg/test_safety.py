"""Hostile and broken inputs: each is reported (EPG_CHANNEL_IMPORT_ERROR, an error status on the
source) and the existing guide stays exactly as it was; other sources go on."""

from __future__ import annotations

import gzip
import io
import zipfile
from datetime import UTC, datetime

import pytest

from epg.models import EpgSource, Program
from epg.services import epg_import
from tests import factories as f

from .conftest import programme, xmltv

pytestmark = pytest.mark.usefixtures("both_import_ways")

GOOD = programme("a", "20250301100000 +0000", "20250301110000 +0000", "Good")


@pytest.fixture
def existing(make_source, make_channel):
    """A source whose channel already has a guide in the time range of the test files."""

    def build(url: str, *, parser: str = "xmltv_from_file"):
        source = make_source(url, parser=parser)
        channel = make_channel(source, "a")
        kept = f.ProgramFactory(
            epg_channel=channel,
            name="Kept",
            time_begin=datetime(2025, 3, 1, 10, tzinfo=UTC),
            time_end=datetime(2025, 3, 1, 11, tzinfo=UTC),
        )
        return source, channel, kept

    return build


def assert_refused(source: EpgSource, channel, kept, epg_events, *, error: str) -> None:
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    (event,) = epg_events.events("EPG_CHANNEL_IMPORT_ERROR")
    assert event["epg_channel"] == f"a ({channel.pk})"
    assert event["source"] == source.name
    assert error in event["error"]
    assert "stacktrace" in event
    source.refresh_from_db()
    assert source.last_import_status.startswith("error")
    assert error in source.last_import_status
    assert source.content_hash == ""


def write(tmp_path, data: bytes, name: str = "hostile.xml") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_truncated_file_is_refused(tmp_path, existing, epg_events):
    data = xmltv(GOOD, GOOD.replace("10", "11"))
    source, channel, kept = existing(write(tmp_path, data[: len(data) - 40]))
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="malformed XML")


def test_an_external_entity_xxe_is_refused_and_never_read(tmp_path, existing, epg_events):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE tv [<!ENTITY xxe SYSTEM "file://{secret}">]><tv>'
        '<programme channel="a" start="20250301100000 +0000" stop="20250301110000 +0000">'
        "<title>&xxe;</title></programme></tv>"
    ).encode()
    source, channel, kept = existing(write(tmp_path, data))
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="declares entities")
    assert not Program.objects.filter(name__contains="SECRET").exists()


def test_billion_laughs_is_refused(tmp_path, existing, epg_events):
    levels = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)]
    data = (
        f'<?xml version="1.0"?><!DOCTYPE tv [{"".join(levels)}]><tv>'
        '<programme channel="a" start="20250301100000 +0000" stop="20250301110000 +0000">'
        "<title>&lol9;</title></programme></tv>"
    ).encode()
    source, channel, kept = existing(write(tmp_path, data))
    epg_import(sources=[source])
    # refused either by libxml2's amplification guard or by our entity check
    assert_refused(source, channel, kept, epg_events, error="entit")


def test_an_external_dtd_is_never_fetched(tmp_path, existing, http_server, epg_events):
    dtd_url = http_server.serve("/xmltv.dtd", b'<!ENTITY evil "evil">')
    data = xmltv(GOOD, head=f'<?xml version="1.0"?><!DOCTYPE tv SYSTEM "{dtd_url}">')
    source, channel, _ = existing(write(tmp_path, data))
    epg_import(sources=[source])
    assert http_server.hits == []
    assert list(Program.objects.filter(epg_channel=channel).values_list("name", flat=True)) == ["Good"]


def test_a_gzip_bomb_is_stopped_at_the_decompressed_cap(tmp_path, existing, epg_events, settings):
    settings.SMARTY_EPG_MAX_XML_BYTES = 1_000_000
    payload = io.BytesIO()
    with gzip.GzipFile(fileobj=payload, mode="wb") as packed:
        packed.write(b'<?xml version="1.0"?><tv><!--')
        for _ in range(20):
            packed.write(b" " * 1_000_000)
        packed.write(b"-->" + GOOD.encode() + b"</tv>")
    assert len(payload.getvalue()) < 100_000
    source, channel, kept = existing(write(tmp_path, payload.getvalue(), "bomb.xml.gz"))
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="expands to more than")


def test_a_zip_bomb_is_stopped_at_the_decompressed_cap(tmp_path, existing, epg_events, settings):
    settings.SMARTY_EPG_MAX_XML_BYTES = 1_000_000
    payload = io.BytesIO()
    with zipfile.ZipFile(payload, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("guide.xml", b'<?xml version="1.0"?><tv><!--' + b" " * 5_000_000 + b"--></tv>")
    source, channel, kept = existing(write(tmp_path, payload.getvalue(), "bomb.zip"))
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="expands to more than")


def test_a_damaged_gzip_file_is_refused(tmp_path, existing, epg_events):
    packed = gzip.compress(xmltv(GOOD))
    source, channel, kept = existing(write(tmp_path, packed[:-30], "damaged.xml.gz"))
    epg_import(sources=[source])
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    assert epg_events.events("EPG_CHANNEL_IMPORT_ERROR")


def test_times_that_do_not_parse_refuse_only_that_channel(tmp_path, existing, make_channel, epg_events):
    data = xmltv(
        programme("a", "20250301100000 +0000", "20250301110000 +0000", "Fine"),
        programme("a", "yesterday at ten", "20250301120000 +0000", "Broken"),
        programme("b", "20250301100000 +0000", "20250301110000 +0000", "Other channel"),
    )
    source, channel, kept = existing(write(tmp_path, data))
    other = make_channel(source, "b")
    epg_import(sources=[source])
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    assert list(Program.objects.filter(epg_channel=other).values_list("name", flat=True)) == ["Other channel"]
    (event,) = epg_events.events("EPG_CHANNEL_IMPORT_ERROR")
    assert "cannot parse time" in event["error"] and event["epg_channel"] == f"a ({channel.pk})"
    source.refresh_from_db()
    assert source.last_import_status.startswith("errors: 1 imported, 0 unchanged, 1 failed")


def test_a_stop_before_its_start_refuses_the_channel(tmp_path, existing, epg_events):
    data = xmltv(programme("a", "20250301110000 +0000", "20250301100000 +0000", "Backwards"))
    source, channel, kept = existing(write(tmp_path, data))
    epg_import(sources=[source])
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    assert "stop before start" in epg_events.events("EPG_CHANNEL_IMPORT_ERROR")[0]["error"]


def test_a_programme_without_a_title_refuses_the_channel(tmp_path, existing, epg_events):
    data = xmltv('<programme channel="a" start="20250301100000 +0000" stop="20250301110000 +0000"/>')
    source, channel, kept = existing(write(tmp_path, data))
    epg_import(sources=[source])
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    assert "without a title" in epg_events.events("EPG_CHANNEL_IMPORT_ERROR")[0]["error"]


def test_a_missing_file_is_reported(existing, epg_events, tmp_path):
    source, channel, kept = existing(str(tmp_path / "nowhere.xml"))
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="no such file")


def test_an_unknown_parser_is_reported(existing, epg_events):
    source, channel, kept = existing("", parser="no_such_parser")
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="unknown EPG parser")


# -- downloads -----------------------------------------------------------------------------------


def test_a_download_larger_than_the_cap_is_refused(existing, http_server, epg_events, settings):
    settings.SMARTY_EPG_MAX_DOWNLOAD_BYTES = 10_000
    url = http_server.serve("/big.xml", xmltv(GOOD, "<!--" + " " * 20_000 + "-->"))
    source, channel, kept = existing(url, parser="xmltv_common")
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="more than the 10000 bytes allowed")


def test_a_download_that_lies_about_its_length_is_still_capped(existing, http_server, epg_events, settings):
    settings.SMARTY_EPG_MAX_DOWNLOAD_BYTES = 10_000
    body = xmltv(GOOD, "<!--" + " " * 20_000 + "-->")
    url = http_server.serve("/chunked.xml", body, headers={"Content-Length": "100"})
    source, channel, kept = existing(url, parser="xmltv_common")
    epg_import(sources=[source])
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    assert epg_events.events("EPG_CHANNEL_IMPORT_ERROR")


def test_a_slow_server_times_out(existing, http_server, epg_events, settings):
    settings.SMARTY_EPG_READ_TIMEOUT = 0.2
    url = http_server.serve("/slow.xml", xmltv(GOOD), delay=1.0)
    source, channel, kept = existing(url, parser="xmltv_common")
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="cannot download")


def test_an_http_error_is_reported(existing, http_server, epg_events):
    url = http_server.serve("/gone.xml", b"oops", status=500)
    source, channel, kept = existing(url, parser="xmltv_common")
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="HTTP 500")


def test_xmltv_common_does_not_read_files_on_the_server(existing, epg_events, tmp_path):
    source, channel, kept = existing(write(tmp_path, xmltv(GOOD)), parser="xmltv_common")
    epg_import(sources=[source])
    assert_refused(source, channel, kept, epg_events, error="not an http(s) URL")


def test_a_failed_source_does_not_stop_the_others(tmp_path, make_source, make_channel, http_server):
    broken = make_source(http_server.serve("/broken.xml", b"<tv><programme", status=200), parser="xmltv_common")
    make_channel(broken, "a")
    working = make_source(write(tmp_path, xmltv(GOOD)))
    channel = make_channel(working, "a")
    summary = epg_import()
    assert [bool(r.error) for r in summary.results] == [True, False]
    assert list(Program.objects.filter(epg_channel=channel).values_list("name", flat=True)) == ["Good"]
    assert "1 failed" in summary.line()


@pytest.mark.parametrize("batch", [1, 5000])
def test_a_database_error_in_one_channel_undoes_only_that_channel(
    tmp_path, make_source, make_channel, monkeypatch, epg_events, settings, batch
):
    from django.db import DatabaseError

    from epg.importer import Inflight, SourceImport

    settings.SMARTY_EPG_COMMIT_PROGRAMMES = batch
    data = xmltv(GOOD, GOOD.replace('channel="a"', 'channel="b"'), GOOD.replace('channel="a"', 'channel="c"'))
    source = make_source(write(tmp_path, data))
    a, b, c = (make_channel(source, key) for key in "abc")
    kept = f.ProgramFactory(
        epg_channel=b,
        name="Kept",
        time_begin=datetime(2025, 3, 1, 10, tzinfo=UTC),
        time_end=datetime(2025, 3, 1, 11, tzinfo=UTC),
    )

    class FailsAfterInsert(Inflight):
        """b's rows reach the table, then the database reports an error."""

        def __init__(self, inner: Inflight) -> None:
            self.inner = inner

        def wait(self) -> None:
            self.inner.wait()
            raise DatabaseError("disk full")

        def abandon(self) -> None:
            self.inner.abandon()

    # Streamed, the error abandons the stream and the spooled way isolates b in its savepoint.
    for name in ("_start", "_start_streamed"):
        original = getattr(SourceImport, name)

        def failing_for_b(self, plan, _original=original):
            pending = _original(self, plan)
            if pending is not None and plan.channel.pk == b.pk:
                pending.inflight = FailsAfterInsert(pending.inflight)
            return pending

        monkeypatch.setattr(SourceImport, name, failing_for_b)
    result = epg_import(sources=[source]).results[0]
    assert list(Program.objects.filter(epg_channel=b)) == [kept]
    assert Program.objects.filter(epg_channel=a).count() == 1 and Program.objects.filter(epg_channel=c).count() == 1
    assert (result.channels_imported, result.channels_failed) == (2, 1)
    assert [e["epg_channel"] for e in epg_events.events("EPG_CHANNEL_IMPORT_ERROR")] == [f"b ({b.pk})"]
    assert len(epg_events.events("EPG_CHANNEL_IMPORTED")) == 2


def test_a_file_truncated_after_a_written_channel_leaves_that_channel_as_it_was(
    tmp_path, existing, make_channel, epg_events, settings, monkeypatch
):
    """Streamed: channel a is complete and written before the parser reaches the damage; the
    one transaction of the input is rolled back, so a keeps its old guide."""
    from epg.importer import SourceImport

    settings.SMARTY_EPG_STREAMING = True
    # enough of b for the parser to hand over a's programmes before it reads the broken end
    hours = [f"202503{day:02d}{hour:02d}0000 +0000" for day in (2, 3, 4) for hour in range(24)]
    later = [programme("b", start, None, "Other") for start in hours]
    data = xmltv(GOOD.replace("Good", "New"), *(later * 40))
    source, channel, kept = existing(write(tmp_path, data[: len(data) - 40]))
    other = make_channel(source, "b")
    started = []
    original = SourceImport._start_streamed
    monkeypatch.setattr(
        SourceImport, "_start_streamed", lambda self, plan: started.append(plan.channel) or original(self, plan)
    )
    result = epg_import(sources=[source]).results[0]
    assert started == [channel]  # a's rows were sent before the parser failed
    assert list(Program.objects.filter(epg_channel=channel)) == [kept]
    assert not Program.objects.filter(epg_channel=other).exists()
    errors = epg_events.events("EPG_CHANNEL_IMPORT_ERROR")
    assert sorted(e["epg_channel"] for e in errors) == sorted([f"a ({channel.pk})", f"b ({other.pk})"])
    assert all("malformed XML" in e["error"] for e in errors)
    assert (result.channels_imported, result.channels_processed, result.channels_failed) == (0, 0, 2)
    assert epg_events.events("EPG_CHANNEL_IMPORTED") == []
