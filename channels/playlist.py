"""Channels from an M3U playlist (the operator panel's import): `playlist_parse` reads the
text into entries, `playlist_preview` says what an import would do, `channels_import_playlist`
creates the channels through `channel_create` (at the end of the operator's order) with their
categories (`group-title`), logos (`tvg-logo`) and stream URLs, and reports what it did."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from clients.models import Client

from .models import Channel, ChannelCategory
from .services import _place_after, channel_create

STREAM_SCHEMES = frozenset({"http", "https", "rtsp", "rtmp", "rtp", "udp", "srt"})
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
MAX_ENTRIES = 5000

NEW, EXISTS, DUPLICATE, INVALID = "new", "exists", "duplicate", "invalid"


@dataclass
class PlaylistEntry:
    """One `#EXTINF` line and the URL under it."""

    line: int
    name: str
    url: str
    logo: str = ""
    group: str = ""
    tvg_id: str = ""
    status: str = NEW
    problem: str = ""


@dataclass
class PlaylistReport:
    """What an import did (or, for a preview, would do)."""

    entries: list[PlaylistEntry] = field(default_factory=list)
    categories_created: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.status == status)

    @property
    def created(self) -> int:
        return self.count(NEW)


def _title(extinf: str) -> tuple[dict[str, str], str]:
    """Attributes and display title of an `#EXTINF:-1 key="v" ...,Title` line (the title is
    after the first comma outside quotes)."""
    body = extinf.split(":", 1)[1] if ":" in extinf else ""
    in_quotes = False
    for index, char in enumerate(body):
        if char == '"':
            in_quotes = not in_quotes
        elif char == "," and not in_quotes:
            head, title = body[:index], body[index + 1 :]
            break
    else:
        head, title = body, ""
    return dict(_ATTRIBUTE.findall(head)), title.strip()


def playlist_parse(text: str) -> list[PlaylistEntry]:
    """The entries of an M3U/M3U8 playlist. Raises ValidationError when the text is not one
    (no `#EXTM3U` header and no `#EXTINF` line) or holds more than MAX_ENTRIES channels."""
    lines = text.lstrip("\ufeff").splitlines()
    if not any(line.startswith("#EXTINF") for line in lines):
        raise ValidationError("not an M3U playlist: no #EXTINF lines")
    entries: list[PlaylistEntry] = []
    pending: tuple[int, dict[str, str], str] | None = None
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXTINF"):
            attrs, title = _title(line)
            pending = (number, attrs, title)
        elif line.startswith("#"):
            continue  # #EXTM3U, #EXTGRP, #EXTVLCOPT...
        elif pending is not None:
            start, attrs, title = pending
            entries.append(
                PlaylistEntry(
                    line=start,
                    name=(title or attrs.get("tvg-name", "")).strip(),
                    url=line,
                    logo=attrs.get("tvg-logo", "").strip(),
                    group=attrs.get("group-title", "").strip(),
                    tvg_id=attrs.get("tvg-id", "").strip(),
                )
            )
            pending = None
            if len(entries) > MAX_ENTRIES:
                raise ValidationError(f"more than {MAX_ENTRIES} channels in one playlist")
    return entries


def _problem(entry: PlaylistEntry) -> str:
    name_field, uri_field = Channel._meta.get_field("name"), Channel._meta.get_field("uri")
    if not entry.name:
        return "no channel name"
    if len(entry.name) > name_field.max_length:
        return f"name longer than {name_field.max_length} characters"
    scheme = urlsplit(entry.url).scheme.lower()
    if scheme not in STREAM_SCHEMES:
        return f"not a stream URL: {entry.url[:80]}"
    if len(entry.url) > uri_field.max_length:
        return f"stream URL longer than {uri_field.max_length} characters"
    return ""


def playlist_preview(*, client: Client, entries: Sequence[PlaylistEntry]) -> PlaylistReport:
    """Mark each entry: new, already a channel of the operator (same name, any case), a
    repeat of an earlier entry, or invalid (with the reason). Writes nothing."""
    existing = set(Channel.objects.filter(client=client).annotate(low=Lower("name")).values_list("low", flat=True))
    seen: set[str] = set()
    for entry in entries:
        entry.problem = _problem(entry)
        key = entry.name.casefold()
        if entry.problem:
            entry.status = INVALID
        elif key in existing:
            entry.status = EXISTS
        elif key in seen:
            entry.status = DUPLICATE
        else:
            entry.status = NEW
            seen.add(key)
    return PlaylistReport(entries=list(entries))


@transaction.atomic
def channels_import_playlist(
    *, client: Client, entries: Sequence[PlaylistEntry], tariffs: Sequence = (), enabled: bool = True
) -> PlaylistReport:
    """Create a channel for every new entry, at the end of the operator's order, in the
    category named by its group (created when missing, at the end of the categories), with
    its logo URL (when it fits the icon field) and its stream URL; give it `tariffs`. Entries
    that exist, repeat or are invalid are reported, not written."""
    report = playlist_preview(client=client, entries=entries)
    categories = {
        category.name.casefold(): category for category in ChannelCategory.objects.filter(client=client).order_by("pk")
    }
    icon_length = Channel._meta.get_field("icon").max_length
    for entry in report.entries:
        if entry.status != NEW:
            continue
        category = None
        if entry.group:
            category = categories.get(entry.group.casefold())
            if category is None:
                category = ChannelCategory(client=client, name=entry.group[:255])
                category.sort_order = _place_after(ChannelCategory, client_id=client.pk, after=None)
                category.full_clean()
                category.save()
                categories[entry.group.casefold()] = category
                report.categories_created.append(category.name)
        logo = entry.logo if len(entry.logo) <= icon_length else ""
        channel_create(
            client=client,
            fields={"name": entry.name, "uri": entry.url, "icon": logo, "enabled": enabled},
            category=category,
            tariffs=list(tariffs),
        )
    return report
