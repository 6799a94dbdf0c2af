"""Device (reference tvmw/Device.md): whether a device is bound to an account of the operator,
asked before login. Contact details come back masked: enough to recognise, not to read."""

from __future__ import annotations

from accounts.selectors import account_by_device_uid
from smarty.api import ApiError, Call, String, wire_number

from .. import errors
from ..api import tvmw


def mask(value: str, *, keep_start: int = 2, keep_end: int = 2) -> str:
    """`+7900*****67`: the ends kept, the middle starred ("" stays "")."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[len(value) - keep_end :]


def mask_email(value: str) -> str:
    if "@" not in value:
        return mask(value)
    local, _, domain = value.partition("@")
    return f"{mask(local, keep_start=1, keep_end=0)}@{domain}"


@tvmw.method(
    "/noauth/device/exists/",
    "NoAuthDeviceExists",
    params=[String("device_uid", max_length=128), String("device"), String("lang", default="")],
    auth=["client"],
    param_error_code=errors.DEVICE_EXISTS_MISSING_PARAM,
)
def device_exists(call: Call) -> dict:
    uid = (call.params["device_uid"] or "").strip()
    if not uid:
        raise ApiError(errors.DEVICE_EXISTS_MISSING_PARAM, "device_uid is required", {"device_uid": "required"})
    device = account_by_device_uid(client=call.client, device_uid=uid)
    if device is None:
        raise ApiError(errors.DEVICE_EXISTS_NOT_FOUND, "Device not found", {"device_uid": "not found"})
    account = device.account
    customer = account.customer
    abonement = account.abonement
    return {
        "error_message": "",
        "abonement": wire_number(abonement),
        "mobile_phone": mask(customer.mobile_phone_number, keep_start=4),
        "phone_number_1": mask(customer.phone_number_1, keep_start=4),
        "phone_number_2": mask(customer.phone_number_2, keep_start=4),
        "email": mask_email(customer.email),
        "ext_id": customer.ext_id,
    }
