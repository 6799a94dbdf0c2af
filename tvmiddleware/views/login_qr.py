"""Login (reference tvmw/Login.md): QR login. A TV asks for a code
(noauth/qr/login/generate) and shows it as a QR code; an already logged-in device of an
account confirms it (qr/login/sync), which opens a session of that account for the TV and
binds the TV's device_uid to it, so the TV's next /login/ by device_uid succeeds. A code
works once and expires after SMARTY_QR_LOGIN_TTL seconds."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse

from accounts.services.sessions import LoginError, LoginErrorKind
from clients.selectors import client_play_device_enabled, play_device_get
from selfservice.selectors import qr_login_get_open
from selfservice.services import QrLoginError, qr_login_confirm, qr_login_create, qr_login_image
from smarty.api import ApiError, Call, String

from .. import errors
from ..api import tvmw

IMAGE_KINDS = {"png": "image/png", "svg": "image/svg+xml"}


@tvmw.method(
    "/noauth/qr/login/generate/",
    "GenerateQRLogin",
    error_message=False,
    params=[String("device"), String("device_uid", max_length=128), String("lang", default="")],
    auth=["client"],
    param_error_code=errors.QR_MISSING_PARAM,
)
def qr_login_generate(call: Call) -> dict:
    device_name, uid = call.params["device"] or "", (call.params["device_uid"] or "").strip()
    missing = {n: "required parameter is missing" for n, v in (("device", device_name), ("device_uid", uid)) if not v}
    if missing:
        raise ApiError(errors.QR_MISSING_PARAM, "Missing parameters: " + ", ".join(missing), missing)
    play_device = play_device_get(device_name)
    allowed = play_device is not None and client_play_device_enabled(client=call.client, play_device=play_device)
    if not allowed:
        raise ApiError(errors.QR_BAD_DEVICE, "Unsupported device type", {"device": "not supported"})
    try:
        qr = qr_login_create(client=call.client, device_uid=uid, play_device=play_device, ip=call.ip)
    except QrLoginError:
        raise ApiError(errors.QR_CREATE_FAILED, "Could not create the QR session") from None
    url = call.request.build_absolute_uri(f"/tvmiddleware/api/noauth/qr/login/image/?token={qr.token}&format=png")
    body = {"qrcode_url": url, "connection_token": qr.token, "session_ttl": settings.SMARTY_QR_LOGIN_TTL}
    if settings.SMARTY_QR_LOGIN_SHOW_CODE:
        body["login_code"] = qr.login_code
    return body


@tvmw.method(
    "/noauth/qr/login/image/",
    "QRLoginImage",
    params=[String("token", required=True, max_length=64), String("format", default="png", choices=tuple(IMAGE_KINDS))],
    param_error_code=errors.QR_MISSING_PARAM,
    extension=True,
)
def qr_login_image_view(call: Call) -> HttpResponse | dict:
    """Not a reference method: the image qrcode_url points at (the token is the secret)."""
    qr = qr_login_get_open(token=call.params["token"])
    if qr is None:
        raise ApiError(errors.NOT_FOUND, "QR session not found or expired")
    kind = call.params["format"]
    response = HttpResponse(qr_login_image(qr=qr, kind=kind), content_type=IMAGE_KINDS[kind])
    response["Cache-Control"] = "no-store"
    return response


SYNC_CODES = {
    LoginErrorKind.ACCOUNT_INACTIVE: errors.QR_SYNC_INACTIVE,
    LoginErrorKind.BASIC_SESSIONS_LIMIT: errors.QR_SYNC_BASIC_SESSIONS_LIMIT,
    LoginErrorKind.DEVICE_INVALID: errors.QR_SYNC_DEVICE_INVALID,
    LoginErrorKind.EXTERNAL_API_ERROR: errors.QR_SYNC_EXTERNAL_API,
    LoginErrorKind.NO_TARIFF: errors.QR_SYNC_NO_TARIFF,
    LoginErrorKind.FORBIDDEN_SUBNET: errors.QR_SYNC_FORBIDDEN_IP,
    LoginErrorKind.BASIC_DEVICES_FORBIDDEN: errors.QR_SYNC_BASIC_FORBIDDEN,
    LoginErrorKind.ADDITIONAL_DEVICES_FORBIDDEN: errors.QR_SYNC_ADDITIONAL_FORBIDDEN,
    LoginErrorKind.DEVICE_GROUP_FORBIDDEN: errors.QR_SYNC_DEVICE_GROUP_FORBIDDEN,
    LoginErrorKind.DEVICE_GROUP_SESSIONS_LIMIT: errors.QR_SYNC_DEVICE_GROUP_LIMIT,
    LoginErrorKind.SESSION_CREATE_FAILED: errors.QR_SYNC_SESSION_FAILED,
}
QR_CODES = {
    "not_found": errors.QR_SYNC_NOT_FOUND,
    "used": errors.QR_SYNC_USED,
    "no_device": errors.QR_SYNC_NO_DEVICE_UID,
    "no_device_type": errors.QR_SYNC_NO_DEVICE_TYPE,
}


@tvmw.method(
    "/qr/login/sync/",
    "SyncQRLogin",
    params=[String("login_code", max_length=16), String("device"), String("device_uid"), String("lang", default="")],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.QR_SYNC_BAD_CODE,
)
def qr_login_sync(call: Call) -> dict:
    code = (call.params["login_code"] or "").strip()
    if not code or not code.isascii() or not code.isdigit():
        raise ApiError(errors.QR_SYNC_BAD_CODE, "Invalid login_code", {"login_code": "invalid"})
    try:
        qr_login_confirm(account=call.account, login_code=code, ip=call.ip, log_params=call.log_params())
    except QrLoginError as exc:
        raise ApiError(QR_CODES.get(exc.reason, errors.QR_SYNC_INTERNAL), str(exc)) from None
    except LoginError as exc:
        raise ApiError(SYNC_CODES.get(exc.kind, errors.QR_SYNC_LOGIN_ERROR), exc.message) from None
    return {"error_message": ""}
