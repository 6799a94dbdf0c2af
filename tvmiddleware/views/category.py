"""Channel and camera categories (reference tvmw/Category.md)."""

from __future__ import annotations

from channels import selectors as live
from smarty.api import ApiError, Call, Number
from smarty.i18n import translated_value

from ..api import tvmw
from .camera import visible_cameras
from .live_common import COMMON_PARAMS, NOAUTH_PARAMS, Viewer, viewer

CAMERA_CATEGORY_LIST_BAD_PARAMS = 1


def _categories(v: Viewer) -> list[dict]:
    counts: dict[int, int] = {}
    for entry in v.entries(True):
        for category_id in entry.category_ids:
            counts[category_id] = counts.get(category_id, 0) + 1
    host, li = v.host, v.lang_index
    return [
        {
            "id": row["id"],
            "name": translated_value(row, "name", li),
            "description": translated_value(row, "description", li),
            "color": row["color"],
            "channels_count": counts.get(row["id"], 0),
            "icon_url": live.icon_url(live.icon_parts(row["icon"]), None, None, host),
            "icon_tv_url": live.icon_url(live.icon_parts(row["icon_tv"] or row["icon"]), None, None, host),
            "dashboard_icon_url": live.icon_url(live.icon_parts(row["dashboard_icon"]), None, None, host),
        }
        for row in live.channel_catalogue(v.client_id)["categories"]
    ]


@tvmw.method("/category/list/", "CategoryList", params=COMMON_PARAMS, auth=["session"])
def category_list(call: Call) -> dict:
    return {"categories": _categories(viewer(call))}


@tvmw.method("/noauth/category/list/", "NoAuthCategoryList", params=NOAUTH_PARAMS, auth=["client"])
def noauth_category_list(call: Call) -> dict:
    return {"categories": _categories(viewer(call))}


@tvmw.method(
    "/camera/category/list/", "CameraCategoryList", params=[*COMMON_PARAMS, Number("city_id")], auth=["session"]
)
def camera_category_list(call: Call) -> dict:
    v = viewer(call)
    city_id = call.params["city_id"]
    if city_id is not None and city_id < 1:
        raise ApiError(CAMERA_CATEGORY_LIST_BAD_PARAMS, "Invalid parameters: city_id", {"city_id": "must be positive"})
    cameras = [c for c in visible_cameras(v) if city_id is None or c["geo_city_id"] == city_id]
    counts: dict[int, int] = {}
    for camera in cameras:
        if camera["camera_category_id"]:
            counts[camera["camera_category_id"]] = counts.get(camera["camera_category_id"], 0) + 1
    categories = []
    for row in live.camera_catalogue(v.client_id)["categories"]:
        if city_id is not None and row["city_id"] != city_id and row["id"] not in counts:
            continue
        categories.append(
            {
                "id": row["id"],
                "name": translated_value(row, "name", v.lang_index),
                "city_name": row["city__name"] or "",
                "cameras_count": counts.get(row["id"], 0),
            }
        )
    return {"categories": categories}
