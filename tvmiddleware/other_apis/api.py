"""The wire of the monitoring APIs: ViewStats (`/viewstats/api/`), Device Monitoring
(`/device_monitoring/api/`) and DRM (`/drm/api/`) (reference viewstats.md,
device-monitoring.md, drm.md). Thin: parse, call monitoring.services, shape."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.http.request import RawPostDataException

from smarty.api import Api, ApiError, Call
from smarty.api.params import json_loads
from smarty.api.render import render

from ..api import authenticate_session, choose_format

# --- ViewStats ------------------------------------------------------------------------------


class StatPush:
    OK = 0
    BAD_PARAMS = 1
    DATABASE = 2
    NOT_AVAILABLE = 3
    LIMIT = 4


class CustomerStatsInfo:
    OK = 0
    NOT_AVAILABLE = 3
    AUTH_REQUIRED = 403


def viewstats_available(client_id: int) -> bool:
    allowed = settings.SMARTY_VIEWSTATS_CLIENTS
    return not allowed or client_id in allowed


def authenticate_viewstats(call: Call) -> None:
    """The TVMW session (authkey + client_id); a method without a 403 code answers its
    "wrong parameter" code instead."""
    try:
        authenticate_session(call)
    except ApiError as exc:
        code = call.method.options.get("auth_error", call.method.param_error_code)
        raise ApiError(code, "authkey: authorization required", {"authkey": "no such session"}) from exc
    if not viewstats_available(call.client.pk):
        raise ApiError(call.method.options["not_available"], "ViewStats is not available for this Client ID")


viewstats = Api(
    "viewstats",
    unknown_error_code=StatPush.DATABASE,
    param_error_code=StatPush.BAD_PARAMS,
    logger="smarty_main",
    authenticators={"session": authenticate_viewstats},
    choose_format=choose_format,
)


# --- Device Monitoring --------------------------------------------------------------------------


class DeviceMonitoring:
    """The codes every Device Monitoring method shares; CommandList adds 3, Password uses 2."""

    OK = 0
    BAD_PARAMS = 1
    DATABASE = 2
    SYSTEM_INFO = 3  # CommandList
    BAD_KEY = 2  # PasswordGenerate


def read_json_body(call: Call) -> None:
    """Device Monitoring takes a JSON object in the POST body (bounded in size); form or
    query parameters are accepted too, for tools that cannot send JSON."""
    content_type = call.request.META.get("CONTENT_TYPE", "")
    if call.request.method != "POST" or content_type.startswith(FORM_TYPES):
        call.state["json"] = {k: v for k, v in call.data.items()}
        return
    try:
        body = call.request.body
    except RawPostDataException:  # the form was read already
        call.state["json"] = {k: v for k, v in call.data.items()}
        return
    if len(body) > settings.SMARTY_DEVICE_MONITORING_MAX_BODY:
        raise ApiError(DeviceMonitoring.BAD_PARAMS, "The request body is too large")
    if not body.strip():
        call.state["json"] = {k: v for k, v in call.data.items()}
        return
    try:
        parsed = json_loads(body)
    except ValueError as exc:
        raise ApiError(DeviceMonitoring.BAD_PARAMS, "The body is not valid JSON") from exc
    if not isinstance(parsed, dict):
        raise ApiError(DeviceMonitoring.BAD_PARAMS, "The body must be a JSON object")
    call.state["json"] = parsed


FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


device_monitoring = Api(
    "device_monitoring",
    unknown_error_code=DeviceMonitoring.DATABASE,
    param_error_code=DeviceMonitoring.BAD_PARAMS,
    logger="smarty_main",
    authenticators={"json": read_json_body},
)


# --- DRM ----------------------------------------------------------------------------------------

DRM_NOT_FOUND = 404
DRM_TYPE_ISSUE = "DRM type identification issue."
CONTENT_ISSUE = (
    "Content identification issue.\n"
    "There is no content with this id and content type or this content type is not supported."
)


def drm_error_status() -> int:
    return DRM_NOT_FOUND


drm = Api(
    "drm",
    unknown_error_code=DRM_NOT_FOUND,
    param_error_code=DRM_NOT_FOUND,
    logger="smarty_main",
)


def drm_refusal(text: str) -> HttpResponse:
    """HTTP 404 (what the license server reads) with the reference's reason, in the API
    envelope: `error` 404 (the reference's error field) and the reason as error_message."""
    return render({"error": DRM_NOT_FOUND, "error_message": text}, "json", status=DRM_NOT_FOUND)
