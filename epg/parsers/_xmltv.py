"""Streaming XMLTV reading shared by the XMLTV parsers (not a parser itself: no EpgParser).

lxml's iterparse walks the file and hands over one <channel> or <programme> at a time; each
element is cleared once read and its finished siblings are dropped, so memory stays flat
whatever the file size, and no single token or element larger than SMARTY_EPG_MAX_ELEMENT_BYTES
is ever buffered (ElementBudget). The parser never resolves entities, never loads a DTD, never touches
the network, and keeps libxml2's limits on text size and depth (huge_tree=False). A document
that declares entities is refused outright: a guide never needs them, attacks (XXE, billion
laughs) do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import timedelta, tzinfo
from typing import BinaryIO
from urllib.parse import quote, urljoin

from django.conf import settings
from django.utils import timezone as django_timezone
from lxml import etree

from .. import fetch
from .base import (
    EpgParserBase,
    Feed,
    FeedError,
    HostileInputError,
    ParsedChannel,
    ParsedProgramme,
    TimeParser,
)

PARSE_OPTIONS = {
    "events": ("end",),
    "tag": ("channel", "programme"),
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

NAME_MAX = 255
# Pseudo slots for texts the default language may fall back to: first a text without a
# language, then one in a language that is not configured.
_NO_LANG = -1
_OTHER_LANG = -2


class ElementBudget:
    """The reader between the bytes and lxml: fails once more than `limit` bytes were read
    since the last <channel>/<programme> was handed over.

    lxml asks for more input only when it has no finished element to hand over, and libxml2
    keeps a token it has not finished (a start tag with its attributes, a comment, a CDATA
    section, a processing instruction, a declaration, a text) in its buffer whole. So no single
    token, nor any one element, can grow past `limit` plus one read before it is refused,
    whatever the file holds: the reader's memory is bounded by the limit, not by the content."""

    def __init__(self, inner: BinaryIO, limit: int, label: str) -> None:
        self.inner = inner
        self.limit = limit
        self.label = label
        self.since = 0

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.since += len(data)
        if self.limit > 0 and self.since > self.limit:
            raise HostileInputError(
                f"{self.label}: more than {self.limit} bytes without a complete <channel> or <programme> "
                "(a single token or element over SMARTY_EPG_MAX_ELEMENT_BYTES; refused)"
            )
        return data


def iter_elements(stream: BinaryIO, *, label: str, encoding: str | None = None) -> Iterator[etree._Element]:
    """Yield each <channel> and <programme> element; it is cleared after the consumer is done."""
    options = dict(PARSE_OPTIONS)
    if encoding:
        options["encoding"] = encoding
    budget = ElementBudget(stream, settings.SMARTY_EPG_MAX_ELEMENT_BYTES, label)
    context = etree.iterparse(budget, **options)
    checked = False
    try:
        for _event, elem in context:
            if not checked:
                _refuse_entities(elem.getroottree(), label)
                checked = True
            budget.since = 0
            yield elem
            elem.clear(keep_tail=False)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
        root = getattr(context, "root", None)
        if not checked and root is not None:
            _refuse_entities(root.getroottree(), label)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"{label}: malformed XML: {exc}") from exc
    except LookupError as exc:  # an unknown encoding name
        raise FeedError(f"{label}: {exc}") from exc


def _refuse_entities(tree: etree._ElementTree, label: str) -> None:
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise HostileInputError(f"{label}: the document declares entities (refused: XXE / entity expansion)")


def _text(elem: etree._Element) -> str:
    text = elem.text
    return text.strip() if text else ""


_EPISODE_ONSCREEN = [
    re.compile(r"S(?:eason)?\s*\.?\s*(\d+)\s*[-_.,:/ ]*\s*E(?:p(?:isode)?)?\s*\.?\s*(\d+)", re.IGNORECASE),
    re.compile(r"^\s*(\d+)\s*x\s*(\d+)\s*$", re.IGNORECASE),
]
_EPISODE_ONLY = re.compile(r"^\s*(?:E|Ep\.?|Episode)\s*(\d+)\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_AGE_WORDS = {
    "G": 0,
    "U": 0,
    "E": 0,
    "ALL": 0,
    "TVG": 0,
    "TVY": 0,
    "TOUTPUBLIC": 0,
    "PG": 10,
    "TVPG": 10,
    "R": 17,
    "MA": 17,
    "TVMA": 17,
    "X": 18,
    "XXX": 18,
}


def age_from_rating(value: str) -> str:
    """'16+', '-12', 'TV-14', 'TVG', 'Tout public' -> '16', '12', '14', '0', '0'; '' if unknown."""
    if not value:
        return ""
    digits = _DIGITS.search(value)
    if digits:
        age = int(digits.group())
        return str(age) if age <= 21 else ""
    word = re.sub(r"[\s\-_.]", "", value).upper()
    age = _AGE_WORDS.get(word)
    return "" if age is None else str(age)


def parse_xmltv_ns(value: str) -> tuple[int | None, int | None]:
    """'2 . 9 . 0/1' -> (3, 10): xmltv_ns counts from zero; '18.50/30.' -> (19, 51)."""
    parts = value.split(".")
    numbers: list[int | None] = []
    for part in parts[:2]:
        head = part.split("/")[0].strip()
        numbers.append(int(head) + 1 if head.isdigit() else None)
    while len(numbers) < 2:
        numbers.append(None)
    return numbers[0], numbers[1]


def parse_onscreen(value: str) -> tuple[int | None, int | None]:
    """'S05E36', 'S5 E36', '5x36' -> (5, 36); 'E12' / 'Ep. 12' -> (None, 12)."""
    for pattern in _EPISODE_ONSCREEN:
        match = pattern.search(value)
        if match:
            return int(match.group(1)), int(match.group(2))
    match = _EPISODE_ONLY.match(value)
    if match:
        return None, int(match.group(1))
    return None, None


def _episode(ns: str | None, onscreen: str) -> tuple[int | None, int | None, str]:
    """(season, episode, episode_num) from an xmltv_ns value and an onscreen one: xmltv_ns
    numbers first, the onscreen text as the label (else SxxEyy from the numbers)."""
    season = episode = None
    if ns:
        season, episode = parse_xmltv_ns(ns)
    if onscreen and season is None and episode is None:
        season, episode = parse_onscreen(onscreen)
    if onscreen:
        label = onscreen[:64]
    elif season is not None or episode is not None:
        label = (f"S{season:02d}" if season is not None else "") + (f"E{episode:02d}" if episode is not None else "")
    else:
        label = ""
    return season, episode, label


def _length_seconds(elem: etree._Element) -> int | None:
    text = _text(elem)
    if not text.isdigit():
        return None
    factor = {"seconds": 1, "minutes": 60, "hours": 3600}.get(elem.get("units", "minutes"), 60)
    return int(text) * factor


class XmltvReader:
    """Turns <programme> and <channel> elements into ParsedProgramme / ParsedChannel."""

    def __init__(self, *, default_tz: tzinfo, lang_slots: dict[str, int]) -> None:
        self.default_tz = default_tz
        self.lang_slots = lang_slots
        self.parse_time = TimeParser(default_tz)
        self._slot_cache: dict[str | None, int] = {}
        self._ages: dict[str, str] = {}
        self._episodes: dict[tuple, tuple[int | None, int | None, str]] = {}
        self._handlers: dict[str, Callable[[ParsedProgramme, etree._Element, dict], None]] = {
            "title": self._title,
            "desc": self._desc,
            "sub-title": self._sub_title,
            "category": self._category,
            "episode-num": self._episode_num,
            "rating": self._rating,
            "icon": self._icon,
            "image": self._image,
            "date": self._date,
            "country": self._country,
            "length": self._length,
            "premiere": self._premiere,
            "live": self._live,
            "credits": self._credits,
            "keyword": self._keyword,
        }

    # -- languages -----------------------------------------------------------------------
    def slot(self, lang: str | None) -> int:
        """The name/name_langN slot of an xml:lang-like code ('en_NZ' -> 'en'), or a pseudo slot."""
        found = self._slot_cache.get(lang)
        if found is not None:
            return found
        code = (lang or "").strip().lower().replace("_", "-").split("-")[0]
        found = self.lang_slots.get(code, _OTHER_LANG) if code else _NO_LANG
        if len(self._slot_cache) < 256:
            self._slot_cache[lang] = found
        return found

    def _put(self, target: dict[int, str], elem: etree._Element, limit: int | None) -> None:
        text = elem.text
        if not text:
            return
        text = text.strip()
        if not text:
            return
        lang = elem.get("lang")
        slot = self._slot_cache.get(lang)
        if slot is None:
            slot = self.slot(lang)
        if slot not in target:
            target[slot] = text[:limit] if limit else text

    @staticmethod
    def _settle(target: dict[int, str]) -> None:
        """Make sure slot 0 (the default language) is filled: from a text without a language,
        else one in an unconfigured language, else any configured one."""
        if len(target) == 1:  # the usual case: one text, without a language or in another one
            ((slot, text),) = target.items()
            if slot < 0:
                del target[slot]
            target[0] = text
            return
        if min(target, default=0) >= 0:
            if 0 not in target and target:
                target[0] = target[min(target)]
            return
        no_lang = target.pop(_NO_LANG, None)
        other = target.pop(_OTHER_LANG, None)
        if 0 not in target:
            fallback = no_lang or other or (target[min(target)] if target else None)
            if fallback is not None:
                target[0] = fallback

    # -- channels --------------------------------------------------------------------------
    def channel(self, elem: etree._Element) -> ParsedChannel:
        names: dict[int, str] = {}
        icon = ""
        for child in elem:
            if child.tag == "display-name":
                self._put(names, child, NAME_MAX)
            elif child.tag == "icon" and not icon:
                icon = (child.get("src") or "").strip()
        self._settle(names)
        return ParsedChannel(ext_id=(elem.get("id") or "").strip(), names=names, icon_url=icon)

    # -- programmes ------------------------------------------------------------------------
    def programme(self, elem: etree._Element, channel: str) -> ParsedProgramme:
        item = ParsedProgramme(channel)
        times = self.parse_time.cache
        start = elem.get("start")
        item.start = times.get(start)
        if item.start is None:
            try:
                item.start = self.parse_time(start)
            except (ValueError, OverflowError) as exc:
                item.error = f"start: {exc}"
        stop = elem.get("stop")
        if stop:
            item.stop = times.get(stop)
            if item.stop is None:
                try:
                    item.stop = self.parse_time(stop)
                except (ValueError, OverflowError) as exc:
                    item.error = item.error or f"stop: {exc}"
        scratch: dict = {}
        handlers = self._handlers
        names = item.names
        descriptions = item.descriptions
        slots = self._slot_cache
        # The frequent elements are read inline, most frequent first: this loop runs for
        # every child of every programme, and a call per element is a measurable share of
        # an import. The rest go through self._handlers.
        for child in elem:
            tag = child.tag
            if tag == "title" or tag == "desc":
                text = child.text
                if text and (text := text.strip()):
                    lang = child.get("lang")
                    slot = slots.get(lang)
                    if slot is None:
                        slot = self.slot(lang)
                    if tag == "title":
                        if slot not in names:
                            names[slot] = text[:NAME_MAX]
                    elif slot not in descriptions:
                        descriptions[slot] = text
            elif tag == "episode-num":
                text = child.text
                if text:
                    system = child.get("system") or "xmltv_ns"
                    if system not in scratch:
                        scratch[system] = text.strip()
            elif tag == "icon":
                src = child.get("src")
                if src and (src := src.strip()):
                    if not item.preview:
                        item.preview = src[:1024]
                        item.meta["previews"] = [src]
                    else:
                        self._add_preview(item, src)
            elif tag == "category":
                text = child.text
                if text and (text := text.strip()[:NAME_MAX]) and text not in item.categories:
                    item.categories.append(text)
            elif tag == "sub-title":
                text = child.text
                if text and "extra_name" not in item.meta and (text := text.strip()):
                    item.meta["extra_name"] = text[:NAME_MAX]
            else:
                handler = handlers.get(tag)
                if handler is not None:
                    handler(item, child, scratch)
        if len(names) != 1 or 0 not in names:
            self._settle(names)
        if descriptions and (len(descriptions) != 1 or 0 not in descriptions):
            self._settle(descriptions)
        if scratch:
            self._finish_episode(item, scratch)
        if not names and not item.error:
            item.error = "programme without a title"
        return item

    def _title(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        self._put(item.names, elem, NAME_MAX)

    def _desc(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        self._put(item.descriptions, elem, None)

    def _sub_title(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        text = elem.text
        if text and "extra_name" not in item.meta:
            text = text.strip()
            if text:
                item.meta["extra_name"] = text[:NAME_MAX]

    def _category(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        text = elem.text
        if text:
            text = text.strip()[:NAME_MAX]
            if text and text not in item.categories:
                item.categories.append(text)

    def _episode_num(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        text = elem.text
        if text:
            system = elem.get("system") or "xmltv_ns"
            if system not in scratch:
                scratch[system] = text.strip()

    def _finish_episode(self, item: ParsedProgramme, scratch: dict) -> None:
        ns = scratch.get("xmltv_ns")
        onscreen = scratch.get("onscreen") or scratch.get("SxxExx") or scratch.get("sxxexx") or ""
        key = (ns, onscreen)
        found = self._episodes.get(key)
        if found is None:
            found = _episode(ns, onscreen)
            if len(self._episodes) < 4096:
                self._episodes[key] = found
        item.season, item.episode, item.episode_num = found

    def _rating(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        if item.age_rating:
            return
        value = elem.find("value")
        text = _text(value) if value is not None else _text(elem)
        age = self._ages.get(text)
        if age is None:
            age = age_from_rating(text)
            if len(self._ages) < 1024:
                self._ages[text] = age
        item.age_rating = age

    def _icon(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        src = elem.get("src")
        if src:
            self._add_preview(item, src.strip())

    def _image(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        self._add_preview(item, _text(elem))

    @staticmethod
    def _add_preview(item: ParsedProgramme, url: str) -> None:
        if not url:
            return
        if not item.preview:
            item.preview = url[:1024]
        previews = item.meta.setdefault("previews", [])
        if url not in previews:
            previews.append(url)

    def _date(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        text = _text(elem)
        if text[:4].isdigit():
            item.year = text[:4]
            item.meta["year"] = item.year

    def _country(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        text = _text(elem)
        if not text:
            return
        countries = item.meta.setdefault("countries", [])
        if text not in countries:
            countries.append(text)
            item.country = ", ".join(countries)[:128]

    def _length(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        item.length = _length_seconds(elem)

    def _premiere(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        item.premiere = True

    def _live(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        item.meta["live"] = True

    def _keyword(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        text = _text(elem)
        if text:
            item.meta.setdefault("tags", []).append(text)

    def _credits(self, item: ParsedProgramme, elem: etree._Element, scratch: dict) -> None:
        people: dict[str, list[str]] = {}
        for person in elem:
            if isinstance(person.tag, str):
                name = _text(person)
                if name:
                    people.setdefault(person.tag, []).append(name)
        if people:
            item.meta["participants"] = people


def read_feed(
    stream: BinaryIO,
    reader: XmltvReader,
    *,
    wanted: Container[str] | None,
    label: str,
    encoding: str | None = None,
) -> Iterator[ParsedProgramme]:
    """The programmes of the wanted channels (all channels when wanted is None)."""
    for elem in iter_elements(stream, label=label, encoding=encoding):
        if elem.tag != "programme":
            continue
        channel = elem.get("channel")
        if channel is None or (wanted is not None and channel not in wanted):
            continue
        yield reader.programme(elem, channel)


def read_channels(stream: BinaryIO, reader: XmltvReader, *, label: str, encoding: str | None = None) -> list:
    """Every <channel> of the file, in order (a channel list is small; programmes are skipped)."""
    found: dict[str, ParsedChannel] = {}
    for elem in iter_elements(stream, label=label, encoding=encoding):
        if elem.tag == "channel":
            channel = reader.channel(elem)
            if channel.ext_id and channel.ext_id not in found:
                found[channel.ext_id] = channel
    return list(found.values())


class XmltvFeed(Feed):
    """One XMLTV input: a URL (downloaded to a temporary file) or a path on the server."""

    def __init__(self, location: str, *, allow_local: bool, keys: frozenset[str] | None = None) -> None:
        super().__init__(keys=keys, label=location)
        self.location = location
        self.allow_local = allow_local
        self._raw: fetch.RawInput | None = None

    def __enter__(self) -> XmltvFeed:
        if fetch.is_url(self.location):
            self._raw = fetch.fetch_url(self.location)
        elif self.allow_local:
            self._raw = fetch.open_local(self.location)
        else:
            raise FeedError(f"not an http(s) URL: {self.location!r}")
        self.digest = self._raw.digest
        return self

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def open(self) -> AbstractContextManager[BinaryIO]:
        if self._raw is None:
            raise FeedError(f"{self.label}: not fetched")
        return fetch.xml_stream(self._raw, label=self.label)


class XmltvParser(EpgParserBase):
    """XMLTV from EpgSource.url. A `%s` in the URL is filled with each channel's id (one
    request per channel), or with options["mask_value"] when that is set.

    Options (EpgSource.options):
      encoding        override the document's declared encoding (feeds that lie about it)
      shift_to_today  move each channel's guide by whole days so that it covers today when
                      it does not (demo data, old sample files)
      mask_value      the value for `%s` in the URL (a single request instead of one per channel)
    """

    handles_channel_import = True
    allow_local = False

    def _location(self, value: str | None = None) -> str:
        url = (self.source.url or "").strip()
        if not url:
            raise FeedError(f"source {self.source.name!r} has no URL")
        if value is not None:
            url = url.replace("%s", quote(value, safe=""))
        return url

    def feeds(self, channels: Mapping[str, str]) -> Iterable[Feed]:
        url = self._location()
        if "%s" not in url:
            return [XmltvFeed(url, allow_local=self.allow_local)]
        if self.options.get("mask_value"):
            return [XmltvFeed(self._location(str(self.options["mask_value"])), allow_local=self.allow_local)]
        return [XmltvFeed(self._location(key), allow_local=self.allow_local, keys=frozenset({key})) for key in channels]

    def reader(self) -> XmltvReader:
        return XmltvReader(default_tz=self.default_tz, lang_slots=self.lang_slots)

    def programmes(self, feed: Feed, channels: Mapping[str, str]) -> Iterator[ParsedProgramme]:
        reader = self.reader()
        with feed.open() as stream:
            yield from read_feed(
                stream, reader, wanted=channels, label=feed.label, encoding=self.options.get("encoding")
            )

    def channel_list(self, url: str | None) -> Iterator[ParsedChannel]:
        if url is None:
            location = self._location()
            if "%s" in location:
                raise FeedError(f"source {self.source.name!r} has one file per channel: it has no channel list")
        else:
            location = url
        with XmltvFeed(location, allow_local=self.allow_local) as feed, feed.open() as stream:
            channels = read_channels(stream, self.reader(), label=location, encoding=self.options.get("encoding"))
        for channel in channels:
            if channel.icon_url and fetch.is_url(location):
                channel.icon_url = urljoin(location, channel.icon_url)
            yield channel

    def adjust_channel(self, key: str, programmes: list[ParsedProgramme]) -> list[ParsedProgramme]:
        if not self.options.get("shift_to_today") or not programmes:
            return programmes
        now = django_timezone.now()
        first = programmes[0].start
        last = max((item.stop or item.start) for item in programmes)
        if first <= now < last:
            return programmes
        shift = timedelta(days=(now.date() - first.date()).days - 1)
        for item in programmes:
            item.start += shift
            if item.stop is not None:
                item.stop += shift
        return programmes

    def fingerprint_extra(self) -> str:
        return django_timezone.now().date().isoformat() if self.options.get("shift_to_today") else ""
