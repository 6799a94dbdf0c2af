"""The Billing API object (`/billing/api/`): form parameters over GET or POST, the operator's
`client_id` and an md5(base64(sorted params + billing_api_key)) `signature`, JSON answers.

Common codes: -1 unknown error (logged with a stack trace), -2 bad signature, -3 unknown
client. Each method's own codes are in billing/errors.py. Every request is logged on
smarty_billing_in as BILLING_REQUEST_SUCCESS or BILLING_REQUEST_ERROR.

The helpers below are what the view modules share: `endpoint` registers a signed method,
`account_from`, `customer_from` and `tariff_from` resolve the usual either-or identifiers of
the request's operator, `domain_errors` maps service exceptions to the method's codes.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError

from accounts.selectors import billing_account_get, billing_customer_get
from clients.selectors import client_get
from smarty.api import Api, ApiError, Call, json_loads
from smarty.api.params import Param, whole_number
from smarty.api.signature import request_items, signature_matches
from smarty.db import run_with_retry
from smarty.logging import log_event
from smarty.redaction import masked
from tariffs.selectors import tariff_get

from . import errors

LOGGER = "smarty_billing_in"
LIST_MAX_LIMIT = 100


def authenticate_signed(call: Call) -> None:
    """`client_id` -> the operator, then the signature over every other parameter with the
    operator's billing_api_key (constant-time compare)."""

    client_id = call.data.get("client_id", "")
    client = client_get(client_id) if str(client_id).strip() else None
    if client is None or not client.enabled:
        raise ApiError(errors.UNKNOWN_CLIENT, "Client ID not found", {"client_id": "unknown client"})
    call.client = client
    given = call.data.get("signature", "")
    if not signature_matches(request_items(call.request), client.billing_api_key, given):
        raise ApiError(errors.BAD_SIGNATURE, "Invalid signature", {"signature": "does not match the parameters"})


def request_args(call: Call) -> dict[str, str]:
    """The request's parameters for the log: repeated values joined, secrets masked."""
    args = {}
    for name, values in call.data.lists():
        args[name] = masked(name, ",".join(values))
    return args


def log_success(call: Call, body: dict) -> None:
    log_event(
        LOGGER, "BILLING_REQUEST_SUCCESS", level="INFO", url=call.request.path, ip=call.ip, args=request_args(call)
    )


def log_error(call: Call, exc: ApiError) -> None:
    log_event(
        LOGGER,
        "BILLING_REQUEST_ERROR",
        level="WARNING",
        url=call.request.path,
        ip=call.ip,
        args=request_args(call),
        error=exc.code,
        error_message=exc.message,
    )


billing = Api(
    "billing",
    unknown_error_code=errors.UNKNOWN,
    param_error_code=errors.UNKNOWN,
    logger=LOGGER,
    authenticators={"signed": authenticate_signed},
    on_success=log_success,
    on_error=log_error,
)


def reject_nul(call: Call) -> None:
    """NUL characters are refused up front: some databases (PostgreSQL) cannot store them."""
    for name, values in call.data.lists():
        if any("\x00" in value for value in values):
            raise ApiError(
                call.method.param_error_code,
                f"Invalid parameters: {name}: contains a NUL character",
                {name: "contains a NUL character"},
            )


def endpoint(
    path: str,
    name: str,
    *,
    params: Iterable[Param] = (),
    param_error: int = errors.UNKNOWN,
    with_fields: bool = False,
    transactional: bool = True,
    numbers: Iterable[str] = (),
) -> Callable[[Callable[[Call], dict | None]], Callable[[Call], dict | None]]:
    """Register a signed Billing API method. `param_error` is the method's code for a
    malformed or missing parameter; `with_fields` adds the reference's `error_fields` object
    to the success envelope (the methods whose response lists it).

    A `transactional` method (all but those that talk to a payment gateway) runs as one
    database transaction, run again from the start when the database aborts it with a
    deadlock or a lock wait timeout (smarty.db.run_with_retry): a billing system gets 0 or
    the method's own code, never a random "unknown error" for a collision it did not cause."""

    def register(handler: Callable[[Call], dict | None]) -> Callable[[Call], dict | None]:
        def run(call: Call) -> dict:
            reject_nul(call)
            body: dict[str, Any] = {"error_message": ""}
            if with_fields:
                body["error_fields"] = {}
            result = run_with_retry(lambda: handler(call)) if transactional else handler(call)
            body.update(result or {})
            return body

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        billing.method(path, name, params=params, auth=["signed"], param_error_code=param_error, numbers=numbers)(run)
        return handler

    return register


# --- identifiers ------------------------------------------------------------------------


def _missing(code: int, names: Iterable[str], what: str) -> ApiError:
    names = list(names)
    fields = {n: f"pass one of {', '.join(names)}" for n in names}
    return ApiError(code, f"{what}: pass {' or '.join(names)}", fields)


def account_from(call: Call, code: int, *, id_param: str = "account_id", abonement_param: str = "abonement"):
    """The request operator's account named by `account_id` or `abonement`, else ApiError(code)."""

    account_id = call.params.get(id_param) if id_param else None
    abonement = (call.params.get(abonement_param) or "").strip() if abonement_param else ""
    if account_id is None and not abonement:
        raise _missing(code, [n for n in (id_param, abonement_param) if n], "Account not found")
    if account_id is not None:
        account = billing_account_get(client=call.client, account_id=account_id)
        field = id_param
    else:
        account = billing_account_get(client=call.client, abonement=abonement)
        field = abonement_param
    if account is None:
        raise ApiError(code, "Account not found", {field: "not found"})
    return account


def customer_from(call: Call, code: int, *, id_param: str = "customer_id", ext_param: str = "ext_id"):
    """The request operator's customer named by `customer_id` or `ext_id`, else ApiError(code)."""

    customer_id = call.params.get(id_param) if id_param else None
    ext_id = (call.params.get(ext_param) or "").strip()
    if customer_id is None and not ext_id:
        raise _missing(code, [n for n in (id_param, ext_param) if n], "Customer not found")
    if customer_id is not None:
        customer = billing_customer_get(client=call.client, customer_id=customer_id)
        field = id_param
    else:
        customer = billing_customer_get(client=call.client, ext_id=ext_id)
        field = ext_param
    if customer is None:
        raise ApiError(code, "Customer not found", {field: "not found"})
    return customer


def tariff_from(call: Call, code: int):
    """The tariff named by `tariff_id` or `tariff_ext_id`. Virtual tariffs are not modelled:
    a `vtariff_id` alone is a tariff that does not exist."""

    tariff_id = call.params.get("tariff_id")
    ext_id = (call.params.get("tariff_ext_id") or "").strip()
    vtariff_id = call.params.get("vtariff_id")
    if tariff_id is not None:
        tariff, field = tariff_get(client=call.client, tariff_id=tariff_id), "tariff_id"
    elif ext_id:
        tariff, field = tariff_get(client=call.client, ext_id=ext_id), "tariff_ext_id"
    elif vtariff_id is not None:
        tariff, field = None, "vtariff_id"
    else:
        raise _missing(code, ["tariff_id", "vtariff_id", "tariff_ext_id"], "Tariff not found")
    if tariff is None:
        raise ApiError(code, "Tariff not found", {field: "not found"})
    return tariff


TARIFF_PARAMS_DOC = "tariff_id, vtariff_id or tariff_ext_id"


# --- domain errors ------------------------------------------------------------------------


def validation_fields(exc: ValidationError, rename: Mapping[str, str] | None = None) -> dict[str, str]:
    rename = rename or {}
    if hasattr(exc, "error_dict"):
        return {rename.get(name, name): "; ".join(messages) for name, messages in exc.message_dict.items()}
    return {"__all__": "; ".join(exc.messages)}


@contextmanager
def domain_errors(mapping: Mapping[type[Exception], int], *, rename: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn the services' exceptions into the method's codes. ValidationError keeps its
    per-field messages (renamed to the wire's parameter names); other exceptions carry a
    message and optionally `.field`."""
    try:
        yield
    except tuple(mapping) as exc:
        code = next(c for kind, c in mapping.items() if isinstance(exc, kind))
        if isinstance(exc, ValidationError):
            fields = validation_fields(exc, rename)
            message = "; ".join(f"{name}: {text}" for name, text in fields.items())
            raise ApiError(code, f"Invalid parameters: {message}", fields) from exc
        field = getattr(exc, "field", None)
        if field:
            field = (rename or {}).get(field, field)
        raise ApiError(code, str(exc), {field: str(exc)} if field else None) from exc


# --- shaping ------------------------------------------------------------------------------


def flag(value: object) -> int:
    return 1 if value else 0


def day(value) -> str | None:
    """A date or datetime as yyyy-mm-dd (None stays None)."""
    if value is None:
        return None
    return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else value.isoformat()


def stamp(value) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else None


def page_of(queryset, call: Call):
    """Apply `limit` (1..100, default 100) and `page` (from 1)."""
    limit = call.params.get("limit") or LIST_MAX_LIMIT
    page = call.params.get("page") or 1
    if limit < 1:
        raise ApiError(call.method.param_error_code, "Invalid parameters: limit: must be 1..100", {"limit": "1..100"})
    if page < 1:
        raise ApiError(call.method.param_error_code, "Invalid parameters: page: must be 1 or more", {"page": ">= 1"})
    limit = min(limit, LIST_MAX_LIMIT)
    start = (page - 1) * limit
    return queryset[start : start + limit]


# --- parameter kinds the Billing API adds ------------------------------------------------------

MAX_ID = 2**53
INT32 = (-(2**31), 2**31 - 1)


def Id(name: str, *, required: bool = False) -> Param:  # noqa: N802
    """A database id: a whole number 1..2**53."""
    return Param(name, required, None, parser=whole_number(1, MAX_ID), type_name="a positive whole number")


def IdList(name: str, *, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, None, many=True, parser=whole_number(1, MAX_ID), type_name="a list of positive ids")


def Int(name: str, *, lo: int = INT32[0], hi: int = INT32[1], default: Any = None, required: bool = False) -> Param:  # noqa: N802
    """A whole number within lo..hi."""
    return Param(name, required, default, parser=whole_number(lo, hi), type_name=f"a whole number {lo}..{hi}")


def IntList(name: str, *, lo: int = INT32[0], hi: int = INT32[1]) -> Param:  # noqa: N802
    return Param(name, False, None, many=True, parser=whole_number(lo, hi), type_name=f"whole numbers {lo}..{hi}")


def _json_object(value: str) -> dict:
    parsed = json_loads(value)
    if not isinstance(parsed, dict):
        raise ValueError("not an object")
    return parsed


def JsonObject(name: str, *, max_length: int = 65_536) -> Param:  # noqa: N802
    """A JSON object (`meta`)."""
    return Param(name, False, None, parser=_json_object, max_length=max_length, type_name="a JSON object")


def _amount(value: str) -> decimal.Decimal:
    """A finite decimal number within the range Decimal arithmetic handles (1E+999999999
    would overflow the first abs() or quantize() of it); the bounds of money are the services'."""
    result = decimal.Decimal(value.strip().replace(",", "."))  # as smarty.api.Decimal reads it
    if not result.is_finite():
        raise ValueError(value)
    limits = decimal.getcontext()
    if result and not limits.Etiny() <= result.adjusted() <= limits.Emax:
        raise ValueError(value)
    return result


def Amount(name: str, *, default: Any = None) -> Param:  # noqa: N802
    """An amount of money (or a price): a decimal number Decimal arithmetic can handle."""
    return Param(name, False, default, parser=_amount, type_name="a decimal number")


def Abonement(name: str = "abonement") -> Param:  # noqa: N802
    return Param(name, False, None, parser=str, max_length=32, type_name="an abonement")


def given(call: Call, names: Iterable[str]) -> dict[str, Any]:
    """The parameters the request actually carries (for modify methods: only those change).
    An empty string clears a string (""), a date (None); for other kinds it means nothing."""
    kinds = {p.name: p for p in call.method.params}
    values: dict[str, Any] = {}
    for name in names:
        if name not in call.data and f"{name}[]" not in call.data:
            continue
        value = call.params.get(name)
        param = kinds.get(name)
        if value is None or value == []:
            if param is not None and param.type_name == "a string":
                value = ""
            elif param is not None and param.type_name == "a date yyyy-mm-dd":
                value = None
            elif param is not None and param.many:
                value = []
            else:
                continue
        values[name] = value
    return values
