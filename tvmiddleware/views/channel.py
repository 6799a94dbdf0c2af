"""Live TV (reference tvmw/Channel.md): channel lists, details, icons, sorts, actions and the
programmes of channels. Stream URLs (/channel/url/) belong to the streaming area; lists carry
the channel's static URL (`uri`, else its multicast address) where it has one, else the
session's `channel/url` address, which redirects to the routed, tokenised stream."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from channels import selectors as live
from channels import services
from epg.selectors import (
    DAY,
    day_start,
    epg_days,
    epg_dictionaries,
    premieres_since,
    programs_from,
    rating_number,
    shape_program,
)
from smarty.api import ApiError, Call, Flag, Number, NumberList, String
from smarty.api.render import json_array, json_value, render
from smarty.i18n import translated, translated_value

from ..api import tvmw
from .live_common import (
    COMMON_PARAMS,
    ICON_PARAMS,
    NOAUTH_PARAMS,
    Viewer,
    icon_size,
    id_list,
    json_body,
    page_slice,
    viewer,
)

# Method-specific codes (reference tvmw/Channel.md)
CHANNEL_LIST_SORT_NOT_FOUND = 1
CHANNEL_DETAIL_BAD_PARAMS = 1
CHANNEL_DETAIL_NOT_FOUND = 404
CHANNEL_ACTION_FAILED = 1
CHANNEL_ACTION_NO_FUNDS = 2
CHANNEL_ACTION_ALREADY_DONE = 3
CHANNEL_ACTION_NOT_AVAILABLE = 4
CHANNEL_ACTION_SUBSCRIPTION_REQUIRED = 5
CHANNEL_PROGRAMS_BAD_PARAMS = 1
CHANNEL_LIST_PROGRAMS_SORT_NOT_FOUND = 1
CHANNEL_LIST_PROGRAMS_BAD_CHANNELS = 2
PREMIERE_LIST_BAD_PARAMS = 1
# `timeshift_offset` of channel/programs and premiere/list: the channel's shift in hours.
MAX_TIMESHIFT_HOURS = 24
V2_BAD_PARAMS = 400
V2_NOT_FOUND = 404
V2_CHANNELS_NOT_AVAILABLE = 1

LIST_PARAMS = [
    *COMMON_PARAMS,
    *ICON_PARAMS,
    Number("page", default=1),
    Number("limit"),
    Flag("compact"),
    Flag("account_sort", default=1),
    Flag("reject_multicast"),
    Number("channel_sort_id"),
]

# Fields the reference marks "not returned with compact=1" in v2/channel/info.
V2_COMPACT_DROPPED = ("pause_live_tv_shift", "drm_available", "lcn_number", "ads_available", "show_in_all")
NOAUTH_INFO_DROPPED = (
    "is_favorited",
    "is_hidden",
    "has_subscription",
    "url",
    "max_archive_duration",
    "ads_available",
    "lcn_number",
)


# --- assembly --------------------------------------------------------------------------------


def ordered(v: Viewer, entries: list, *, account_sort: bool, channel_sort_id: int | None, code: int) -> list:
    """The entries in the order asked for. `account_sort=0` resets the account's own order
    (the reference: "the account's sorting is reset"), written only when there is one."""
    if not account_sort and v.account is not None and v.settings.order:
        services.account_channels_sort_reset(account=v.account)
    try:
        return live.ordered_entries(
            entries,
            client_id=v.client_id,
            settings_=v.settings if v.account is not None else None,
            account_sort=account_sort,
            channel_sort_id=channel_sort_id,
        )
    except live.SortNotFoundError as exc:
        raise ApiError(
            code, f"Channel sort {channel_sort_id} does not exist", {"channel_sort_id": "not found"}
        ) from exc


# One channel/list item in JSON: the cached common fields (ChannelEntry.base_json), the
# request's, then the programmes' members (Slot.*_json) with their leading commas. The same
# bytes to_json writes for the item's dict (tests/tvmiddleware/test_channel_list.py).
_ITEM_JSON = (
    b'{%b,"icon":%b,"url":%b,"is_hidden":%d,"is_favorited":%d,"is_parent_control":%d,'
    b'"timeshift_offset":%d,"channel_sort":%d%b}'
)


def channel_items(
    v: Viewer,
    positioned: list[tuple[int, live.ChannelEntry]],
    *,
    compact: bool,
    reject_multicast: bool,
    icon: tuple[int | None, int | None],
    with_programs: bool = True,
    as_json: bool = False,
) -> list:
    """The channel/list item of each (position, entry): the cached common fields, then the
    account's flags, the icon at the asked size and the programme on air and the next one.

    as_json: each item as JSON bytes (for json_array) joined from the fragments the channel
    view and the now/next snapshot keep (ChannelEntry.base_json, Slot.*_json), not built as a
    dict and encoded again: hundreds of items a list, shared by every account with the same
    channels. Otherwise dicts (XML answers, callers that change the items)."""
    width, height = icon
    host = v.host
    account_settings = v.settings
    favorites, hidden, parent = account_settings.favorites, account_settings.hidden, account_settings.parent
    timeshift = v.timeshift_offset
    snapshot = live.now_next(v.client_id, v.lang_index, v.now) if with_programs else {}
    now = v.now
    empty = live.EMPTY_SLOT
    icon_url, current_and_next = live.icon_url, live.current_and_next
    # A channel without a static URL is routed: the address that redirects to its stream.
    routed = v.stream_addresses("/channel/url/", "cid")
    no_programs: dict = {}
    items = []
    for position, entry in positioned:
        ident = entry.id
        on_air = upcoming = None
        if with_programs:
            on_air, upcoming = current_and_next(snapshot.get(entry.epg_id), now)
            on_air = on_air or empty
            upcoming = None if compact else upcoming or empty
        url = ("" if reject_multicast and entry.multicast else entry.url) if entry.url else routed(ident)
        icon_text = icon_url(entry.icon, width, height, host)
        is_hidden = 1 if ident in hidden else 0
        is_favorited = 1 if ident in favorites else 0
        is_parent = 1 if parent.get(ident, entry.parent) else 0
        if as_json:
            programs = b""
            if on_air is not None:
                programs = b"," + (on_air.current_compact_json if compact else on_air.current_json)
                if upcoming is not None:
                    programs += b"," + upcoming.next_json
            items.append(
                _ITEM_JSON
                % (
                    entry.base_json,
                    json_value(icon_text),
                    json_value(url),
                    is_hidden,
                    is_favorited,
                    is_parent,
                    timeshift,
                    position,
                    programs,
                )
            )
            continue
        current = following = no_programs
        if on_air is not None:
            current = on_air.current_compact if compact else on_air.current
            if upcoming is not None:
                following = upcoming.next
        # One dict display: the cached common fields, then the request's, then the programmes.
        items.append(
            {
                **entry.base,
                "icon": icon_text,
                "url": url,
                "is_hidden": is_hidden,
                "is_favorited": is_favorited,
                "is_parent_control": is_parent,
                "timeshift_offset": timeshift,
                "channel_sort": position,
                **current,
                **following,
            }
        )
    return items


def list_channels(call: Call, *, search: str | None, as_json: bool = False) -> list:
    p = call.params
    v = viewer(call)
    icon = icon_size(call)
    compact = bool(p["compact"])
    entries = ordered(
        v,
        v.entries(compact),
        account_sort=bool(p["account_sort"]),
        channel_sort_id=p["channel_sort_id"],
        code=CHANNEL_LIST_SORT_NOT_FOUND,
    )
    positioned = list(enumerate(entries, start=1))
    if search:
        needle = search.strip().lower()
        positioned = [(pos, e) for pos, e in positioned if needle in e.search]
    positioned = page_slice(call, positioned)
    reject = bool(p["reject_multicast"])
    return channel_items(v, positioned, compact=compact, reject_multicast=reject, icon=icon, as_json=as_json)


@tvmw.method("/channel/list/", "ChannelList", params=[*LIST_PARAMS, String("search")], auth=["session"])
def channel_list(call: Call) -> dict:
    if call.fmt == "json":  # the items joined from cached fragments (channel_items)
        return {"channels": json_array(list_channels(call, search=call.params["search"], as_json=True))}
    return {"channels": list_channels(call, search=call.params["search"])}


@tvmw.method(
    "/channel/list/search/",
    "ChannelListSearch",
    params=[*LIST_PARAMS, String("search", required=True)],
    auth=["session"],
)
def channel_list_search(call: Call) -> dict:
    items = list_channels(call, search=call.params["search"])
    for item in items:
        item.pop("drm_available", None)  # not a field of this method
    return {"channels": items}


@tvmw.method(
    "/v2/channel/list/",
    "ChannelListV2",
    params=[*COMMON_PARAMS, *ICON_PARAMS],
    auth=["session"],
    param_error_code=V2_BAD_PARAMS,
)
def channel_list_v2(call: Call) -> dict:
    v = viewer(call)
    width, height = icon_size(call)
    account_settings = v.settings
    host = v.host
    channels = []
    for position, e in enumerate(v.entries(compact=True), start=1):
        channels.append(
            {
                "id": e.id,
                "name": e.name,
                "category_id": e.category_id,
                "sort": position,
                "lcn_number": e.lcn_number,
                "has_subscription": 1,
                "is_hidden": 1 if e.id in account_settings.hidden else 0,
                "is_parent_control": 1 if account_settings.parent.get(e.id, e.parent) else 0,
                "is_favorited": 1 if e.id in account_settings.favorites else 0,
                "show_in_all": e.show_in_all,
                "icon": live.icon_url(e.icon, width, height, host),
            }
        )
    return {"channels": channels}


@tvmw.method(
    "/v2/noauth/channel/list/",
    "NoAuthChannelListV2",
    params=[*NOAUTH_PARAMS, *ICON_PARAMS, NumberList("tariff_id"), NumberList("exclude_tariff_id")],
    auth=["client"],
    param_error_code=V2_BAD_PARAMS,
)
def noauth_channel_list_v2(call: Call) -> dict:
    v = viewer(call)
    width, height = icon_size(call)
    only, exclude = set(call.params["tariff_id"]), set(call.params["exclude_tariff_id"])
    catalogue = live.channel_catalogue(v.client_id)["by_id"]
    channels = []
    for position, e in enumerate(v.entries(compact=True), start=1):
        tariffs = catalogue[e.id]["tariff_ids"]
        if (only and not tariffs & only) or (exclude and tariffs & exclude):
            continue
        channels.append(
            {
                "id": e.id,
                "name": e.name,
                "category_id": e.category_id,
                "sort": position,
                "lcn_number": e.lcn_number,
                "is_parent_control": 1 if e.parent else 0,
                "show_in_all": e.show_in_all,
                "icon": live.icon_url(e.icon, width, height, v.host),
            }
        )
    return {"channels": channels}


def _info_ids(call: Call) -> list[int]:
    body = json_body(call)
    if "channel_ids" in body:
        ids = id_list(body["channel_ids"], "channel_ids", V2_BAD_PARAMS)
    else:
        ids = call.params["channel_ids"]
    if not ids:
        raise ApiError(V2_BAD_PARAMS, "Invalid parameters: channel_ids: required", {"channel_ids": "required"})
    return list(dict.fromkeys(ids))


def _info(call: Call, *, noauth: bool) -> dict:
    v = viewer(call)
    icon = icon_size(call)
    compact = bool(call.params["compact"])
    ids = _info_ids(call)
    entries = {e.id: e for e in v.entries(compact)}
    missing = [i for i in ids if i not in entries]
    if missing:
        if noauth:
            raise ApiError(V2_NOT_FOUND, f"Channels not found: {missing}", {"channel_ids": "not found"})
        raise ApiError(
            V2_CHANNELS_NOT_AVAILABLE, f"Channels not available: {missing}", {"channel_ids": "not available"}
        )
    positions = {e.id: pos for pos, e in enumerate(v.entries(compact), start=1)}
    items = channel_items(
        v,
        [(positions[i], entries[i]) for i in ids],
        compact=compact,
        reject_multicast=bool(call.params["reject_multicast"]),
        icon=icon,
    )
    for item, channel_id in zip(items, ids, strict=True):
        item["meta"] = entries[channel_id].meta
        if compact:
            for key in V2_COMPACT_DROPPED:
                item.pop(key, None)
        if noauth:
            for key in NOAUTH_INFO_DROPPED:
                item.pop(key, None)
    return {"programs": items}


INFO_PARAMS = [*ICON_PARAMS, NumberList("channel_ids"), Flag("compact"), Flag("reject_multicast")]


@tvmw.method(
    "/v2/channel/info/",
    "ChannelInfoV2",
    params=[*COMMON_PARAMS, *INFO_PARAMS],
    auth=["session"],
    param_error_code=V2_BAD_PARAMS,
)
def channel_info_v2(call: Call) -> dict:
    return _info(call, noauth=False)


@tvmw.method(
    "/v2/noauth/channel/info/",
    "NoAuthChannelInfoV2",
    params=[*NOAUTH_PARAMS, *INFO_PARAMS],
    auth=["client"],
    param_error_code=V2_BAD_PARAMS,
)
def noauth_channel_info_v2(call: Call) -> dict:
    return _info(call, noauth=True)


@tvmw.method(
    "/channel/icon/list/",
    "ChannelIconList",
    error_message=False,
    params=[*NOAUTH_PARAMS, *ICON_PARAMS],
    auth=["client"],
)
def channel_icon_list(call: Call) -> dict:
    v = viewer(call)
    width, height = icon_size(call)
    host = v.host
    return {"icons": [{"id": e.id, "icon": live.icon_url(e.icon, width, height, host)} for e in v.entries(True)]}


@tvmw.method("/channel/sort/list/", "ChannelSortList", params=COMMON_PARAMS, auth=["session"])
def channel_sort_list(call: Call) -> dict:
    v = viewer(call)
    sorts = live.channel_sorts(v.client_id)
    return {
        "channel_sort": [{"id": sid, "name": translated_value(row, "name", v.lang_index)} for sid, row in sorts.items()]
    }


# --- detail and actions ----------------------------------------------------------------------


def _channel_row(v: Viewer, channel_id: int) -> dict | None:
    return live.channel_catalogue(v.client_id)["by_id"].get(channel_id)


def _actions(v: Viewer, row: dict) -> list[dict]:
    rules = live.tariff_rules(v.client_id)
    opened = v.tariff_ids or frozenset()
    actions = []
    for tariff_id in sorted(row["tariff_ids"]):
        rule = rules.get(tariff_id)
        if rule is None or not rule.enabled:
            continue
        if tariff_id in opened:
            action = "get_channel_url"
        elif rule.hidden or not live.tariff_allowed(
            rule, active=True, device_group=v.device_group, location=None, purpose="channels"
        ):
            continue
        else:
            action = "subscribe"
        actions.append(
            {
                "action": action,
                "tariff_id": tariff_id,
                "is_virtual": False,
                "caption": rule.names.get(f"name_lang{v.lang_index}") or rule.names.get("name", ""),
                "price": rule.price,
                "periodical": rule.periodical,
                "activation_price": rule.activation_price,
            }
        )
    return actions


@tvmw.method(
    "/channel/detail/",
    "ChannelDetail",
    params=[*COMMON_PARAMS, Number("cid", required=True), Flag("show_virtual_tariffs")],
    auth=["session"],
)
def channel_detail(call: Call) -> dict:
    v = viewer(call)
    row = _channel_row(v, call.params["cid"])
    if row is None:
        raise ApiError(CHANNEL_DETAIL_NOT_FOUND, "Channel not found", {"cid": "not found"})
    return {"id": row["id"], "name": translated_value(row, "name", v.lang_index), "actions": _actions(v, row)}


FAVOURITE_ACTIONS = {
    "favorite": {"is_favorite": True},
    "favourite": {"is_favorite": True},
    "unfavorite": {"is_favorite": False},
    "unfavourite": {"is_favorite": False},
    "hide": {"is_hidden": True},
    "unhide": {"is_hidden": False},
}


def _action_flags(call: Call, v: Viewer, flags: dict) -> dict:
    if v.entry(call.params["cid"]) is None:
        raise ApiError(
            CHANNEL_ACTION_NOT_AVAILABLE, "Channel is not available to the account", {"cid": "not available"}
        )
    services.account_channel_set(account=v.account, channel_id=call.params["cid"], **flags)
    return {"result": "ok"}


def _tariff_for_action(call: Call, v: Viewer, row: dict | None) -> int:
    tariff_id = call.params["tariff_id"]
    if tariff_id is None:
        raise ApiError(CHANNEL_ACTION_FAILED, "Invalid parameters: tariff_id: required", {"tariff_id": "required"})
    if row is None or tariff_id not in row["tariff_ids"]:
        raise ApiError(
            CHANNEL_ACTION_NOT_AVAILABLE, "Channel is not available with this tariff", {"tariff_id": "not available"}
        )
    return tariff_id


def _action_get_url(call: Call, v: Viewer) -> dict:
    row = _channel_row(v, call.params["cid"])
    tariff_id = _tariff_for_action(call, v, row)
    if tariff_id not in (v.tariff_ids or ()):
        raise ApiError(CHANNEL_ACTION_SUBSCRIPTION_REQUIRED, "A subscription to the tariff is required")
    entry = v.entry(row["id"])
    return {"result": entry.url if entry is not None else ""}


def _action_subscribe(call: Call, v: Viewer) -> dict:
    row = _channel_row(v, call.params["cid"])
    tariff_id = _tariff_for_action(call, v, row)
    if tariff_id in (v.tariff_ids or ()):
        raise ApiError(CHANNEL_ACTION_ALREADY_DONE, "The tariff is already subscribed")
    # Buying tariffs is the billing area's (customer/tariff/subscribe); see docs/tvmw-content.md.
    raise ApiError(CHANNEL_ACTION_FAILED, "Subscribe to the tariff with /customer/tariff/subscribe/")


CHANNEL_ACTIONS = {"get_channel_url": _action_get_url, "subscribe": _action_subscribe}


@tvmw.method(
    "/channel/action/",
    "ChannelAction",
    params=[*COMMON_PARAMS, Number("cid", required=True), String("action", required=True), Number("tariff_id")],
    auth=["session"],
)
def channel_action(call: Call) -> dict:
    v = viewer(call)
    action = call.params["action"].strip().lower()
    if action in FAVOURITE_ACTIONS:
        return _action_flags(call, v, FAVOURITE_ACTIONS[action])
    handler = CHANNEL_ACTIONS.get(action)
    if handler is None:
        allowed = ", ".join([*CHANNEL_ACTIONS, *FAVOURITE_ACTIONS])
        raise ApiError(
            CHANNEL_ACTION_FAILED, f"Invalid parameters: action: allowed values: {allowed}", {"action": "unknown"}
        )
    return handler(call, v)


# --- programmes of channels --------------------------------------------------------------------


@tvmw.method(
    "/channel/programs/",
    "ChannelPrograms",
    params=[
        *COMMON_PARAMS,
        Number("cid", required=True),
        Number("limit", default=6),
        Number("timeshift_offset", default=0, lo=-MAX_TIMESHIFT_HOURS, hi=MAX_TIMESHIFT_HOURS),
        Flag("compact"),
    ],
    auth=["session"],
)
def channel_programs(call: Call):
    p = call.params
    v = viewer(call)
    if p["limit"] < 1 or p["limit"] > settings.SMARTY_CHANNEL_PROGRAMS_MAX_LIMIT:
        raise ApiError(
            CHANNEL_PROGRAMS_BAD_PARAMS,
            f"Invalid parameters: limit: from 1 to {settings.SMARTY_CHANNEL_PROGRAMS_MAX_LIMIT}",
            {"limit": "out of range"},
        )
    entry = v.entry(p["cid"])
    if entry is None:
        raise ApiError(
            CHANNEL_PROGRAMS_BAD_PARAMS, "Invalid parameters: cid: channel not available", {"cid": "unknown"}
        )
    shift = p["timeshift_offset"] * 3600
    moment = v.now - shift
    rows = programs_from(entry.epg_id, moment, p["limit"], 7 * DAY) if entry.epg_id else []
    dictionaries = epg_dictionaries()
    programs = []
    for row in rows:
        shaped = shape_program(row, v.lang_index, dictionaries)
        item = {
            "id": row["id"],
            "program_name": shaped["name"],
            "program_begin_time": row["b"] + shift,
            "program_end_time": row["e"] + shift,
            "program_preview_url": shaped["preview_url"],
            "program_rating": shaped["rating"],
        }
        if not p["compact"]:
            item["program_category"] = shaped["category"]
            item["program_description"] = shaped["description"]
            item["datetime_begin"] = row["b"]
            item["datetime_end"] = row["e"]
        programs.append(item)
    # Devices may keep the answer until the programme on air ends.
    max_age = rows[0]["e"] - moment if rows and rows[0]["b"] <= moment else 60
    response = render({"error": 0, "programs": programs}, call.fmt)
    response["Cache-Control"] = f"max-age={max(0, min(int(max_age), DAY))}"
    return response


def _list_program_item(shaped: dict) -> dict:
    return {
        "id": shaped["id"],
        "name": shaped["name"],
        "begin_time": shaped["begin_time"],
        "end_time": shaped["end_time"],
        "category_id": shaped["category_id"],
        "category": shaped["category"],
        "description": shaped["description"],
        "preview_url": shaped["preview_url"],
        "rating": shaped["rating"],
        "program_meta": shaped["meta"],
        "program_genres": shaped["genres"],
    }


@tvmw.method(
    "/channel/list/programs/",
    "ChannelListPrograms",
    params=[
        *COMMON_PARAMS,
        NumberList("channel_ids"),
        Number("programs_from_ts", required=True),
        Number("programs_to_ts", required=True),
        Flag("account_sort", default=1),
        Number("channel_sort_id"),
    ],
    auth=["session"],
)
def channel_list_programs(call: Call) -> dict:
    p = call.params
    v = viewer(call)
    start, end = p["programs_from_ts"], p["programs_to_ts"]
    if end <= start or end - start > settings.SMARTY_CHANNEL_LIST_PROGRAMS_MAX_SECONDS:
        raise ApiError(
            1,
            "Invalid parameters: programs_to_ts must follow programs_from_ts by at most "
            f"{settings.SMARTY_CHANNEL_LIST_PROGRAMS_MAX_SECONDS} seconds",
            {"programs_to_ts": "out of range"},
        )
    body = json_body(call)
    ids = (
        id_list(body["channel_ids"], "channel_ids", CHANNEL_LIST_PROGRAMS_BAD_CHANNELS)
        if "channel_ids" in body
        else p["channel_ids"]
    )
    entries = ordered(
        v,
        v.entries(True),
        account_sort=bool(p["account_sort"]),
        channel_sort_id=p["channel_sort_id"],
        code=CHANNEL_LIST_PROGRAMS_SORT_NOT_FOUND,
    )
    if ids:
        wanted = set(ids)
        known = {e.id for e in entries}
        if wanted - known:
            raise ApiError(
                CHANNEL_LIST_PROGRAMS_BAD_CHANNELS,
                f"Channels not available: {sorted(wanted - known)}",
                {"channel_ids": "not available"},
            )
        entries = [e for e in entries if e.id in wanted]
    days = list(range(day_start(start), end, DAY))
    windows = epg_days([e.epg_id for e in entries if e.epg_id], days)
    dictionaries = epg_dictionaries()
    shaped_by_id: dict[int, dict] = {}
    channels = []
    for entry in entries:
        programs, seen, current_id = [], set(), 0
        if entry.epg_id:
            for day in days:
                for row in windows[(entry.epg_id, day)]:
                    if row["id"] in seen or row["e"] <= start or row["b"] >= end:
                        continue
                    seen.add(row["id"])
                    if row["b"] <= v.now < row["e"]:
                        current_id = row["id"]
                    item = shaped_by_id.get(row["id"])
                    if item is None:
                        item = shaped_by_id[row["id"]] = _list_program_item(
                            shape_program(row, v.lang_index, dictionaries)
                        )
                    programs.append(item)
        channels.append({"id": entry.id, "current_program_id": current_id, "programs": programs})
    return {"channels": channels}


@tvmw.method(
    "/premiere/list/",
    "ChannelPremieres",
    params=[
        *COMMON_PARAMS,
        Number("cid"),
        Number("limit", default=0),
        Number("timeshift_offset", default=0, lo=-MAX_TIMESHIFT_HOURS, hi=MAX_TIMESHIFT_HOURS),
        Flag("compact"),
    ],
    auth=["session"],
)
def premiere_list(call: Call) -> dict:
    p = call.params
    v = viewer(call)
    if p["limit"] < 0:
        raise ApiError(PREMIERE_LIST_BAD_PARAMS, "Invalid parameters: limit: must be 0 or more", {"limit": "negative"})
    entries = v.entries(True)
    if p["cid"] is not None:
        entries = [e for e in entries if e.id == p["cid"]]
        if not entries:
            raise ApiError(
                PREMIERE_LIST_BAD_PARAMS, "Invalid parameters: cid: channel not available", {"cid": "unknown"}
            )
    by_epg: dict[int, list] = {}
    for entry in entries:
        if entry.epg_id:
            by_epg.setdefault(entry.epg_id, []).append(entry)
    shift = p["timeshift_offset"] * 3600
    since = dt.datetime.fromtimestamp(v.now - shift, dt.UTC)
    premieres = premieres_since(epg_channel_ids=by_epg, since=since, limit=settings.SMARTY_PREMIERES_MAX)
    counts: dict[int, int] = {}
    out = []
    for premiere in premieres:
        for entry in by_epg.get(premiere.epg_channel_id, ()):
            if p["limit"] and counts.get(entry.id, 0) >= p["limit"]:
                continue
            counts[entry.id] = counts.get(entry.id, 0) + 1
            program = premiere.program
            item = {
                "id": entry.id,
                "program_id": premiere.program_id or 0,
                "program_name": translated(premiere, "name", call.data.get("lang")),
                "program_short_name": premiere.name,
                "program_begin_time": int(premiere.time_begin.timestamp()) + shift,
                "program_preview_url": premiere.image or (program.preview if program else ""),
                "program_rating": rating_number(program.age_rating) if program else 0,
            }
            if not p["compact"]:
                item["icon"] = live.icon_url(entry.icon, None, None, v.host)
                item["name"] = entry.name
                item["program_description"] = translated(premiere, "description", call.data.get("lang"))
                item["program_meta"] = "{}"
            out.append(item)
    return {"premieres": out}
