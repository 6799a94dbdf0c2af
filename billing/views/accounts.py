"""Account group: accounts, their tariffs, devices, cameras, messages, and authkey/delete."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from accounts.selectors import (
    billing_account_info,
    billing_account_list,
    billing_device_find,
    billing_session_query,
)
from accounts.services import accounts as account_services
from accounts.services import messages
from accounts.services.accounts import (
    AbonementTakenError,
    AccountExtIdTakenError,
    DeviceUidTakenError,
    TariffUnavailableError,
)
from accounts.services.action_log import Source
from channels import services as channel_services
from channels.selectors import camera_list_by_ids
from clients.selectors import client_play_device_candidates
from smarty.api import ApiError, Call, Date, Flag, String
from smarty.api.params import is_digits
from streaming.selectors import data_center_get_any

from .. import errors, subscribers
from ..api import (
    Abonement,
    Id,
    IdList,
    Int,
    IntList,
    account_from,
    customer_from,
    domain_errors,
    endpoint,
    given,
    page_of,
    request_args,
    tariff_from,
)
from . import shapes

SOURCE = Source.BILLING_API
ACCOUNT_REF = [Id("account_id"), Abonement()]
TARIFF_REF = [Id("tariff_id"), Id("vtariff_id"), String("tariff_ext_id", max_length=64)]
RENAME = {"ext_id": "account_ext_id"}

# AccountCreate / AccountModify fields: (wire name, param) in the reference's order.
ACCOUNT_PARAMS = [
    String("account_ext_id", max_length=128),
    Flag("active", default=None),
    String("status_reason", max_length=64),
    Int("auto_activation_period", lo=0, hi=36500),
    Date("extension_date"),
    Date("activation_date"),
    Date("deactivation_date"),
    Flag("allow_multiple_login", default=None),
    Flag("allow_login_by_abonement", default=None),
    Flag("allow_login_by_device_uid", default=None),
    Flag("allow_login_by_ip", default=None),
    String("parent_code", max_length=16),
    Flag("use_timeshift", default=None),
    Int("preferred_timeshift_offset", lo=-1000, hi=1000),
    Int("data_center", lo=0, hi=2**53),
    IntList("allowed_device_groups", lo=0, hi=3),
    String("subnets", max_length=2000),
    String("template", max_length=64),
    String("option1", max_length=255),
    String("option2", max_length=255),
    String("option3", max_length=255),
]
ACCOUNT_WIRE_FIELDS = [p.name for p in ACCOUNT_PARAMS]


def account_data(call: Call, code: int) -> dict:
    """The service's field values from the given wire parameters."""
    data = given(call, ACCOUNT_WIRE_FIELDS)
    if "account_ext_id" in data:
        data["ext_id"] = data.pop("account_ext_id").strip()
    for name in ("active", *[n for n in ACCOUNT_WIRE_FIELDS if n.startswith(("allow_", "use_"))]):
        if name in data:
            data[name] = bool(data[name])
    if "allowed_device_groups" in data:
        data["allowed_device_groups"] = sorted(set(data["allowed_device_groups"]))
    if "data_center" in data:
        data["data_center"] = _data_center(call, data["data_center"], code)
    if "status_reason" in data:
        data["status_reason"] = data["status_reason"].strip()
    return data


def _data_center(call: Call, pk: int, code: int):
    if not pk:
        return None
    found = data_center_get_any(client=call.client, data_center_id=pk)
    if found is None:
        raise ApiError(code, "Invalid parameters: data_center: not found", {"data_center": "not found"})
    return found


# --- accounts ---------------------------------------------------------------------------------


@endpoint(
    "/account/create/",
    "AccountCreate",
    params=[Id("customer_id"), String("ext_id", max_length=128), Abonement(), String("password"), *ACCOUNT_PARAMS],
    param_error=errors.AccountCreate.INVALID,
    with_fields=True,
)
def account_create(call: Call) -> dict:
    code = errors.AccountCreate
    customer = customer_from(call, code.CUSTOMER_NOT_FOUND)
    password = call.params["password"]
    if password is not None and not (is_digits(password) and int(password) <= 999_999):
        raise ApiError(code.INVALID, "Invalid parameters: password: a number 0..999999", {"password": "0..999999"})
    data = account_data(call, code.INVALID)
    with domain_errors(
        {
            ValidationError: code.INVALID,
            AccountExtIdTakenError: code.CREATE_FAILED,
            AbonementTakenError: code.CREATE_FAILED,
        },
        rename=RENAME,
    ):
        account = subscribers.account_create(
            customer=customer, abonement=call.params["abonement"], password=password, data=data, source=SOURCE
        )
    return {"account_id": account.pk, "abonement": account.abonement, "password": account.raw_password}


@endpoint(
    "/account/info/",
    "AccountInfo",
    params=ACCOUNT_REF,
    param_error=errors.AccountInfo.NOT_FOUND,
    numbers=("parent_code",),
)
def account_info(call: Call) -> dict:
    found = account_from(call, errors.AccountInfo.NOT_FOUND)
    account = billing_account_info(account=found)
    return shapes.account(account)


@endpoint(
    "/account/list/",
    "AccountList",
    params=[
        Flag("status", default=None),
        String("status_reason", max_length=64),
        String("device", max_length=64),
        String("abonement_regexp", max_length=200),
        Int("limit", lo=1, hi=10_000),
        Int("page", lo=1, hi=1_000_000),
    ],
    numbers=("accounts.abonement", "accounts.parent_code"),
)
def account_list(call: Call) -> dict:
    status = call.params["status"]
    qs = billing_account_list(
        client=call.client,
        active=None if status is None else bool(status),
        status_reason=call.params["status_reason"] or "",
        device=call.params["device"] or "",
        abonement_regexp=regexp_param(call),
    )
    accounts = page_of(qs, call)
    return {"accounts": [shapes.account(a) for a in accounts]}


def regexp_param(call: Call, name: str = "abonement_regexp") -> str:
    pattern = call.params.get(name) or ""
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ApiError(
                call.method.param_error_code, f"Invalid parameters: {name}: {exc}", {name: "not a regular expression"}
            ) from exc
    return pattern


@endpoint(
    "/account/modify/",
    "AccountModify",
    params=[*ACCOUNT_REF, String("password", max_length=128), Flag("reset_device_settings"), *ACCOUNT_PARAMS],
    param_error=errors.AccountModify.INVALID,
    with_fields=True,
)
def account_modify(call: Call) -> dict:
    code = errors.AccountModify
    account = account_from(call, code.NOT_FOUND)
    data = account_data(call, code.INVALID)
    with domain_errors({ValidationError: code.INVALID, AccountExtIdTakenError: code.INVALID}, rename=RENAME):
        account_services.account_modify(
            account=account,
            data=data,
            password=call.params["password"],
            reset_device_settings=bool(call.params["reset_device_settings"]),
            source=SOURCE,
        )
    return {}


@endpoint("/account/delete/", "AccountDelete", params=ACCOUNT_REF, param_error=errors.AccountDelete.NOT_FOUND)
def account_delete(call: Call) -> dict:
    account = account_from(call, errors.AccountDelete.NOT_FOUND)
    account_services.account_delete(account=account, source=SOURCE)
    return {}


@endpoint(
    "/account/activate/",
    "AccountActivate",
    params=[*ACCOUNT_REF, Flag("notify_external_api")],
    param_error=errors.AccountActivate.NOT_FOUND,
)
def account_activate(call: Call) -> dict:
    # No external API is configured in this server, so notify_external_api has nothing to call.
    account = account_from(call, errors.AccountActivate.NOT_FOUND)
    account_services.account_activate(account=account, source=SOURCE, params=request_args(call))
    return {}


@endpoint(
    "/account/deactivate/",
    "AccountDeactivate",
    params=[*ACCOUNT_REF, Flag("notify_external_api")],
    param_error=errors.AccountDeactivate.NOT_FOUND,
)
def account_deactivate(call: Call) -> dict:
    account = account_from(call, errors.AccountDeactivate.NOT_FOUND)
    account_services.account_deactivate(account=account, source=SOURCE)
    return {}


# --- tariffs ------------------------------------------------------------------------------------


@endpoint(
    "/account/tariff/assign/",
    "AccountTariffAssign",
    params=[*ACCOUNT_REF, *TARIFF_REF],
    param_error=errors.AccountTariffAssign.TARIFF_NOT_FOUND,
)
def account_tariff_assign(call: Call) -> dict:
    code = errors.AccountTariffAssign
    account = account_from(call, code.ACCOUNT_NOT_FOUND)
    tariff = tariff_from(call, code.TARIFF_NOT_FOUND)
    with domain_errors({TariffUnavailableError: code.FAILED}):
        subscribers.account_tariff_assign(account=account, tariffs=[tariff], source=SOURCE)
    return {}


@endpoint(
    "/account/tariff/remove/",
    "AccountTariffRemove",
    params=[*ACCOUNT_REF, *TARIFF_REF],
    param_error=errors.AccountTariffRemove.TARIFF_NOT_FOUND,
)
def account_tariff_remove(call: Call) -> dict:
    code = errors.AccountTariffRemove
    account = account_from(call, code.ACCOUNT_NOT_FOUND)
    tariff = tariff_from(call, code.TARIFF_NOT_FOUND)
    subscribers.account_tariff_remove(account=account, tariffs=[tariff], source=SOURCE)
    return {}


# --- devices ---------------------------------------------------------------------------------------

DEVICE_PARAMS = [
    String("serial_number", max_length=128),
    String("brand_name", max_length=128),
    String("device_model", max_length=128),
    String("diagonal", max_length=16),
    Flag("reset_settings", default=None),
]
SORTS = {"id_asc": ("id",), "id_desc": ("-id",), "priority_asc": ("id",), "priority_desc": ("-id",)}


def device_data(call: Call) -> dict:
    data = given(call, [p.name for p in DEVICE_PARAMS])
    if "reset_settings" in data:
        data["reset_settings"] = bool(data["reset_settings"])
    return data


def new_device_of(call: Call, code: type[errors.AccountDeviceCreate]):
    """AccountDeviceCreate's device_uid and device type (by client_play_device_id or
    system_name, `sort_by` choosing among several): the Billing and the Dealers API alike,
    each with its own error codes (`code`). Returns (device_uid, play_device) or raises."""
    device_uid = (call.params["device_uid"] or "").strip()
    if not device_uid:
        raise ApiError(code.INVALID, "Invalid parameters: device_uid: required", {"device_uid": "required"})
    system_name, cpd_id = call.params["system_name"], call.params["client_play_device_id"]
    if not system_name and cpd_id is None:
        raise ApiError(
            code.DEVICE_TYPE_REQUIRED,
            "Pass system_name or client_play_device_id",
            {"system_name": "required", "client_play_device_id": "required"},
        )
    # ClientPlayDevice is unique per operator and device type, so a system_name names at most
    # one: the reference's code 5 (several devices) cannot occur with this model.
    field = "client_play_device_id" if cpd_id is not None else "system_name"
    candidates = client_play_device_candidates(
        client=call.client,
        client_play_device_id=cpd_id,
        system_name=system_name or "",
        order_by=SORTS.get(call.params["sort_by"] or "", ("id",)),
    )
    if not candidates:
        raise ApiError(code.DEVICE_TYPE_NOT_FOUND, "Device type not found", {field: "not found"})
    if len(candidates) > 1 and not call.params["sort_by"]:
        raise ApiError(code.AMBIGUOUS_DEVICE_TYPE, "Several devices match; pass sort_by", {field: "ambiguous"})
    return device_uid, candidates[0].play_device


@endpoint(
    "/account/device/create/",
    "AccountDeviceCreate",
    params=[
        *ACCOUNT_REF,
        String("device_uid", max_length=128),
        String("system_name", max_length=64),
        Id("client_play_device_id"),
        Flag("filter_by_uid"),
        String("sort_by", choices=("", *SORTS)),
        *DEVICE_PARAMS,
    ],
    param_error=errors.AccountDeviceCreate.INVALID,
    with_fields=True,
)
def account_device_create(call: Call) -> dict:
    code = errors.AccountDeviceCreate
    account = account_from(call, code.ACCOUNT_NOT_FOUND)
    device_uid, play_device = new_device_of(call, code)
    with domain_errors({ValidationError: code.INVALID, DeviceUidTakenError: code.UID_EXISTS}):
        device = account_services.account_device_create(
            account=account,
            device_uid=device_uid,
            play_device=play_device,
            data=device_data(call),
            source=SOURCE,
        )
    return {"device_id": device.pk}


def device_from(call: Call, code: int):
    device_id, device_uid = call.params["device_id"], (call.params["device_uid"] or "").strip()
    if device_id is not None:
        field = "device_id"
    elif device_uid:
        field = "device_uid"
    else:
        raise ApiError(code, "Device not found: pass device_id or device_uid", {"device_id": "required"})
    found = billing_device_find(client=call.client, device_id=device_id, device_uid=device_uid)
    if found is None:
        raise ApiError(code, "Device not found", {field: "not found"})
    return found


@endpoint(
    "/account/device/modify/",
    "AccountDeviceModify",
    params=[Id("device_id"), String("device_uid", max_length=128), *DEVICE_PARAMS],
    param_error=errors.AccountDeviceModify.INVALID,
    with_fields=True,
)
def account_device_modify(call: Call) -> dict:
    code = errors.AccountDeviceModify
    device = device_from(call, code.NOT_FOUND)
    with domain_errors({ValidationError: code.INVALID}):
        account_services.account_device_modify(device=device, data=device_data(call), source=SOURCE)
    return {}


@endpoint(
    "/account/device/delete/",
    "AccountDeviceDelete",
    params=[Id("device_id"), String("device_uid", max_length=128)],
    param_error=errors.AccountDeviceDelete.NOT_FOUND,
)
def account_device_delete(call: Call) -> dict:
    device = device_from(call, errors.AccountDeviceDelete.NOT_FOUND)
    account_services.account_device_delete(device=device, source=SOURCE)
    return {}


# --- cameras ---------------------------------------------------------------------------------------


def cameras_from(call: Call, code: type) -> tuple:
    ids = call.params["camera_id"]
    if not ids:
        raise ApiError(code.BAD_PARAMS, "Invalid parameters: camera_id: required", {"camera_id": "required"})
    account = account_from(call, code.ACCOUNT_NOT_FOUND, abonement_param="")
    cameras = camera_list_by_ids(client=call.client, ids=ids)
    missing = sorted(set(ids) - {c.pk for c in cameras})
    if missing:
        raise ApiError(
            code.CAMERA_NOT_FOUND, f"Camera not found: {', '.join(map(str, missing))}", {"camera_id": "not found"}
        )
    return account, cameras


@endpoint(
    "/account/camera/create/",
    "AccountCameraCreate",
    params=[Id("account_id"), IdList("camera_id")],
    param_error=errors.AccountCameraCreate.BAD_PARAMS,
)
def account_camera_create(call: Call) -> dict:
    account, cameras = cameras_from(call, errors.AccountCameraCreate)
    taken = [c.pk for c in cameras if c.account_id not in (None, account.pk)]
    if taken:
        raise ApiError(
            errors.AccountCameraCreate.BAD_PARAMS,
            f"Camera bound to another account: {', '.join(map(str, taken))}",
            {"camera_id": "bound to another account"},
        )
    channel_services.account_camera_assign(account=account, cameras=cameras)
    return {}


@endpoint(
    "/account/camera/delete/",
    "AccountCameraDelete",
    params=[Id("account_id"), IdList("camera_id")],
    param_error=errors.AccountCameraDelete.BAD_PARAMS,
)
def account_camera_delete(call: Call) -> dict:
    account, cameras = cameras_from(call, errors.AccountCameraDelete)
    foreign = [c.pk for c in cameras if c.account_id != account.pk]
    if foreign:
        raise ApiError(
            errors.AccountCameraDelete.CAMERA_NOT_FOUND,
            f"Camera not bound to this account: {', '.join(map(str, foreign))}",
            {"camera_id": "not bound to this account"},
        )
    channel_services.account_camera_remove(account=account, cameras=cameras)
    return {}


# --- messages -------------------------------------------------------------------------------------


@endpoint(
    "/account/message/create/",
    "AccountMessageCreate",
    params=[
        *ACCOUNT_REF,
        String("text", max_length=10_000),
        String("subject", max_length=255),
        Flag("urgent", default=1),
        Flag("delete_after_reading", default=1),
        Flag("send_message_to_tv_screen", default=1),
        Flag("send_message_by_sms"),
        Flag("send_message_by_email"),
        Flag("send_message_by_cas"),
    ],
    param_error=errors.AccountMessageCreate.INVALID,
    with_fields=True,
)
def account_message_create(call: Call) -> dict:
    code = errors.AccountMessageCreate
    account = account_from(call, code.NOT_FOUND)
    p = call.params
    problems = {}
    if not (p["text"] or "").strip():
        problems["text"] = "required"
    # Only the TV screen channel exists in this server; refusing the others beats pretending.
    for channel in ("send_message_by_sms", "send_message_by_email", "send_message_by_cas"):
        if p[channel]:
            problems[channel] = "this delivery channel is not available"
    if not p["send_message_to_tv_screen"] and not problems:
        problems["send_message_to_tv_screen"] = "no delivery channel chosen"
    if problems:
        message = "; ".join(f"{k}: {v}" for k, v in problems.items())
        raise ApiError(code.INVALID, f"Invalid parameters: {message}", problems)
    with domain_errors({ValidationError: code.INVALID}):
        messages.message_create(
            account=account,
            text=p["text"],
            subject=p["subject"] or "",
            urgent=bool(p["urgent"]),
            delete_after_reading=bool(p["delete_after_reading"]),
        )
    return {}


# --- sessions -------------------------------------------------------------------------------------


@endpoint(
    "/authkey/delete/",
    "AuthkeyDelete",
    params=[Id("authkey_id"), String("authkey_key", max_length=64)],
    param_error=errors.AuthkeyDelete.INVALID,
)
def authkey_delete(call: Call) -> dict:
    code = errors.AuthkeyDelete
    if call.params["authkey_id"] is not None:
        qs, field = billing_session_query(client=call.client, session_id=call.params["authkey_id"]), "authkey_id"
    elif call.params["authkey_key"]:
        qs, field = billing_session_query(client=call.client, authkey=call.params["authkey_key"].strip()), "authkey_key"
    else:
        raise ApiError(
            code.INVALID, "Pass authkey_id or authkey_key", {"authkey_id": "required", "authkey_key": "required"}
        )
    if not account_services.sessions_delete(sessions=qs):
        raise ApiError(code.NOT_FOUND, "Session not found", {field: "not found"})
    return {}
