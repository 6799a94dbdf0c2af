"""Account (reference tvmw/Account.md), the self-service part: register, reset the password,
the parental PIN by SMS, per-account tariff subscriptions, export from another service and
the account's target banners. The rest of the group lives in account.py."""

from __future__ import annotations

from accounts.selectors import account_with_customer_get
from accounts.services.phone import Outcome, normalize_phone
from accounts.services.selfservice import (
    Reason,
    SelfServiceError,
    account_register,
    parent_code_send,
    password_reset,
)
from clients.selectors import dealer_get_enabled, play_device_get
from smarty.api import ApiError, Call, Flag, String, wire_number

from .. import errors
from ..api import tvmw
from .customer import COMMON, SUBSCRIBE_PARAMS, TARIFF_REFS, subscribe, unsubscribe

# Verification outcome -> register code, per verification method.
REGISTER_VERIFY = {
    ("sms", Outcome.SENT): errors.REGISTER_SMS_SENT,
    ("sms", Outcome.AWAITING): errors.REGISTER_AWAITING_SMS_CODE,
    ("sms", Outcome.WRONG_CODE): errors.REGISTER_WRONG_CODE,
    ("call", Outcome.SENT): errors.REGISTER_CALL_REQUESTED,
    ("call", Outcome.AWAITING): errors.REGISTER_AWAITING_CALL,
    ("call", Outcome.WRONG_CODE): errors.REGISTER_WRONG_CODE,
    ("flash_call", Outcome.SENT): errors.REGISTER_FLASH_CALL_SENT,
    ("flash_call", Outcome.AWAITING): errors.REGISTER_AWAITING_FLASH_CALL,
    ("flash_call", Outcome.WRONG_CODE): errors.REGISTER_FLASH_CALL_WRONG_CODE,
}
REGISTER_CODES = {
    Reason.DISABLED: errors.REGISTER_DISABLED,
    Reason.TOO_MANY: errors.REGISTER_TOO_MANY,
    Reason.BAD_PERIOD: errors.REGISTER_BAD_PERIOD,
    Reason.BAD_PHONE: errors.REGISTER_BAD_PHONE,
    Reason.PHONE_TAKEN: errors.REGISTER_PHONE_TAKEN,
    Reason.NEED_PHONE_OR_DEVICE: errors.REGISTER_NEED_PHONE_OR_DEVICE,
    Reason.BAD_DEALER: errors.REGISTER_BAD_DEALER,
    Reason.DEVICE_TAKEN: errors.REGISTER_FAILED,
}


def _register_error(exc: SelfServiceError) -> ApiError:
    verification = exc.verification
    if exc.reason != Reason.VERIFY or verification is None:
        return ApiError(REGISTER_CODES.get(exc.reason, errors.REGISTER_FAILED), str(exc))
    if verification.outcome == Outcome.TOO_FREQUENT:
        return ApiError(errors.REGISTER_SMS_TOO_FREQUENT, "Codes are sent too often")
    code = REGISTER_VERIFY.get((verification.method, verification.outcome), errors.REGISTER_FAILED)
    extra = {"confirmation_phone": verification.confirmation_phone} if verification.confirmation_phone else None
    return ApiError(code, "Phone verification", {"mobile_phone_number": verification.outcome}, extra=extra)


@tvmw.method(
    "/account/register/",
    "AccountRegister",
    params=[
        Flag("send_sms"),
        String("auto_activation_period", max_length=12),
        String("comment", max_length=1000),
        String("mobile_phone_number", max_length=32),
        String("region_code", max_length=8),
        String("code", max_length=16),
        String("device_uid", max_length=128),
        String("device_model", max_length=128),
        String("password", max_length=128),
        String("parent_code", max_length=16),
        Flag("external"),
        String("login", max_length=128),
        String("captcha_code", max_length=32),
        String("dealer_id", max_length=20),
        String("custom_billing_provider_id", max_length=20),
        Flag("generate_confirmation_phone_qrcode"),
        String("device"),
        String("lang", default=""),
    ],
    auth=["client"],
    param_error_code=errors.REGISTER_FAILED,
)
def account_register_view(call: Call) -> dict:
    p = call.params
    if p["external"]:
        raise ApiError(errors.REGISTER_EXTERNAL_FAILED, "No External API is configured")
    if p["custom_billing_provider_id"] is not None:
        raise ApiError(errors.REGISTER_BAD_BILLING_PROVIDER, "Unknown billing handler")
    period = None
    if p["auto_activation_period"] is not None:
        if not p["auto_activation_period"].isascii() or not p["auto_activation_period"].isdigit():
            raise ApiError(errors.REGISTER_BAD_PERIOD, "auto_activation_period: expected days")
        period = int(p["auto_activation_period"])
    dealer = None
    if p["dealer_id"] is not None:
        raw = p["dealer_id"]
        dealer = (
            dealer_get_enabled(client=call.client, dealer_id=int(raw))
            if raw.isascii() and raw.isdigit() and len(raw) < 16
            else None
        )
        if dealer is None:
            raise ApiError(errors.REGISTER_BAD_DEALER, "Unknown dealer_id", {"dealer_id": "not found"})
    phone = None
    if p["mobile_phone_number"]:
        phone = normalize_phone(p["mobile_phone_number"])
        if phone is None:
            raise ApiError(errors.REGISTER_BAD_PHONE, "Invalid phone number", {"mobile_phone_number": "invalid"})
    try:
        result = account_register(
            client=call.client,
            ip=call.ip,
            phone=phone,
            code=p["code"],
            device_uid=(p["device_uid"] or "").strip(),
            play_device=play_device_get(p["device"] or ""),
            device_model=p["device_model"] or "",
            password=p["password"] or "",
            parent_code=p["parent_code"] or "",
            auto_activation_period=period,
            comment=p["comment"] or "",
            dealer=dealer,
        )
    except SelfServiceError as exc:
        raise _register_error(exc) from None
    abonement = result.account.abonement
    return {
        "error_message": "",
        "abonement": wire_number(abonement),
        "password": result.password,
        "captcha_url": "",
        "confirmation_phone": "",
        "confirmation_phone_qrcode_url": "",
    }


RESET_CODES = {
    Reason.NOT_FOUND: errors.RESET_NOT_FOUND,
    Reason.NO_ACCOUNTS: errors.RESET_NO_ACCOUNTS,
    Reason.SEVERAL: errors.RESET_SEVERAL,
    Reason.TOO_MANY: errors.RESET_ALREADY_SENT,
    Reason.SEND_FAILED: errors.RESET_SEND_FAILED,
}
RESET_VERIFY = {
    Outcome.SENT: errors.RESET_CODE_SENT,
    Outcome.AWAITING: errors.RESET_ALREADY_SENT,
    Outcome.TOO_FREQUENT: errors.RESET_ALREADY_SENT,
    Outcome.WRONG_CODE: errors.RESET_WRONG_CODE,
    Outcome.SEND_FAILED: errors.RESET_SEND_FAILED,
}


@tvmw.method(
    "/account/reset_password/",
    "AccountResetPassword",
    params=[
        String("email", max_length=254),
        String("mobile_phone_number", max_length=32),
        String("code", max_length=16),
        *COMMON,
    ],
    auth=["client"],
    param_error_code=errors.RESET_BAD_PARAMS,
)
def account_reset_password(call: Call) -> dict:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    p = call.params
    phone = email = None
    if p["mobile_phone_number"]:
        phone = normalize_phone(p["mobile_phone_number"])
        if phone is None:
            raise ApiError(errors.RESET_BAD_PARAMS, "Invalid phone number", {"mobile_phone_number": "invalid"})
    elif p["email"]:
        email = p["email"].strip()
        try:
            validate_email(email)
        except ValidationError:
            raise ApiError(errors.RESET_BAD_PARAMS, "Invalid email", {"email": "invalid"}) from None
    else:
        raise ApiError(errors.RESET_BAD_PARAMS, "Pass email or mobile_phone_number", {"email": "required"})
    try:
        password_reset(client=call.client, ip=call.ip, phone=phone, email=email, code=p["code"])
    except SelfServiceError as exc:
        if exc.reason == Reason.VERIFY and exc.verification is not None:
            raise ApiError(RESET_VERIFY[exc.verification.outcome], "Verification") from None
        raise ApiError(RESET_CODES[exc.reason], str(exc)) from None
    return {"error_message": ""}


@tvmw.method("/account/send_parent_code_by_sms/", "SendParentCodeBySms", params=COMMON, auth=["session"])
def account_send_parent_code_by_sms(call: Call) -> dict:
    account = account_with_customer_get(client=call.client, account_id=call.account.pk)
    try:
        parent_code_send(account=account)
    except SelfServiceError as exc:
        code = {
            Reason.NO_PHONE: errors.PIN_SMS_NO_PHONE,
            Reason.NO_PIN: errors.PIN_SMS_NO_PIN,
            Reason.SEND_FAILED: errors.PIN_SMS_FAILED,
        }.get(exc.reason)
        if code is None:
            code = errors.PIN_SMS_DAY_LIMIT if str(exc) == "day" else errors.PIN_SMS_TOO_FREQUENT
        raise ApiError(code, "The PIN was not sent") from None
    return {}


@tvmw.method(
    "/account/tariff/subscribe",
    "AccountTariffSubscribe",
    error_message=False,
    params=SUBSCRIBE_PARAMS,
    auth=["session"],
)
def account_tariff_subscribe(call: Call) -> dict:
    return subscribe(call, for_account=True)


@tvmw.method(
    "/account/tariff/unsubscribe",
    "AccountTariffUnsubscribe",
    error_message=False,
    params=[*TARIFF_REFS, *COMMON],
    auth=["session"],
)
def account_tariff_unsubscribe(call: Call) -> dict:
    return unsubscribe(call, for_account=True)


@tvmw.method(
    "/account/export/",
    "AccountExport",
    params=[String("service_id", max_length=32), String("login", max_length=128), String("password"), *COMMON],
    auth=["session"],
)
def account_export(call: Call) -> dict:
    # Moving an account in from another operator would read that operator's accounts with a
    # password typed on this one's device: operators never see each other here, so the
    # function is unavailable, as the reference's code 3 allows.
    raise ApiError(errors.EXPORT_UNAVAILABLE, "Account export is not available")
