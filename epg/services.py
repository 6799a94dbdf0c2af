"""EPG operations: guide import, cleanup, per-channel clear / force import, channel lists and
icons, duplicate channels, premieres. Commands, tasks and the admin call these."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from smarty.logging import log_event

from . import fetch, icons
from .importer import (
    LOGGER,
    Progress,
    SourceImport,
    SourceResult,
    channel_key,
    channel_label,
    delete_programme_rows,
)
from .invalidation import epg_channel_changed
from .models import (
    EpgChannel,
    EpgChannelSource,
    EpgPremiereSource,
    EpgSource,
    Premiere,
    Program,
)
from .parsers import get_parser
from .parsers._xmltv import XmltvReader, read_feed
from .parsers.base import EpgError, ParsedChannel, language_slots, source_time_zone

Report = Callable[[str], None]


# -- import --------------------------------------------------------------------------------


@dataclass
class ImportSummary:
    """The result of importing several sources."""

    results: list[SourceResult] = field(default_factory=list)

    @property
    def channels_processed(self) -> int:
        return sum(r.channels_processed for r in self.results)

    @property
    def programmes_imported(self) -> int:
        return sum(r.programmes_imported for r in self.results)

    def line(self) -> str:
        failed_sources = [r.source for r in self.results if r.error]
        return (
            f"{len(self.results)} sources ({len(failed_sources)} failed), "
            f"{self.channels_processed} channels processed, "
            f"{sum(r.channels_imported for r in self.results)} imported, "
            f"{sum(r.channels_unchanged for r in self.results)} unchanged, "
            f"{sum(r.channels_failed for r in self.results)} failed, "
            f"{self.programmes_imported} programmes imported"
        )


def epg_import(
    *,
    sources: Iterable[EpgSource] | None = None,
    force: bool = False,
    progress: Callable[[EpgSource], Progress | None] | None = None,
) -> ImportSummary:
    """Import the guide of each source (all enabled sources by default). A failing source is
    reported and the others go on. Logs EPG_IMPORT_FINISHED."""
    if sources is None:
        sources = EpgSource.objects.filter(enabled=True).order_by("-priority", "pk")
    summary = ImportSummary()
    for source in sources:
        summary.results.append(SourceImport(source, force=force, progress=progress(source) if progress else None).run())
    log_event(
        LOGGER,
        "EPG_IMPORT_FINISHED",
        level="INFO",
        channels_processed=summary.channels_processed,
        programms_imported=summary.programmes_imported,
    )
    return summary


def epg_source_import(
    *, source: EpgSource, epg_channel_ids: Iterable[int] | None = None, force: bool = False
) -> SourceResult:
    """Import one source, optionally only some of its EPG channels."""
    result = SourceImport(source, epg_channel_ids=epg_channel_ids, force=force).run()
    log_event(
        LOGGER,
        "EPG_IMPORT_FINISHED",
        level="INFO",
        channels_processed=result.channels_processed,
        programms_imported=result.programmes_imported,
    )
    return result


def epg_channel_force_import(*, epg_channel: EpgChannel) -> SourceResult:
    """Re-import one channel from its source, even if nothing changed (admin "Force import")."""
    if epg_channel.source_id is None:
        raise EpgError(f"EPG channel {epg_channel.name!r} has no source")
    return epg_source_import(source=epg_channel.source, epg_channel_ids=[epg_channel.pk], force=True)


@transaction.atomic
def epg_channel_clear(*, epg_channel: EpgChannel) -> int:
    """Delete a channel's whole guide (admin "Clear EPG"); the next import fills it again."""
    removed = delete_programme_rows(Program.objects.filter(epg_channel=epg_channel))
    EpgChannel.objects.filter(pk=epg_channel.pk).update(content_hash="")
    if epg_channel.source_id:
        EpgSource.objects.filter(pk=epg_channel.source_id).update(content_hash="")
    epg_channel.content_hash = ""
    epg_channel_changed(epg_channel.pk)
    log_event(
        LOGGER,
        "EPG_REMOVED",
        level="INFO",
        epg_channel=channel_label(epg_channel),
        source=epg_channel.source.name if epg_channel.source_id else "",
        removed_objects=removed,
    )
    return removed


@transaction.atomic
def epg_channel_set_hour_shift(*, epg_channel: EpgChannel, hour_shift: int) -> EpgChannel:
    """Change an EPG channel's hour shift and move its stored guide by the difference at once
    (the next import then finds the guide where it would have put it)."""
    locked = EpgChannel.objects.select_for_update().get(pk=epg_channel.pk)
    delta = hour_shift - locked.hour_shift
    if delta:
        _shift_programmes(Program.objects.filter(epg_channel=locked), delta)
        EpgChannel.objects.filter(pk=locked.pk).update(hour_shift=hour_shift)
        epg_channel_changed(locked.pk)
    epg_channel.hour_shift = hour_shift
    return epg_channel


@transaction.atomic
def epg_source_set_hour_shift(*, source: EpgSource, hour_shift: int) -> EpgSource:
    """The same for a source's shift: every channel of the source moves."""
    locked = EpgSource.objects.select_for_update().get(pk=source.pk)
    delta = hour_shift - locked.hour_shift
    if delta:
        _shift_programmes(Program.objects.filter(epg_channel__source=locked), delta)
        EpgSource.objects.filter(pk=locked.pk).update(hour_shift=hour_shift)
        for channel_id in EpgChannel.objects.filter(source=locked).values_list("pk", flat=True):
            epg_channel_changed(channel_id)
    source.hour_shift = hour_shift
    return source


def _shift_programmes(programmes, hours: int) -> None:
    delta = timedelta(hours=hours)
    programmes.update(time_begin=F("time_begin") + delta, time_end=F("time_end") + delta)


def epg_cleanup(*, days: int | None = None) -> int:
    """Delete programmes (and premieres) that ended more than `days` ago
    (SMARTY_EPG_RETENTION_DAYS by default). Returns the number of programmes deleted."""
    keep_days = settings.SMARTY_EPG_RETENTION_DAYS if days is None else days
    if keep_days < 0:
        raise EpgError("the retention must be 0 days or more")
    cutoff = timezone.now() - timedelta(days=keep_days)
    total = 0
    old = Program.objects.filter(time_end__lt=cutoff)
    channel_ids = list(old.values_list("epg_channel_id", flat=True).distinct().order_by())
    for channel in EpgChannel.objects.filter(pk__in=channel_ids).select_related("source"):
        with transaction.atomic():
            removed = delete_programme_rows(Program.objects.filter(epg_channel=channel, time_end__lt=cutoff))
            epg_channel_changed(channel.pk)
        total += removed
        log_event(
            LOGGER,
            "EPG_REMOVED",
            level="INFO",
            epg_channel=channel_label(channel),
            source=channel.source.name if channel.source_id else "",
            removed_objects=removed,
        )
    Premiere.objects.filter(time_begin__lt=cutoff).delete()
    return total


# -- channel lists, icons, duplicates --------------------------------------------------------


@dataclass
class ChannelImportResult:
    created: int = 0
    updated: int = 0
    icons: int = 0
    icon_errors: int = 0
    duplicates_removed: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"{self.created} channels created, {self.updated} updated, {self.icons} icons stored, "
            f"{self.icon_errors} icon errors, {self.duplicates_removed} duplicates removed"
        )


def epg_channels_import(
    *,
    source: EpgSource,
    epg_channel: EpgChannel | None = None,
    reimport_icons: bool = False,
    force_import: bool = False,
    parser_handling: bool | None = None,
    fix_duplicates: bool = False,
    download_icons: bool = True,
    report: Report | None = None,
) -> ChannelImportResult:
    """epg_channel_import (seed 2.5.2). The channel list is the source's EpgChannelSource (an
    XMLTV file: its <channel> elements), or, with parser handling allowed, the parser's own
    list (XMLTV parsers: the guide file itself).

    force_import: every channel of the list is created or updated (other options ignored).
    Otherwise the source's existing channels (or just `epg_channel`) are updated from the
    list, and icons are downloaded where missing, or for all of them with reimport_icons.
    download_icons=False skips icons altogether (demo data, offline set-ups)."""
    say = report or (lambda line: None)
    allow_handling = settings.TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING if parser_handling is None else parser_handling
    result = ChannelImportResult()
    if epg_channel is not None and epg_channel.source_id != source.pk:
        raise EpgError(f"EPG channel {epg_channel.pk} does not belong to source {source.name!r}")
    if fix_duplicates and not force_import:
        result.duplicates_removed = epg_channels_fix_duplicates(source=source)
    listing = _channel_listing(source, allow_handling=allow_handling)
    if force_import:
        if listing is None:
            raise EpgError(f"source {source.name!r} has no channel list (EpgChannelSource) and no parser handling")
        for entry in listing.values():
            channel = _upsert_listed(source, entry, result)
            if download_icons and not channel.icon and channel.icon_url:
                _refresh_icon(channel, result, say)
        return result
    if listing is None and epg_channel is None:
        raise EpgError(
            f"source {source.name!r} has no channel list (EpgChannelSource): give --epg_channel_id or --channel_id"
        )
    targets = [epg_channel] if epg_channel is not None else list(EpgChannel.objects.filter(source=source))
    for channel in targets:
        entry = (listing or {}).get(channel.ext_id)
        if entry is not None and entry.icon_url and entry.icon_url != channel.icon_url:
            channel.icon_url = entry.icon_url
            channel.save(update_fields=["icon_url"])
            result.updated += 1
        if download_icons and channel.icon_url and (reimport_icons or not channel.icon):
            _refresh_icon(channel, result, say)
    return result


def _channel_listing(source: EpgSource, *, allow_handling: bool) -> dict[str, ParsedChannel] | None:
    parser = get_parser(source.parser)(source)
    list_source = EpgChannelSource.objects.filter(source=source).first()
    if list_source is not None and list_source.url:
        entries = parser.channel_list(list_source.url)
    elif allow_handling and parser.handles_channel_import:
        entries = parser.channel_list(None)
    else:
        return None
    return {entry.ext_id: entry for entry in entries}


def _upsert_listed(source: EpgSource, entry: ParsedChannel, result: ChannelImportResult) -> EpgChannel:
    channel = EpgChannel.objects.filter(source=source, ext_id=entry.ext_id).order_by("pk").first()
    names = {("name" if slot == 0 else f"name_lang{slot}"): value for slot, value in entry.names.items()}
    if channel is None:
        channel = EpgChannel(source=source, ext_id=entry.ext_id, icon_url=entry.icon_url, **names)
        channel.name = channel.name or entry.ext_id
        channel.full_clean()
        channel.save()
        result.created += 1
        return channel
    changed = []
    for attr, value in names.items():
        if value and not getattr(channel, attr):
            setattr(channel, attr, value)
            changed.append(attr)
    if entry.icon_url and entry.icon_url != channel.icon_url:
        channel.icon_url = entry.icon_url
        changed.append("icon_url")
    if changed:
        channel.save(update_fields=changed)
        result.updated += 1
    return channel


def _refresh_icon(channel: EpgChannel, result: ChannelImportResult, say: Report) -> None:
    try:
        name = icons.store_icon(stem=f"epg{channel.pk}", data=icons.download_icon(channel.icon_url))
    except EpgError as exc:
        result.icon_errors += 1
        result.errors.append(f"{channel_label(channel)}: {exc}")
        say(f"icon of {channel_label(channel)} from {channel.icon_url}: FAILED ({exc})")
        return
    channel.icon = name
    channel.save(update_fields=["icon"])
    epg_channel_changed(channel.pk)
    result.icons += 1
    sizes = ", ".join(f"{w}x{h}" for w, h in icons.icon_sizes())
    say(f"icon of {channel_label(channel)} from {channel.icon_url}: {name} ({sizes})")


@transaction.atomic
def epg_channels_fix_duplicates(*, source: EpgSource) -> int:
    """Merge EPG channels of one source that share an external id: the one most operator
    channels use (then the oldest) stays, the others' users are moved to it and they are
    deleted with their guides. Returns how many were deleted."""
    doubled = (
        EpgChannel.objects.filter(source=source)
        .exclude(ext_id="")
        .values("ext_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("ext_id", flat=True)
    )
    removed = 0
    for ext_id in list(doubled):
        # Locked first, counted apart: PostgreSQL refuses FOR UPDATE with GROUP BY.
        locked = list(
            EpgChannel.objects.select_for_update()
            .filter(source=source, ext_id=ext_id)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        group = list(
            EpgChannel.objects.filter(pk__in=locked).annotate(users=Count("channels")).order_by("-users", "pk")
        )
        keep, extra = group[0], group[1:]
        for duplicate in extra:
            # Row by row through the reverse relations (the channels app is above this one):
            # each save's signal handlers refresh the content and routing caches they feed.
            for user in [*duplicate.channels.all(), *duplicate.camera_set.all()]:
                user.epg_channel = keep
                user.save(update_fields=["epg_channel"])
            Premiere.objects.filter(epg_channel=duplicate).update(epg_channel=keep)
            if not keep.icon and duplicate.icon:
                keep.icon, keep.icon_url = duplicate.icon, duplicate.icon_url
                keep.save(update_fields=["icon", "icon_url"])
            delete_programme_rows(Program.objects.filter(epg_channel=duplicate))
            duplicate.delete()
            epg_channel_changed(duplicate.pk)
            removed += 1
        EpgChannel.objects.filter(pk=keep.pk).update(content_hash="")
        epg_channel_changed(keep.pk)
    if removed:
        EpgSource.objects.filter(pk=source.pk).update(content_hash="")
    return removed


@dataclass
class IconRecacheResult:
    icons: int = 0
    sizes_created: int = 0
    missing: int = 0

    def line(self) -> str:
        return f"{self.icons} icons checked, {self.sizes_created} sizes created, {self.missing} missing"


def icons_recache() -> IconRecacheResult:
    """recache_icons (seed 2.5.14): check every EPG channel icon on disk for the sizes in
    SMARTY_DEFAULT_ICON_SIZE(S), create missing resized copies, and cache which sizes exist."""
    result = IconRecacheResult()
    for name in EpgChannel.objects.exclude(icon="").values_list("icon", flat=True).distinct():
        result.icons += 1
        if not icons.is_icon_name(name):
            result.missing += 1
            continue
        try:
            result.sizes_created += len(icons.complete_sizes(name))
        except EpgError:
            result.missing += 1
        if not (icons.icon_dir() / name).is_file():
            result.missing += 1
        icons.remember_sizes(name)
    return result


# -- premieres --------------------------------------------------------------------------------


@dataclass
class PremiereResult:
    premieres: int = 0
    linked: int = 0
    errors: list[str] = field(default_factory=list)


def premiere_import(*, premiere_source: EpgPremiereSource) -> PremiereResult:
    """Import premieres (seed 3.1.5.4) from an XMLTV list whose channel ids are those of the
    premiere source's EPG source. Per channel, the source's premieres from the first new one on
    are replaced; a premiere is linked to the programme starting at the same time, which is
    flagged is_premiere."""
    source = premiere_source.epg_source
    if source is None:
        raise EpgError(f"premiere source {premiere_source.name!r} has no EPG source")
    by_key: dict[str, list[EpgChannel]] = defaultdict(list)
    for channel in EpgChannel.objects.filter(source=source):
        by_key[channel_key(channel)].append(channel)
    reader = XmltvReader(default_tz=source_time_zone(source.time_zone), lang_slots=language_slots())
    found: dict[str, list] = defaultdict(list)
    raw = fetch.open_location(premiere_source.url)
    try:
        with fetch.xml_stream(raw, label=premiere_source.url) as stream:
            for item in read_feed(stream, reader, wanted=by_key, label=premiere_source.url):
                if not item.error and item.start is not None:
                    found[item.channel].append(item)
    finally:
        raw.close()
    result = PremiereResult()
    for key, items in found.items():
        for channel in by_key[key]:
            created, linked = _store_premieres(premiere_source, channel, items)
            result.premieres += created
            result.linked += linked
    return result


@transaction.atomic
def _store_premieres(premiere_source: EpgPremiereSource, channel: EpgChannel, items: list) -> tuple[int, int]:
    shift = timedelta(hours=premiere_source.epg_source.hour_shift + channel.hour_shift)
    starts = sorted(item.start + shift for item in items)
    Premiere.objects.filter(source=premiere_source, epg_channel=channel, time_begin__gte=starts[0]).delete()
    programmes = dict(
        Program.objects.filter(epg_channel=channel, time_begin__in=starts).values_list("time_begin", "pk")
    )
    rows = []
    for item in items:
        begin = item.start + shift
        fields = {("name" if s == 0 else f"name_lang{s}"): v for s, v in item.names.items()}
        fields.update({("description" if s == 0 else f"description_lang{s}"): v for s, v in item.descriptions.items()})
        rows.append(
            Premiere(
                source=premiere_source,
                epg_channel=channel,
                program_id=programmes.get(begin),
                time_begin=begin,
                image=item.preview,
                **fields,
            )
        )
    Premiere.objects.bulk_create(rows)
    if programmes:
        Program.objects.filter(pk__in=programmes.values()).update(is_premiere=True)
    epg_channel_changed(channel.pk)
    return len(rows), len(programmes)


def premiere_import_all(*, premiere_sources: Iterable[EpgPremiereSource] | None = None) -> list[PremiereResult]:
    """Every enabled premiere source; a failing one is logged and the others go on."""
    if premiere_sources is None:
        premiere_sources = EpgPremiereSource.objects.filter(enabled=True).select_related("epg_source")
    results = []
    for premiere_source in premiere_sources:
        try:
            results.append(premiere_import(premiere_source=premiere_source))
        except EpgError as exc:
            log_event(
                LOGGER, "EPG_PREMIERE_IMPORT_ERROR", level="ERROR", premiere_source=premiere_source.name, error=str(exc)
            )
            results.append(PremiereResult(errors=[f"{premiere_source.name}: {exc}"]))
    return results


def epg_channel_icon_upload(
    *, epg_channel: EpgChannel, data: bytes, extra_sizes: list[tuple[int, int]], skip_main_size: bool
) -> EpgChannel:
    """A new icon for an EPG channel from downloaded bytes (verified by Pillow, size and pixel
    limits): the main icon with every configured size, or with `skip_main_size` only the
    `extra_sizes` copies of the existing main icon. icons.IconError for a bad image or a
    channel without a main icon to add sizes to."""
    if skip_main_size:
        if not epg_channel.icon:
            raise icons.IconError("the channel has no main icon")
        icons.store_sizes(name=epg_channel.icon, data=data, sizes=extra_sizes)
    else:
        epg_channel.icon = icons.store_icon(stem=f"epg{epg_channel.pk}", data=data)
        epg_channel.save(update_fields=["icon"])  # the signal refreshes the channel lists
    epg_channel_changed(epg_channel.pk)
    return epg_channel


@transaction.atomic
def program_time_specify(*, program: Program, time_begin, time_end=None) -> Program:
    """The exact broadcast times of a programme (EPGProgramTimeSpecify); without an end only
    the start moves. ValueError when the end would not follow the start."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    end = time_end or locked.time_end
    if end <= time_begin:
        raise ValueError("the programme must end after it starts")
    locked.time_begin, locked.time_end = time_begin, end
    locked.save(update_fields=["time_begin", "time_end"])
    epg_channel_changed(locked.epg_channel_id)
    return locked
