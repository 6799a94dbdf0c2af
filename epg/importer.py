"""The streaming EPG importer (seed 3.1.5, log section 4.1.8).

One source at a time, one input (feed) at a time:

1. An input whose bytes and settings did not change since the last full import is skipped
   before it is parsed (EpgSource.content_hash).
2. The parser streams the input (epg/parsers/). Per channel: sort, drop exact duplicates, fill
   missing stop times (next start, else start + length), refuse the channel on unusable data
   (times that do not parse, stop before start), apply the hour shifts, and compare with
   EpgChannel.content_hash: an unchanged channel is skipped. Otherwise the programmes in the
   covered time range are replaced (multi-row INSERTs) and the channel's cache generation is
   bumped after commit.
3. Nothing a truncated, malformed or hostile input brought is ever committed, and memory
   stays flat whatever the input's size. Two ways get there:
   - streamed (SMARTY_EPG_STREAMING; by default everywhere but SQLite): a channel is written
     as soon as the input moves on to the next one, while the rest is parsed, inside one
     transaction per input that commits only once the whole input was read. An input that
     lists a channel in more than one place, or a statement the database refuses, rolls it
     back and the input is taken the spooled way;
   - spooled: the programmes are kept in a spool (in memory up to
     SMARTY_EPG_SPOOL_PROGRAMMES, then pickled to a temporary file) until the input is read,
     then written in batches of about SMARTY_EPG_COMMIT_PROGRAMMES programmes per transaction,
     each channel in its own savepoint: a failing channel is undone alone.
4. On MySQL/MariaDB a channel's INSERTs are sent without waiting (MysqlPipeline): the server
   stores one channel while the importer parses and prepares the next.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import pickle
import tempfile
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from types import SimpleNamespace
from typing import IO, Any

import orjson
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
IMPORTER_VERSION = "2"
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


@dataclass
class ChannelPlan:
    """One channel's new guide, prepared without the database."""

    channel: EpgChannel
    created: int
    genre_links: list
    content_hash: str
    span: tuple | None
    statements: list
    events: list[tuple]  # (event, level, context) to log once committed
    suppressed: int


@dataclass
class PendingChannel:
    """A channel whose INSERTs were sent inside its savepoint."""

    plan: ChannelPlan
    savepoint: str | None  # None while streaming (one transaction, no savepoint per channel)
    removed: int
    inflight: Inflight


@dataclass
class StoredChannel:
    """A channel written inside a transaction, reported once it commits."""

    channel: EpgChannel
    created: int
    removed: int
    content_hash: str
    events: list[tuple]
    suppressed: int


@dataclass
class _StreamState:
    """What SourceImport._stream keeps while a feed is streamed."""

    locked: dict[int, str]  # channel id -> content hash stored before the stream
    populated: set[int]  # channels that had programmes before the stream
    hashes: list[tuple[int, str]] = field(default_factory=list)  # to store at the end
    stored: list[StoredChannel] = field(default_factory=list)  # to report once committed


class _ScatteredInputError(EpgError):
    """The input lists a channel's programmes in more than one place (see SourceImport._stream)."""


class CommitBatches:
    """Channels are written in batches of about `limit` programmes per transaction, each
    channel in its own savepoint: every channel's replacement is atomic and a failing channel
    is undone alone, but the database flushes its log once per batch instead of once per
    channel (hundreds of small channels made commits the largest cost of an import).
    `committed(item)` runs for each item once its batch is committed, `lost(item, exc)` if the
    commit fails."""

    def __init__(
        self,
        limit: int,
        committed: Callable[[Any], None],
        lost: Callable[[Any, BaseException], None],
    ) -> None:
        self.limit = max(1, limit)
        self.committed = committed
        self.lost = lost
        self.items: list = []
        self.size = 0
        self.atomic: Any = None

    def __enter__(self) -> CommitBatches:
        self._open()
        return self

    def _open(self) -> None:
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def add(self, item: Any, size: int) -> None:
        self.items.append(item)
        self.size += size
        if self.size >= self.limit:
            self._commit()
            self._open()

    def _commit(self) -> None:
        items, self.items, self.size = self.items, [], 0
        try:
            self.atomic.__exit__(None, None, None)
        except DatabaseError as exc:
            for item in items:
                self.lost(item, exc)
            return
        for item in items:
            self.committed(item)

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: Any) -> None:
        if exc_type is None:
            self._commit()
            return
        self.atomic.__exit__(exc_type, exc, tb)
        for item in self.items:
            self.lost(item, exc)


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
        self._pending: PendingChannel | None = None
        self._streamed: _StreamState | None = None
        self._deferred: list[Callable[[], None]] | None = None

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
            spool = None
            try:
                with feed:
                    if whole and feed.digest:
                        fingerprint = feed.digest
                        if not self.force and self._fingerprint(feed.digest) == self.source.content_hash:
                            self.result.unchanged_input = True
                            return
                    wanted = {key: names[key] for key in covered}
                    if self._streaming() and self._stream(feed, wanted):
                        continue
                    spool = Spool(settings.SMARTY_EPG_SPOOL_PROGRAMMES)
                    for item in self.parser.programmes(feed, wanted):
                        spool.add(item)
            except Exception as exc:  # noqa: BLE001 - reported per channel, other feeds go on
                if spool is not None:
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

    @staticmethod
    def _streaming() -> bool:
        """SMARTY_EPG_STREAMING: None (the default) streams except on SQLite, where the one
        write transaction would lock the whole database for the length of the parse."""
        setting = settings.SMARTY_EPG_STREAMING
        return connection.vendor != "sqlite" if setting is None else bool(setting)

    # -- the two ways through a feed -------------------------------------------------------
    def _stream(self, feed: Any, wanted: dict[str, str]) -> bool:
        """Write each channel as soon as the file moves on to the next one, while the rest is
        parsed, all in one transaction: it commits only when the whole input was read, so a
        truncated or hostile file still leaves every guide as it was. The channels' rows are
        locked once, up front; there is no savepoint per channel.

        Returns False, with nothing kept and nothing reported, when the file lists a channel
        in more than one place or the database refuses a statement: the caller then takes the
        spooled way, which isolates a failing channel in its own savepoint."""
        before = replace(self.result, errors=list(self.result.errors))
        self._deferred = []
        runs: Iterable = self._runs(self.parser.programmes(feed, wanted))
        if self.progress is not None:
            runs = self.progress(runs, len(wanted))
        ids = sorted({channel.pk for key in wanted for channel in self.by_key[key]})
        try:
            with transaction.atomic():
                self._streamed = _StreamState(
                    locked=self.writer.lock_channels(ids), populated=self.writer.channels_with_programmes(ids)
                )
                self._write(runs, self._start_streamed, self._finish_streamed)
                self.writer.set_content_hashes(self._streamed.hashes)
        except BaseException as exc:
            # Rolled back: what was counted or logged for single channels is void.
            self.result, self._deferred, self._streamed = before, None, None
            if isinstance(exc, (_ScatteredInputError, DatabaseError)):
                return False
            raise  # the caller reports the whole input as failed
        deferred, self._deferred = self._deferred, None
        stored, self._streamed = self._streamed.stored, None
        for log in deferred:
            log()
        for item in stored:
            self._committed(item)
        return True

    def _start_streamed(self, plan: ChannelPlan) -> PendingChannel | None:
        """Remove what the new guide covers (a channel without programmes has nothing to
        remove) and send the new rows. The channel's row is locked since the stream began."""
        state, channel = self._streamed, plan.channel
        if not self.force and state.locked.get(channel.pk) == plan.content_hash:
            self.result.channels_unchanged += 1
            return None
        removed = 0
        if plan.statements and channel.pk in state.populated:
            begin, end = plan.span
            removed = delete_programme_ids(self.writer.ids_in_range(channel.pk, begin, end))
        return PendingChannel(plan, None, removed, self.writer.send(plan.statements))

    def _finish_streamed(self, pending: PendingChannel) -> None:
        """Collect the channel's INSERTs and link its genres; its content hash is stored with
        the others at the end of the stream."""
        plan, channel = pending.plan, pending.plan.channel
        try:
            pending.inflight.wait()
            if plan.genre_links:
                begin, end = plan.span
                link_genres(channel, plan.genre_links, begin=begin, end=end)
        except BaseException:
            pending.inflight.abandon()
            raise
        self._streamed.hashes.append((channel.pk, plan.content_hash))
        transaction.on_commit(partial(bump, dep("epg_channel", channel.pk)))
        self._streamed.stored.append(
            StoredChannel(channel, plan.created, pending.removed, plan.content_hash, plan.events, plan.suppressed)
        )

    @staticmethod
    def _runs(items: Iterable[ParsedProgramme]) -> Iterator[tuple[str, list[ParsedProgramme]]]:
        """Consecutive programmes of one channel, as (key, programmes); raises
        _ScatteredInputError when a channel comes back after another one."""
        done: set[str] = set()
        key: str | None = None
        run: list[ParsedProgramme] = []
        for item in items:
            if item.channel != key:
                if key is not None:
                    yield key, run
                    done.add(key)
                if item.channel in done:
                    raise _ScatteredInputError(item.channel)
                key, run = item.channel, []
            run.append(item)
        if key is not None:
            yield key, run

    def _store(self, spool: Spool) -> None:
        """The spooled way: the whole input was read; channels are written in batches of
        about SMARTY_EPG_COMMIT_PROGRAMMES programmes per transaction."""
        items: Iterable = spool.channels()
        if self.progress is not None:
            items = self.progress(items, len(spool.order))
        with CommitBatches(settings.SMARTY_EPG_COMMIT_PROGRAMMES, self._committed, self._lost) as batches:
            sink = partial(self._finish, sink=lambda stored: batches.add(stored, stored.created))
            self._write(items, self._start, sink)

    def _write(
        self,
        runs: Iterable[tuple[str, list[ParsedProgramme]]],
        start: Callable[[ChannelPlan], PendingChannel | None],
        finish: Callable[[PendingChannel], None],
    ) -> None:
        """Each channel's guide, inside the caller's transaction: `start` sends a channel's
        rows, `finish` collects them. One channel's INSERT may be in flight (see MysqlPipeline)
        while the next one is parsed and prepared; it is collected before any other statement
        and before the transaction ends."""
        try:
            for key, programmes in runs:
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
                    plan = self._plan(channel, ready)
                    if plan is None:
                        continue
                    pending, self._pending = self._pending, None
                    if pending is not None:
                        finish(pending)
                    self._pending = start(plan)
            pending, self._pending = self._pending, None
            if pending is not None:
                finish(pending)
        except BaseException:
            if self._pending is not None:
                self._pending.inflight.abandon()
                self._pending = None
            raise

    # -- one channel -----------------------------------------------------------------------
    def _rows(self, channel: EpgChannel, ready: list[ParsedProgramme]) -> tuple[list[list], list, str, tuple]:
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
        span = (ready[0].start + shift, max(item.stop for item in ready) + shift) if ready else None
        return rows, genre_links, digest.hexdigest(), span

    def _plan(self, channel: EpgChannel, ready: list[ParsedProgramme]) -> ChannelPlan | None:
        """Everything about one channel's new guide that needs no database: its rows, hash,
        rendered INSERTs and sequence events. None when it equals the stored guide (as last
        seen by this import)."""
        rows, genre_links, content_hash, span = self._rows(channel, ready)
        if not self.force and channel.content_hash == content_hash:
            self.result.channels_unchanged += 1
            return None
        statements = self.writer.prepare(rows) if rows and span is not None else []
        events, suppressed = self._sequence_events(channel, ready)
        return ChannelPlan(channel, len(rows), genre_links, content_hash, span, statements, events, suppressed)

    def _start(self, plan: ChannelPlan) -> PendingChannel | None:
        """Open the channel's savepoint (a failure undoes this channel only), lock its row
        (where the database can: two imports of one channel run one after the other), remove
        what the new guide covers and send the new rows."""
        channel = plan.channel
        savepoint = transaction.savepoint()
        try:
            stored = self.writer.lock_channel(channel.pk)
            if not self.force and stored == plan.content_hash:
                transaction.savepoint_commit(savepoint)
                self.result.channels_unchanged += 1
                return None
            removed = 0
            if plan.statements:
                begin, end = plan.span
                removed = delete_programme_ids(self.writer.ids_in_range(channel.pk, begin, end))
            inflight = self.writer.send(plan.statements)
        except DatabaseError as exc:
            transaction.savepoint_rollback(savepoint)
            self._fail_channels(exc, [channel_key(channel)], only=channel, stacktrace=True)
            return None
        return PendingChannel(plan, savepoint, removed, inflight)

    def _finish(self, pending: PendingChannel, *, sink: Callable[[StoredChannel], None]) -> None:
        """Collect a channel's INSERTs, link its genres, store its hash, release its savepoint;
        `sink` takes the channel, to be reported once committed."""
        plan = pending.plan
        channel = plan.channel
        try:
            pending.inflight.wait()
            if plan.genre_links:
                begin, end = plan.span
                link_genres(channel, plan.genre_links, begin=begin, end=end)
            self.writer.set_content_hash(channel.pk, plan.content_hash)
        except DatabaseError as exc:
            pending.inflight.abandon()
            transaction.savepoint_rollback(pending.savepoint)
            self._fail_channels(exc, [channel_key(channel)], only=channel, stacktrace=True)
            return
        except BaseException:
            pending.inflight.abandon()
            raise
        transaction.savepoint_commit(pending.savepoint)
        transaction.on_commit(partial(bump, dep("epg_channel", channel.pk)))
        sink(StoredChannel(channel, plan.created, pending.removed, plan.content_hash, plan.events, plan.suppressed))

    def _committed(self, stored: StoredChannel) -> None:
        """A channel's new guide is committed: count and log it."""
        channel = stored.channel
        channel.content_hash = stored.content_hash
        self.result.channels_imported += 1
        self.result.programmes_imported += stored.created
        self.result.removed += stored.removed
        if stored.removed:
            log_event(
                LOGGER,
                "EPG_REMOVED",
                level="INFO",
                epg_channel=channel_label(channel),
                source=self.source.name,
                removed_objects=stored.removed,
            )
        for event, level, context in stored.events:
            log_event(LOGGER, event, level=level, **context)
        extra = {"sequence_events_suppressed": stored.suppressed} if stored.suppressed else {}
        log_event(
            LOGGER,
            "EPG_CHANNEL_IMPORTED",
            level="INFO",
            epg_channel=channel_label(channel),
            source=self.source.name,
            programs_imported=stored.created,
            **extra,
        )

    def _lost(self, stored: StoredChannel, exc: BaseException) -> None:
        """The batch holding this channel failed to commit: its old guide is still there."""
        self._fail_channels(exc, [channel_key(stored.channel)], only=stored.channel, stacktrace=True)

    def _sequence_events(self, channel: EpgChannel, ready: list[ParsedProgramme]) -> tuple[list[tuple], int]:
        """EPG_TIME_OVERLAP / EPG_TIME_HOLE / EPG_NAME_DOUBLE between neighbours, logged once
        the guide is committed: at most SMARTY_EPG_SEQUENCE_EVENTS of each per channel and
        import (0: all), and how many were left out (EPG_CHANNEL_IMPORTED reports it)."""
        limit = settings.SMARTY_EPG_SEQUENCE_EVENTS
        logger = logging.getLogger(LOGGER)
        # Nothing is formatted for events the level filters out; only the count remains.
        warn = logger.isEnabledFor(logging.WARNING)
        debug = logger.isEnabledFor(logging.DEBUG)
        shift = timedelta(hours=self.shift_base + channel.hour_shift)
        label, source = channel_label(channel), self.source.name
        counts = {"EPG_TIME_OVERLAP": 0, "EPG_TIME_HOLE": 0, "EPG_NAME_DOUBLE": 0}
        events: list[tuple] = []
        suppressed = 0
        previous = None
        for item in ready:
            if previous is not None:
                name, previous_name = item.names.get(0, ""), previous.names.get(0, "")
                if previous.stop != item.start:
                    event = "EPG_TIME_OVERLAP" if previous.stop > item.start else "EPG_TIME_HOLE"
                    if limit and counts[event] >= limit:
                        suppressed += 1
                    elif warn:
                        counts[event] += 1
                        context = {
                            "epg_channel": label,
                            "source": source,
                            "program_name": name,
                            "previous_program_name": previous_name,
                            "program_time_begin": (item.start + shift).isoformat(),
                            "previous_time_end": (previous.stop + shift).isoformat(),
                        }
                        events.append((event, "WARNING", context))
                if name and name == previous_name:
                    if limit and counts["EPG_NAME_DOUBLE"] >= limit:
                        suppressed += 1
                    elif debug:
                        counts["EPG_NAME_DOUBLE"] += 1
                        context = {"epg_channel": label, "source": source, "program_name": name}
                        events.append(("EPG_NAME_DOUBLE", "DEBUG", context))
            previous = item
        return events, suppressed

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
                log = partial(
                    log_event,
                    LOGGER,
                    "EPG_CHANNEL_IMPORT_ERROR",
                    level="ERROR",
                    epg_channel=channel_label(channel),
                    source=self.source.name,
                    error=message,
                    stacktrace=trace,
                )
                # While a feed is streamed, its outcome is not known yet (see _stream).
                if self._deferred is not None:
                    self._deferred.append(log)
                else:
                    log()


DELETE_CHUNK = 500
HASH_CHUNK = 200


def delete_programme_rows(programmes: QuerySet[Program]) -> int:
    """Delete programmes with their genre links; premieres keep their row and lose the link.
    Returns the number of programmes deleted."""
    return delete_programme_ids(list(programmes.values_list("pk", flat=True)))


def delete_programme_ids(ids: list[int]) -> int:
    """Delete programmes by id, in chunks: their genre links first, premieres unlinked, then
    one plain DELETE per chunk (Django's collector would load every row first)."""
    from .models import Premiere

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

    def insert(self, rows: list[list]) -> None:
        """Insert `rows` now (prepare + send + wait)."""
        self.send(self.prepare(rows)).wait()

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
