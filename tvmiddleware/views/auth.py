"""Authorization (reference tvmw/Authorization.md): /login/, /login/customer_list/,
/login/ext/, /logout/."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.http import HttpResponse

from accounts.selectors import accounts_by_phone, activation_days_left
from accounts.services.devices import device_clear_reset_flag
from accounts.services.phone import Outcome, normalize_phone, phone_verify
from accounts.services.sessions import (
    LoginError,
    LoginErrorKind,
    LoginRequest,
    generate_device_uid,
    login,
    session_delete,
)
from accounts.services.throttling import login_attempt_take
from clients.selectors import client_get_by_api_key, play_device_get
from monitoring.services import login_counted
from smarty.api import ApiError, Call, Flag, Number, String, wire_number
from smarty.api.render import render
from smarty.logging import log_event
from streaming.selectors import data_center_list

from .. import errors
from ..api import tvmw

AUTHKEY_COOKIE = "authkey"
DEVICE_UID_COOKIE = "device_uid"
COOKIE_SAMESITE = "Strict"

LOGIN_CODES = {
    LoginErrorKind.ACCOUNT_NOT_FOUND: errors.LOGIN_ACCOUNT_NOT_FOUND,
    LoginErrorKind.ACCOUNT_INACTIVE: errors.LOGIN_ACCOUNT_INACTIVE,
    LoginErrorKind.SESSION_CREATE_FAILED: errors.LOGIN_SESSION_CREATE_FAILED,
    LoginErrorKind.BASIC_SESSIONS_LIMIT: errors.LOGIN_BASIC_SESSIONS_LIMIT,
    LoginErrorKind.DEVICE_INVALID: errors.LOGIN_DEVICE_BOUND_ELSEWHERE,
    LoginErrorKind.EXTERNAL_API_ERROR: errors.LOGIN_EXTERNAL_API_ERROR,
    LoginErrorKind.NO_TARIFF: errors.LOGIN_NO_TARIFF,
    LoginErrorKind.FORBIDDEN_SUBNET: errors.LOGIN_FORBIDDEN_SUBNET,
    LoginErrorKind.BASIC_DEVICES_FORBIDDEN: errors.LOGIN_BASIC_DEVICES_FORBIDDEN,
    LoginErrorKind.ADDITIONAL_DEVICES_FORBIDDEN: errors.LOGIN_ADDITIONAL_DEVICES_FORBIDDEN,
    LoginErrorKind.AMBIGUOUS_IP: errors.LOGIN_AMBIGUOUS_IP,
    LoginErrorKind.DEVICE_GROUP_FORBIDDEN: errors.LOGIN_DEVICE_GROUP_FORBIDDEN,
    LoginErrorKind.DEVICE_GROUP_SESSIONS_LIMIT: errors.LOGIN_DEVICE_GROUP_SESSIONS_LIMIT,
    LoginErrorKind.PHONE_INVALID: errors.LOGIN_PHONE_INVALID,
    LoginErrorKind.BAD_UNBINDING_DEVICE: errors.LOGIN_BAD_UNBINDING_DEVICE,
    LoginErrorKind.TOO_MANY_ATTEMPTS: errors.LOGIN_TOO_MANY_ATTEMPTS,
}

# (verification method, outcome) -> login code; "*" matches any method.
PHONE_LOGIN_CODES = {
    ("sms", Outcome.SENT): errors.LOGIN_PHONE_CODE_SENT,
    ("sms", Outcome.AWAITING): errors.LOGIN_PHONE_AWAITING_SMS_CODE,
    ("sms", Outcome.WRONG_CODE): errors.LOGIN_PHONE_WRONG_CODE,
    ("call", Outcome.SENT): errors.LOGIN_PHONE_CALL_REQUESTED,
    ("call", Outcome.AWAITING): errors.LOGIN_PHONE_AWAITING_CALL,
    ("call", Outcome.WRONG_CODE): errors.LOGIN_PHONE_WRONG_CODE,
    ("flash_call", Outcome.SENT): errors.LOGIN_PHONE_FLASH_CALL_SENT,
    ("flash_call", Outcome.AWAITING): errors.LOGIN_PHONE_AWAITING_FLASH_CALL,
    ("flash_call", Outcome.WRONG_CODE): errors.LOGIN_PHONE_FLASH_CALL_WRONG_CODE,
    ("*", Outcome.TOO_FREQUENT): errors.LOGIN_PHONE_TOO_FREQUENT,
    ("*", Outcome.SEND_FAILED): errors.LOGIN_EXTERNAL_API_ERROR,
}

PHONE_MESSAGES = {
    Outcome.SENT: "A confirmation code was sent",
    Outcome.AWAITING: "Waiting for the phone number to be confirmed",
    Outcome.WRONG_CODE: "Invalid validation_code",
    Outcome.TOO_FREQUENT: "Confirmation codes are requested too often",
    Outcome.SEND_FAILED: "The confirmation could not be sent",
}

CUSTOMER_LIST_PHONE_CODES = {
    Outcome.SENT: errors.CUSTOMER_LIST_CODE_SENT,
    Outcome.AWAITING: errors.CUSTOMER_LIST_AWAITING_CODE,
    Outcome.WRONG_CODE: errors.CUSTOMER_LIST_WRONG_CODE,
    Outcome.TOO_FREQUENT: errors.CUSTOMER_LIST_TOO_FREQUENT,
    Outcome.SEND_FAILED: errors.CUSTOMER_LIST_SEND_FAILED,
}


def _login_error(exc: LoginError) -> ApiError:
    fields = {exc.field: exc.message} if exc.field else None
    if exc.kind == LoginErrorKind.PHONE_VERIFICATION:
        verification = exc.verification
        code = PHONE_LOGIN_CODES.get((verification.method, verification.outcome)) or PHONE_LOGIN_CODES.get(
            ("*", verification.outcome), errors.LOGIN_EXTERNAL_API_ERROR
        )
        extra = {"confirmation_phone": verification.confirmation_phone} if verification.method == "call" else {}
        return ApiError(code, PHONE_MESSAGES.get(verification.outcome, ""), fields, extra=extra)
    extra = {"devices": exc.devices} if exc.devices is not None else {}
    return ApiError(LOGIN_CODES[exc.kind], exc.message, fields, extra=extra)


def _data_centers(client) -> list[dict]:
    return data_center_list(client=client)


LOGIN_PARAMS = [
    String("abonement", max_length=32),
    String("phone_number", max_length=32),
    String("password", max_length=128),
    String("device_uid", max_length=128),
    String("device_serial", max_length=128),
    String("device_model", max_length=128),
    String("brand_name", max_length=128),
    Flag("reset_block_status_reason"),
    Flag("try_login_by_phone"),
    String("client_id"),
    String("api_key"),
    String("device"),
    Number("profile_id"),
    String("lang", max_length=8, default=""),
    String("validation_code", max_length=16),
    Number("device_id_for_unbinding"),
    String("app_build_version", max_length=64),
]


@tvmw.method("/login/", "Login", error_message=False, params=LOGIN_PARAMS)
def login_view(call: Call) -> HttpResponse:
    p = call.params
    client = client_get_by_api_key(client_id=p["client_id"] or "", api_key=p["api_key"] or "")
    if client is None:
        log_event("smarty_accounts", "LOGIN_ERROR", reason="client_does_not_exist", params=call.log_params())
        raise ApiError(errors.LOGIN_BAD_CLIENT, "Invalid client_id or api_key", {"api_key": "invalid"})
    device_uid = (p["device_uid"] or call.request.COOKIES.get(DEVICE_UID_COOKIE, "")).strip()[:128]
    generated = not device_uid
    request = LoginRequest(
        client=client,
        ip=call.ip,
        abonement=(p["abonement"] or "").strip(),
        password=p["password"] or "",
        phone_number=p["phone_number"] or "",
        try_login_by_phone=bool(p["try_login_by_phone"]),
        validation_code=p["validation_code"] or "",
        device_uid=device_uid or generate_device_uid(),
        device_uid_generated=generated,
        device_serial=p["device_serial"] or "",
        device_model=p["device_model"] or "",
        brand_name=p["brand_name"] or "",
        play_device=play_device_get(p["device"] or ""),
        user_agent=call.request.META.get("HTTP_USER_AGENT", ""),
        lang=p["lang"] or "",
        reset_block_status_reason=bool(p["reset_block_status_reason"]),
        device_id_for_unbinding=p["device_id_for_unbinding"],
        app_build_version=p["app_build_version"] or "",
        log_params=call.log_params(),
    )
    try:
        result = login(request)
    except LoginError as exc:
        login_counted(client_id=client.pk, ok=False)
        raise _login_error(exc) from None
    login_counted(client_id=client.pk, ok=True)
    account, customer, device = result.account, result.account.customer, result.device
    reset = device_clear_reset_flag(device=device) if not generated else False
    body = {
        "error": 0,
        "authkey": result.session.authkey,
        "utc_time": int(time.time()),
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "abonement": wire_number(account.abonement),
        "account_id": account.pk,
        "customer_id": customer.pk,
        "meta": json.dumps(customer.meta or {}, ensure_ascii=False),
        "customer_ext_id": customer.ext_id,
        "currency": client.default_currency,
        "ip_address": call.ip,
        "activation_days_left": activation_days_left(account),
        "parent_code": account.parent_code,
        "last_channel": account.last_channel_id or -1,
        "device_uid": device.device_uid,
        "template": account.template,
        "use_timeshift": int(account.use_timeshift),
        "contract_number": customer.contract_number,
        "status_reason": account.status_reason,
        "data_center_id": account.data_center_id or -1,
        "data_centers": _data_centers(client),
        "reset_settings": reset,
    }
    response = render(body, call.fmt)
    max_age = settings.SMARTY_SESSION_TTL_DAYS * 86400
    # Both cookies log a browser in (the device UID too, on accounts allowing UID login):
    # no script may read them, they travel only over HTTPS when the login did, and never
    # with a request another site starts (the TVMW API changes state on GET).
    flags = {"httponly": True, "secure": call.request.is_secure(), "samesite": COOKIE_SAMESITE}
    response.set_cookie(AUTHKEY_COOKIE, result.session.authkey, max_age=max_age, **flags)
    response.set_cookie(DEVICE_UID_COOKIE, device.device_uid, max_age=10 * 365 * 86400, **flags)
    return response


@tvmw.method(
    "/login/customer_list/",
    "LoginCustomerList",
    params=[
        String("phone_number", required=True, max_length=32),
        String("validation_code", max_length=16),
        String("device"),
        String("device_uid"),
        String("lang", default=""),
    ],
    auth=["client"],
    param_error_code=errors.CUSTOMER_LIST_BAD_PARAMS,
)
def login_customer_list(call: Call) -> dict:
    phone = normalize_phone(call.params["phone_number"])
    if phone is None:
        raise ApiError(errors.CUSTOMER_LIST_BAD_PARAMS, "Invalid phone_number", {"phone_number": "not a phone number"})
    accounts = accounts_by_phone(client=call.client, phone_digits=phone)
    if not accounts:
        raise ApiError(errors.CUSTOMER_LIST_NONE, "No customer has this phone number")
    # Guessing codes shares the login's per-IP and per-phone failure counters.
    # The attempt takes its slot before the code is checked (exact under concurrency, as the
    # login's); only a wrong code keeps it.
    attempt = login_attempt_take(client_id=call.client.pk, ip=call.ip, login=f"p:{phone}")
    if attempt.refused:
        raise ApiError(errors.CUSTOMER_LIST_TOO_FREQUENT, "Too many attempts, try again later")
    try:
        verification = phone_verify(
            client=call.client, phone=phone, code=call.params["validation_code"] or None, purpose="customer_list"
        )
    except BaseException:
        attempt.release()
        raise
    if verification.outcome != Outcome.WRONG_CODE:
        attempt.release()
    if verification.outcome != Outcome.VERIFIED:
        raise ApiError(CUSTOMER_LIST_PHONE_CODES[verification.outcome], PHONE_MESSAGES[verification.outcome])
    customers = [{"ext_id": a.customer.ext_id, "abonement": wire_number(a.abonement)} for a in accounts]
    several = len({a.customer_id for a in accounts}) > 1
    if several:
        raise ApiError(
            errors.CUSTOMER_LIST_SEVERAL, "Several customers have this phone number", extra={"customers": customers}
        )
    return {"error_message": "", "customers": customers}


@tvmw.method("/login/ext/", "LoginExt", error_message=False, params=[String("client_id"), String("api_key")])
def login_ext(call: Call) -> dict:
    # External-only login needs an external login API; none is configured in this project.
    client = client_get_by_api_key(client_id=call.params["client_id"] or "", api_key=call.params["api_key"] or "")
    if client is None:
        raise ApiError(errors.LOGIN_BAD_CLIENT, "Invalid client_id or api_key", {"api_key": "invalid"})
    raise ApiError(errors.LOGIN_EXTERNAL_API_ERROR, "No external login API is configured for this operator")


@tvmw.method(
    "/logout/",
    "Logout",
    params=[String("device"), String("device_uid"), String("lang", default="")],
    auth=["session"],
)
def logout(call: Call) -> HttpResponse:
    session_delete(session=call.session)
    response = render({"error": 0, "error_message": ""}, call.fmt)
    response.delete_cookie(AUTHKEY_COOKIE, samesite=COOKIE_SAMESITE)
    return response
