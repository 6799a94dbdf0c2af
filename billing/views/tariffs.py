"""Tariff group: tariff lists (all, basic, additional, options), create, modify, delete and
the streaming services of a tariff."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from channels.selectors import tariff_list_with_channels
from smarty.api import ApiError, Call, Flag, String
from smarty.api.params import is_digits
from streaming.selectors import stream_service_get
from tariffs import services as tariff_services
from tariffs.selectors import TariffKind, tariff_get

from .. import errors
from ..api import Amount, Id, Int, domain_errors, endpoint, given
from ..services import money
from . import shapes

COUNT = {"lo": 0, "hi": 100_000}
TARIFF_FLAGS = (
    "enabled",
    "assigned_by_default",
    "required",
    "ip_restriction",
    "available_for_inactive_accounts",
    "available_everywhere",
    "display_in_channels_widget",
    "used_for_channel_list",
    "used_for_video_list",
    "used_for_radio_list",
    "available_to_unsubscribe",
)


def tariff_params(*, create: bool) -> list:
    return [
        String("name", required=create, max_length=255),
        Int("period", lo=0, hi=36500, required=create),
        Amount("price"),
        Amount("default_activation_price"),
        Int("sessions_count", required=create, **COUNT),
        Int("basic_sessions_count", required=create, **COUNT),
        Int("basic_tariff_priority", lo=0, hi=10, required=create),
        *[Flag(name, default=None) for name in TARIFF_FLAGS],
    ]


def tariff_data(call: Call, code: int) -> dict:
    data = given(call, [p.name for p in tariff_params(create=False)])
    for name in TARIFF_FLAGS:
        if name in data:
            data[name] = bool(data[name])
    for name in ("price", "default_activation_price"):
        if name in data:
            with domain_errors({ValidationError: code}):
                data[name] = money(data[name], name=name)
    return data


def _list(call: Call, kind: int | None, *, priority: bool = True, channels: bool = True) -> dict:
    tariffs = tariff_list_with_channels(client=call.client, kind=kind, with_channels=channels)
    return {"tariffs": [shapes.tariff(t, call.request, priority=priority, channels=channels) for t in tariffs]}


@endpoint("/tariff/list/", "TariffList")
def tariff_list(call: Call) -> dict:
    return _list(call, None)


@endpoint("/tariff/basic/list/", "TariffBasicList")
def tariff_basic_list(call: Call) -> dict:
    return _list(call, TariffKind.BASIC)


@endpoint("/tariff/additional/list/", "TariffAdditionalList")
def tariff_additional_list(call: Call) -> dict:
    return _list(call, TariffKind.ADDITIONAL, priority=False)


@endpoint("/tariff/option/list/", "TariffOptionList")
def tariff_option_list(call: Call) -> dict:
    return _list(call, TariffKind.OPTION, priority=False, channels=False)


@endpoint(
    "/tariff/create/",
    "TariffCreate",
    params=tariff_params(create=True),
    param_error=errors.TariffCreate.INVALID,
    with_fields=True,
)
def tariff_create(call: Call) -> dict:
    code = errors.TariffCreate.INVALID
    data = tariff_data(call, code)
    with domain_errors({ValidationError: code}):
        tariff = tariff_services.tariff_create(client=call.client, data=data)
    return {"id": tariff.pk}


def _tariff(call: Call, code: int, value: object):
    text = str(value if value is not None else "").strip()
    tariff = None
    if is_digits(text) and len(text) < 16:
        tariff = tariff_get(client=call.client, tariff_id=int(text))
    if tariff is None:
        raise ApiError(code, "Tariff not found", {"tariff_id": "not found"})
    return tariff


@endpoint(
    "/tariff/modify/",
    "TariffModify",
    params=[Id("tariff_id"), *tariff_params(create=False)],
    param_error=errors.TariffModify.NOT_FOUND,
    with_fields=True,
)
def tariff_modify(call: Call) -> dict:
    code = errors.TariffModify.NOT_FOUND
    tariff = _tariff(call, code, call.params["tariff_id"])
    data = tariff_data(call, code)
    if "name" in data and not data["name"].strip():
        raise ApiError(code, "Invalid parameters: name: must not be empty", {"name": "must not be empty"})
    with domain_errors({ValidationError: code}):
        tariff_services.tariff_modify(tariff=tariff, data=data)
    return {}


@endpoint(
    "/tariff/delete/",
    "TariffDelete",
    params=[String("tariff_id", max_length=32)],
    param_error=errors.TariffDelete.NOT_FOUND,
)
def tariff_delete(call: Call) -> dict:
    tariff = _tariff(call, errors.TariffDelete.NOT_FOUND, call.params["tariff_id"])
    tariff_services.tariff_delete(tariff=tariff)
    return {}


def _tariff_and_service(call: Call, code: type) -> tuple:
    tariff = _tariff(call, code.TARIFF_NOT_FOUND, call.params["tariff_id"])
    raw = str(call.params["service_id"] or "").strip()
    service = None
    if is_digits(raw) and len(raw) < 16:
        service = stream_service_get(client=call.client, service_id=int(raw))
    if service is None:
        raise ApiError(code.SERVICE_NOT_FOUND, "Streaming service not found", {"service_id": "not found"})
    return tariff, service


STREAM_PARAMS = [String("tariff_id", max_length=32), String("service_id", max_length=32)]


@endpoint(
    "/tariff/streamservice/assign/",
    "TariffStreamServiceAssign",
    params=STREAM_PARAMS,
    param_error=errors.TariffStreamServiceAssign.FAILED,
)
def tariff_stream_service_assign(call: Call) -> dict:
    tariff, service = _tariff_and_service(call, errors.TariffStreamServiceAssign)
    tariff_services.tariff_stream_service_assign(tariff=tariff, service=service)
    return {}


@endpoint(
    "/tariff/streamservice/remove/",
    "TariffStreamServiceRemove",
    params=STREAM_PARAMS,
    param_error=errors.TariffStreamServiceRemove.FAILED,
)
def tariff_stream_service_remove(call: Call) -> dict:
    tariff, service = _tariff_and_service(call, errors.TariffStreamServiceRemove)
    tariff_services.tariff_stream_service_remove(tariff=tariff, service=service)
    return {}
