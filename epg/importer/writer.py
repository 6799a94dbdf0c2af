"""Writing programme rows: multi-row INSERTs (pipelined on MariaDB/MySQL), the deletion of
replaced programmes with their genre links, the channel locks and content hashes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import orjson
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import QuerySet

from ..models import EpgChannel, Premiere, Program
from ..parsers.base import ParsedProgramme

DELETE_CHUNK = 500
HASH_CHUNK = 200


def delete_programme_rows(programmes: QuerySet[Program]) -> int:
    """Delete programmes with their genre links; premieres keep their row and lose the link.
    Returns the number of programmes deleted."""
    return delete_programme_ids(list(programmes.values_list("pk", flat=True)))


def delete_programme_ids(ids: list[int]) -> int:
    """Delete programmes by id, in chunks: their genre links first, premieres unlinked, then
    one plain DELETE per chunk (Django's collector would load every row first)."""

    through = Program.genres.through
    for offset in range(0, len(ids), DELETE_CHUNK):
        chunk = ids[offset : offset + DELETE_CHUNK]
        through.objects.filter(program_id__in=chunk).delete()
        Premiere.objects.filter(program_id__in=chunk).update(program=None)
        rows = Program.objects.filter(pk__in=chunk)
        rows._raw_delete(rows.db)
    return len(ids)


def link_genres(channel: EpgChannel, links: list[tuple[Any, list[int]]], *, begin: Any, end: Any) -> None:
    """Genre rows for freshly inserted programmes, found by their start (unique per channel)."""
    ids = dict(
        Program.objects.filter(epg_channel=channel, time_begin__gte=begin, time_begin__lt=end).values_list(
            "time_begin", "pk"
        )
    )
    through = Program.genres.through
    through.objects.bulk_create(
        [
            through(program_id=ids[start], epggenre_id=genre)
            for start, genres in links
            if start in ids
            for genre in genres
        ],
        batch_size=settings.SMARTY_EPG_INSERT_BATCH,
    )


class Inflight:
    """Statements the database is working on; `wait()` returns once they are done (raising the
    database's error, if any). This base class is the synchronous case: nothing is left."""

    def wait(self) -> None:
        return None

    def abandon(self) -> None:
        """Collect the results and ignore them (the transaction is being rolled back)."""
        return None


class _MysqlInflight(Inflight):
    def __init__(self, raw: Any, statements: list[bytes]) -> None:
        self.raw = raw  # the connection the statements are in flight on
        self.rest = statements
        self.open = False
        self._next()

    def _next(self) -> None:
        if self.rest:
            statement = self.rest.pop(0)
            with connection.wrap_database_errors:
                self.raw.send_query(statement)
            self.open = True

    def wait(self) -> None:
        while self.open:
            self.open = False  # read once, even when the read raises
            with connection.wrap_database_errors:
                self.raw.read_query_result()
            self._next()

    def abandon(self) -> None:
        self.rest = []
        try:
            self.wait()
        except DatabaseError:
            pass


_SEPARATOR = "\x1f"
_SEPARATOR_BYTES = b"\x1f"


class MysqlPipeline:
    """Send a statement without waiting for it (mysqlclient's send_query / read_query_result),
    on Django's own connection and inside its transaction. The importer's Python work on the
    next channel then overlaps the server's work on this one. Only one statement is ever in
    flight, and nothing else may use the connection until it is collected: the importer
    collects it before its next query. The driver connection is looked up for each statement
    (Django may have reconnected since the last one)."""

    def __init__(self) -> None:
        # NULL and the flags; integers are added as they come (bool and int share keys: both
        # render as 1 / 0). Strings are never keys.
        self.small: dict[Any, bytes] = {None: b"NULL", False: b"0", True: b"1"}

    @classmethod
    def for_connection(cls) -> MysqlPipeline | None:
        """A pipeline when the default database is MySQL/MariaDB through mysqlclient."""
        if connection.vendor != "mysql":
            return None
        connection.ensure_connection()
        if not all(hasattr(connection.connection, name) for name in ("send_query", "read_query_result")):
            return None
        return cls()

    @staticmethod
    def raw() -> Any:
        connection.ensure_connection()
        return connection.connection

    @staticmethod
    def literal(raw: Any, value: Any) -> bytes:
        """A value as an SQL literal, escaped by the driver (its rules for the connection's
        character set and SQL mode)."""
        kind = type(value)
        if kind is str:
            return raw.string_literal(value.encode(raw.encoding))
        if value is None:
            return b"NULL"
        if kind is int:
            return b"%d" % value
        return raw.literal(value)

    def render(self, sql: str, params: list) -> bytes:
        """The statement with its values in place. Small values (NULL, numbers, flags) come
        from a table; the strings are escaped by the driver in one call, joined by a
        separator the driver leaves alone (ASCII unit separator: never part of a multi-byte
        character, not escaped), and split again. A batch whose strings contain the separator
        is escaped string by string."""
        raw = self.raw()
        small = self.small
        literals = list(map(small.get, params))  # a str is never a key: it stays None
        missing = [index for index, found in enumerate(literals) if found is None]
        if missing:
            texts = [index for index in missing if type(params[index]) is str]
            if texts:
                escaped = self._escape_all(raw, [params[index] for index in texts])
                for index, found in zip(texts, escaped, strict=True):
                    literals[index] = found
            if len(texts) != len(missing):
                for index in missing:
                    if literals[index] is None:
                        literals[index] = self._literal_remembered(raw, params[index])
        # The SQL text holds no '%' other than the placeholders (identifiers of the model,
        # literals '', NULL, FALSE).
        return sql.encode(raw.encoding) % tuple(literals)

    @staticmethod
    def _escape_all(raw: Any, texts: list[str]) -> list[bytes]:
        encoding = raw.encoding
        joined = _SEPARATOR.join(texts)
        if joined.count(_SEPARATOR) == len(texts) - 1:
            quoted = raw.string_literal(joined.encode(encoding))  # b"'...'"
            pieces = quoted[1:-1].split(_SEPARATOR_BYTES)
            if len(pieces) == len(texts):
                return [b"'" + piece + b"'" for piece in pieces]
        return [raw.string_literal(text.encode(encoding)) for text in texts]

    def _literal_remembered(self, raw: Any, value: Any) -> bytes:
        found = self.literal(raw, value)
        if type(value) is int and len(self.small) < 100_000:
            self.small[value] = found
        return found

    def send(self, statements: list[bytes]) -> Inflight:
        if not statements:
            return Inflight()
        return _MysqlInflight(self.raw(), list(statements))


# The only values ever written as SQL literals (see ProgramWriter.insert).
_LITERALS = {(str, ""): "''", (type(None), None): "NULL", (bool, False): "FALSE"}


class ProgramWriter:
    """Inserts programme rows with multi-row INSERT statements (up to 1000 rows each, within
    the backend's parameter limit: one round trip per chunk). Values are adapted once through
    the backend's own adapters; columns the importer does not fill get their model default.
    Django's bulk_create spends most of an import compiling SQL per field per row; this path
    is several times faster."""

    def __init__(self) -> None:
        ops = connection.ops
        fields = [f for f in Program._meta.concrete_fields if not f.primary_key]
        self.fields = fields
        index = {f.attname: i for i, f in enumerate(fields)}
        self.template = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
        quote = ops.quote_name
        table = quote(Program._meta.db_table)
        self.table = table
        self.column_names = ", ".join(quote(f.column) for f in fields)
        self.statements: dict[tuple, tuple[str, list[int]]] = {}
        self.max_params = connection.features.max_query_params or 30000
        column = {
            name: quote(Program._meta.get_field(name).column)
            for name in ("id", "epg_channel", "time_begin", "time_end")
        }
        channel_table = quote(EpgChannel._meta.db_table)
        channel_id = quote(EpgChannel._meta.pk.column)
        content_hash = quote(EpgChannel._meta.get_field("content_hash").column)
        for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
        self.lock_sql = f"SELECT {content_hash} FROM {channel_table} WHERE {channel_id} = %s{for_update}"  # noqa: S608
        self.hash_sql = f"UPDATE {channel_table} SET {content_hash} = %s WHERE {channel_id} = %s"  # noqa: S608
        # {cases} and {ids} become placeholders only (set_content_hashes)
        self.hashes_sql = (
            f"UPDATE {channel_table} SET {content_hash} = CASE {channel_id} {{cases}} END "  # noqa: S608
            f"WHERE {channel_id} IN ({{ids}})"
        )
        self.ids_sql = (
            f"SELECT {column['id']} FROM {table} WHERE {column['epg_channel']} = %s "  # noqa: S608
            f"AND {column['time_end']} > %s AND {column['time_begin']} < %s"
        )
        self.adapt_time = self._time_adapter(ops.adapt_datetimefield_value)
        self.times: dict[Any, Any] = {}
        self.json_is_text = isinstance(ops.adapt_json_value({}, None), str)
        self.i = index
        self.columns = SimpleNamespace(
            channel=index["epg_channel_id"],
            begin=index["time_begin"],
            end=index["time_end"],
            category=index["category_id"],
            episode_num=index["episode_num"],
            season=index["season"],
            episode=index["episode"],
            age_rating=index["age_rating"],
            year=index["year"],
            country=index["country"],
            preview=index["preview"],
            premiere=index["is_premiere"],
            meta=index["meta"],
        )
        # language slot -> column (0 is `name`, N is `name_langN`)
        self.name_columns = {0: index["name"], **{n: index[f"name_lang{n}"] for n in range(1, 6)}}
        self.description_columns = {
            0: index["description"],
            **{n: index[f"description_lang{n}"] for n in range(1, 6)},
        }
        # Columns a whole batch often leaves at one trivial value ('' / NULL / FALSE: the
        # unused languages, no category...) are written as that literal instead of a
        # parameter per row: the MySQL driver quotes every parameter in Python.
        varying = {index[name] for name in ("epg_channel_id", "time_begin", "time_end", "name", "meta")}
        self.candidates = [column for column in range(len(fields)) if column not in varying]
        self.pipeline = MysqlPipeline.for_connection() if settings.SMARTY_EPG_PIPELINE else None

    @staticmethod
    def _time_adapter(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """The backend's datetime adapter, or an equivalent shortcut for aware UTC values when
        the backend turns them into naive 'YYYY-MM-DD HH:MM:SS' text (SQLite, MySQL)."""
        sample = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
        if adapt(sample) == "2020-01-02 03:04:05":
            return lambda value: value.replace(tzinfo=None).isoformat(" ") if value.tzinfo is UTC else adapt(value)
        return adapt

    def row(self, channel_id: int, item: ParsedProgramme, start: Any, stop: Any, category_id: int | None) -> list:
        """A row ready for the database: times adapted by the backend's rules, meta as JSON."""
        c = self.columns
        row = self.template.copy()
        row[c.channel] = channel_id
        times = self.times
        row[c.begin] = times.get(start) or self._time(start)
        row[c.end] = times.get(stop) or self._time(stop)
        name_columns = self.name_columns
        for slot, value in item.names.items():
            row[name_columns[slot]] = value
        if item.descriptions:
            description_columns = self.description_columns
            for slot, value in item.descriptions.items():
                row[description_columns[slot]] = value
        row[c.category] = category_id
        row[c.episode_num] = item.episode_num
        row[c.season] = item.season
        row[c.episode] = item.episode
        row[c.age_rating] = item.age_rating
        row[c.year] = item.year
        row[c.country] = item.country
        row[c.preview] = item.preview
        row[c.premiere] = item.premiere
        meta = item.meta
        if meta and ("previews" in meta or "year" in meta):
            # What the read side (epg.selectors) derives from the columns is not stored twice:
            # a single preview, the year.
            previews = meta.get("previews")
            meta = {
                key: value
                for key, value in meta.items()
                if not (key == "previews" and previews == [item.preview]) and not (key == "year" and value == item.year)
            }
        if item.categories:
            meta = {**meta, "genres": item.categories}
        row[c.meta] = orjson.dumps(meta).decode() if meta else "{}"
        return row

    def lock_channel(self, channel_id: int) -> str | None:
        """Lock the EPG channel's row for this transaction; returns its stored content hash."""
        with connection.cursor() as cursor:
            cursor.execute(self.lock_sql, [channel_id])
            row = cursor.fetchone()
        return row[0] if row else None

    def lock_channels(self, ids: list[int]) -> dict[int, str]:
        """Lock the EPG channels' rows (in id order) for this transaction; returns their stored
        content hashes."""
        found: dict[int, str] = {}
        for offset in range(0, len(ids), DELETE_CHUNK):
            rows = (
                EpgChannel.objects.select_for_update()
                .filter(pk__in=ids[offset : offset + DELETE_CHUNK])
                .order_by("pk")
                .values_list("pk", "content_hash")
            )
            found.update(rows)
        return found

    @staticmethod
    def channels_with_programmes(ids: list[int]) -> set[int]:
        """Which of these EPG channels have any programme (one index walk per chunk)."""
        found: set[int] = set()
        for offset in range(0, len(ids), DELETE_CHUNK):
            chunk = ids[offset : offset + DELETE_CHUNK]
            found.update(
                Program.objects.filter(epg_channel_id__in=chunk)
                .order_by()
                .values_list("epg_channel_id", flat=True)
                .distinct()
            )
        return found

    def set_content_hashes(self, pairs: list[tuple[int, str]]) -> None:
        """Store many channels' content hashes: one UPDATE ... CASE per chunk."""
        with connection.cursor() as cursor:
            for offset in range(0, len(pairs), HASH_CHUNK):
                chunk = pairs[offset : offset + HASH_CHUNK]
                cases = " ".join(["WHEN %s THEN %s"] * len(chunk))
                ids = ", ".join(["%s"] * len(chunk))
                params = [value for pair in chunk for value in pair] + [pk for pk, _ in chunk]
                cursor.execute(self.hashes_sql.format(cases=cases, ids=ids), params)

    def set_content_hash(self, channel_id: int, content_hash: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(self.hash_sql, [content_hash, channel_id])

    def ids_in_range(self, channel_id: int, begin: Any, end: Any) -> list[int]:
        """Ids of the channel's programmes overlapping [begin, end): one indexed query (an
        empty guide costs nothing more)."""
        with connection.cursor() as cursor:
            cursor.execute(self.ids_sql, [channel_id, self.adapt_time(begin), self.adapt_time(end)])
            return [row[0] for row in cursor.fetchall()]

    def _time(self, value: Any) -> Any:
        """Adapt a datetime, remembering it: a stop is usually the next start."""
        if len(self.times) > 100_000:
            self.times.clear()
        adapted = self.times[value] = self.adapt_time(value)
        return adapted

    def compile(self, rows: list[list]) -> list[tuple[str, list]]:
        """The multi-row INSERTs of `rows`: (SQL, flat parameters) per chunk."""
        if not rows:
            return []
        if not self.json_is_text:  # e.g. PostgreSQL wants its own JSON parameter type
            meta, adapt = self.columns.meta, connection.ops.adapt_json_value
            for row in rows:
                row[meta] = adapt(json.loads(row[meta]), None)
        constants = []
        for column in self.candidates:
            first = rows[0][column]
            literal = _LITERALS.get((type(first), first))
            if literal is not None and [row[column] for row in rows].count(first) == len(rows):
                constants.append((column, literal))
        values, params = self._statement(tuple(constants))
        per_statement = max(1, min(1000, self.max_params // max(1, len(params))))
        # Identifiers come from the model's metadata; values are parameters or '', NULL, FALSE.
        head = f"INSERT INTO {self.table} ({self.column_names}) VALUES "  # noqa: S608
        found = []
        for offset in range(0, len(rows), per_statement):
            chunk = rows[offset : offset + per_statement]
            found.append((head + ", ".join([values] * len(chunk)), [row[column] for row in chunk for column in params]))
        return found

    def prepare(self, rows: list[list]) -> list:
        """A channel's INSERTs ready to send. On MySQL/MariaDB they are rendered here, values
        escaped by the driver, so that `send` costs no Python time."""
        statements = self.compile(rows)
        if self.pipeline is None:
            return statements
        return [self.pipeline.render(sql, params) for sql, params in statements]

    def send(self, prepared: list) -> Inflight:
        """Start the INSERTs of `prepare`. On MySQL/MariaDB the first statement is only sent:
        the server works on it while the importer prepares the next channel, and `wait()` on
        the result collects it (and sends the rest). Elsewhere they run here."""
        if self.pipeline is not None:
            return self.pipeline.send(prepared)
        with connection.cursor() as cursor:
            for sql, params in prepared:
                cursor.execute(sql, params)
        return Inflight()

    def _statement(self, constants: tuple[tuple[int, str], ...]) -> tuple[str, list[int]]:
        """One row's VALUES group with the constant columns as literals, and the columns
        passed as parameters."""
        found = self.statements.get(constants)
        if found is None:
            fixed = dict(constants)
            count = len(self.template)
            values = "(" + ", ".join(fixed.get(column, "%s") for column in range(count)) + ")"
            params = [column for column in range(count) if column not in fixed]
            found = self.statements[constants] = (values, params)
        return found
