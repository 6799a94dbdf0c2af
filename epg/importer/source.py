"""One source's import (see the package docstring): the streamed and the spooled way through
each of its inputs, and each channel's plan, start and finish."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import pickle
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from smarty.logging import log_event

from ..invalidation import epg_channel_changed
from ..models import EpgChannel, EpgSource
from ..parsers import get_parser
from ..parsers.base import EpgError, EpgParserBase, HostileInputError, ParsedProgramme
from .batches import CommitBatches, Spool
from .common import (
    IMPORTER_VERSION,
    LOGGER,
    Progress,
    SourceMaps,
    SourceResult,
    channel_key,
    channel_label,
    prepare_programmes,
)
from .writer import Inflight, ProgramWriter, delete_programme_ids, link_genres


def _capped(items: Iterable[ParsedProgramme]) -> Iterator[ParsedProgramme]:
    """The programmes, refusing the input once one channel has more than
    SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL: one channel's programmes is what the importer holds
    at a time, so this bounds its memory whatever the file holds (docs/epg.md)."""
    limit = settings.SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL
    counts: defaultdict[str, int] = defaultdict(int)
    for item in items:
        counts[item.channel] += 1
        if 0 < limit < counts[item.channel]:
            raise HostileInputError(
                f"channel {item.channel!r}: more than {limit} programmes in one input "
                "(SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL; refused)"
            )
        yield item


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
                    for item in _capped(self.parser.programmes(feed, wanted)):
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
        runs: Iterable = self._runs(_capped(self.parser.programmes(feed, wanted)))
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
        removed = self._remove_covered(plan) if plan.statements and channel.pk in state.populated else 0
        return PendingChannel(plan, None, removed, self.writer.send(plan.statements))

    def _finish_streamed(self, pending: PendingChannel) -> None:
        """Collect the channel's INSERTs and link its genres; its content hash is stored with
        the others at the end of the stream."""
        self._collect(pending)
        self._streamed.hashes.append((pending.plan.channel.pk, pending.plan.content_hash))
        self._streamed.stored.append(self._stored(pending))

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
            removed = self._remove_covered(plan) if plan.statements else 0
            inflight = self.writer.send(plan.statements)
        except DatabaseError as exc:
            transaction.savepoint_rollback(savepoint)
            self._fail_channels(exc, [channel_key(channel)], only=channel, stacktrace=True)
            return None
        return PendingChannel(plan, savepoint, removed, inflight)

    def _finish(self, pending: PendingChannel, *, sink: Callable[[StoredChannel], None]) -> None:
        """Collect a channel's INSERTs, link its genres, store its hash, release its savepoint;
        `sink` takes the channel, to be reported once committed."""
        channel = pending.plan.channel
        try:
            self._collect(pending)
            self.writer.set_content_hash(channel.pk, pending.plan.content_hash)
        except DatabaseError as exc:
            transaction.savepoint_rollback(pending.savepoint)
            self._fail_channels(exc, [channel_key(channel)], only=channel, stacktrace=True)
            return
        transaction.savepoint_commit(pending.savepoint)
        sink(self._stored(pending))

    # -- what both ways do for a channel ---------------------------------------------------
    def _remove_covered(self, plan: ChannelPlan) -> int:
        """Delete the channel's programmes in the time range the new guide covers."""
        begin, end = plan.span
        return delete_programme_ids(self.writer.ids_in_range(plan.channel.pk, begin, end))

    def _collect(self, pending: PendingChannel) -> None:
        """Wait for the channel's INSERTs and link its genres. Whatever fails, the result of a
        statement still in flight is read first: the connection stays usable."""
        plan = pending.plan
        try:
            pending.inflight.wait()
            if plan.genre_links:
                begin, end = plan.span
                link_genres(plan.channel, plan.genre_links, begin=begin, end=end)
        except BaseException:
            pending.inflight.abandon()
            raise

    @staticmethod
    def _stored(pending: PendingChannel) -> StoredChannel:
        """The written channel, to report once committed; its guide cache is refreshed then."""
        plan = pending.plan
        epg_channel_changed(plan.channel.pk)
        channel, removed = plan.channel, pending.removed
        return StoredChannel(channel, plan.created, removed, plan.content_hash, plan.events, plan.suppressed)

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
