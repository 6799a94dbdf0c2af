"""The Dealers API object (`/dealers/api/`): POST form parameters, `dealer_id` + `api_key`
(the dealer's own key, compared in constant time; a `signature` made with that key, the
house scheme of the server APIs, is accepted instead of the key), the caller's address
within the dealer's allowed networks, JSON answers (reference dealers.md).

A dealer acts only on its own subscribers: `customer_of`, `account_of` and `device_of`
resolve the usual either-or identifiers among the dealer's customers, so another dealer's
or another operator's ids are simply "not found". Requests are logged on smarty_billing_in
as DEALERS_REQUEST_SUCCESS / DEALERS_REQUEST_ERROR."""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from accounts.selectors import dealer_account_get, dealer_customer_get, dealer_device_get
from clients.selectors import dealer_api_access_get
from smarty.api import Api, ApiError, Call, String
from smarty.api.params import Param, is_digits
from smarty.api.signature import request_items, signature_matches
from smarty.logging import log_event
from smarty.redaction import masked

from . import errors

LOGGER = "smarty_billing_in"


def _networks(text: str) -> list:
    found = []
    for item in text.replace(",", "\n").split():
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return found


def address_allowed(address: str, subnets: str) -> bool:
    """Empty subnets: any address; otherwise the address must fall in one of them."""
    if not subnets.strip():
        return True
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in _networks(subnets))


def authenticate_dealer(call: Call) -> None:
    """`dealer_id` -> the dealer's API access, `api_key` (or `signature`) checked in constant
    time, then the caller's network; any failure is the same 401 "Dealer not found"."""
    refused = ApiError(errors.DEALER_NOT_FOUND, "Dealer not found")
    dealer_id = str(call.data.get("dealer_id", "")).strip()
    if not is_digits(dealer_id) or len(dealer_id) > 15:
        raise refused
    access = dealer_api_access_get(dealer_id=int(dealer_id))
    if access is None or not access.api_key:
        raise refused
    given_key = str(call.data.get("api_key", ""))
    if given_key:
        ok = hmac.compare_digest(given_key.encode(), access.api_key.encode())
    else:
        ok = signature_matches(request_items(call.request), access.api_key, call.data.get("signature", ""))
    if not ok or not address_allowed(call.ip, access.allowed_subnets):
        raise refused
    call.client = access.dealer.client
    call.state["dealer"] = access.dealer


def request_args(call: Call) -> dict[str, str]:
    return {name: masked(name, ",".join(values)) for name, values in call.data.lists()}


def log_success(call: Call, body: dict) -> None:
    log_event(
        LOGGER, "DEALERS_REQUEST_SUCCESS", level="INFO", url=call.request.path, ip=call.ip, args=request_args(call)
    )


def log_error(call: Call, exc: ApiError) -> None:
    log_event(
        LOGGER,
        "DEALERS_REQUEST_ERROR",
        level="WARNING",
        url=call.request.path,
        ip=call.ip,
        args=request_args(call),
        error=exc.code,
        error_message=exc.message,
    )


dealers = Api(
    "dealers",
    unknown_error_code=errors.SERVER_ERROR,
    param_error_code=errors.SERVER_ERROR,
    logger=LOGGER,
    authenticators={"dealer": authenticate_dealer},
    on_success=log_success,
    on_error=log_error,
)

# Read by authenticate_dealer; declared so that every method documents them.
AUTH_PARAMS: list[Param] = [
    String("dealer_id", max_length=32),
    String("api_key", max_length=128),
    String("signature", max_length=64),
]


def endpoint(
    path: str,
    name: str,
    *,
    params: Iterable[Param] = (),
    param_error: int,
    with_fields: bool = False,
    numbers: Iterable[str] = (),
) -> Callable[[Callable[[Call], dict | None]], Callable[[Call], dict | None]]:
    """Register a Dealers API method (POST, or GET for tools): `error_message` always, and
    `error_fields` where the reference's response lists it."""

    def register(handler: Callable[[Call], dict | None]) -> Callable[[Call], dict | None]:
        def run(call: Call) -> dict:
            body: dict[str, Any] = {"error_message": ""}
            if with_fields:
                body["error_fields"] = {}
            body.update(handler(call) or {})
            return body

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        dealers.method(
            path, name, params=[*params, *AUTH_PARAMS], auth=["dealer"], param_error_code=param_error, numbers=numbers
        )(run)
        return handler

    return register


# --- the dealer's own subscribers ----------------------------------------------------------------


def _missing(code: int, names: list[str], what: str) -> ApiError:
    return ApiError(code, f"{what}: pass {' or '.join(names)}", {n: f"pass one of {', '.join(names)}" for n in names})


def customer_of(call: Call, code: int) -> Any:
    """The dealer's customer named by `customer_id` or `ext_id`, else ApiError(code)."""
    customer_id = call.params.get("customer_id")
    ext_id = (call.params.get("ext_id") or "").strip()
    if customer_id is None and not ext_id:
        raise _missing(code, ["customer_id", "ext_id"], "Customer not found")
    found = dealer_customer_get(client=call.client, dealer=call.state["dealer"], customer_id=customer_id, ext_id=ext_id)
    field = "customer_id" if customer_id is not None else "ext_id"
    if found is None:
        raise ApiError(code, "Customer not found", {field: "not found"})
    return found


def account_of(call: Call, code: int) -> Any:
    """The account of one of the dealer's customers named by `account_id` or `abonement`."""
    account_id = call.params.get("account_id")
    abonement = (call.params.get("abonement") or "").strip()
    if account_id is None and not abonement:
        raise _missing(code, ["account_id", "abonement"], "Account not found")
    found = dealer_account_get(
        client=call.client, dealer=call.state["dealer"], account_id=account_id, abonement=abonement
    )
    field = "account_id" if account_id is not None else "abonement"
    if found is None:
        raise ApiError(code, "Account not found", {field: "not found"})
    return found


def device_of(call: Call, code: int) -> Any:
    """A device bound to an account of the dealer's customers, by `device_id` or `device_uid`."""
    device_id = call.params.get("device_id")
    device_uid = (call.params.get("device_uid") or "").strip()
    if device_id is None and not device_uid:
        raise _missing(code, ["device_id", "device_uid"], "Device not found")
    found = dealer_device_get(
        client=call.client, dealer=call.state["dealer"], device_id=device_id, device_uid=device_uid
    )
    field = "device_id" if device_id is not None else "device_uid"
    if found is None:
        raise ApiError(code, "Device not found", {field: "not found"})
    return found
