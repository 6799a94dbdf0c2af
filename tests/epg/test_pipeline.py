"""The MariaDB/MySQL statement pipeline of the importer (epg.importer.MysqlPipeline): values
rendered with the driver's escaping reach the table unchanged, whatever they hold."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from epg.importer import MysqlPipeline, ProgramWriter
from epg.models import Program
from epg.parsers.base import ParsedProgramme
from tests import factories as f

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(connection.vendor != "mysql", reason="the pipeline is MySQL/MariaDB only"),
]

NASTY = [
    'O\'Brien "quoted" back\\slash',
    "line\nbreak\rreturn\ttab \x00 nul \x1a sub",
    "Ünïcödé — кириллица — 中文 — 🎬",
    "%s %d %% {} placeholders",
    "'); DROP TABLE epg_program; --",
]


def _rows(writer: ProgramWriter, channel, names: list[str]) -> list[list]:
    from datetime import UTC, datetime, timedelta

    start = datetime(2025, 3, 1, tzinfo=UTC)
    rows = []
    for index, name in enumerate(names):
        item = ParsedProgramme("x", names={0: name}, descriptions={0: name * 2}, meta={"extra_name": name})
        begin, end = start + timedelta(hours=index), start + timedelta(hours=index + 1)
        rows.append(writer.row(channel.pk, item, begin, end, None))
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize("separator", [False, True])
def test_rendered_statements_store_every_value_exactly(separator):
    channel = f.EpgChannelFactory()
    writer = ProgramWriter()
    assert isinstance(writer.pipeline, MysqlPipeline)
    # with the separator inside a value the batch is escaped value by value
    names = [*NASTY, "unit\x1fseparator"] if separator else NASTY
    with transaction.atomic():
        writer.send(writer.prepare(_rows(writer, channel, names))).wait()
    stored = list(Program.objects.filter(epg_channel=channel).order_by("time_begin"))
    assert [p.name for p in stored] == names
    assert [p.description for p in stored] == [name * 2 for name in names]
    assert [p.meta for p in stored] == [{"extra_name": name} for name in names]


@pytest.mark.django_db
def test_an_error_of_a_statement_in_flight_is_raised_when_it_is_collected():
    from django.db import DatabaseError

    writer = ProgramWriter()
    channel = f.EpgChannelFactory()
    rows = _rows(writer, channel, ["a"])
    rows[0][writer.columns.channel] = 10**12  # no such EPG channel: the foreign key refuses it
    with transaction.atomic():
        inflight = writer.send(writer.prepare(rows))
        with pytest.raises(DatabaseError):
            inflight.wait()
        transaction.set_rollback(True)
    with connection.cursor() as cursor:  # the connection is usable again
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
