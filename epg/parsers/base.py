"""The contract of an EPG parser plugin (seed 3.1.5.1: "EpgParserBase").

Adding a parser is one module plus one row:

1. Create `epg/parsers/<name>.py` with a class named `EpgParser` that inherits
   `EpgParserBase` and implements `feeds()` and `programmes()` (and, if the provider offers
   one, `channel_list()`).
2. Create an EpgSource whose `parser` field is `<name>`.

How the importer drives a parser (epg/importer/):

    parser = EpgParser(source)
    for feed in parser.feeds(channels):          # one feed = one input (file, download)
        with feed:                                # fetch it; feed.digest = hash of the raw bytes
            for item in parser.programmes(feed, channels):
                ...                               # ParsedProgramme, times already in UTC
    parser.adjust_channel(key, programmes)        # per channel, before it is stored

`channels` maps the source's channel keys (EpgChannel.ext_id) to a display name. A parser
yields programmes for those keys only; anything else in the input is skipped cheaply.

A parser never touches the database and never raises for a single bad programme: it sets
`ParsedProgramme.error` and the importer refuses that channel (its old guide stays). Problems
with the whole input (download failed, malformed or hostile XML, size limits) raise
`FeedError`; the importer then reports every channel the feed covers and keeps their guides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from types import TracebackType
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

from smarty.i18n import lang_index


class EpgError(Exception):
    """Base of the importer's expected errors (reported, never a crash)."""


class FeedError(EpgError):
    """The whole input is unusable: download failed, malformed XML, a limit was hit."""


class HostileInputError(FeedError):
    """The input tries something a guide never needs: entity declarations, a DTD."""


class LimitExceededError(FeedError):
    """The input is larger than the configured caps (download size, decompressed size)."""


@dataclass(slots=True)
class ParsedChannel:
    """A channel offered by a source (an XMLTV <channel>)."""

    ext_id: str
    names: dict[int, str] = field(default_factory=dict)  # language slot -> name (0 = default)
    icon_url: str = ""


_PROGRAMME_FIELDS = (
    "channel",
    "start",
    "stop",
    "length",
    "names",
    "descriptions",
    "categories",
    "episode_num",
    "season",
    "episode",
    "age_rating",
    "year",
    "country",
    "preview",
    "premiere",
    "meta",
    "error",
)


class ParsedProgramme:
    """One programme as a parser read it. Times are aware UTC datetimes; `stop` may be None
    (the importer then uses the next programme's start, or start + length). `names` and
    `descriptions` map a language slot (0 = default language, N = name_langN) to text; `meta`
    holds the TVMW meta fields (extra_name, participants, countries, previews, ...).

    A plain class with slots rather than a dataclass: the importer creates and spools tens of
    thousands of them per file, and this shape is several times cheaper to build and pickle."""

    __slots__ = _PROGRAMME_FIELDS

    def __init__(
        self,
        channel: str,
        start: datetime | None = None,
        stop: datetime | None = None,
        length: int | None = None,
        names: dict[int, str] | None = None,
        descriptions: dict[int, str] | None = None,
        categories: list[str] | None = None,
        episode_num: str = "",
        season: int | None = None,
        episode: int | None = None,
        age_rating: str = "",
        year: str = "",
        country: str = "",
        preview: str = "",
        premiere: bool = False,
        meta: dict[str, Any] | None = None,
        error: str = "",
    ) -> None:
        self.channel = channel
        self.start = start
        self.stop = stop
        self.length = length  # seconds, from <length>
        self.names = {} if names is None else names
        self.descriptions = {} if descriptions is None else descriptions
        self.categories = [] if categories is None else categories
        self.episode_num = episode_num
        self.season = season
        self.episode = episode
        self.age_rating = age_rating
        self.year = year
        self.country = country
        self.preview = preview
        self.premiere = premiere
        self.meta = {} if meta is None else meta
        self.error = error  # set when the programme cannot be used (the channel is refused)

    def __reduce__(self) -> tuple:
        return (
            ParsedProgramme,
            (
                self.channel,
                self.start,
                self.stop,
                self.length,
                self.names,
                self.descriptions,
                self.categories,
                self.episode_num,
                self.season,
                self.episode,
                self.age_rating,
                self.year,
                self.country,
                self.preview,
                self.premiere,
                self.meta,
                self.error,
            ),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParsedProgramme):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _PROGRAMME_FIELDS)

    __hash__ = None  # mutable

    def __repr__(self) -> str:
        return f"ParsedProgramme({self.channel!r}, {self.start}, {self.stop}, {self.names.get(0, '')!r})"


class Feed:
    """One input of a source. The default feed has nothing to fetch (generated guides).

    Subclasses fetch in `__enter__` and set `digest` (a hash of the raw input, or None when the
    input cannot be compared, e.g. a generated guide). `keys` is the set of channel keys the
    feed covers, or None for "every channel of the source"."""

    def __init__(self, *, keys: frozenset[str] | None = None, label: str = "") -> None:
        self.keys = keys
        self.label = label
        self.digest: str | None = None

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, exc_type: type | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Release what the feed fetched."""

    def open(self) -> AbstractContextManager[BinaryIO]:
        """The input's bytes (XML parsers); generated guides have none."""
        raise FeedError(f"{self.label or 'feed'} has no input")


class EpgParserBase:
    """Base class of every parser; see the module docstring for the contract."""

    #: True when `channel_list(None)` can list the source's channels without an
    #: EpgChannelSource ("parser handling" of epg_channel_import, TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING).
    handles_channel_import = False

    def __init__(self, source: Any) -> None:
        self.source = source
        self.options: dict[str, Any] = dict(source.options or {})
        self.default_tz = source_time_zone(source.time_zone)
        self.lang_slots = language_slots()

    # -- required --------------------------------------------------------------------------
    def feeds(self, channels: Mapping[str, str]) -> Iterable[Feed]:
        """The inputs to read for these channels (key -> name)."""
        raise NotImplementedError

    def programmes(self, feed: Feed, channels: Mapping[str, str]) -> Iterator[ParsedProgramme]:
        """Stream the feed's programmes of these channels."""
        raise NotImplementedError

    # -- optional --------------------------------------------------------------------------
    def channel_list(self, url: str | None) -> Iterator[ParsedChannel]:
        """The channels the source offers: read from `url` (the EpgChannelSource), or, with
        url=None and `handles_channel_import`, found by the parser itself."""
        raise FeedError(f"parser {self.source.parser!r} cannot list channels")

    def adjust_channel(self, key: str, programmes: list[ParsedProgramme]) -> list[ParsedProgramme]:
        """A last look at one channel's programmes (sorted by start) before they are stored."""
        return programmes

    def fingerprint_extra(self) -> str:
        """Anything besides the raw input that changes the result (e.g. today's date for a
        parser that moves a guide to today); part of the unchanged-input check."""
        return ""


# -- helpers shared by parsers -------------------------------------------------------------

_NAMED_ZONES = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "UT": 0,
    "WET": 0,
    "BST": 60,
    "IST": 60,
    "WEST": 60,
    "CET": 60,
    "MET": 60,
    "CEST": 120,
    "MEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
}
_OFFSET_RE = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_offsets: dict[str, timezone | None] = {}


def _offset(text: str) -> timezone | None:
    """'+0300', '-04:00', 'BST' -> a fixed zone; None if it is not a zone."""
    found = _offsets.get(text)
    if found is not None or text in _offsets:
        return found
    match = _OFFSET_RE.match(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        zone = timezone(sign * timedelta(minutes=minutes)) if minutes < 24 * 60 else None
    elif text.upper() in _NAMED_ZONES:
        zone = timezone(timedelta(minutes=_NAMED_ZONES[text.upper()]))
    else:
        zone = None
    if len(_offsets) < 1024:
        _offsets[text] = zone
    return zone


def parse_xmltv_time(value: str | None, default_tz: tzinfo) -> datetime:
    """An XMLTV time ('YYYYMMDDhhmmss +hhmm'; seconds, minutes or the zone may be missing;
    named zones like BST) as an aware UTC datetime. Times without a zone are in default_tz.
    Raises ValueError for anything else."""
    if not value:
        raise ValueError("empty time")
    return _parse_time(value, default_tz)


def _parse_time(value: str, default_tz: tzinfo) -> datetime:
    if not value:
        raise ValueError("empty time")
    text = value.strip()
    digits = 0
    for char in text:
        if not char.isdigit():
            break
        digits += 1
    if digits not in (8, 10, 12, 14):
        raise ValueError(f"cannot parse time {value!r}")
    stamp = text[:digits]
    naive = datetime(
        int(stamp[0:4]),
        int(stamp[4:6]),
        int(stamp[6:8]),
        int(stamp[8:10] or 0),
        int(stamp[10:12] or 0),
        int(stamp[12:14] or 0),
    )
    rest = text[digits:].strip()
    if not rest:
        return naive.replace(tzinfo=default_tz).astimezone(UTC)
    zone = _offset(rest)
    if zone is None:
        raise ValueError(f"cannot parse time zone in {value!r}")
    return (naive - zone.utcoffset(None)).replace(tzinfo=UTC)


class TimeParser:
    """parse_xmltv_time with a memory: a guide repeats its times (a stop is the next start,
    channels share a grid), so a bounded cache halves the work."""

    def __init__(self, default_tz: tzinfo, size: int = 50_000) -> None:
        self.default_tz = default_tz
        self.size = size
        self.cache: dict[str, datetime] = {}

    def __call__(self, value: str | None) -> datetime:
        found = self.cache.get(value)
        if found is not None:
            return found
        if not value:
            raise ValueError("empty time")
        parsed = _parse_time(value, self.default_tz)
        if len(self.cache) >= self.size:
            self.cache.clear()
        self.cache[value] = parsed
        return parsed


def source_time_zone(name: str) -> tzinfo:
    """EpgSource.time_zone: an IANA name ('Europe/Moscow'), an offset ('+0300'), or empty (UTC)."""
    name = (name or "").strip()
    if not name:
        return UTC
    zone = _offset(name)
    if zone is not None:
        return zone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FeedError(f"unknown time zone {name!r}") from exc


def language_slots() -> dict[str, int]:
    """Content language code -> slot: 0 is `name`, N is `name_langN` (smarty/i18n.py)."""

    codes = [settings.SMARTY_DEFAULT_LANGUAGE, *settings.SMARTY_ADDITIONAL_LANGUAGES]
    return {code.lower(): lang_index(code) for code in codes}
