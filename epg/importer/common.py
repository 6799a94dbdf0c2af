"""What the importer's parts share: the version, channel keys and labels, a source's result,
its category and genre maps, and a channel's programmes made ready to store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from ..models import EpgChannel, EpgSource, EpgSourceCategoryMap, EpgSourceGenreMap
from ..parsers.base import EpgError, ParsedProgramme

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
