""" "TV by interest" (reference tvmw/ProgramCategory.md and ProgramGenre.md): programme
categories and genres, channels by the category of what is on, archive selections."""

from __future__ import annotations

from django.conf import settings

from channels import selectors as live
from epg.selectors import (
    archive_category_ids,
    archive_genre_ids,
    archive_program_rows,
    epg_dictionaries,
    shape_program,
)
from smarty.api import ApiError, Call, Flag, Number
from smarty.i18n import translated_value

from ..api import tvmw
from .channel import channel_items, ordered
from .live_common import COMMON_PARAMS, ICON_PARAMS, NOAUTH_PARAMS, Viewer, has_record, icon_size, viewer

PROGRAM_CATEGORY_BAD_PARAMS = 1
PROGRAM_CATEGORY_COMPACT_CONFLICT = 2

# Fields the reference marks "not returned with compact/wrt_compact=1" and "with compact=1".
_DROPPED_BOTH = (
    "show_in_all",
    "option1",
    "option2",
    "option3",
    "hbb",
    "telemeter",
    "telemeter_account_name",
    "telemeter_tmsec_name",
    "telemeter_cat_id",
    "telemeter_vc_id",
    "telemeter_vc_version",
    "aspect_ratio",
    "lcn_number",
    "additional_categories",
    "program_meta",
    "program_genres",
    "next_program_category_id",
    "next_program_description",
    "next_program_category",
    "next_program_meta",
    "next_program_genres",
    "pause_live_tv_shift",
    "ads_available",
)
_DROPPED_COMPACT_ONLY = (
    "next_program_begin_time",
    "next_program_end_time",
    "next_program_name",
    "next_program_preview_url",
    "next_program_id",
    "next_program_rating",
)
NOAUTH_CHANNEL_FIELDS = (
    "id",
    "name",
    "icon",
    "category_id",
    "program_category_id",
    "program_begin_time",
    "program_end_time",
    "program_name",
    "program_preview_url",
    "program_category",
    "program_id",
    "program_rating",
    "channel_sort",
    "meta",
    "program_meta",
)


def _archive_depth(v: Viewer) -> dict[int, int]:
    """EPG channel id -> days of archive, over the viewer's channels with a record (the
    widest depth; `has_record` per channel is checked on the rows)."""
    depth: dict[int, int] = {}
    for entry in v.entries(True):
        if entry.epg_id and entry.recording_days:
            depth[entry.epg_id] = max(depth.get(entry.epg_id, 0), entry.recording_days)
    return depth


def _categories(call: Call, v: Viewer) -> dict:
    dictionary = epg_dictionaries()["categories"]
    wanted = None
    if call.params["only_records_categories"]:
        wanted = archive_category_ids(_archive_depth(v), v.now)
    if not call.params.get("consider_program_category", 1):
        snapshot = live.now_next(v.client_id, v.lang_index, v.now)
        airing = set()
        for entry in v.entries(True):
            current, _ = live.current_and_next(snapshot.get(entry.epg_id), v.now)
            if current is not None and current.category_id:
                airing.add(current.category_id)
        wanted = airing if wanted is None else wanted & airing
    rows = sorted(dictionary.values(), key=lambda r: (r["sort_order"], r["id"]))
    host = v.host
    return {
        "categories": [
            {
                "id": row["id"],
                "name": translated_value(row, "name", v.lang_index),
                "icon_type": "",
                "icon": live.icon_url(live.icon_parts(row["icon"]), None, None, host),
                "icon_tv": live.icon_url(live.icon_parts(row["icon"]), None, None, host),
            }
            for row in rows
            if wanted is None or row["id"] in wanted
        ]
    }


@tvmw.method(
    "/program/category/list/",
    "ProgramCategoryList",
    params=[*COMMON_PARAMS, Flag("only_records_categories"), Flag("consider_program_category", default=1)],
    auth=["session"],
)
def program_category_list(call: Call) -> dict:
    return _categories(call, viewer(call))


@tvmw.method(
    "/noauth/program/category/list/",
    "NoAuthProgramCategoryList",
    params=[*NOAUTH_PARAMS, Flag("only_records_categories")],
    auth=["client"],
)
def noauth_program_category_list(call: Call) -> dict:
    return _categories(call, viewer(call))


CHANNEL_LIST_PARAMS = [
    *ICON_PARAMS,
    Number("category_id"),
    Flag("consider_program_category", default=1),
    Flag("consider_epg_channel_category", default=1),
    Number("channel_sort_id"),
]


def _by_program_category(call: Call, v: Viewer, *, use_next: bool) -> list[dict]:
    p = call.params
    entries = ordered(
        v, v.entries(False), account_sort=v.account is not None, channel_sort_id=p["channel_sort_id"], code=1
    )
    positioned = list(enumerate(entries, start=1))
    category_id = p["category_id"]
    if category_id is not None:
        snapshot = live.now_next(v.client_id, v.lang_index, v.now)
        kept = []
        for position, entry in positioned:
            current, following = live.current_and_next(snapshot.get(entry.epg_id), v.now)
            slot = following if use_next else current
            if slot is not None and slot.category_id == category_id:
                kept.append((position, entry))
        positioned = kept
    reject = bool(p.get("reject_multicast"))
    return channel_items(v, positioned, compact=False, reject_multicast=reject, icon=icon_size(call))


@tvmw.method(
    "/program/category/channel/list/",
    "ProgramCategoryChannelList",
    params=[
        *COMMON_PARAMS,
        *CHANNEL_LIST_PARAMS,
        Flag("next"),
        Flag("compact"),
        Flag("wrt_compact"),
        Flag("reject_multicast"),
    ],
    auth=["session"],
)
def program_category_channel_list(call: Call) -> dict:
    p = call.params
    if p["compact"] and p["wrt_compact"]:
        raise ApiError(PROGRAM_CATEGORY_COMPACT_CONFLICT, "compact and wrt_compact exclude each other")
    v = viewer(call)
    items = _by_program_category(call, v, use_next=bool(p["next"]))
    dropped = _DROPPED_BOTH + _DROPPED_COMPACT_ONLY if p["compact"] else _DROPPED_BOTH if p["wrt_compact"] else ()
    for item in items:
        for key in dropped:
            item.pop(key, None)
    return {"programs": items}


@tvmw.method(
    "/noauth/program/category/channel/list/",
    "NoAuthProgramCategoryChannelList",
    params=[*NOAUTH_PARAMS, *CHANNEL_LIST_PARAMS],
    auth=["client"],
)
def noauth_program_category_channel_list(call: Call) -> dict:
    v = viewer(call)
    items = _by_program_category(call, v, use_next=False)
    metas = {e.id: e.meta for e in v.entries(False)}
    out = []
    for item in items:
        item["meta"] = metas[item["id"]]
        out.append({key: item[key] for key in NOAUTH_CHANNEL_FIELDS})
    return {"programs": out}


@tvmw.method(
    "/program/category/record/list/",
    "ProgramCategoryRecordList",
    params=[
        *COMMON_PARAMS,
        *ICON_PARAMS,
        Number("limit", default=100),
        Number("page", default=1),
        Number("category_id"),
        Number("genre_id"),
    ],
    auth=["session"],
)
def program_category_record_list(call: Call) -> dict:
    p = call.params
    if p["category_id"] is not None and p["genre_id"] is not None:
        raise ApiError(PROGRAM_CATEGORY_BAD_PARAMS, "Pass either category_id or genre_id", {"genre_id": "conflict"})
    if not 1 <= p["limit"] <= 100 or p["page"] < 1:
        raise ApiError(
            PROGRAM_CATEGORY_BAD_PARAMS, "Invalid parameters: limit is 1..100, page from 1", {"limit": "bad"}
        )
    v = viewer(call)
    width, height = icon_size(call)
    depth = _archive_depth(v)
    found = archive_program_rows(
        depth, v.now, category_id=p["category_id"], genre_id=p["genre_id"], limit=settings.SMARTY_RECORD_LIST_SCAN
    )
    rows = sorted(found, key=lambda r: (-r["b"], -r["id"]))
    channel_of = {}
    for entry in v.entries(True):
        if entry.epg_id and entry.recording_days:
            channel_of.setdefault(entry.epg_id, entry)
    groups: dict[str, list[dict]] = {}
    for row in rows:
        entry = channel_of.get(row["epg_channel_id"])
        if entry is not None and has_record(row, entry.recording_days, v.now):
            groups.setdefault(row["name"], []).append(row)
    dictionaries = epg_dictionaries()
    selections = list(groups.values())
    offset = (p["page"] - 1) * p["limit"]
    records = []
    for group in selections[offset : offset + p["limit"]]:
        first = group[-1]  # the earliest available programme of the selection
        shaped = shape_program(first, v.lang_index, dictionaries)
        entry = channel_of[first["epg_channel_id"]]
        record = {
            "selection_id": first["id"],
            "begin_time": first["b"],
            "short_name": shaped["name"],
            "category": shaped["category"],
            "preview": shaped["preview_url"],
            "rating": shaped["rating"],
            "description": shaped["description"],
            "channel": {"id": entry.id, "name": entry.name, "icon": live.icon_url(entry.icon, width, height, v.host)},
        }
        if len(group) == 1:
            record["record"] = [
                {
                    "program_id": first["id"],
                    "begin_time": first["b"],
                    "end_time": first["e"],
                    "name": shaped["name"],
                    "description": shaped["description"],
                    "meta": shaped["meta"],
                    "url": "",
                    "position": 0,
                    "ads_available": 0,
                }
            ]
        records.append(record)
    return {"count": len(selections), "records": records}


@tvmw.method(
    "/program/genre/list/", "ProgramGenreList", params=[*COMMON_PARAMS, Flag("only_records_genres")], auth=["session"]
)
def program_genre_list(call: Call) -> dict:
    v = viewer(call)
    genres = epg_dictionaries()["genres"]
    wanted = None
    if call.params["only_records_genres"]:
        wanted = archive_genre_ids(_archive_depth(v), v.now)
    rows = sorted(genres.values(), key=lambda r: (r["sort_order"], r["id"]))
    return {
        "genres": [
            {"id": row["id"], "name": translated_value(row, "name", v.lang_index), "icon_for_archive": ""}
            for row in rows
            if wanted is None or row["id"] in wanted
        ]
    }
