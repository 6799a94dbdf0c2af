"""Read side of the TV guide, cached by versioned keys (ARCHITECTURE.md "Caching").

Dependencies:

- `epg_channel:<id>` (`epg_channel_dep`): bumped whenever the programmes of one EPG channel
  change (program/list, channel/programs, channel/list/programs read these windows).
- `client_epg:<client_id>` (`client_epg_dep`): the guide of an operator as a whole, bumped
  with the EPG channels it shows; channel/list's now/next snapshot depends on it (one
  generation per operator instead of one per EPG channel keeps that request cheap).

Bumped only by epg/invalidation.py: `epg_programmes_changed(id, ...)` bumps both (the signal
handlers call it for single saves); `epg_channel_changed(id, ...)`, which the importer and the
EPG services call after writing programmes in bulk, bumps the windows only: the now/next
snapshot follows at the next time bucket, SMARTY_EPG_NOW_WINDOW seconds at most.
- `epg:dictionary` (`EPG_DICTIONARY`): programme categories and genres (shared by operators).

Programmes are cached as plain rows per EPG channel x UTC day (`epg_day_rows`): program/list,
channel/programs and channel/list/programs read those windows; channel/list reads a smaller
"now and next" snapshot built in channels/selectors.py from `programs_in_range`.
Rows carry every translation; `shape_program` picks the language per request.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django.db.models import Q

from smarty.cache import cached, cached_many, dep
from smarty.i18n import translated_value

from .models import EpgCategory, EpgChannel, EpgGenre, EpgSource, Premiere, Program

EPG_DICTIONARY = dep("epg", "dictionary")
DAY = 86400
LANG_FIELDS = ("name", "description")
_LANGS = range(1, 6)


def epg_channel_dep(epg_channel_id: int) -> str:
    """Generation of one EPG channel's programmes."""
    return dep("epg_channel", epg_channel_id)


def client_epg_dep(client_id: int) -> str:
    """Generation of everything an operator shows of the guide (its now/next snapshot)."""
    return dep("client_epg", client_id)


def clients_showing(epg_channel_ids: Iterable[int]) -> set[int]:
    """The operators whose channels or cameras show these EPG channels (two queries)."""
    ids = sorted(set(epg_channel_ids))
    shown = EpgChannel.objects.filter(pk__in=ids)
    clients = set(shown.filter(channels__isnull=False).values_list("channels__client_id", flat=True).distinct())
    clients.update(shown.filter(camera__isnull=False).values_list("camera__client_id", flat=True).distinct())
    return clients


def epg_change_deps(epg_channel_ids: Iterable[int]) -> list[str]:
    """What to bump when programmes of these EPG channels change (two queries for all)."""
    ids = sorted(set(epg_channel_ids))
    return [*(epg_channel_dep(i) for i in ids), *(client_epg_dep(c) for c in sorted(clients_showing(ids)))]


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


def program_rows(queryset) -> list[dict]:
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
    that day. Two cache round trips for any number of windows; misses built in one query.
    Each process keeps the windows pickled (cached_many's packed): a guide of 300 channels
    over six days is about 1,800 windows of 7 KB pickled, 25 KB as objects."""
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

    return cached_many("epg_day", items, build, packed=True)


def _rows_overlapping(epg_channel_id: int, start: int, end: int, reads: int) -> Iterator[dict]:
    """Programmes of one EPG channel overlapping [start, end), in begin order, each once (a
    programme crossing midnight is in two windows), from the cached day windows. reads=1
    fetches every day in one read; reads=3 the day of `start`, then the next day, then the
    rest, each only when the caller asks for more rows than the windows before gave."""
    if end <= start:
        return
    days = list(range(day_start(start), end, DAY))
    groups = [days] if reads == 1 else [days[:1], days[1:2], days[2:]]
    seen: set[int] = set()
    for group in groups:
        if not group:
            continue
        windows = epg_days([epg_channel_id], group)
        for day in group:
            for row in windows[(epg_channel_id, day)]:
                if row["id"] in seen or row["e"] <= start or row["b"] >= end:
                    continue
                seen.add(row["id"])
                yield row


def programs_between(epg_channel_id: int, start: int, end: int) -> list[dict]:
    """Programmes of one EPG channel overlapping [start, end), from the cached day windows."""
    return list(_rows_overlapping(epg_channel_id, start, end, reads=1))


def programs_from(epg_channel_id: int, start: int, limit: int, horizon: int) -> list[dict]:
    """The first `limit` programmes of one EPG channel overlapping [start, start + horizon),
    in begin order: what programs_between(...)[:limit] gives, read the day of `start` first,
    then the next day, then the rest of the range, stopping once `limit` are found. A device's
    strip of what is on next usually needs only the window of `start`, where the whole range
    would unpickle two or three; a channel with a sparse guide costs three reads at most."""
    return list(itertools.islice(_rows_overlapping(epg_channel_id, start, start + horizon, reads=3), limit))


# --- dictionaries and shaping ----------------------------------------------------------------


def epg_dictionaries() -> dict[str, dict[int, dict]]:
    """Programme categories and genres with their translations (shared by all operators)."""

    def build() -> dict[str, dict[int, dict]]:
        lang_names = ["name", *(f"name_lang{i}" for i in _LANGS)]
        categories = {row["id"]: row for row in EpgCategory.objects.values("id", "icon", "sort_order", *lang_names)}
        genres = {row["id"]: row for row in EpgGenre.objects.values("id", "sort_order", *lang_names)}
        return {"categories": categories, "genres": genres}

    return cached("epg_dictionaries", (), [EPG_DICTIONARY], build, local=True)


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


# --- queries of the device API's guide methods --------------------------------------------


# How many days back program_span_by_id looks in the day windows; a deeper archive's older
# programmes are read from the database.
PROGRAM_SPAN_DAYS = 14


def program_span_by_id(*, epg_channel_id: int, program_id: int, now: int, days_back: int) -> tuple[int, int] | None:
    """(begin, end), Unix seconds, of a programme of one EPG channel (None: no such programme
    of that channel). Looked up in the cached day windows from `days_back` days before `now`
    to the day after it, where what devices ask for is (a programme they took from
    program/list): today's and yesterday's first, the older ones (at most PROGRAM_SPAN_DAYS)
    only when it is not there; any other id is read from the database."""
    today = day_start(now)
    recent = [today + DAY, today, today - DAY]
    older = [today - n * DAY for n in range(2, min(max(days_back, 0), PROGRAM_SPAN_DAYS) + 2)]
    for days in (recent, older):
        if not days:
            continue
        windows = epg_days([epg_channel_id], days)
        for day in days:
            for row in windows[(epg_channel_id, day)]:
                if row["id"] == program_id:
                    return row["b"], row["e"]
    span = (
        Program.objects.filter(pk=program_id, epg_channel_id=epg_channel_id)
        .values_list("time_begin", "time_end")
        .first()
    )
    return (_ts(span[0]), _ts(span[1])) if span else None


def program_begin(*, epg_channel_id: int, program_id: int) -> dt.datetime | None:
    """When a programme of one EPG channel begins (None: no such programme)."""
    programmes = Program.objects.filter(pk=program_id, epg_channel_id=epg_channel_id)
    return programmes.values_list("time_begin", flat=True).first()


def program_span_at(*, epg_channel_id: int, moment: int) -> tuple[int, int] | None:
    """(begin, end), Unix seconds, of the programme of one EPG channel on the air at `moment`
    (the one that began last when several overlap it), from the cached day windows: a catch-up
    request (`program/url` by time) needs no query."""
    rows = programs_between(epg_channel_id, moment, moment + 1)
    if not rows:
        return None
    row = max(rows, key=lambda r: (r["b"], r["id"]))
    return row["b"], row["e"]


def program_search_rows(
    *,
    epg_channel_ids: Iterable[int],
    needle: str,
    lang_index: int,
    now: dt.datetime,
    since: dt.datetime,
    until: dt.datetime,
    limit: int,
) -> list[dict]:
    """Rows (program_rows) of the first `limit` programmes whose name (or its translation)
    contains `needle`: not over yet or begun since `since`, beginning before `until`."""
    name_filter = Q(name__icontains=needle)
    if lang_index:
        name_filter |= Q(**{f"name_lang{lang_index}__icontains": needle})
    queryset = Program.objects.filter(
        name_filter,
        Q(time_end__gt=now) | Q(time_begin__gte=since),
        epg_channel_id__in=list(epg_channel_ids),
        time_begin__lt=until,
    ).order_by("time_begin", "id")[:limit]
    return program_rows(Program.objects.filter(pk__in=list(queryset.values_list("id", flat=True))))


def premieres_since(*, epg_channel_ids: Iterable[int], since: dt.datetime, limit: int) -> list[Premiere]:
    """The first `limit` premieres of these EPG channels from `since`, with their programmes."""
    return list(
        Premiere.objects.filter(epg_channel_id__in=list(epg_channel_ids), time_begin__gte=since)
        .select_related("program")
        .order_by("time_begin", "id")[:limit]
    )


def _archive(depth: Mapping[int, int], now: int):
    """Programmes with a record: EPG channel id -> days of archive, up to `now` (a timestamp)."""
    if not depth:
        return Program.objects.none()
    since = dt.datetime.fromtimestamp(now - max(depth.values()) * DAY, dt.UTC)
    until = dt.datetime.fromtimestamp(now, dt.UTC)
    return Program.objects.filter(
        epg_channel_id__in=list(depth), time_begin__gte=since, time_begin__lte=until, is_blocked=False
    )


def archive_category_ids(depth: Mapping[int, int], now: int) -> set[int]:
    """The categories of the programmes with a record (see _archive)."""
    return set(_archive(depth, now).exclude(category_id=None).values_list("category_id", flat=True).distinct())


def archive_genre_ids(depth: Mapping[int, int], now: int) -> set[int]:
    """The genres of the programmes with a record (see _archive)."""
    through = Program.genres.through
    archive = _archive(depth, now)
    return set(
        through.objects.filter(program__in=archive.values("id")).values_list("epggenre_id", flat=True).distinct()
    )


def archive_program_rows(
    depth: Mapping[int, int], now: int, *, category_id: int | None, genre_id: int | None, limit: int
) -> list[dict]:
    """Rows (program_rows) of the latest `limit` programmes with a record, of one category and
    one genre when given."""
    queryset = _archive(depth, now)
    if category_id is not None:
        queryset = queryset.filter(category_id=category_id)
    if genre_id is not None:
        queryset = queryset.filter(genres=genre_id)
    ids = list(queryset.order_by("-time_begin", "-id").values_list("id", flat=True)[:limit])
    return program_rows(Program.objects.filter(pk__in=ids))


# --- device API (tvmiddleware: portal dashboards) ------------------------------------------------


def program_rows_by_ids(program_ids: Iterable[int]) -> list[dict]:
    """Rows of these programmes (any order; missing ones are left out)."""
    return program_rows(Program.objects.filter(pk__in=list(program_ids)))


# --- the Content API (content/views/epg.py, library.py) -------------------------------------


def epg_channel_list(*, source_id: int | None = None):
    """The EPG channels (shared by the operators; of one source if given), by id."""
    qs = EpgChannel.objects.select_related("source").order_by("id")
    return qs.filter(source_id=source_id) if source_id else qs


def program_of_guides_get(*, epg_channel_ids, program_id: int) -> Program | None:
    """A programme of one of these EPG channels (ids or a subquery of them)."""
    return Program.objects.filter(pk=program_id, epg_channel_id__in=epg_channel_ids).first()


def program_of_guides_by_external_id(*, epg_channel_ids, external_id: str) -> Program | None:
    """The first programme of these EPG channels whose meta carries that event id."""
    programs = Program.objects.filter(epg_channel_id__in=epg_channel_ids, meta__external_id=external_id)
    return programs.order_by("id").first()


def program_started_by(*, epg_channel_id: int, moment: dt.datetime) -> Program | None:
    """The programme of one EPG channel that starts at `moment`, or the nearest earlier one."""
    programs = Program.objects.filter(epg_channel_id=epg_channel_id, time_begin__lte=moment)
    return programs.order_by("-time_begin").first()


# --- ViewStats and DRM (tvmiddleware/other_apis/) ---------------------------------------------


def program_on_epg_channel(*, program_id: int, epg_channel_id: int) -> bool:
    """The programme exists in this EPG channel's guide."""
    return Program.objects.filter(pk=program_id, epg_channel_id=epg_channel_id).exists()


def program_epg_channel_id(*, program_id: int) -> int | None:
    """The EPG channel of a programme, None when there is no such programme."""
    return Program.objects.filter(pk=program_id).values_list("epg_channel_id", flat=True).first()


def epg_source_import_states() -> list[dict]:
    """Each guide source's last import: name, enabled, when (or None) and its status line
    ("ok: ...", "unchanged", "errors: ...", "error: ..."), for the metrics."""
    return list(EpgSource.objects.order_by("name").values("name", "enabled", "last_import_at", "last_import_status"))
