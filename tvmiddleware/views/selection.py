"""Selections (reference tvmw/Selection.md): curated collections in their set order. Video
selections show the videos the viewer sees; channel selections the channels its tariffs
open; other content types list their items by id."""

from __future__ import annotations

from channels import selectors as live
from smarty.api import ApiError, Call, Flag, Number, NumberList, String

from .live_common import COMMON_PARAMS, NOAUTH_PARAMS, page_slice, viewer
from .vod_common import VodViewer, actor_item, video_item, vod_method, vod_viewer

BAD_PARAMS = 1
VIDEO, CHANNEL = 2, 0


def _visible_items(v: VodViewer, selection: dict, call: Call) -> list[dict]:
    if selection["content_type"] == VIDEO:
        out = []
        for object_id in selection["items"]:
            row = v.video(object_id)
            if row is not None:
                out.append({"video": row})
        return out
    if selection["content_type"] == CHANNEL:
        live = viewer(call)
        entries = {e.id: e for e in live.entries(True)}
        return [{"channel": entries[i]} for i in selection["items"] if i in entries]
    return [{"other": i} for i in selection["items"]]


def _selections(v: VodViewer, call: Call) -> list[dict]:
    p = call.params
    out = []
    for s in v.lib["selections"]:
        if s["is_hidden"]:
            continue
        if p.get("type") is not None and s["kind"] != p["type"]:
            continue
        if p.get("content_type") is not None and s["content_type"] != p["content_type"]:
            continue
        if p.get("video_provider_id") is not None and s["video_provider_id"] != p["video_provider_id"]:
            continue
        out.append(s)
    if p.get("order"):
        out.sort(key=lambda s: (s["created_at"], s["id"]), reverse=p["order"].startswith("-"))
    return out


LIST_PARAMS = [
    Number("program_id"),
    Number("type", choices=(0, 1)),
    Number("content_type", choices=(0, 1, 2, 3, 4, 5, 6)),
    Number("video_provider_id"),
    Number("limit", lo=1),
    Number("page", default=1, lo=1),
    String("order", choices=("date", "-date")),
]


def _list(call: Call) -> dict:
    v = vod_viewer(call)
    rows = page_slice(call, _selections(v, call), code=BAD_PARAMS)
    return {
        "selections": [
            {
                "promo_image": v.image(v.t(s, "promo_image")),
                "id": s["id"],
                "name": v.t(s, "name"),
                "count": len(_visible_items(v, s, call)),
                "type": s["kind"],
            }
            for s in rows
        ]
    }


@vod_method(
    "/selection/list/",
    "SelectionList",
    params=[*LIST_PARAMS, *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def selection_list(call: Call) -> dict:
    return _list(call)


@vod_method(
    "/noauth/selection/list/",
    "NoAuthSelectionList",
    params=[*LIST_PARAMS, *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_selection_list(call: Call) -> dict:
    return _list(call)


DETAIL_PARAMS = [
    Number("selection_id"),
    Number("program_id"),
    Number("portal_dashboard_id"),
    Flag("compact"),
    Number("cursor", default=0, lo=0),
    Number("limit", default=200, lo=1),
    String("order", choices=("program_begin_time", "-program_begin_time")),
    NumberList("tariff_id"),
    NumberList("exclude_tariff_id"),
]


def _content(v: VodViewer, item: dict, compact: bool) -> dict:
    if "video" in item:
        row = item["video"]
        video = video_item(v, row, compact=compact)
        video["vertical_poster"] = v.image(row["vertical_poster"], "poster")
        if not compact:
            actors = v.lib["actors"]
            video["actors_info"] = [actor_item(v, actors[a]) for a in row["actor_ids"] if a in actors]
            video["package_videos"] = [{"id": i} for i in row["package_ids"]]
        return {"video": video}
    if "channel" in item:
        entry = item["channel"]
        return {
            "channel": {
                "id": entry.id,
                "actions": [],
                "name": entry.name,
                "icon": live.icon_url(entry.icon, None, None, v.host),
                "has_subscription": 1,
            }
        }
    return {"id": item["other"]}


def _detail(call: Call) -> dict:
    p = call.params
    if p["selection_id"] is None and p["program_id"] is None and p["portal_dashboard_id"] is None:
        raise ApiError(
            BAD_PARAMS, "selection_id, program_id or portal_dashboard_id is required", {"selection_id": "required"}
        )
    v = vod_viewer(call)
    selection = next((s for s in v.lib["selections"] if s["id"] == p["selection_id"]), None)
    if selection is None:
        raise ApiError(BAD_PARAMS, "selection_id: selection not found", {"selection_id": "not found"})
    items = _visible_items(v, selection, call)
    if selection["content_type"] == VIDEO and (p["tariff_id"] or p["exclude_tariff_id"]):
        wanted, unwanted = set(p["tariff_id"]), set(p["exclude_tariff_id"])
        items = [
            i
            for i in items
            if (not wanted or i["video"]["tariff_ids"] & wanted) and not (i["video"]["tariff_ids"] & unwanted)
        ]
    start, limit = p["cursor"], p["limit"]
    page = items[start : start + limit]
    next_cursor = start + limit if start + limit < len(items) else -1
    return {
        "name": v.t(selection, "name"),
        "count": len(items),
        "type": selection["kind"],
        "promo_image": v.image(v.t(selection, "promo_image")),
        "next_cursor": next_cursor,
        "contents": [_content(v, i, bool(p["compact"])) for i in page],
    }


@vod_method(
    "/selection/detail/",
    "SelectionDetail",
    params=[*DETAIL_PARAMS, *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def selection_detail(call: Call) -> dict:
    return _detail(call)


@vod_method(
    "/noauth/selection/detail/",
    "NoAuthSelectionDetail",
    params=[*DETAIL_PARAMS, *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_selection_detail(call: Call) -> dict:
    return _detail(call)
