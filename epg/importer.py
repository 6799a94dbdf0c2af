"""The streaming EPG importer (seed 3.1.5, log section 4.1.8).

One source at a time:

1. The parser streams the input (epg/parsers/); programmes of the source's EPG channels are
   kept in a spool: in memory up to SMARTY_EPG_SPOOL_PROGRAMMES, then pickled to a temporary
   file, so memory stays flat whatever the file size and channels may be spread anywhere in
   the file. Nothing is written before the whole input has been read: a truncated, malformed
   or hostile file leaves every guide as it was.
2. An input whose bytes and settings did not change since the last full import is skipped
   before it is parsed (EpgSource.content_hash).
3. Per channel: sort, drop exact duplicates, fill missing stop times (next start, else start +
   length), refuse the channel on unusable data (times that do not parse, stop before start),
   apply the hour shifts, and compare with EpgChannel.content_hash: an unchanged channel is
   skipped. Otherwise, in one transaction, the programmes in the covered time range are
   replaced (bulk insert) and the cache generation of the channel is bumped after commit.
"""

from __future__ import annotations

import gc
import hashlib
import json
import pickle
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from smarty.cache import bump, dep
from smarty.logging import log_event

from .models import EpgChannel, EpgSource, EpgSourceCategoryMap, EpgSourceGenreMap, Program
from .parsers import get_parser
from .parsers.base import EpgError, EpgParserBase, ParsedProgramme

#: bump when the importer stores programmes differently: every channel is then re-imported
IMPORTER_VERSION = "1"
LOGGER = "smarty_epg"

Progress = Callable[[Iterable, int], Iterable]
#: a missing stop is filled with the next start only when that is this close (a gap of days
#: means the guide has a hole, not a programme lasting days)
MAX_FILLED_DURATION = timedelta(hours=24)


def channel_key(epg_channel: EpgChannel) -> str:
    """The id a source knows the channel by; channels without one get a key no file can use
    (generated guides still reach them)."""
    return epg_channel.ext_id or f"#{epg_channel.pk}"


def channel_label(epg_channel: EpgChannel) -> str:
    return f"{epg_channel.name} ({epg_channel.pk})"


class ChannelDataError(EpgError):
    """One channel's programmes cannot be used (its guide is kept)."""


@dataclass
class SourceResult:
    """What one source's import did."""

    source_id: int
    source: str
    channels_processed: int = 0
    channels_imported: int = 0
    channels_unchanged: int = 0
    channels_failed: int = 0
    programmes_imported: int = 0
    removed: int = 0
    unchanged_input: bool = False
    error: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error and not self.channels_failed

    def status(self) -> str:
        if self.error:
            return f"error: {self.error}"[:255]
        if self.unchanged_input:
            return "unchanged"
        text = (
            f"{'ok' if self.ok else 'errors'}: {self.channels_imported} imported, {self.channels_unchanged} unchanged, "
            f"{self.channels_failed} failed, {self.programmes_imported} programmes"
        )
        if self.errors:
            text += f"; {self.errors[0]}"
        return text[:255]


class Spool:
    """Programmes per channel key, in memory up to `limit` items, then in a temporary file."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.memory: dict[str, list[ParsedProgramme]] = {}
        self.order: dict[str, None] = {}
        self.index: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.count = 0
        self.total = 0
        self.file: IO[bytes] | None = None

    def add(self, item: ParsedProgramme) -> None:
        items = self.memory.get(item.channel)
        if items is None:
            items = self.memory[item.channel] = []
            self.order.setdefault(item.channel, None)
        items.append(item)
        self.count += 1
        self.total += 1
        if self.count >= self.limit:
            self._spill()

    def _spill(self) -> None:
        if self.file is None:
            self.file = tempfile.TemporaryFile(prefix="smarty-epg-spool-")  # noqa: SIM115 - closed in close()
        self.file.seek(0, 2)
        for key, items in self.memory.items():
            data = pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)
            self.index[key].append((self.file.tell(), len(data)))
            self.file.write(data)
        self.memory.clear()
        self.count = 0

    def channels(self) -> Iterator[tuple[str, list[ParsedProgramme]]]:
        """Each channel's programmes, channels in the order they first appeared."""
        for key in self.order:
            items: list[ParsedProgramme] = []
            for offset, size in self.index.pop(key, ()):
                self.file.seek(offset)
                items.extend(pickle.loads(self.file.read(size)))  # noqa: S301 - our own temporary file
            items.extend(self.memory.pop(key, ()))
            yield key, items

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


class SourceMaps:
    """A source's category and genre maps; names never seen are recorded unmapped (NULL) so an
    admin can map them."""

    def __init__(self, source: EpgSource) -> None:
        self.source = source
        self.categories = dict(
            EpgSourceCategoryMap.objects.filter(source=source).values_list("source_name", "category_id")
        )
        self.genres = dict(EpgSourceGenreMap.objects.filter(source=source).values_list("source_name", "genre_id"))
        self.new_names: set[str] = set()
        mapped = (
            sorted((k, v) for k, v in self.categories.items() if v),
            sorted((k, v) for k, v in self.genres.items() if v),
        )
        self.fingerprint = hashlib.blake2b(json.dumps(mapped).encode(), digest_size=16).hexdigest()

    def resolve(self, names: list[str]) -> tuple[int | None, list[int]]:
        """The first mapped category, and every mapped genre, of a programme's categories."""
        category_id = None
        genre_ids: list[int] = []
        for name in names:
            found = self.categories.get(name)
            if found is None and name not in self.categories:
                self.new_names.add(name)
            if found and category_id is None:
                category_id = found
            genre = self.genres.get(name)
            if genre and genre not in genre_ids:
                genre_ids.append(genre)
        return category_id, genre_ids

    def record_new(self) -> int:
        names = sorted(self.new_names)
        if not names:
            return 0
        EpgSourceCategoryMap.objects.bulk_create(
            [EpgSourceCategoryMap(source=self.source, source_name=n) for n in names if n not in self.categories],
            ignore_conflicts=True,
        )
        EpgSourceGenreMap.objects.bulk_create(
            [EpgSourceGenreMap(source=self.source, source_name=n) for n in names if n not in self.genres],
            ignore_conflicts=True,
        )
        for name in names:
            self.categories.setdefault(name, None)
            self.genres.setdefault(name, None)
        self.new_names.clear()
        return len(names)


def prepare_programmes(items: list[ParsedProgramme]) -> list[ParsedProgramme]:
    """Sorted, without exact duplicates (same start: the first one in the file stays), every
    programme with a stop (the next start, else start + length, else it is dropped); raises
    ChannelDataError for data that cannot be a guide."""
    for item in items:
        if item.error:
            raise ChannelDataError(item.error)
    items.sort(key=lambda item: item.start)
    unique: list[ParsedProgramme] = []
    for item in items:
        if unique and unique[-1].start == item.start:
            continue
        unique.append(item)
    ready: list[ParsedProgramme] = []
    for index, item in enumerate(unique):
        if item.stop is None:
            following = unique[index + 1].start if index + 1 < len(unique) else None
            if following is not None and following - item.start <= MAX_FILLED_DURATION:
                item.stop = following
            elif item.length:
                item.stop = item.start + timedelta(seconds=item.length)
            else:
                continue  # the last programme, with nothing to say when it ends
        if item.stop < item.start:
            raise ChannelDataError(
                f"stop before start: {item.names.get(0, '')!r} {item.start.isoformat()} > {item.stop.isoformat()}"
            )
        if item.stop == item.start:
            continue
        ready.append(item)
    return ready


class SourceImport:
    """Imports one source; see the module docstring."""

    def __init__(
        self,
        source: EpgSource,
        *,
        epg_channel_ids: Iterable[int] | None = None,
        force: bool = False,
        progress: Progress | None = None,
    ) -> None:
        self.source = source
        self.only = set(epg_channel_ids) if epg_channel_ids is not None else None
        self.force = force
        self.progress = progress
        self.result = SourceResult(source_id=source.pk, source=source.name)
        self.shift_base = source.hour_shift
        self.by_key: dict[str, list[EpgChannel]] = defaultdict(list)
        self.maps: SourceMaps | None = None
        self.parser: EpgParserBase | None = None
        self.writer = ProgramWriter()

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> SourceResult:
        # Tens of thousands of small containers are created and kept alive until the end of
        # the parse: the cyclic GC would walk them over and over for nothing (none are cyclic).
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> SourceResult:
        channels = EpgChannel.objects.filter(source=self.source, enabled=True).order_by("pk")
        if self.only is not None:
            channels = channels.filter(pk__in=self.only)
        for channel in channels:
            self.by_key[channel_key(channel)].append(channel)
        try:
            self.parser = get_parser(self.source.parser)(self.source)
            self.maps = SourceMaps(self.source)
            if self.by_key:
                self._run_feeds()
        except EpgError as exc:
            self._fail_source(exc, list(self.by_key), stacktrace=False)
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the others
            self._fail_source(exc, list(self.by_key), stacktrace=True)
        finally:
            if self.maps is not None:
                try:
                    self.maps.record_new()
                except DatabaseError:  # pragma: no cover - recording names is best effort
                    pass
        self._save_status()
        return self.result

    def _run_feeds(self) -> None:
        names = {key: chans[0].name for key, chans in self.by_key.items()}
        feeds = list(self.parser.feeds(names))
        whole = len(feeds) == 1 and feeds[0].keys is None and self.only is None
        fingerprint = None
        for feed in feeds:
            covered = [key for key in (feed.keys or self.by_key) if key in self.by_key]
            spool = Spool(settings.SMARTY_EPG_SPOOL_PROGRAMMES)
            try:
                with feed:
                    if whole and feed.digest:
                        fingerprint = feed.digest
                        if not self.force and self._fingerprint(feed.digest) == self.source.content_hash:
                            self.result.unchanged_input = True
                            return
                    wanted = {key: names[key] for key in covered}
                    for item in self.parser.programmes(feed, wanted):
                        spool.add(item)
            except Exception as exc:  # noqa: BLE001 - reported per channel, other feeds go on
                spool.close()
                if feed.keys is None:
                    self.result.error = str(exc) or exc.__class__.__name__
                self._fail_channels(exc, covered, stacktrace=not isinstance(exc, EpgError))
                continue
            try:
                self._store(spool)
            finally:
                spool.close()
        if fingerprint and self.result.ok:
            self.maps.record_new()
            self._remember(self._fingerprint(fingerprint))

    def _store(self, spool: Spool) -> None:
        items: Iterable = spool.channels()
        if self.progress is not None:
            items = self.progress(items, len(spool.order))
        for key, programmes in items:
            channels = self.by_key.get(key)
            if not channels:
                continue
            self.result.channels_processed += 1
            try:
                ready = self.parser.adjust_channel(key, prepare_programmes(programmes))
            except EpgError as exc:
                self._fail_channels(exc, [key], stacktrace=False)
                continue
            for channel in channels:
                self._store_channel(channel, ready)

    # -- one channel -----------------------------------------------------------------------
    def _rows(self, channel: EpgChannel, ready: list[ParsedProgramme]) -> tuple[list[list], list, str]:
        """The rows to store (plain values), the genre links, and their content hash: the hash
        covers exactly what would be written, hour shifts and category maps included."""
        shift = timedelta(hours=self.shift_base + channel.hour_shift)
        row = self.writer.row
        resolve = self.maps.resolve
        rows = []
        genre_links: list[tuple[Any, list[int]]] = []
        for item in ready:
            category_id, genre_ids = resolve(item.categories) if item.categories else (None, None)
            start = item.start + shift
            rows.append(row(channel.pk, item, start, item.stop + shift, category_id))
            if genre_ids:
                genre_links.append((start, genre_ids))
        digest = hashlib.blake2b(IMPORTER_VERSION.encode(), digest_size=32)
        digest.update(pickle.dumps((rows, genre_links), protocol=pickle.HIGHEST_PROTOCOL))
        return rows, genre_links, digest.hexdigest()

    def _store_channel(self, channel: EpgChannel, ready: list[ParsedProgramme]) -> None:
        rows, genre_links, content_hash = self._rows(channel, ready)
        if not self.force and channel.content_hash == content_hash:
            self.result.channels_unchanged += 1
            return
        try:
            with transaction.atomic():
                locked = EpgChannel.objects.select_for_update().only("pk", "content_hash").get(pk=channel.pk)
                if not self.force and locked.content_hash == content_hash:
                    self.result.channels_unchanged += 1
                    return
                removed = self._replace(channel, rows, genre_links)
                EpgChannel.objects.filter(pk=channel.pk).update(content_hash=content_hash)
                transaction.on_commit(partial(bump, dep("epg_channel", channel.pk)))
        except DatabaseError as exc:
            self._fail_channels(exc, [channel_key(channel)], only=channel, stacktrace=True)
            return
        created = len(rows)
        channel.content_hash = content_hash
        self.result.channels_imported += 1
        self.result.programmes_imported += created
        self.result.removed += removed
        if removed:
            log_event(
                LOGGER,
                "EPG_REMOVED",
                level="INFO",
                epg_channel=channel_label(channel),
                source=self.source.name,
                removed_objects=removed,
            )
        self._log_sequence(channel, ready)
        log_event(
            LOGGER,
            "EPG_CHANNEL_IMPORTED",
            level="INFO",
            epg_channel=channel_label(channel),
            source=self.source.name,
            programs_imported=created,
        )

    def _replace(self, channel: EpgChannel, rows: list[list], genre_links: list) -> int:
        """Delete what the new guide covers, insert the new guide. Returns the number removed."""
        if not rows:
            return 0
        begin, end = self.writer.span(rows)
        removed = delete_programmes(channel, begin=begin, end=end)
        self.writer.insert(rows)
        if genre_links:
            link_genres(channel, genre_links, begin=begin, end=end)
        return removed

    def _log_sequence(self, channel: EpgChannel, ready: list[ParsedProgramme]) -> None:
        """EPG_TIME_OVERLAP / EPG_TIME_HOLE / EPG_NAME_DOUBLE between neighbours."""
        shift = timedelta(hours=self.shift_base + channel.hour_shift)
        label = channel_label(channel)
        previous = None
        for item in ready:
            if previous is not None:
                name, previous_name = item.names.get(0, ""), previous.names.get(0, "")
                if previous.stop != item.start:
                    log_event(
                        LOGGER,
                        "EPG_TIME_OVERLAP" if previous.stop > item.start else "EPG_TIME_HOLE",
                        level="WARNING",
                        epg_channel=label,
                        source=self.source.name,
                        program_name=name,
                        previous_program_name=previous_name,
                        program_time_begin=(item.start + shift).isoformat(),
                        previous_time_end=(previous.stop + shift).isoformat(),
                    )
                if name and name == previous_name:
                    log_event(LOGGER, "EPG_NAME_DOUBLE", epg_channel=label, source=self.source.name, program_name=name)
            previous = item

    # -- bookkeeping -----------------------------------------------------------------------
    def _fingerprint(self, digest: str) -> str:
        """The input's bytes plus everything that changes what is stored from them."""
        rows = list(
            EpgChannel.objects.filter(source=self.source, enabled=True)
            .order_by("pk")
            .values_list("pk", "ext_id", "hour_shift", "content_hash")
        )
        source = self.source
        parts: list[Any] = [
            IMPORTER_VERSION,
            digest,
            source.parser,
            source.url,
            source.time_zone,
            source.hour_shift,
            source.options,
            sorted(self.parser.lang_slots.items()),
            self.maps.fingerprint,
            rows,
            self.parser.fingerprint_extra(),
        ]
        encoded = json.dumps(parts, sort_keys=True, default=str).encode()
        return hashlib.blake2b(encoded, digest_size=32).hexdigest()

    def _remember(self, fingerprint: str) -> None:
        EpgSource.objects.filter(pk=self.source.pk).update(content_hash=fingerprint)
        self.source.content_hash = fingerprint

    def _save_status(self) -> None:
        now = timezone.now()
        status = self.result.status()
        updates: dict[str, Any] = {"last_import_at": now, "last_import_status": status}
        if not self.result.ok:
            updates["content_hash"] = ""
            self.source.content_hash = ""
        EpgSource.objects.filter(pk=self.source.pk).update(**updates)
        self.source.last_import_at, self.source.last_import_status = now, status

    def _fail_source(self, exc: BaseException, keys: list[str], *, stacktrace: bool) -> None:
        self.result.error = str(exc) or exc.__class__.__name__
        self._fail_channels(exc, keys, stacktrace=stacktrace)

    def _fail_channels(
        self, exc: BaseException, keys: list[str], *, stacktrace: bool, only: EpgChannel | None = None
    ) -> None:
        message = f"{exc.__class__.__name__}: {exc}"
        if message not in self.result.errors:
            self.result.errors.append(message)
        trace = "".join(traceback.format_exception(exc)) if stacktrace else message
        for key in keys:
            for channel in [only] if only is not None else self.by_key.get(key, []):
                self.result.channels_failed += 1
                log_event(
                    LOGGER,
                    "EPG_CHANNEL_IMPORT_ERROR",
                    level="ERROR",
                    epg_channel=channel_label(channel),
                    source=self.source.name,
                    error=message,
                    stacktrace=trace,
                )


def delete_programmes(channel: EpgChannel, *, begin: Any = None, end: Any = None) -> int:
    """Delete a channel's programmes overlapping [begin, end) (all of them without bounds)."""
    programmes = Program.objects.filter(epg_channel=channel)
    if begin is not None:
        programmes = programmes.filter(time_end__gt=begin)
    if end is not None:
        programmes = programmes.filter(time_begin__lt=end)
    return delete_programme_rows(programmes)


def delete_programme_rows(programmes: QuerySet[Program]) -> int:
    """Delete programmes with their genre links; premieres keep their row and lose the link.
    Returns the number of programmes deleted."""
    from .models import Premiere

    Program.genres.through.objects.filter(program__in=programmes.values("pk")).delete()
    Premiere.objects.filter(program__in=programmes.values("pk")).update(program=None)
    # The relations are handled above, so one plain DELETE does (Django's collector would load
    # every row first).
    return programmes._raw_delete(programmes.db)


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


class ProgramWriter:
    """Inserts programme rows: one prepared INSERT run with executemany (a multi-row insert on
    MySQL/MariaDB). Values are adapted once through the backend's own adapters; columns the
    importer does not fill get their model default. Django's bulk_create spends most of an
    import compiling SQL per field per row; this path is several times faster."""

    def __init__(self) -> None:
        ops = connection.ops
        fields = [f for f in Program._meta.concrete_fields if not f.primary_key]
        self.fields = fields
        index = {f.attname: i for i, f in enumerate(fields)}
        self.template = [f.get_db_prep_save(f.get_default(), connection) for f in fields]
        quote = ops.quote_name
        table = quote(Program._meta.db_table)
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Identifiers come from the model's metadata, values are parameters.
        self.sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        self.adapt_time = self._time_adapter(ops.adapt_datetimefield_value)
        self.meta_field = Program._meta.get_field("meta")
        self.empty_meta = self.meta_field.get_db_prep_save({}, connection)
        self.i = index
        lang = [f"name_lang{n}" for n in range(1, 6)]
        self.name_slots = [(0, index["name"])] + [(n, index[a]) for n, a in enumerate(lang, 1)]
        self.description_slots = [(0, index["description"])] + [(n, index[f"description_lang{n}"]) for n in range(1, 6)]

    @staticmethod
    def _time_adapter(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
        """The backend's datetime adapter, or an equivalent shortcut for aware UTC values when
        the backend turns them into naive 'YYYY-MM-DD HH:MM:SS' text (SQLite, MySQL)."""
        sample = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
        if adapt(sample) == "2020-01-02 03:04:05":
            return lambda value: value.replace(tzinfo=None).isoformat(" ") if value.tzinfo is UTC else adapt(value)
        return adapt

    def row(self, channel_id: int, item: ParsedProgramme, start: Any, stop: Any, category_id: int | None) -> list:
        """A row of plain values (datetimes, a dict for meta); insert() adapts them."""
        i = self.i
        row = self.template.copy()
        row[i["epg_channel_id"]] = channel_id
        row[i["time_begin"]] = start
        row[i["time_end"]] = stop
        names = item.names
        for slot, column in self.name_slots:
            value = names.get(slot)
            if value:
                row[column] = value
        descriptions = item.descriptions
        if descriptions:
            for slot, column in self.description_slots:
                value = descriptions.get(slot)
                if value:
                    row[column] = value
        row[i["category_id"]] = category_id
        row[i["episode_num"]] = item.episode_num
        row[i["season"]] = item.season
        row[i["episode"]] = item.episode
        row[i["age_rating"]] = item.age_rating
        row[i["year"]] = item.year
        row[i["country"]] = item.country
        row[i["preview"]] = item.preview
        row[i["is_premiere"]] = item.premiere
        meta = item.meta
        if item.categories:
            meta = {**meta, "genres": item.categories}
        row[i["meta"]] = meta
        return row

    def span(self, rows: list[list]) -> tuple[Any, Any]:
        """The time range the rows cover (rows are sorted by start)."""
        return rows[0][self.i["time_begin"]], max(row[self.i["time_end"]] for row in rows)

    def insert(self, rows: list[list]) -> None:
        """Adapt the rows' datetimes and meta for the database and insert them."""
        if not rows:
            return
        begin, end, meta_column = self.i["time_begin"], self.i["time_end"], self.i["meta"]
        adapt_time, adapt_json = self.adapt_time, connection.ops.adapt_json_value
        adapted: dict[Any, Any] = {}  # a stop is usually the next start
        empty_meta = self.empty_meta
        for row in rows:
            for column in (begin, end):
                value = row[column]
                found = adapted.get(value)
                if found is None:
                    found = adapted[value] = adapt_time(value)
                row[column] = found
            meta = row[meta_column]
            row[meta_column] = adapt_json(meta, None) if meta else empty_meta
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, rows)


def uses_returning() -> bool:  # pragma: no cover - informational, for the benchmark
    return connection.features.can_return_rows_from_bulk_insert
