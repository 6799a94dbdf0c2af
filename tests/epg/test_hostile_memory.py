"""Hostile guide files under a memory ceiling: one huge attribute, comment, CDATA section,
processing instruction or text, and a compression bomb made of small valid elements.

Each file is written to disk as a stream (never built in memory), then `epg_import` runs in a
forked child process, whose growth of resident memory (VmHWM at the end minus VmRSS at the
start, from /proc) must stay under a ceiling: the unguarded reader grew by about twice the
token's size. The child also reports its exit status, the events it logged and the guide it
sees afterwards (the parent's database state is the child's until it exits)."""

from __future__ import annotations

import gzip
import json
import logging
import os
import sys
from datetime import UTC, datetime, timedelta

import pytest

from epg.models import Program
from tests import factories as f

from .conftest import EventLog

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")

MIB = 1024 * 1024
HOSTILE_MIB = 192  # the size of the one hostile token
CEILING_MIB = 48  # the most the importing child may grow by
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<tv>'
GOOD = (
    b'<programme start="20250301100000 +0000" stop="20250301110000 +0000" channel="a"><title>Good</title></programme>'
)


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"{field} missing from /proc/self/status")


def write_gzip(path, head: bytes, fill: bytes, tail: bytes, *, mib: int = HOSTILE_MIB, level: int = 1) -> str:
    block = fill * (MIB // len(fill))
    with gzip.open(path, "wb", compresslevel=level) as out:
        out.write(head)
        for _ in range(mib):
            out.write(block)
        out.write(tail)
    return str(path)


def import_in_child(source_id: int, channel_id: int) -> dict:
    """Run `manage.py epg_import --source_id N` in a forked child; its report as a dict."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read_end)
            from django.core.management import load_command_class
            from django.db import connections

            inherited = []  # kept referenced: a collected client would say goodbye on the parent's socket
            for conn in connections.all(initialized_only=True):
                if conn.vendor != "sqlite":  # a server connection is the parent's: open our own
                    inherited.append(conn.connection)
                    conn.connection = None

            handler = EventLog()
            for name in ("smarty_management", "smarty_epg"):
                logging.getLogger(name).addHandler(handler)
            start = _status_kib("VmRSS")
            try:
                # What `manage.py epg_import` runs after setting Django up (which would replace
                # the handler): a CommandError becomes a non-zero exit status here.
                command = load_command_class("epg", "epg_import")
                command.run_from_argv(["manage.py", "epg_import", "--source_id", str(source_id)])
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            report = {
                "code": code,
                "growth_mib": (_status_kib("VmHWM") - start) / 1024,
                "events": handler.names(),
                "errors": [str(c.get("error", "")) for c in handler.events("EPG_CHANNEL_IMPORT_ERROR")],
                "guide": list(Program.objects.filter(epg_channel_id=channel_id).values_list("name", flat=True)),
            }
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
            report = {"crash": repr(exc)}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    with os.fdopen(read_end, "rb") as reader:
        while chunk := reader.read(65536):
            chunks.append(chunk)
    os.waitpid(pid, 0)
    report = json.loads(b"".join(chunks))
    assert "crash" not in report, report
    return report


@pytest.fixture
def guarded_source(transactional_db, make_source, make_channel):
    """Committed rows: on a database server the child reads them through its own connection."""

    def build(path: str):
        source = make_source(path)
        channel = make_channel(source, "a")
        f.ProgramFactory(
            epg_channel=channel,
            name="Kept",
            time_begin=datetime(2025, 3, 1, 10, tzinfo=UTC),
            time_end=datetime(2025, 3, 1, 11, tzinfo=UTC),
        )
        return source, channel

    return build


HOSTILE = {
    "attribute": (HEAD + GOOD + b'<channel id="a" x="', b"x", b'"/></tv>'),
    "comment": (HEAD + GOOD + b"<!--", b"<x>", b"--></tv>"),
    "cdata": (HEAD + GOOD + b'<channel id="a"><display-name><![CDATA[', b"<x>", b"]]></display-name></channel></tv>"),
    "processing instruction": (HEAD + GOOD + b"<?hostile ", b"<x>", b"?></tv>"),
    "text": (HEAD + GOOD + b'<channel id="a"><display-name>', b"x", b"</display-name></channel></tv>"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_one_huge_token_is_refused_under_the_memory_ceiling(kind, tmp_path, guarded_source):
    head, fill, tail = HOSTILE[kind]
    source, channel = guarded_source(write_gzip(tmp_path / "hostile.xml.gz", head, fill, tail))
    report = import_in_child(source.pk, channel.pk)
    assert report["growth_mib"] < CEILING_MIB, report
    assert report["code"] != 0
    assert "MANAGEMENT_COMMAND_ERROR" in report["events"]
    assert "MANAGEMENT_COMMAND_SUCCESS" not in report["events"]
    assert any("SMARTY_EPG_MAX_ELEMENT_BYTES" in error for error in report["errors"]), report["errors"]
    assert report["guide"] == ["Kept"]


def test_a_compression_bomb_of_small_valid_elements_is_refused_by_its_ratio(tmp_path, guarded_source):
    # Every element is complete and small, so only the expansion ratio can tell it from a guide.
    path = write_gzip(tmp_path / "bomb.xml.gz", HEAD, b'<channel id="b"/>', b"</tv>", mib=512, level=9)
    assert os.path.getsize(path) < 4 * MIB
    source, channel = guarded_source(path)
    report = import_in_child(source.pk, channel.pk)
    assert report["growth_mib"] < CEILING_MIB, report
    assert report["code"] != 0
    assert "MANAGEMENT_COMMAND_ERROR" in report["events"]
    assert any("compression bomb" in error for error in report["errors"]), report["errors"]
    assert report["guide"] == ["Kept"]


def test_a_guide_well_inside_the_limits_still_imports(tmp_path, guarded_source):
    programmes = b"".join(
        b'<programme start="202503011%d0000 +0000" stop="202503011%d0000 +0000" channel="a"><title>P%d</title>'
        b"<desc>%s</desc></programme>" % (hour, hour + 1, hour, b"d" * 500_000)
        for hour in range(1, 4)
    )
    path = tmp_path / "fine.xml"
    path.write_bytes(HEAD + programmes + b"</tv>")
    source, channel = guarded_source(str(path))
    report = import_in_child(source.pk, channel.pk)
    assert report["code"] == 0, report
    assert "MANAGEMENT_COMMAND_SUCCESS" in report["events"]
    assert sorted(report["guide"]) == ["Kept", "P1", "P2", "P3"]


def test_a_channel_with_more_programmes_than_the_limit_is_refused_with_the_guide_kept(
    tmp_path, guarded_source, settings
):
    # One channel's programmes are what the importer holds at a time: the count is capped.
    settings.SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL = 50
    start = datetime(2025, 4, 1, tzinfo=UTC)
    programmes = b"".join(
        b'<programme start="%s +0000" stop="%s +0000" channel="a"><title>P%d</title></programme>'
        % (
            (start + timedelta(minutes=10 * n)).strftime("%Y%m%d%H%M%S").encode(),
            (start + timedelta(minutes=10 * n + 10)).strftime("%Y%m%d%H%M%S").encode(),
            n,
        )
        for n in range(51)
    )
    path = tmp_path / "long.xml"
    path.write_bytes(HEAD + programmes + b"</tv>")
    source, channel = guarded_source(str(path))
    report = import_in_child(source.pk, channel.pk)
    assert report["code"] != 0, report
    assert "MANAGEMENT_COMMAND_ERROR" in report["events"]
    assert any("SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL" in error for error in report["errors"]), report["errors"]
    assert report["guide"] == ["Kept"]
    # Exactly at the limit, the same guide imports.
    path.write_bytes(HEAD + programmes.rsplit(b"<programme", 1)[0] + b"</tv>")
    assert import_in_child(source.pk, channel.pk)["code"] == 0
