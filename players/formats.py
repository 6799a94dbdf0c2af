"""The M3U playlist and the XMLTV guide of an account.

M3U: the extended format the IPTV players read (`#EXTM3U` with `url-tvg`, `#EXTINF` with
`tvg-id`, `tvg-name`, `tvg-logo`, `tvg-chno`, `group-title` and the catch-up attributes).
XMLTV: the channels and their programmes over the guide window, as the XMLTV DTD orders
them (every <channel> before the programmes). The programmes of one guide channel and one
UTC day are rendered once and cached on that guide channel's generation, so a guide change
re-renders only what changed; the assembled document is cached per channel set.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings

from clients.selectors import client_content_dep
from epg.selectors import DAY, day_start, epg_channel_dep, epg_days
from smarty.cache import cached, cached_many

from .channels import PlayerChannel

# Characters XML 1.0 cannot carry at all: dropped from names and descriptions.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _attr(value: str) -> str:
    """An M3U attribute value: one line, no double quote (players split on it)."""
    return " ".join(str(value).replace('"', "'").split())


def m3u(
    channels: Sequence[PlayerChannel],
    *,
    guide_url: str,
    stream_url: Callable[[PlayerChannel], str],
    catchup_url: Callable[[PlayerChannel], str] | None = None,
) -> str:
    """The playlist text; `catchup_url` gives the catch-up template of a channel with an
    archive (`{utc}` start and `{duration}` seconds, filled in by the player)."""
    lines = [f'#EXTM3U url-tvg="{_attr(guide_url)}" x-tvg-url="{_attr(guide_url)}"']
    for channel in channels:
        attrs = {
            "tvg-id": channel.tvg_id,
            "tvg-name": channel.name,
            "tvg-logo": channel.logo,
            "tvg-chno": str(channel.number),
            "group-title": channel.category_name,
        }
        if channel.archive_days and catchup_url is not None:
            attrs.update(
                {
                    "catchup": "default",
                    "catchup-days": str(channel.archive_days),
                    "catchup-source": catchup_url(channel),
                }
            )
        text = " ".join(f'{name}="{_attr(value)}"' for name, value in attrs.items())
        title = " ".join(channel.name.split())
        lines.append(f"#EXTINF:-1 {text},{title}")
        lines.append(stream_url(channel))
    return "\n".join(lines) + "\n"


# --- XMLTV -----------------------------------------------------------------------------------


def xmltv_time(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y%m%d%H%M%S +0000")


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value or ""))


def _programme(row: dict, channel_id: str, lang: int) -> str:
    title = (lang and row.get(f"name_lang{lang}")) or row["name"] or "—"
    desc = (lang and row.get(f"description_lang{lang}")) or row.get("description") or ""
    parts = [
        f'<programme start="{xmltv_time(row["b"])}" stop="{xmltv_time(row["e"])}" channel={quoteattr(channel_id)}>',
        f"<title>{_text(title)}</title>",
    ]
    if desc:
        parts.append(f"<desc>{_text(desc)}</desc>")
    parts.append("</programme>\n")
    return "".join(parts)


def _channel(channel: PlayerChannel) -> str:
    icon = f"<icon src={quoteattr(channel.logo)}/>" if channel.logo else ""
    return (
        f"<channel id={quoteattr(channel.tvg_id)}><display-name>{_text(channel.name)}</display-name>{icon}</channel>\n"
    )


def guide_days(now_ts: int) -> list[int]:
    """UTC day starts of the guide window: the archive depth back, the guide depth ahead."""
    today = day_start(now_ts)
    back = settings.SMARTY_PLAYERS_XMLTV_PAST_DAYS
    ahead = settings.SMARTY_PLAYERS_XMLTV_DAYS
    return [today + DAY * n for n in range(-back, ahead)]


def _day_fragments(channels: Sequence[PlayerChannel], days: list[int], lang: int) -> dict[tuple, str]:
    """Rendered programmes per (guide channel, shown id, day, language), cached on the guide
    channel's generation."""
    shown = [c for c in channels if c.epg_channel_id]
    items = [
        ((c.epg_channel_id, c.tvg_id, day, lang), epg_channel_dep(c.epg_channel_id)) for c in shown for day in days
    ]

    def build(missing: list[tuple]) -> dict[tuple, str]:
        windows = epg_days(sorted({m[0] for m in missing}), sorted({m[2] for m in missing}))
        out = {}
        for epg_id, shown_id, day, lang_ in missing:
            # A programme spanning midnight is in both days' windows: it belongs to its first.
            rows = [r for r in windows[(epg_id, day)] if day_start(r["b"]) == day]
            out[(epg_id, shown_id, day, lang_)] = "".join(_programme(r, shown_id, lang_) for r in rows)
        return out

    return cached_many("players_xmltv_day", items, build)


def xmltv(channels: Sequence[PlayerChannel], *, client, lang: int, now_ts: int) -> bytes:
    """The XMLTV document of these channels over the guide window."""
    days = guide_days(now_ts)
    shown = "|".join(f"{c.id}:{c.epg_channel_id}:{c.tvg_id}:{c.name}:{c.logo}" for c in channels)
    channel_set = hashlib.sha256(shown.encode()).hexdigest()[:32]
    deps = [
        client_content_dep(client.pk),
        *(epg_channel_dep(e) for e in sorted({c.epg_channel_id for c in channels if c.epg_channel_id})),
    ]

    def build() -> bytes:
        fragments = _day_fragments(channels, days, lang)
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tv SYSTEM "xmltv.dtd">\n'
            f'<tv generator-info-name="smarty" source-info-name={quoteattr(client.name)}>\n'
        )
        body = [head, *(_channel(c) for c in channels)]
        for channel in channels:
            if channel.epg_channel_id:
                body.extend(fragments[(channel.epg_channel_id, channel.tvg_id, day, lang)] for day in days)
        body.append("</tv>\n")
        return "".join(body).encode()

    return cached("players_xmltv", (client.pk, channel_set, lang, days[0], len(days)), deps, build)
