"""Camera settings (reference tvmw/Camera.md): /camera/settings/set/ marks a camera the
account may see as a favourite or not."""

from __future__ import annotations

from portal.services import camera_favorite_set
from smarty.api import ApiError, Call, Flag, Number

from ..api import tvmw
from .camera import visible_cameras
from .live_common import COMMON_PARAMS, viewer

CAMERA_SETTINGS_NOT_FOUND = 1


@tvmw.method(
    "/camera/settings/set/",
    "CameraSettingsSet",
    params=[*COMMON_PARAMS, Number("cid", required=True), Flag("is_favorited", default=None)],
    auth=["session"],
    param_error_code=CAMERA_SETTINGS_NOT_FOUND,
)
def camera_settings_set(call: Call) -> dict:
    cid = call.params["cid"]
    if not any(row["id"] == cid for row in visible_cameras(viewer(call))):
        raise ApiError(CAMERA_SETTINGS_NOT_FOUND, "Camera not found", {"cid": "not found"})
    if call.params["is_favorited"] is not None:
        camera_favorite_set(account=call.account, camera_id=cid, favorite=bool(call.params["is_favorited"]))
    return {"error_message": ""}
