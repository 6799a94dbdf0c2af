"""PortalDashboard (reference tvmw/PortalDashboard.md): the rows of the home screen as the
operator composed them in the admin, and what each row shows, filled from live data: the
channels of a row, the programmes on air now, the account's recently watched channels and
programmes; film rows come from portal.vod_rows. The `noauth` variants serve the screen
before login (rows marked for it, every channel of the operator)."""

from __future__ import annotations

from channels import selectors as live
from clients.selectors import play_device_get
from epg.selectors import DAY, epg_dictionaries, program_rows_by_ids, programs_between, shape_program
from monitoring.recording import last_viewed_channels
from portal import selectors as portal
from portal.vod_rows import dashboard_videos, program_selections
from smarty.api import ApiError, Call, Number, NumberList, String

from ..api import tvmw
from .live_common import COMMON_PARAMS, ICON_PARAMS, NOAUTH_PARAMS, Viewer, has_record, icon_size, viewer

# Method codes (reference tvmw/PortalDashboard.md): every method's failure is 1.
DASHBOARD_REQUEST_FAILED = 1
DASHBOARD_LIST_LIMIT = 50  # items of a filled row

T = portal.DashboardType


def device_id(call: Call) -> int | None:
    """The device type asking: the `device` parameter, else the session's."""
    device = play_device_get(call.data.get("device", ""))
    if device is not None:
        return device.pk
    session = call.session
    return session.play_device_id if session is not None else None


def _lang(call: Call) -> str:
    lang = call.data.get("lang") or (getattr(call.session, "lang", "") if call.session is not None else "")
    return lang or ""


def _row(call: Call, *, noauth: bool, types: tuple[int, ...] | None = None) -> portal.Row:
    row = portal.dashboard_get(
        client_id=call.client.pk,
        dashboard_id=call.params["portal_dashboard_id"],
        device_id=device_id(call),
        lang=_lang(call),
        noauth=noauth,
    )
    if row is None or (types is not None and row.type not in types):
        raise ApiError(
            DASHBOARD_REQUEST_FAILED,
            "Invalid parameters: portal_dashboard_id: no such dashboard of this kind for this device",
            {"portal_dashboard_id": "not found"},
        )
    return row


# --- the list of rows ------------------------------------------------------------------------


def _list(call: Call, *, noauth: bool) -> dict:
    rows = portal.dashboard_list(
        client_id=call.client.pk,
        device_id=device_id(call),
        lang=_lang(call),
        template=call.params["template"],
        screen=call.params["screen"],
        noauth=noauth,
    )
    return {"error_message": "", "portaldashboards": [row.shaped for row in rows]}


LIST_PARAMS = [String("template", required=True), String("screen")]


@tvmw.method("/portaldashboard/list/", "PortalDashboardList", params=[*COMMON_PARAMS, *LIST_PARAMS], auth=["session"])
def portaldashboard_list(call: Call) -> dict:
    return _list(call, noauth=False)


@tvmw.method(
    "/noauth/portaldashboard/list/",
    "NoAuthPortalDashboardList",
    params=[*NOAUTH_PARAMS, *LIST_PARAMS],
    auth=["client"],
)
def noauth_portaldashboard_list(call: Call) -> dict:
    return _list(call, noauth=True)


@tvmw.method(
    "/portaldashboard/mainmenu/",
    "PortalDashboardMainMenu",
    params=[*COMMON_PARAMS, Number("portal_dashboard_id", required=True)],
    auth=["session"],
)
def portaldashboard_mainmenu(call: Call) -> dict:
    row = _row(call, noauth=False, types=(T.MAIN_MENU,))
    return {"error_message": "", "mainmenu": list(row.main_menu)}


# --- sliders ---------------------------------------------------------------------------------


def _sliders(call: Call, *, noauth: bool) -> dict:
    lang = _lang(call)
    if call.params["portal_dashboard_id"] is not None:
        rows = [_row(call, noauth=noauth, types=(T.SLIDER,))]
    else:
        rows = [
            r
            for r in portal.dashboard_list(
                client_id=call.client.pk,
                device_id=device_id(call),
                lang=lang,
                template=None,
                screen=None,
                noauth=noauth,
            )
            if r.type == T.SLIDER
        ]
    sliders = [
        {"url": portal.banner_image(banner["images"], lang), "deep_link": banner["deep_link"]}
        for row in rows
        for banner in row.banners
    ]
    return {"error_message": "", "sliders": sliders}


@tvmw.method(
    "/portaldashboard/slider/list/",
    "PortalDashboardSliderList",
    params=[*COMMON_PARAMS, Number("portal_dashboard_id")],
    auth=["session"],
)
def portaldashboard_slider_list(call: Call) -> dict:
    return _sliders(call, noauth=False)


@tvmw.method(
    "/noauth/portaldashboard/slider/list/",
    "NoAuthPortalDashboardSliderList",
    params=[*NOAUTH_PARAMS, Number("portal_dashboard_id")],
    auth=["client"],
)
def noauth_portaldashboard_slider_list(call: Call) -> dict:
    return _sliders(call, noauth=True)


# --- channel rows ----------------------------------------------------------------------------


def row_channels(v: Viewer, row: portal.Row) -> list[live.ChannelEntry]:
    """The channels a row shows that the viewer may watch: the recently watched ones for a
    "recently watched" row; else the row's chosen channels, else its category, else all."""
    entries = v.entries(compact=True)
    if row.type == T.RECENT_CHANNELS:
        if v.account is None:
            return []
        by_id = {e.id: e for e in entries}
        return [by_id[cid] for cid in last_viewed_channels(v.account) if cid in by_id][:DASHBOARD_LIST_LIMIT]
    if row.channel_ids:
        chosen = set(row.channel_ids)
        entries = [e for e in entries if e.id in chosen]
    elif row.category_id:
        entries = [e for e in entries if row.category_id in e.category_ids]
    return entries[:DASHBOARD_LIST_LIMIT]


def _channels(call: Call, *, noauth: bool) -> dict:
    width, height = icon_size(call)
    row = _row(call, noauth=noauth, types=(T.CHANNELS, T.RECENT_CHANNELS, T.PROGRAMS, T.RECENT_PROGRAMS))
    v = viewer(call)
    return {
        "error_message": "",
        "channels": [
            {"id": e.id, "name": e.name, "icon": live.icon_url(e.icon, width, height, v.host)}
            for e in row_channels(v, row)
        ],
    }


@tvmw.method(
    "/portaldashboard/channel/list/",
    "PortalDashboardChannelList",
    params=[*COMMON_PARAMS, *ICON_PARAMS, Number("portal_dashboard_id", required=True)],
    auth=["session"],
)
def portaldashboard_channel_list(call: Call) -> dict:
    return _channels(call, noauth=False)


@tvmw.method(
    "/noauth/portaldashboard/channel/list/",
    "NoAuthPortalDashboardChannelList",
    params=[*NOAUTH_PARAMS, *ICON_PARAMS, Number("portal_dashboard_id", required=True)],
    auth=["client"],
)
def noauth_portaldashboard_channel_list(call: Call) -> dict:
    return _channels(call, noauth=True)


# --- programme rows --------------------------------------------------------------------------


def _program_item(shaped: dict, entry: live.ChannelEntry, v: Viewer, has_rec: int) -> dict:
    return {
        "id": shaped["id"],
        "name": shaped["name"],
        "preview": shaped["preview_url"],
        "begin_time": shaped["begin_time"],
        "end_time": shaped["end_time"],
        "description": shaped["description"],
        "rating": shaped["rating"],
        "has_record": has_rec,
        "meta": shaped["meta"],
        "channel_id": entry.id,
        "channel_name": entry.name,
        "channel_icon_url": live.icon_url(entry.icon, None, None, v.host),
    }


ARCHIVE, ON_AIR, FUTURE = "1", "2", "3"  # display_only_selected_programs (reference)


def _genres_match(row: portal.Row, genre_ids: tuple[int, ...]) -> bool:
    """The row's `genres` filter: any of them (union, the default) or all (intersection)."""
    attributes = row.shaped["attributes"]
    wanted = {int(g) for g in attributes.get("genres") or () if str(g).isdigit()}
    if not wanted:
        return True
    if attributes.get("genres_intersection_or_union") == "intersection":
        return wanted <= set(genre_ids)
    return bool(wanted & set(genre_ids))


def _channel_programs(v: Viewer, row: portal.Row) -> list[dict]:
    """What the row's channels show, by the kinds the row displays: on air now, then the
    programmes to come in the next day by start, then the recorded ones of the last day that
    can still be watched, newest first; filtered by the row's genres. From the guide's cached
    day windows."""
    kinds = set(row.shaped["attributes"].get("display_only_selected_programs") or (ARCHIVE, ON_AIR, FUTURE))
    dictionaries = epg_dictionaries()
    on_air: list[dict] = []
    future: list[tuple[int, int, dict]] = []
    archive: list[tuple[int, int, dict]] = []
    for position, entry in enumerate(row_channels(v, row)):
        if not entry.epg_id:
            continue
        for r in programs_between(entry.epg_id, v.now - DAY, v.now + DAY):
            if not _genres_match(row, r["genre_ids"]):
                continue
            recorded = has_record(r, entry.recording_days, v.now)
            if r["b"] <= v.now < r["e"]:
                kind, bucket, key = ON_AIR, None, None
            elif r["b"] > v.now:
                kind, bucket, key = FUTURE, future, r["b"]
            else:
                kind, bucket, key = ARCHIVE, archive, -r["b"]
            if kind not in kinds or (kind == ARCHIVE and not recorded):
                continue
            item = _program_item(shape_program(r, v.lang_index, dictionaries), entry, v, recorded)
            if bucket is None:
                on_air.append(item)
            else:
                bucket.append((key, position, item))
    future.sort(key=lambda t: t[:2])
    archive.sort(key=lambda t: t[:2])
    programs = on_air + [t[2] for t in future] + [t[2] for t in archive]
    return programs[:DASHBOARD_LIST_LIMIT]


def _recently_watched(v: Viewer) -> list[dict]:
    """Programmes the account stopped watching, newest first, on channels it may watch."""
    positions = portal.content_positions(
        account=v.account, content_type=portal.ContentPositionType.PROGRAM, limit=DASHBOARD_LIST_LIMIT
    )
    if not positions:
        return []
    order = [p.content_id for p in positions]
    rows = {r["id"]: r for r in program_rows_by_ids(order)}
    by_epg: dict[int, live.ChannelEntry] = {}
    for entry in v.entries(compact=True):
        by_epg.setdefault(entry.epg_id, entry)
    dictionaries = epg_dictionaries()
    programs = []
    for program_id in order:
        r = rows.get(program_id)
        entry = by_epg.get(r["epg_channel_id"]) if r is not None else None
        if entry is None:
            continue
        shaped = shape_program(r, v.lang_index, dictionaries)
        programs.append(_program_item(shaped, entry, v, has_record(r, entry.recording_days, v.now)))
    return programs


@tvmw.method(
    "/portaldashboard/program/list/",
    "PortalDashboardProgramList",
    params=[*COMMON_PARAMS, Number("portal_dashboard_id", required=True)],
    auth=["session"],
)
def portaldashboard_program_list(call: Call) -> dict:
    row = _row(call, noauth=False, types=(T.PROGRAMS, T.RECENT_PROGRAMS))
    v = viewer(call)
    programs = _recently_watched(v) if row.type == T.RECENT_PROGRAMS else _channel_programs(v, row)
    return {"error_message": "", "programs": programs}


@tvmw.method(
    "/portaldashboard/selection/list/last/",
    "PortalDashboardSelectionListLast",
    params=COMMON_PARAMS,
    auth=["session"],
)
def portaldashboard_selection_list_last(call: Call) -> dict:
    """The EPG selections holding the programmes the account watched last (its programme
    positions, newest first), on channels it may still watch: one item per selection and
    programme."""
    v = viewer(call)
    positions = portal.content_positions(
        account=v.account, content_type=portal.ContentPositionType.PROGRAM, limit=DASHBOARD_LIST_LIMIT
    )
    if not positions:
        return {"error_message": "", "selections": []}
    order = [p.content_id for p in positions]
    by_program = program_selections(client_id=v.client_id, program_ids=order, lang_index=v.lang_index)
    wanted = [pid for pid in order if by_program.get(pid)]
    if not wanted:
        return {"error_message": "", "selections": []}
    rows = {r["id"]: r for r in program_rows_by_ids(wanted)}
    by_epg: dict[int, live.ChannelEntry] = {}
    for entry in v.entries(compact=True):
        by_epg.setdefault(entry.epg_id, entry)
    dictionaries = epg_dictionaries()
    selections = []
    for program_id in wanted:
        r = rows.get(program_id)
        entry = by_epg.get(r["epg_channel_id"]) if r is not None else None
        if entry is None:
            continue
        name = shape_program(r, v.lang_index, dictionaries)["name"]
        selections.extend(
            {
                **s,
                "epg_id": program_id,
                "epg_name": name,
                "program_begin_time": r["b"],
                "channel_id": entry.id,
            }
            for s in by_program[program_id]
        )
    return {"error_message": "", "selections": selections}


# --- film rows -------------------------------------------------------------------------------


def _videos(call: Call, *, noauth: bool) -> dict:
    row = _row(call, noauth=noauth, types=(T.VIDEOS, T.RECENT_VIDEOS))
    v = viewer(call)
    videos = dashboard_videos(
        client_id=call.client.pk,
        row=row,
        account=None if noauth else call.account,
        lang_index=v.lang_index,
        tariff_ids=call.params.get("tariff_id") or [],
        exclude_tariff_ids=call.params.get("exclude_tariff_id") or [],
    )
    return {"error_message": "", "videos": videos}


@tvmw.method(
    "/portaldashboard/video/list/",
    "PortalDashboardVideoList",
    params=[*COMMON_PARAMS, Number("portal_dashboard_id", required=True)],
    auth=["session"],
)
def portaldashboard_video_list(call: Call) -> dict:
    return _videos(call, noauth=False)


@tvmw.method(
    "/noauth/portaldashboard/video/list/",
    "NoAuthPortalDashboardVideoList",
    params=[
        *NOAUTH_PARAMS,
        NumberList("tariff_id"),
        NumberList("exclude_tariff_id"),
        Number("portal_dashboard_id", required=True),
    ],
    auth=["client"],
)
def noauth_portaldashboard_video_list(call: Call) -> dict:
    return _videos(call, noauth=True)
