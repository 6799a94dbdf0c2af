"""The TV guide (reference tvmw/Program.md): programmes of a channel in a time range, one
programme, search. Times are Unix seconds, UTC. `date` (dd.mm.YYYY) is a day in the
operator's time zone. Archive URLs (/program/url/) belong to the streaming area."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from channels import selectors as live
from epg.selectors import (
    DAY,
    epg_dictionaries,
    program_begin,
    program_get,
    program_search_rows,
    programs_between,
    shape_program,
)
from smarty.api import ApiError, Call, Flag, Number, String

from ..api import tvmw
from .camera import visible_cameras
from .live_common import COMMON_PARAMS, ICON_PARAMS, NOAUTH_PARAMS, Viewer, has_record, icon_size, parse_day, viewer

PROGRAM_LIST_BAD_PARAMS = 1
PROGRAM_LIST_PID_FROM_NOT_FOUND = 2
PROGRAM_DETAIL_BAD_PARAMS = 1
PROGRAM_SEARCH_BAD_PARAMS = 1

RANGE_PARAMS = [
    Number("cid", required=True),
    Number("time_from"),
    Number("time_to"),
    String("date", max_length=10),
    Number("pid_from"),
]


class Target:
    """The channel or camera a programme list is asked for."""

    def __init__(self, epg_id: int, recording_days: int) -> None:
        self.epg_id = epg_id
        self.recording_days = recording_days


def _target(v: Viewer, cid: int, *, is_camera: bool) -> Target | None:
    if is_camera:
        row = next((r for r in visible_cameras(v) if r["id"] == cid), None)
        return Target(row["epg_channel_id"] or 0, row["recording_days"]) if row else None
    entry = v.entry(cid)
    return Target(entry.epg_id, entry.recording_days) if entry else None


def _range(call: Call, v: Viewer, epg_id: int) -> tuple[int, int]:
    """[start, end) from date, time_from/time_to or pid_from (a programme of the asked
    channel's guide, `epg_id`); today by default."""
    p = call.params
    start = end = None
    if p["date"]:
        try:
            start, end = parse_day(p["date"], v.tz)
        except ValueError as exc:
            raise ApiError(
                PROGRAM_LIST_BAD_PARAMS, "Invalid parameters: date: expected dd.mm.YYYY", {"date": "bad"}
            ) from exc
    if p["time_from"] is not None:
        start = p["time_from"]
    if p["time_to"] is not None:
        end = p["time_to"]
    if p["pid_from"] is not None:
        found = None
        if epg_id:
            found = program_begin(epg_channel_id=epg_id, program_id=p["pid_from"])
        if found is None:
            raise ApiError(
                PROGRAM_LIST_PID_FROM_NOT_FOUND,
                "No programme of this channel matches pid_from",
                {"pid_from": "not found"},
            )
        start = int(found.timestamp())
    if start is None and end is None:
        today = dt.datetime.fromtimestamp(v.now, v.tz).strftime("%d.%m.%Y")
        start, end = parse_day(today, v.tz)
    elif start is None:
        start = end - DAY
    elif end is None:
        end = start + DAY
    if end <= start:
        raise ApiError(
            PROGRAM_LIST_BAD_PARAMS, "Invalid parameters: time_to must be after time_from", {"time_to": "bad"}
        )
    if end - start > settings.SMARTY_PROGRAM_LIST_MAX_DAYS * DAY:
        raise ApiError(
            PROGRAM_LIST_BAD_PARAMS,
            f"Invalid parameters: the range is longer than {settings.SMARTY_PROGRAM_LIST_MAX_DAYS} days",
            {"time_to": "range too long"},
        )
    return start, end


def _program_item(shaped: dict, row: dict, recording_days: int, now: int, archive_url: str = "") -> dict:
    recorded = has_record(row, recording_days, now)
    return {
        "id": row["id"],
        "begin_time": row["b"],
        "end_time": row["e"],
        "name": shaped["name"],
        "short_name": shaped["name"],
        "description": shaped["description"],
        "category": shaped["category"],
        "preview": shaped["preview_url"],
        "rating": shaped["rating"],
        "meta": shaped["meta"],
        "url": f"{archive_url}&pid={row['id']}" if recorded and archive_url else "",
        "has_record": recorded,
        "has_subscription": 1,
        "ads_available": 0,
        "position": 0,
        "blocked": row["blocked"],
    }


@tvmw.method(
    "/program/list/",
    "ProgramList",
    params=[*COMMON_PARAMS, *RANGE_PARAMS, Flag("is_camera")],
    auth=["session"],
)
def program_list(call: Call) -> dict:
    v = viewer(call)
    target = _target(v, call.params["cid"], is_camera=bool(call.params["is_camera"]))
    if target is None:
        raise ApiError(PROGRAM_LIST_BAD_PARAMS, "Invalid parameters: cid: channel not available", {"cid": "unknown"})
    start, end = _range(call, v, target.epg_id)
    rows = programs_between(target.epg_id, start, end) if target.epg_id else []
    dictionaries = epg_dictionaries()
    # A recorded programme's url: the program/url address that redirects to the recording.
    extra = {"is_camera": 1} if call.params["is_camera"] else {}
    archive_url = v.stream_address("/program/url/", cid=call.params["cid"], **extra) if rows else ""
    return {
        "programs": [
            _program_item(
                shape_program(row, v.lang_index, dictionaries), row, target.recording_days, v.now, archive_url
            )
            for row in rows
        ]
    }


@tvmw.method("/noauth/program/list/", "NoAuthProgramList", params=[*NOAUTH_PARAMS, *RANGE_PARAMS], auth=["client"])
def noauth_program_list(call: Call) -> dict:
    v = viewer(call)
    entry = v.entry(call.params["cid"])
    if entry is None:
        raise ApiError(PROGRAM_LIST_BAD_PARAMS, "Invalid parameters: cid: channel not found", {"cid": "unknown"})
    start, end = _range(call, v, entry.epg_id)
    rows = programs_between(entry.epg_id, start, end) if entry.epg_id else []
    dictionaries = epg_dictionaries()
    programs = []
    for row in rows:
        shaped = shape_program(row, v.lang_index, dictionaries)
        programs.append(
            {
                "id": row["id"],
                "begin_time": row["b"],
                "name": shaped["name"],
                "description": shaped["description"],
                "category": shaped["category"],
                "rating": shaped["rating"],
                "meta": shaped["meta"],
            }
        )
    return {"programs": programs}


def _detail(v: Viewer, pid: int) -> tuple[dict, dict]:
    row = program_get(pid)
    if row is None:
        raise ApiError(PROGRAM_DETAIL_BAD_PARAMS, "Invalid parameters: pid: programme not found", {"pid": "not found"})
    return row, shape_program(row, v.lang_index, epg_dictionaries())


def _detail_fields(row: dict, shaped: dict) -> dict:
    return {
        "id": row["id"],
        "begin_time": row["b"],
        "end_time": row["e"],
        "name": shaped["name"],
        "description": shaped["description"],
        "short_name": shaped["name"],
        "category": shaped["category"],
        "preview": shaped["preview_url"],
        "rating": shaped["rating"],
        "meta": shaped["meta"],
    }


@tvmw.method(
    "/program/detail/",
    "ProgramDetail",
    params=[*COMMON_PARAMS, Number("pid", required=True), Number("cid", default=0)],
    auth=["session"],
)
def program_detail(call: Call) -> dict:
    v = viewer(call)
    row, shaped = _detail(v, call.params["pid"])
    cid = call.params["cid"]
    # The programme must be on one of the account's channels (the one named by cid, if any).
    candidates = [e for e in v.entries(True) if e.epg_id == row["epg_channel_id"] and (not cid or e.id == cid)]
    if not candidates:
        raise ApiError(
            PROGRAM_DETAIL_BAD_PARAMS,
            "Invalid parameters: the programme is not on an available channel",
            {"pid": "bad"},
        )
    body = _detail_fields(row, shaped)
    body.update(
        {
            "url": "",
            "has_record": has_record(row, candidates[0].recording_days, v.now),
            "has_subscription": 1,
            "position": 0,
            "blocked": row["blocked"],
            "ads_available": 0,
        }
    )
    return body


@tvmw.method(
    "/noauth/program/detail/",
    "NoAuthProgramDetail",
    params=[*NOAUTH_PARAMS, Number("pid", required=True)],
    auth=["client"],
)
def noauth_program_detail(call: Call) -> dict:
    v = viewer(call)
    row, shaped = _detail(v, call.params["pid"])
    entry = next((e for e in v.entries(True) if e.epg_id == row["epg_channel_id"]), None)
    if entry is None:
        raise ApiError(PROGRAM_DETAIL_BAD_PARAMS, "Invalid parameters: pid: programme not found", {"pid": "not found"})
    body = _detail_fields(row, shaped)
    body.update(
        {
            "blocked": row["blocked"],
            "channel_name": entry.name,
            "channel_icon": live.icon_url(entry.icon, None, None, v.host),
        }
    )
    return body


@tvmw.method(
    "/program/list/search/",
    "ProgramListSearch",
    params=[
        *COMMON_PARAMS,
        *ICON_PARAMS,
        String("search", required=True),
        Flag("skip_unavailable"),
        Flag("only_archive"),
        Number("limit"),
        Number("page", default=1),
    ],
    auth=["session"],
)
def program_list_search(call: Call) -> dict:
    p = call.params
    v = viewer(call)
    width, height = icon_size(call)
    needle = p["search"].strip()
    if len(needle) <= 2:
        raise ApiError(
            PROGRAM_SEARCH_BAD_PARAMS, "Invalid parameters: search: longer than 2 characters", {"search": "short"}
        )
    top = settings.TVMIDDLEWARE_PROGRAM_LIST_SEARCH_LIMIT_RESULTS_TO
    limit = top if p["limit"] is None else p["limit"]
    if limit < 1 or p["page"] < 1:
        raise ApiError(PROGRAM_SEARCH_BAD_PARAMS, "Invalid parameters: limit and page start at 1", {"limit": "bad"})
    limit = min(limit, top)
    by_epg: dict[int, live.ChannelEntry] = {}
    for entry in v.entries(True):
        if entry.epg_id:
            by_epg.setdefault(entry.epg_id, entry)
    if not by_epg:
        return {"results": []}
    depth = max((e.recording_days for e in by_epg.values()), default=0)
    now = dt.datetime.fromtimestamp(v.now, dt.UTC)
    since = dt.datetime.fromtimestamp(v.now - depth * DAY, dt.UTC)
    until = dt.datetime.fromtimestamp(v.now + settings.TVMIDDLEWARE_PROGRAM_LIST_SEARCH_DAYS * DAY, dt.UTC)
    found = program_search_rows(
        epg_channel_ids=by_epg,
        needle=needle,
        lang_index=v.lang_index,
        now=now,
        since=since,
        until=until,
        limit=settings.SMARTY_PROGRAM_SEARCH_SCAN,
    )
    rows = sorted(found, key=_begin)
    dictionaries = epg_dictionaries()
    results = []
    for row in rows:
        entry = by_epg[row["epg_channel_id"]]
        recorded = has_record(row, entry.recording_days, v.now)
        future = row["e"] > v.now
        if p["only_archive"] and not recorded:
            continue
        if not (future or recorded) or (p["skip_unavailable"] and row["blocked"]):
            continue
        shaped = shape_program(row, v.lang_index, dictionaries)
        results.append(
            {
                "id": entry.id,
                "name": entry.name,
                "icon": live.icon_url(entry.icon, width, height, v.host),
                "category_id": entry.category_id,
                "has_record": recorded,
                "blocked": row["blocked"],
                "has_subscription": 1,
                "url": (
                    v.stream_address("/program/url/", cid=entry.id, pid=row["id"])
                    if recorded
                    else entry.url or v.stream_address("/channel/url/", cid=entry.id)
                ),
                "program_id": row["id"],
                "program_begin_time": row["b"],
                "program_end_time": row["e"],
                "program_name": shaped["name"],
                "program_short_name": shaped["name"],
                "program_description": shaped["description"],
                "program_category": shaped["category"],
                "program_rating": shaped["rating"],
                "program_preview_url": shaped["preview_url"],
                "program_meta": shaped["meta"],
            }
        )
    offset = (p["page"] - 1) * limit
    return {"results": results[offset : offset + limit]}


def _begin(row: dict) -> tuple[int, int]:
    return row["b"], row["id"]
