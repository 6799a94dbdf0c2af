"""Stream addresses (reference tvmw/Channel.md ChannelUrl, Program.md ProgramUrl, Camera.md
CameraUrl) and the stream token check (StreamService.md). Routing, masks and tokens live in
the streaming app; this module parses, picks the content, maps errors to codes and logs
smarty_content_requests events (seed 4.1.9)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone

from channels.selectors import camera_open
from channels.services import channel_viewed
from clients.selectors import play_device_get
from epg.selectors import program_span_at, program_span_by_id
from monitoring.recording import viewing_started
from smarty.api import ApiError, Call, Flag, Number, NumberList, String, parse_params
from smarty.logging import log_event, mask_secret
from streaming import routing, services
from streaming.selectors import routing_camera, routing_channels
from streaming.views import TOKEN_CHECK_PARAMS, token_check, token_deny_status
from tariffs.selectors import account_tariff_ids

from ..api import authenticate_session, tvmw

# ChannelUrl / ProgramUrl / CameraUrl codes (reference).
URL_BAD_PARAMS = 1
URL_DRM_ERROR = 2
URL_NOT_FOUND = 404  # ChannelUrl: channel not found; ProgramUrl: programme not found
CAMERA_URL_BAD_PARAMS = 1  # CameraUrl has no 404: an unknown camera is a wrong `cid`

COMMON = [
    String("authkey"),
    Number("client_id"),
    String("device", default=""),
    String("device_uid", default=""),
    String("lang", default=""),
]


# --- shared steps ---------------------------------------------------------------------------


def _content_request(call: Call) -> None:
    """Authenticator step of the stream methods: the session check plus an early parameter
    check, so that refusals are logged as CONTENT_REQUEST_ERROR like every other failure."""
    try:
        authenticate_session(call)
        call.params = parse_params(call.data, call.method.params, error_code=call.method.param_error_code)
    except ApiError as exc:
        _log_error(call, exc)
        raise


tvmw.authenticators.setdefault("content_request", _content_request)


def _log_error(call: Call, exc: ApiError) -> None:
    log_event(
        "smarty_content_requests",
        "CONTENT_REQUEST_ERROR",
        level="WARNING",
        url=call.request.path,
        params=call.log_params(),
        error=exc.code,
        error_message=exc.message,
    )


def logged(handler: Callable[[Call], HttpResponse | dict]) -> Callable[[Call], HttpResponse | dict]:
    """CONTENT_REQUEST_ERROR for handled errors, CONTENT_REQUEST_FAIL (with the stack trace)
    for unexpected ones; the handler logs its own CONTENT_REQUEST_SUCCESS."""

    @functools.wraps(handler)
    def wrapper(call: Call) -> HttpResponse | dict:
        try:
            return handler(call)
        except ApiError as exc:
            _log_error(call, exc)
            raise
        except Exception:
            log_event(
                "smarty_content_requests",
                "CONTENT_REQUEST_FAIL",
                level="ERROR",
                exc_info=True,
                url=call.request.path,
                params=call.log_params(),
            )
            raise

    return wrapper


def _viewer(call: Call) -> routing.Viewer:
    session, account = call.session, call.account
    play_device = session.play_device if session.play_device_id else play_device_get(call.params["device"])
    device = session.device if session.device_id else None
    return routing.Viewer(
        account_id=account.pk,
        abonement=account.abonement,
        data_center_id=account.data_center_id,
        tariff_ids=frozenset(account_tariff_ids(account)),
        device_group=play_device.device_group if play_device is not None else None,
        device=play_device.system_name if play_device is not None else call.params["device"],
        device_uid=device.device_uid if device is not None else call.params["device_uid"],
        ip=call.ip,
    )


def _answer(call: Call, result: services.StreamUrl, body: dict, *, content_id: int) -> HttpResponse | dict:
    log_event(
        "smarty_content_requests",
        "CONTENT_REQUEST_SUCCESS",
        url=call.request.path,
        params=call.log_params(),
        uri=mask_secret(result.uri, result.token),
        stream_service_id=result.stream_service_id,
        content_id=content_id,
        account_id=call.account.pk,
    )
    if call.params["redirect"]:
        # Built by hand: HttpResponseRedirect refuses udp:// and rtp:// addresses.
        response = HttpResponse(status=302)
        response["Location"] = result.uri
        return response
    return {"error_message": "", **body}


def _viewing(call: Call, viewer: routing.Viewer, kind: str, content_id: int, program_id: int | None = None) -> bool:
    """Viewing statistics: buffered in the cache, no database write (monitoring/recording.py);
    False when the cache did not take the event."""
    return viewing_started(
        client_id=call.client.pk,
        account_id=viewer.account_id,
        content_type=kind,
        content_id=content_id,
        device=viewer.device or "",
        device_uid=viewer.device_uid or "",
        program_id=program_id,
    )


def _not_available(exc: services.StreamingError, *, code: int, field: str) -> ApiError:
    if isinstance(exc, services.UnderMaintenanceError):
        window = exc.window
        return ApiError(
            code,
            f"Technical work: {window.message}" if window.message else "Technical work is in progress",
            {field: "technical work"},
            extra={
                "maintenance": {
                    "id": window.id,
                    "datetime_begin": int(window.start.timestamp()),
                    "datetime_end": int(window.end.timestamp()) if window.end else None,
                    "description": window.message,
                }
            },
        )
    return ApiError(code, str(exc) or "No streaming service is available", {field: "no streaming service"})


def _drm(content: routing.ContentInfo) -> dict:
    drm = content.drm
    if not isinstance(drm, dict) or not drm.get("license_url") or not drm.get("type"):
        raise ApiError(URL_DRM_ERROR, "DRM information of this channel is incomplete", {"get_drm_info": "no DRM data"})
    return {key: str(drm.get(key, "")) for key in ("license_url", "params", "provider", "type")}


def _channel(call: Call, viewer: routing.Viewer, cid: int) -> routing.ContentInfo:
    channel = routing_channels(call.client.pk).get(cid)
    if channel is None or not channel.enabled or not (channel.tariff_ids & viewer.tariff_ids):
        raise ApiError(URL_NOT_FOUND, "cid: channel not found", {"cid": "not found"})
    return channel


def _camera(call: Call, viewer: routing.Viewer, cid: int, *, code: int) -> routing.ContentInfo:
    camera = routing_camera(call.client.pk, cid)
    if camera is not None and camera.enabled:
        tariffs = frozenset(camera.tariff_ids or ())
        viewer_tariffs = frozenset(viewer.tariff_ids or ())
        if camera_open(
            bound_to=camera.account_id, tariffs=tariffs, account_id=viewer.account_id, tariff_ids=viewer_tariffs
        ):
            return camera
    raise ApiError(code, "cid: camera not found", {"cid": "not found"})


# --- /channel/url/ ------------------------------------------------------------------------------


@tvmw.method(
    "/channel/url/",
    "ChannelUrl",
    params=[
        Number("cid", required=True),
        Flag("redirect", default=1),
        NumberList("exclude_service_id"),
        Flag("get_drm_info", default=0),
        String("audio_pid", default=""),
        String("text_pid", default=""),
        String("video_pid", default=""),
        *COMMON,
    ],
    auth=["content_request"],
    param_error_code=URL_BAD_PARAMS,
)
@logged
def channel_url(call: Call) -> HttpResponse | dict:
    p = call.params
    viewer = _viewer(call)
    channel = _channel(call, viewer, p["cid"])
    drm = _drm(channel) if p["get_drm_info"] and channel.drm is not None else None
    try:
        result = services.stream_url_build(
            client_id=call.client.pk,
            kind=routing.LIVE,
            content=channel,
            viewer=viewer,
            exclude=p["exclude_service_id"],
            channel_id=channel.id,
        )
    except services.StreamingError as exc:
        raise _not_available(exc, code=URL_NOT_FOUND, field="cid") from exc
    body = {
        "uri": result.uri,
        "stream_service_id": result.stream_service_id,
        "archive_preview_url_mask": result.preview_mask,
    }
    if drm is not None:
        body["drm"] = drm
    if not _viewing(call, viewer, "live", channel.id):
        # The buffer would have stored "last viewed" at its flush: store it now instead.
        channel_viewed(account=call.account, channel_id=channel.id)
    return _answer(call, result, body, content_id=channel.id)


# --- /program/url/ ------------------------------------------------------------------------------


def _recording(call: Call, content: routing.ContentInfo, now: dt.datetime) -> tuple[dt.datetime, int]:
    """(start, duration) of the requested recording; 404 outside the archive."""
    p = call.params
    span = None
    if p["pid"] is not None:
        if content.epg_channel_id is not None:
            span = program_span_by_id(
                epg_channel_id=content.epg_channel_id,
                program_id=p["pid"],
                now=int(now.timestamp()),
                days_back=content.recording_days,
            )
        if span is None:
            raise ApiError(URL_NOT_FOUND, "pid: programme not found on this channel", {"pid": "not found"})
    else:
        moment = dt.datetime.fromtimestamp(p["time"], dt.UTC)
        # Only days the archive can answer for: any other time is refused below all the same,
        # and the guide's day windows of whatever a client sends are not built for it.
        earliest = now - dt.timedelta(days=max(content.recording_days, 0) + 1)
        if content.epg_channel_id is not None and earliest <= moment <= now + dt.timedelta(days=1):
            span = program_span_at(epg_channel_id=content.epg_channel_id, moment=p["time"])
    if span is not None:
        start, duration = dt.datetime.fromtimestamp(span[0], dt.UTC), span[1] - span[0]
        field = "pid" if p["pid"] is not None else "time"
    else:
        start, duration, field = moment, settings.SMARTY_ARCHIVE_NO_EPG_DURATION, "time"
    if content.recording_days <= 0:
        raise ApiError(URL_NOT_FOUND, "cid: this channel has no archive", {"cid": "no archive"})
    if start >= now:
        raise ApiError(URL_NOT_FOUND, f"{field}: the programme has not started yet", {field: "in the future"})
    if start < now - dt.timedelta(days=content.recording_days):
        raise ApiError(
            URL_NOT_FOUND,
            f"{field}: older than the archive depth of {content.recording_days} days",
            {field: "too old"},
        )
    return start, duration


@tvmw.method(
    "/program/url/",
    "ProgramUrl",
    params=[
        Number("cid", required=True),
        Number("pid"),
        Number("time"),
        Flag("is_camera", default=0),
        Flag("redirect", default=1),
        NumberList("exclude_service_id"),
        Flag("tv_pause", default=0),
        String("audio_pid", default=""),
        String("text_pid", default=""),
        String("video_pid", default=""),
        Flag("get_drm_info", default=0),
        *COMMON,
    ],
    auth=["content_request"],
    param_error_code=URL_BAD_PARAMS,
)
@logged
def program_url(call: Call) -> HttpResponse | dict:
    p = call.params
    if p["pid"] is None and p["time"] is None:
        raise ApiError(URL_BAD_PARAMS, "pid or time: one of them is required", {"pid": "required", "time": "required"})
    viewer = _viewer(call)
    if p["is_camera"]:
        content, channel_id = _camera(call, viewer, p["cid"], code=URL_NOT_FOUND), None
    else:
        content = _channel(call, viewer, p["cid"])
        channel_id = content.id
    drm = _drm(content) if p["get_drm_info"] and content.drm is not None else None
    now = timezone.now()
    start, duration = _recording(call, content, now)
    try:
        result = services.stream_url_build(
            client_id=call.client.pk,
            kind=routing.ARCHIVE,
            content=content,
            viewer=viewer,
            exclude=p["exclude_service_id"],
            channel_id=channel_id,
            start=start,
            duration=duration,
            tv_pause=bool(p["tv_pause"]),
            now=now,
        )
    except services.StreamingError as exc:
        raise _not_available(exc, code=URL_NOT_FOUND, field="cid") from exc
    body = {"uri": result.uri, "preview_uri_mask": result.preview_mask, "stream_service_id": result.stream_service_id}
    if drm is not None:
        body["drm"] = drm
    if channel_id is not None:
        _viewing(call, viewer, "archive", channel_id, program_id=p["pid"])
    return _answer(call, result, body, content_id=content.id)


# --- /camera/url/ -------------------------------------------------------------------------------


@tvmw.method(
    "/camera/url/",
    "CameraUrl",
    params=[
        Number("cid", required=True),
        Flag("redirect", default=1),
        NumberList("exclude_service_id"),
        *COMMON,
    ],
    auth=["content_request"],
    param_error_code=CAMERA_URL_BAD_PARAMS,
)
@logged
def camera_url(call: Call) -> HttpResponse | dict:
    p = call.params
    viewer = _viewer(call)
    camera = _camera(call, viewer, p["cid"], code=CAMERA_URL_BAD_PARAMS)
    try:
        result = services.stream_url_build(
            client_id=call.client.pk,
            kind=routing.LIVE,
            content=camera,
            viewer=viewer,
            exclude=p["exclude_service_id"],
        )
    except services.StreamingError as exc:
        raise _not_available(exc, code=CAMERA_URL_BAD_PARAMS, field="cid") from exc
    return _answer(
        call, result, {"uri": result.uri, "stream_service_id": result.stream_service_id}, content_id=camera.id
    )


# --- /streamservice/token/check/ ------------------------------------------------------------

# Streaming servers call it: JSON always, whatever `device` says, and never HTTP 200 unless
# the token is good (streaming/views.py).
tvmw.method(
    "/streamservice/token/check/",
    "StreamServiceTokenCheck",
    error_message=False,
    params=TOKEN_CHECK_PARAMS,
    response_format="json",
    error_status=token_deny_status,
)(token_check)
