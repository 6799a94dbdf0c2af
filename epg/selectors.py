"""Read side of the TV guide, cached by versioned keys (ARCHITECTURE.md "Caching").

Dependencies:

- `epg_channel:<id>` (`epg_channel_dep`): bumped whenever the programmes of one EPG channel
  change. The importer calls `epg_channel_changed(id)` (or `bump(dep("epg_channel", id))`)
  once per channel after a bulk write; single saves through the ORM are caught by the
  signal handlers in channels/signals.py.
- `epg:dictionary` (`EPG_DICTIONARY`): programme categories and genres (shared by operators).

Programmes are cached as plain rows per EPG channel x UTC day (`epg_day_rows`): program/list,
channel/programs and channel/list/programs read those windows; channel/list reads a smaller
"now and next" snapshot built in channels/selectors.py from `programs_in_range`.
Rows carry every translation; `shape_program` picks the language per request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache

from smarty.cache import bump, cached, dep, generations
from smarty.i18n import translated_value
from smarty.logging import log_event

from .models import EpgCategory, EpgGenre, Program

EPG_DICTIONARY = dep("epg", "dictionary")
DAY = 86400
LANG_FIELDS = ("name", "description")
_LANGS = range(1, 6)


def epg_channel_dep(epg_channel_id: int) -> str:
    """Generation of one EPG channel's programmes."""
    return dep("epg_channel", epg_channel_id)


def epg_channel_changed(epg_channel_id: int) -> None:
    """Call after programmes of an EPG channel were written in bulk (bulk_create, update(),
    delete() on a queryset): signals do not fire for those."""
    bump(epg_channel_dep(epg_channel_id))


def epg_dictionary_changed() -> None:
    bump(EPG_DICTIONARY)


# --- cache helpers for many keys -------------------------------------------------------------


def _gen_signature(deps: Sequence[str]) -> str:
    gens = ":".join(map(str, generations(deps)))
    # Many dependencies (a snapshot over all EPG channels of an operator) would make keys
    # kilobytes long; a digest of the generations changes exactly when one of them does.
    return gens if len(gens) <= 64 else hashlib.sha1(gens.encode()).hexdigest()  # noqa: S324 - not security


def cached_over_many(
    name: str, parts: Iterable[object], deps: Sequence[str], build: Callable[[], Any], *, timeout: int | None = None
) -> Any:
    """`smarty.cache.cached` for values depending on many generations (digest in the key)."""
    deps = list(deps)
    key = ":".join([name, *map(str, parts), _gen_signature(deps)])
    value = cache.get(key)
    if value is not None:
        return value
    value = build()
    ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
    cache.set(key, value, timeout=ttl)
    log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, key=key, deps=f"{len(deps)} deps")
    return value


def cached_many(
    name: str,
    items: Sequence[tuple[tuple, str]],
    build_missing: Callable[[list[tuple]], dict[tuple, Any]],
    *,
    timeout: int | None = None,
) -> dict[tuple, Any]:
    """Many values in two cache round trips: `items` are (parts, dep) pairs; missing values
    are built together by `build_missing(list of parts) -> {parts: value}` and stored."""
    if not items:
        return {}
    unique_deps = list(dict.fromkeys(d for _, d in items))
    gens = dict(zip(unique_deps, generations(unique_deps), strict=True))
    keys = {parts: ":".join([name, *map(str, parts), str(gens[d])]) for parts, d in items}
    found = cache.get_many(list(keys.values())) or {}
    result: dict[tuple, Any] = {}
    missing: list[tuple] = []
    for parts, key in keys.items():
        if key in found and found[key] is not None:
            result[parts] = found[key]
        else:
            missing.append(parts)
    if missing:
        built = build_missing(missing)
        ttl = settings.SMARTY_CACHE_TIMEOUT if timeout is None else timeout
        cache.set_many({keys[parts]: built[parts] for parts in missing}, timeout=ttl)
        for parts in missing:
            result[parts] = built[parts]
        log_event("smarty_cache", "OBJECT_CACHED", object=name, timeout=ttl, count=len(missing), deps=unique_deps[:10])
    return result


# --- rows ------------------------------------------------------------------------------------


def _ts(value: dt.datetime) -> int:
    return int(value.timestamp())


_RATING = re.compile(r"\d+")


def rating_number(age_rating: str) -> int:
    """ "16+" -> 16; a rating without digits -> 0 (the reference wants a number)."""
    found = _RATING.search(age_rating or "")
    return int(found.group()) if found else 0


_PROGRAM_VALUES = [
    "id",
    "epg_channel_id",
    "time_begin",
    "time_end",
    "category_id",
    "episode_num",
    "season",
    "episode",
    "age_rating",
    "year",
    "country",
    "preview",
    "is_blocked",
    "is_premiere",
    *(f"{field}{suffix}" for field in LANG_FIELDS for suffix in ["", *(f"_lang{i}" for i in _LANGS)]),
]
# The importer's area may add a free-form `meta` JSON field to Program; use it when present.
_HAS_META = any(f.name == "meta" for f in Program._meta.get_fields())
if _HAS_META:  # pragma: no cover - depends on the EPG area's model
    _PROGRAM_VALUES.append("meta")


def _meta_json(row: dict, genre_names: list[str]) -> str:
    meta: dict[str, Any] = {}
    if row.get("meta"):
        meta.update(row["meta"])
    if row["year"]:
        meta.setdefault("year", row["year"])
    if row["country"]:
        meta.setdefault("countries", [c.strip() for c in row["country"].split(",") if c.strip()])
    if genre_names:
        meta.setdefault("genres", genre_names)
    if row["preview"]:
        meta.setdefault("previews", [row["preview"]])
    if row["season"] is not None:
        meta.setdefault("season", row["season"])
    if row["episode"] is not None:
        meta.setdefault("episode", row["episode"])
    return json.dumps(meta, ensure_ascii=False, separators=(",", ":")) if meta else "{}"


def program_rows(queryset) -> list[dict]:  # noqa: ANN001
    """Plain programme rows (two queries: programmes, then their genres by the same filter)."""
    rows = list(queryset.order_by("epg_channel_id", "time_begin", "id").values(*_PROGRAM_VALUES))
    if not rows:
        return []
    through = Program.genres.through
    genre_pairs = through.objects.filter(program__in=queryset.values("id")).values_list("program_id", "epggenre_id")
    genres: dict[int, list[int]] = defaultdict(list)
    for program_id, genre_id in genre_pairs:
        genres[program_id].append(genre_id)
    names = epg_dictionaries()["genres"]
    out = []
    for row in rows:
        genre_ids = tuple(sorted(genres.get(row["id"], ())))
        item = {
            "id": row["id"],
            "epg_channel_id": row["epg_channel_id"],
            "b": _ts(row["time_begin"]),
            "e": _ts(row["time_end"]),
            "category_id": row["category_id"] or 0,
            "genre_ids": genre_ids,
            "preview": row["preview"],
            "rating": rating_number(row["age_rating"]),
            "blocked": 1 if row["is_blocked"] else 0,
            "premiere": 1 if row["is_premiere"] else 0,
            "meta": _meta_json(row, [names[g]["name"] for g in genre_ids if g in names]),
        }
        for field in LANG_FIELDS:
            item[field] = row[field]
            for i in _LANGS:
                value = row[f"{field}_lang{i}"]
                if value:
                    item[f"{field}_lang{i}"] = value
        out.append(item)
    return out


def programs_in_range(epg_channel_ids: Iterable[int], start: int, end: int) -> list[dict]:
    """Rows of programmes of these EPG channels overlapping [start, end) (Unix seconds),
    ordered by channel and begin time. Not cached: callers cache what they build from it."""
    ids = sorted(set(epg_channel_ids))
    if not ids:
        return []
    queryset = Program.objects.filter(
        epg_channel_id__in=ids,
        time_begin__lt=dt.datetime.fromtimestamp(end, dt.UTC),
        time_end__gt=dt.datetime.fromtimestamp(start, dt.UTC),
    )
    return program_rows(queryset)


def day_start(ts: int) -> int:
    return ts - ts % DAY


def epg_days(epg_channel_ids: Iterable[int], days: Iterable[int]) -> dict[tuple[int, int], list[dict]]:
    """Cached programme rows per (EPG channel, UTC day start): every programme overlapping
    that day. Two cache round trips for any number of windows; misses built in one query."""
    items = [((epg_id, day), epg_channel_dep(epg_id)) for epg_id in dict.fromkeys(epg_channel_ids) for day in days]

    def build(missing: list[tuple]) -> dict[tuple, list[dict]]:
        wanted_ids = sorted({epg_id for epg_id, _ in missing})
        wanted_days = sorted({day for _, day in missing})
        rows = programs_in_range(wanted_ids, wanted_days[0], wanted_days[-1] + DAY)
        out: dict[tuple, list[dict]] = {parts: [] for parts in missing}
        for row in rows:
            first = day_start(row["b"])
            last = day_start(max(row["e"] - 1, row["b"]))
            day = max(first, wanted_days[0])
            while day <= last:
                bucket = out.get((row["epg_channel_id"], day))
                if bucket is not None:
                    bucket.append(row)
                day += DAY
        return out

    return cached_many("epg_day", items, build)


def programs_between(epg_channel_id: int, start: int, end: int) -> list[dict]:
    """Programmes of one EPG channel overlapping [start, end), from the cached day windows."""
    if end <= start:
        return []
    days = list(range(day_start(start), end, DAY))
    windows = epg_days([epg_channel_id], days)
    seen: set[int] = set()
    out = []
    for day in days:
        for row in windows[(epg_channel_id, day)]:
            if row["id"] in seen or row["e"] <= start or row["b"] >= end:
                continue
            seen.add(row["id"])
            out.append(row)
    return out


# --- dictionaries and shaping ----------------------------------------------------------------


def epg_dictionaries() -> dict[str, dict[int, dict]]:
    """Programme categories and genres with their translations (shared by all operators)."""

    def build() -> dict[str, dict[int, dict]]:
        lang_names = ["name", *(f"name_lang{i}" for i in _LANGS)]
        categories = {row["id"]: row for row in EpgCategory.objects.values("id", "icon", "sort_order", *lang_names)}
        genres = {row["id"]: row for row in EpgGenre.objects.values("id", "sort_order", *lang_names)}
        return {"categories": categories, "genres": genres}

    return cached("epg_dictionaries", (), [EPG_DICTIONARY], build)


def shape_program(row: dict, lang_index: int, dictionaries: dict) -> dict:
    """The language-dependent view of a row: unprefixed names the views rename as needed."""
    category = dictionaries["categories"].get(row["category_id"])
    genres = dictionaries["genres"]
    return {
        "id": row["id"],
        "name": translated_value(row, "name", lang_index),
        "begin_time": row["b"],
        "end_time": row["e"],
        "category_id": row["category_id"],
        "category": translated_value(category, "name", lang_index) if category else "",
        "description": translated_value(row, "description", lang_index),
        "preview_url": row["preview"],
        "rating": row["rating"],
        "meta": row["meta"],
        "genres": [
            {"genre_id": g, "genre_name": translated_value(genres[g], "name", lang_index)}
            for g in row["genre_ids"]
            if g in genres
        ],
        "blocked": row["blocked"],
    }


def program_get(program_id: int) -> dict | None:
    """One programme row (uncached: detail pages are not hot)."""
    rows = program_rows(Program.objects.filter(pk=program_id))
    return rows[0] if rows else None
