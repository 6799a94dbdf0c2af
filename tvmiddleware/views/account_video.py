"""Bulk settings of videos for an account (reference tvmw/Account.md AccountVideoUpdate)."""

from __future__ import annotations

from smarty.api import ApiError, Call, String, json_loads
from vod import services

from .live_common import COMMON_PARAMS, json_body
from .vod_common import vod_method, vod_viewer

BAD_PARAMS = 400
NOT_FOUND = 404


def _items(raw: object) -> dict[int, bool]:
    if not isinstance(raw, list) or not raw:
        raise ApiError(BAD_PARAMS, "account_video: a non-empty list is required", {"account_video": "expected a list"})
    out: dict[int, bool] = {}
    for item in raw:
        ident = item.get("id") if isinstance(item, dict) else None
        flag = item.get("is_favorited", 0) if isinstance(item, dict) else None
        if isinstance(ident, bool) or not isinstance(ident, int) or ident < 1 or flag not in (0, 1, True, False):
            raise ApiError(
                BAD_PARAMS,
                "account_video: each item needs a numeric id and is_favorited 0 or 1",
                {"account_video": "bad item"},
            )
        out[ident] = bool(flag)
    return out


@vod_method(
    "/v2/account/video/update/",
    "AccountVideoUpdate",
    params=[*COMMON_PARAMS, String("account_video")],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=BAD_PARAMS,
)
def account_video_update(call: Call) -> dict:
    body = json_body(call)
    if "account_video" in body:
        raw = body["account_video"]
    elif call.params["account_video"]:
        try:
            raw = json_loads(call.params["account_video"])
        except ValueError as exc:
            raise ApiError(BAD_PARAMS, "account_video: not JSON", {"account_video": "not JSON"}) from exc
    else:
        raise ApiError(BAD_PARAMS, "account_video: required", {"account_video": "required"})
    items = _items(raw)
    v = vod_viewer(call)
    missing = [i for i in items if v.video(i) is None]
    if missing:
        raise ApiError(NOT_FOUND, "account_video: video not found", {"account_video": f"not found: {missing}"})
    services.account_video_favorite_set(account=v.account, video_ids=items)
    return {}
