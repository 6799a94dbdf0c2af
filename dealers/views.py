"""The Dealers API's nine methods (reference dealers.md). The same domain services as the
Billing API and the admin do the work (accounts.services); this module resolves the
dealer's own subscribers, maps the services' errors to the reference's codes, and shapes
the answers the way the Billing API does (billing.views.shapes)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.selectors import account_one, customer_one
from accounts.services import accounts as account_services
from accounts.services.accounts import AbonementTakenError, AccountExtIdTakenError, DeviceUidTakenError, Source
from accounts.services.customers import CustomerExtIdTakenError, TariffUnavailableError
from billing import subscribers
from billing.api import Abonement, Id, domain_errors, tariff_from
from billing.views import shapes
from billing.views.accounts import (
    ACCOUNT_PARAMS,
    DEVICE_PARAMS,
    SORTS,
    TARIFF_REF,
    account_data,
    device_data,
    new_device_of,
)
from billing.views.accounts import RENAME as ACCOUNT_RENAME
from billing.views.customers import CUSTOMER_PARAMS, CUSTOMER_WIRE_FIELDS, customer_data
from billing.views.customers import RENAME as CUSTOMER_RENAME
from smarty.api import ApiError, Call, Flag, String
from smarty.api.params import is_digits

from . import errors
from .api import account_of, customer_of, device_of, endpoint

SOURCE = Source.DEALERS_API
ACCOUNT_REF = [Id("account_id"), Abonement()]
CUSTOMER_REF = [Id("customer_id"), String("ext_id", max_length=128)]


# --- customers ---------------------------------------------------------------------------------


def _registration_allowed(call: Call) -> bool:
    """BILLING_CUSTOMER_CREATE_LIMIT_PER_IP customers per source address and day, as for the
    Billing API (a cache counter)."""
    limit = settings.BILLING_CUSTOMER_CREATE_LIMIT_PER_IP
    if not limit:
        return True
    key = f"dealers:customer_create:{call.client.pk}:{call.ip}:{timezone.now():%Y%m%d}"
    cache.add(key, 0, timeout=2 * 86400)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=2 * 86400)
        count = 1
    return count <= limit


@endpoint(
    "/customer/create/",
    "CustomerCreate",
    params=[String("ext_id", max_length=128), *CUSTOMER_PARAMS, Flag("send_sms", default=None)],
    param_error=errors.CustomerCreate.INVALID,
    with_fields=True,
)
def customer_create(call: Call) -> dict:
    """A customer bound to the calling dealer (whatever else the request says)."""
    code = errors.CustomerCreate
    data = customer_data(call, code.INVALID, [*CUSTOMER_WIRE_FIELDS, "send_sms"])
    data["ext_id"] = (call.params["ext_id"] or "").strip()
    data["dealer"] = call.state["dealer"]
    if not _registration_allowed(call):
        raise ApiError(code.IP_LIMIT, "Registration limit from this IP address exceeded")
    with domain_errors(
        {ValidationError: code.INVALID, CustomerExtIdTakenError: code.EXT_ID_EXISTS}, rename=CUSTOMER_RENAME
    ):
        customer = subscribers.customer_create(client=call.client, data=data, source=SOURCE)
    return {"id": customer.pk}


@endpoint(
    "/customer/info/",
    "CustomerInfo",
    params=CUSTOMER_REF,
    param_error=errors.CustomerInfo.NOT_FOUND,
    numbers=("tariffs_info.ext_id", "vtariffs_info.ext_id"),
)
def customer_info(call: Call) -> dict:
    customer = customer_of(call, errors.CustomerInfo.NOT_FOUND)
    found = shapes.customers_for_listing(customer_one(client=call.client, customer_id=customer.pk)).get()
    return shapes.customer(found, listing=False)


@endpoint(
    "/customer/tariff/assign/",
    "CustomerTariffAssign",
    params=[*CUSTOMER_REF, *TARIFF_REF],
    param_error=errors.CustomerTariffAssign.TARIFF_NOT_FOUND,
)
def customer_tariff_assign(call: Call) -> dict:
    code = errors.CustomerTariffAssign
    customer = customer_of(call, code.CUSTOMER_NOT_FOUND)
    tariff = tariff_from(call, code.TARIFF_NOT_FOUND)
    with domain_errors({TariffUnavailableError: code.FAILED}):
        subscribers.customer_tariff_assign(customer=customer, tariffs=[tariff], source=SOURCE)
    return {}


@endpoint(
    "/customer/tariff/remove/",
    "CustomerTariffRemove",
    params=[*CUSTOMER_REF, *TARIFF_REF],
    param_error=errors.CustomerTariffRemove.TARIFF_NOT_FOUND,
)
def customer_tariff_remove(call: Call) -> dict:
    code = errors.CustomerTariffRemove
    customer = customer_of(call, code.CUSTOMER_NOT_FOUND)
    tariff = tariff_from(call, code.TARIFF_NOT_FOUND)
    with domain_errors({TariffUnavailableError: code.FAILED}):
        subscribers.customer_tariff_remove(customer=customer, tariffs=[tariff], source=SOURCE)
    return {}


# --- accounts ----------------------------------------------------------------------------------


@endpoint(
    "/account/create/",
    "AccountCreate",
    params=[Id("customer_id"), String("ext_id", max_length=128), Abonement(), String("password"), *ACCOUNT_PARAMS],
    param_error=errors.AccountCreate.INVALID,
    with_fields=True,
)
def account_create(call: Call) -> dict:
    code = errors.AccountCreate
    customer = customer_of(call, code.CUSTOMER_NOT_FOUND)
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
        rename=ACCOUNT_RENAME,
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
    found = account_of(call, errors.AccountInfo.NOT_FOUND)
    account = shapes.accounts_for_listing(account_one(client=call.client, account_id=found.pk)).get()
    return shapes.account(account)


@endpoint(
    "/account/modify/",
    "AccountModify",
    params=[*ACCOUNT_REF, String("password", max_length=128), Flag("reset_device_settings"), *ACCOUNT_PARAMS],
    param_error=errors.AccountModify.INVALID,
    with_fields=True,
)
def account_modify(call: Call) -> dict:
    code = errors.AccountModify
    account = account_of(call, code.NOT_FOUND)
    data = account_data(call, code.INVALID)
    with domain_errors({ValidationError: code.INVALID, AccountExtIdTakenError: code.INVALID}, rename=ACCOUNT_RENAME):
        account_services.account_modify(
            account=account,
            data=data,
            password=call.params["password"],
            reset_device_settings=bool(call.params["reset_device_settings"]),
            source=SOURCE,
        )
    return {}


# --- devices -----------------------------------------------------------------------------------


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
    account = account_of(call, code.ACCOUNT_NOT_FOUND)
    device_uid, play_device = new_device_of(call, code)
    with domain_errors({ValidationError: code.INVALID, DeviceUidTakenError: code.UID_EXISTS}):
        account_services.account_device_create(
            account=account,
            device_uid=device_uid,
            play_device=play_device,
            data=device_data(call),
            source=SOURCE,
        )
    return {}


@endpoint(
    "/account/device/modify/",
    "AccountDeviceModify",
    params=[Id("device_id"), String("device_uid", max_length=128), *DEVICE_PARAMS],
    param_error=errors.AccountDeviceModify.INVALID,
    with_fields=True,
)
def account_device_modify(call: Call) -> dict:
    code = errors.AccountDeviceModify
    device = device_of(call, code.NOT_FOUND)
    with domain_errors({ValidationError: code.INVALID}):
        account_services.account_device_modify(device=device, data=device_data(call), source=SOURCE)
    return {}
