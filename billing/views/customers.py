"""Customer group: customers, their tariffs, tariff subscriptions and transaction list. The
payment methods of the same group are in payments.py."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.selectors import billing_customer_ids, billing_customer_info, billing_customer_list
from accounts.services import customers as customer_services
from accounts.services.action_log import Source
from accounts.services.customers import CustomerExtIdTakenError, TariffUnavailableError
from clients.selectors import dealer_get
from smarty.api import ApiError, Call, Date, Flag, String
from smarty.api.params import is_digits
from tariffs.selectors import tariff_list_by_ids, tariff_subscription_get

from .. import errors, subscribers
from ..api import (
    Amount,
    Id,
    Int,
    JsonObject,
    customer_from,
    domain_errors,
    endpoint,
    given,
    page_of,
    stamp,
    tariff_from,
)
from ..selectors import customer_transaction_list as transaction_list_of
from ..services import money
from ..subscribers import tariff_subscription_create, tariff_subscription_delete
from . import shapes
from .accounts import TARIFF_REF, regexp_param

SOURCE = Source.BILLING_API
CUSTOMER_REF = [Id("customer_id"), String("ext_id", max_length=128)]
RENAME = {"dealer": "dealer_id"}

_STRINGS = {
    "firstname": 128,
    "middlename": 128,
    "lastname": 128,
    "passport_number": 64,
    "passport_series": 64,
    "passport_issued_by": 255,
    "postal_address_street": 255,
    "postal_address_bld": 64,
    "postal_address_apt": 64,
    "postal_address_zip": 32,
    "postal_address_city": 128,
    "postal_address_country": 128,
    "billing_address_street": 255,
    "billing_address_bld": 64,
    "billing_address_apt": 64,
    "billing_address_zip": 32,
    "mobile_phone_number": 32,
    "phone_number_1": 32,
    "phone_number_2": 32,
    "fax_phone_number": 32,
    "email": 255,
    "company_name": 255,
    "comment": 10_000,
    "contract_number": 64,
    "bank_account_blz": 64,
    "bank_account_bic": 64,
    "bank_account_number": 64,
    "bank_account_iban": 64,
    "bank_account_bank_name": 255,
    "bank_account_owner_name": 255,
}
CUSTOMER_PARAMS = [
    *[String(name, max_length=length) for name, length in _STRINGS.items()],
    Date("birthdate"),
    Date("passport_issue_date"),
    JsonObject("meta"),
    Flag("send_sms_messages", default=None),
    Flag("send_email_messages", default=None),
    Int("custom_billing_api"),
]
CREATE_ONLY = [Flag("send_sms", default=None), String("dealer_id", max_length=32)]
CUSTOMER_WIRE_FIELDS = [p.name for p in CUSTOMER_PARAMS]
FLAGS = ("send_sms", "send_sms_messages", "send_email_messages")


def customer_data(call: Call, code: int, names: list[str]) -> dict:
    data = given(call, names)
    for name in FLAGS:
        if name in data:
            data[name] = bool(data[name])
    if "meta" in data and not isinstance(data["meta"], dict):
        raise ApiError(code, "Invalid parameters: meta: must be a JSON object", {"meta": "must be a JSON object"})
    if "dealer_id" in data:
        data["dealer"] = _dealer(call, data.pop("dealer_id"), code)
    return data


def _dealer(call: Call, value: str, code: int):
    value = (value or "").strip()
    if not value:
        return None
    dealer = dealer_get(client=call.client, dealer_id=int(value)) if is_digits(value) and len(value) < 16 else None
    if dealer is None:
        raise ApiError(code, "Invalid parameters: dealer_id: not found", {"dealer_id": "not found"})
    return dealer


def _registration_allowed(call: Call) -> bool:
    """BILLING_CUSTOMER_CREATE_LIMIT_PER_IP customers per source address and day (cache
    counter: atomic in Redis, per process in local memory)."""
    limit = settings.BILLING_CUSTOMER_CREATE_LIMIT_PER_IP
    if not limit:
        return True
    key = f"billing:customer_create:{call.client.pk}:{call.ip}:{timezone.now():%Y%m%d}"
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
    params=[String("ext_id", max_length=128), *CUSTOMER_PARAMS, *CREATE_ONLY],
    param_error=errors.CustomerCreate.INVALID,
    with_fields=True,
)
def customer_create(call: Call) -> dict:
    code = errors.CustomerCreate
    data = customer_data(call, code.INVALID, [*CUSTOMER_WIRE_FIELDS, "send_sms", "dealer_id"])
    data["ext_id"] = (call.params["ext_id"] or "").strip()
    if not _registration_allowed(call):
        raise ApiError(code.IP_LIMIT, "Registration limit from this IP address exceeded")
    with domain_errors({ValidationError: code.INVALID, CustomerExtIdTakenError: code.EXT_ID_EXISTS}, rename=RENAME):
        customer = subscribers.customer_create(client=call.client, data=data, source=SOURCE)
    return {"id": customer.pk}


def _customer_body(customer, *, listing: bool) -> dict:
    found = billing_customer_info(customer=customer)
    return shapes.customer(found, listing=listing)


@endpoint(
    "/customer/info/",
    "CustomerInfo",
    params=CUSTOMER_REF,
    param_error=errors.CustomerInfo.NOT_FOUND,
    numbers=("accounts.abonement",),
)
def customer_info(call: Call) -> dict:
    customer = customer_from(call, errors.CustomerInfo.NOT_FOUND)
    return _customer_body(customer, listing=False)


@endpoint(
    "/customer/modify/",
    "CustomerModify",
    params=[Id("customer_id"), String("ext_id", max_length=128), *CUSTOMER_PARAMS],
    param_error=errors.CustomerModify.INVALID,
    with_fields=True,
)
def customer_modify(call: Call) -> dict:
    code = errors.CustomerModify
    customer = customer_from(call, code.NOT_FOUND)
    data = customer_data(call, code.INVALID, CUSTOMER_WIRE_FIELDS)
    # Found by customer_id, a given ext_id is written (the reference: "ext_id is overwritten").
    if call.params["customer_id"] is not None and "ext_id" in call.data:
        data["ext_id"] = (call.params["ext_id"] or "").strip()
    with domain_errors({ValidationError: code.INVALID, CustomerExtIdTakenError: code.INVALID}, rename=RENAME):
        customer_services.customer_modify(customer=customer, data=data, source=SOURCE)
    return {}


@endpoint("/customer/delete/", "CustomerDelete", params=CUSTOMER_REF, param_error=errors.CustomerDelete.NOT_FOUND)
def customer_delete(call: Call) -> dict:
    customer = customer_from(call, errors.CustomerDelete.NOT_FOUND)
    customer_services.customer_delete(customer=customer, source=SOURCE)
    return {}


@endpoint(
    "/customer/list/",
    "CustomerList",
    params=[
        String("tariff_id", max_length=2000),  # Number[]: parsed by _tariff_ids (its own code)
        String("abonement_regexp", max_length=200),
        String("mobile_phone_number", max_length=32),
        Int("limit", lo=1, hi=10_000),
        Int("page", lo=1, hi=1_000_000),
    ],
    numbers=("customers.tariffs_info.ext_id", "customers.vtariffs_info.ext_id"),
)
def customer_list(call: Call) -> dict:
    code = errors.CustomerList
    ids = _tariff_ids(call, code.BAD_TARIFF_ID)
    if ids:
        known = {t.pk for t in tariff_list_by_ids(client=call.client, ids=ids)}
        missing = sorted(set(ids) - known)
        if missing:
            raise ApiError(code.TARIFF_NOT_FOUND, f"Tariff not found: {missing[0]}", {"tariff_id": "not found"})
    qs = billing_customer_ids(
        client=call.client,
        tariff_ids=ids,  # customers that have every one of them
        abonement_regexp=regexp_param(call),
        mobile_phone_number=(call.params["mobile_phone_number"] or "").strip(),
    )
    ids_page = list(page_of(qs, call))
    customers = billing_customer_list(ids=ids_page)
    return {"customers": [shapes.customer(c, listing=True) for c in customers]}


def _tariff_ids(call: Call, code: int) -> list[int]:
    """Repeated `tariff_id` (also `tariff_id[]` and comma lists): every value a tariff id."""
    raw = call.data.getlist("tariff_id") + call.data.getlist("tariff_id[]")
    # "[1, 2]": a list as the vendor's Python client sends it (str() of a list).
    raw = [item.strip().removeprefix("[").removesuffix("]") for item in raw]
    values = [v.strip() for item in raw for v in str(item).split(",") if v.strip()]
    if any(not is_digits(v) or len(v) > 15 or int(v) < 1 for v in values):
        raise ApiError(code, "Invalid parameters: tariff_id: a list of tariff ids", {"tariff_id": "not an id"})
    return sorted({int(v) for v in values})


# --- tariffs --------------------------------------------------------------------------------------


@endpoint(
    "/customer/tariff/assign/",
    "CustomerTariffAssign",
    params=[*CUSTOMER_REF, Flag("subscribe_svod"), *TARIFF_REF],
    param_error=errors.CustomerTariffAssign.TARIFF_NOT_FOUND,
)
def customer_tariff_assign(call: Call) -> dict:
    code = errors.CustomerTariffAssign
    customer = customer_from(call, code.CUSTOMER_NOT_FOUND)
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
    customer = customer_from(call, code.CUSTOMER_NOT_FOUND)
    tariff = tariff_from(call, code.TARIFF_NOT_FOUND)
    subscribers.customer_tariff_remove(customer=customer, tariffs=[tariff], source=SOURCE)
    return {}


def _subscriptions_on(code: int) -> None:
    if not settings.BILLING_SUBSCRIPTIONS_ENABLED:
        raise ApiError(code, "The subscription model is not used")


@endpoint(
    "/customer/tariffsubscription/create/",
    "CustomerTariffSubscriptionCreate",
    params=[
        *CUSTOMER_REF,
        Id("tariff_id"),
        Amount("price"),
        Int("duration", lo=1, hi=36500),
        Date("price_expiration"),
        Date("end_date"),
    ],
    param_error=errors.CustomerTariffSubscriptionCreate.FAILED,
)
def customer_tariff_subscription_create(call: Call) -> dict:
    code = errors.CustomerTariffSubscriptionCreate
    _subscriptions_on(code.NO_SUBSCRIPTIONS)
    customer = customer_from(call, code.CUSTOMER_NOT_FOUND)
    tariff = tariff_from(call, code.TARIFF_NOT_FOUND)
    p = call.params
    with domain_errors({ValidationError: code.FAILED, TariffUnavailableError: code.FAILED}):
        if p["price"] is not None:
            money(p["price"], name="price")
        subscription = tariff_subscription_create(
            customer=customer,
            tariff=tariff,
            price=p["price"],
            duration=p["duration"],
            price_expiration=p["price_expiration"],
            end_date=p["end_date"],
        )
    return {"tariffsubscription_id": subscription.pk}


@endpoint(
    "/customer/tariffsubscription/delete/",
    "CustomerTariffSubscriptionDelete",
    params=[Id("id")],
    param_error=errors.CustomerTariffSubscriptionDelete.NOT_FOUND,
)
def customer_tariff_subscription_delete(call: Call) -> dict:
    code = errors.CustomerTariffSubscriptionDelete
    _subscriptions_on(code.NO_SUBSCRIPTIONS)
    pk = call.params["id"]
    found = tariff_subscription_get(client=call.client, subscription_id=pk) if pk is not None else None
    if found is None:
        raise ApiError(code.NOT_FOUND, "Subscription not found", {"id": "not found"})
    tariff_subscription_delete(subscription=found)
    return {}


# --- transactions ---------------------------------------------------------------------------------


@endpoint(
    "/customer/transaction/list/",
    "CustomerTransactionList",
    params=[*CUSTOMER_REF, Int("limit", lo=1, hi=10_000), Int("page", lo=1, hi=1_000_000)],
)
def customer_transaction_list(call: Call) -> dict:
    customer = customer_from(call, errors.CustomerTransactionList.NOT_FOUND)
    rows = page_of(transaction_list_of(customer=customer), call)
    return {
        "payments": [
            {
                "transaction_id": str(tx.pk),
                "amount": str(tx.amount),
                "source": tx.source,
                "datetime": stamp(tx.created_at),
                "comment": tx.comment,
                "processed": 1 if tx.processed else 0,
            }
            for tx in rows
        ]
    }
