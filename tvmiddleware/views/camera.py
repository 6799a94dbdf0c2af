"""Cameras (reference tvmw/Camera.md): list, detail and the cities that have cameras. Stream
URLs (/camera/url/) belong to the streaming area; lists carry the camera's static `uri`."""

from __future__ import annotations

from channels import selectors as live
from portal.selectors import camera_favorite_ids
from smarty.api import ApiError, Call, Flag, Number, String
from smarty.i18n import translated_value

from ..api import tvmw
from .live_common import COMMON_PARAMS, ICON_PARAMS, Viewer, icon_size, viewer

CAMERA_LIST_BAD_PARAMS = 1
CAMERA_DETAIL_FAILED = 1  # the reference's only failure code of CameraDetail


def visible_cameras(v: Viewer) -> list[dict]:
    """Enabled cameras bound to the account or opened by its tariffs, operator order."""
    tariffs = v.tariff_ids or frozenset()
    account_id = v.account.pk
    return [
        row
        for row in live.camera_catalogue(v.client_id)["cameras"]
        if live.camera_visible(row, account_id=account_id, tariff_ids=tariffs)
    ]


CAMERA_PROGRAM_KEYS = (
    "program_id",
    "program_name",
    "program_begin_time",
    "program_end_time",
    "program_category_id",
    "program_category",
    "program_description",
    "program_meta",
)


@tvmw.method(
    "/camera/list/",
    "CameraList",
    params=[
        *COMMON_PARAMS,
        *ICON_PARAMS,
        String("search"),
        Flag("account_sort", default=1),
        Number("city_id"),
        Number("category_id"),
        Flag("favorited_only"),
        Flag("reject_multicast"),
    ],
    auth=["session"],
)
def camera_list(call: Call) -> dict:
    p = call.params
    v = viewer(call)
    width, height = icon_size(call)
    needle = (p["search"] or "").strip().lower()
    snapshot = live.now_next(v.client_id, v.lang_index, v.now)
    favorites = camera_favorite_ids(client_id=v.client_id, account_id=v.account.pk)
    cameras = []
    for position, row in enumerate(visible_cameras(v), start=1):
        name = translated_value(row, "name", v.lang_index)
        if needle and needle not in name.lower() and needle not in row["name"].lower():
            continue
        if p["city_id"] is not None and row["geo_city_id"] != p["city_id"]:
            continue
        if p["category_id"] is not None and row["camera_category_id"] != p["category_id"]:
            continue
        if p["favorited_only"] and row["id"] not in favorites:
            continue
        url = row["uri"]
        current, _ = live.current_and_next(snapshot.get(row["epg_channel_id"]), v.now)
        program = current.current if current is not None else live.EMPTY_CURRENT
        item = {
            "id": row["id"],
            "name": name,
            "icon": live.icon_url(row["icon_parts"], width, height, v.host),
            "category_id": row["camera_category_id"] or 0,
            "timeshift_offset": 0,
            "city_id": row["geo_city_id"] or 0,
            "city_name": row["geo_city__name"] or "",
            "channel_sort": position,
            "camera_sort": position,
            "url": "" if p["reject_multicast"] and live.is_multicast(url) else url,
            "has_record": 1 if row["recording_days"] else 0,
            "has_subscription": 1,
            "max_archive_duration": row["recording_days"],
            "option1": row["option1"],
            "option2": row["option2"],
            "option3": row["option3"],
            "additional_categories": [],
            "is_favorited": 1 if row["id"] in favorites else 0,
            "preview_url": row["preview_url"],
        }
        for key in CAMERA_PROGRAM_KEYS:
            item[key] = program[key]
        cameras.append(item)
    return {"count": len(cameras), "cameras": cameras}


@tvmw.method(
    "/camera/detail/",
    "CameraDetail",
    error_message=False,
    params=[*COMMON_PARAMS, Number("cid", required=True)],
    auth=["session"],
)
def camera_detail(call: Call) -> dict:
    v = viewer(call)
    row = next((r for r in live.camera_catalogue(v.client_id)["cameras"] if r["id"] == call.params["cid"]), None)
    if row is None or (row["account_id"] is not None and row["account_id"] != v.account.pk):
        raise ApiError(CAMERA_DETAIL_FAILED, "Invalid parameters: cid: camera not found", {"cid": "not found"})
    rules = live.tariff_rules(v.client_id)
    opened = v.tariff_ids or frozenset()
    actions = []
    if row["account_id"] is not None:
        actions.append(
            {
                "action": "get_camera_url",
                "tariff_id": 0,
                "caption": "",
                "price": 0,
                "periodical": False,
                "activation_price": 0,
            }
        )
    for tariff_id in sorted(row["tariff_ids"]):
        rule = rules.get(tariff_id)
        if rule is None or not rule.enabled or (tariff_id not in opened and rule.hidden):
            continue
        actions.append(
            {
                "action": "get_camera_url" if tariff_id in opened else "subscribe",
                "tariff_id": tariff_id,
                "caption": rule.names.get(f"name_lang{v.lang_index}") or rule.names.get("name", ""),
                "price": rule.price,
                "periodical": rule.periodical,
                "activation_price": rule.activation_price,
            }
        )
    return {"id": row["id"], "name": translated_value(row, "name", v.lang_index), "actions": actions}


@tvmw.method("/camera/city/list/", "CameraCityList", params=COMMON_PARAMS, auth=["session"])
def camera_city_list(call: Call) -> dict:
    v = viewer(call)
    cities: dict[int, str] = {}
    for row in visible_cameras(v):
        if row["geo_city_id"]:
            cities.setdefault(row["geo_city_id"], row["geo_city__name"])
    return {"cities": [{"id": cid, "name": name} for cid, name in sorted(cities.items(), key=lambda kv: kv[1])]}
