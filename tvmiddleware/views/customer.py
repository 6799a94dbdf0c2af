"""Customer (reference tvmw/Customer.md): the subscriber's own customer: balance, details,
devices, tariffs and subscriptions, what it pays per period. Every method acts on the
session's account and its customer only; nothing here takes a customer or account id."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.selectors import (
    activation_days_left,
    customer_balance_of_account,
    customer_device_get,
    customer_of_account,
    customer_phone_taken,
)
from accounts.selectors import (
    customer_device_list as customer_devices,
)
from accounts.services.accounts import Source, account_device_delete
from accounts.services.customers import customer_modify
from accounts.services.phone import Outcome, normalize_phone, phone_verify
from billing.notify import billing_details_send
from billing.selectors import TransactionSource, TransactionType, transaction_list
from billing.subscriptions import (
    SubscribeError,
    customer_period_lines,
    subscribable_tariffs,
    subscription_cost,
    tariffs_subscribe,
    tariffs_unsubscribe,
)
from smarty.api import ApiError, Call, Flag, Number, NumberList, String, wire_number
from smarty.i18n import translated
from tariffs.selectors import (
    account_open_subscriptions,
    account_subscription_list,
    account_tariff_ids,
    account_tariff_offer,
)

from .. import errors
from ..api import tvmw

COMMON = [String("device"), String("device_uid"), String("lang", default="")]
TARIFF_REFS = [NumberList("tariff_id", lo=1), NumberList("virtual_tariff_id", lo=1)]
DATE_INPUT = "%d.%m.%Y"


def _customer(call: Call):
    """The session's customer, read fresh (the balance moves under the cached account)."""
    return customer_of_account(account=call.account)


def _money(value: Decimal) -> str:
    return f"{Decimal(value):.2f}"


# --- balance and details ------------------------------------------------------------------------


@tvmw.method("/customer/balance/", "CustomerBalance", params=COMMON, auth=["session"])
def customer_balance(call: Call) -> dict:
    balance = customer_balance_of_account(account=call.account)
    return {"error_message": "", "balance": _money(balance)}


def _tariff_rows(call: Call, customer, *, for_info: bool) -> list[dict]:
    account, lang = call.account, call.params["lang"]
    assigned = account_tariff_ids(account)
    tariffs = account_tariff_offer(client=call.client, assigned=assigned)
    subs = account_open_subscriptions(client=call.client, account=account)
    rows = []
    for tariff in tariffs:
        sub = subs.get(tariff.pk)
        after = tariff.default_activation_price if tariff.default_activation_price is not None else tariff.price
        end = sub.end_date or sub.paid_until if sub else None
        row = {
            "id": tariff.pk,
            "name": translated(tariff, "name", lang),
            "description": translated(tariff, "description", lang),
            "period": tariff.period,
            "price": _money(tariff.price),
            "price_after_activation": _money(after),
            "basic_tariff_priority": tariff.basic_tariff_priority,
            "is_assigned": int(tariff.pk in assigned),
            "subscription_end_date": end.strftime("%Y-%m-%d") if end else "",
            "is_virtual": 0,
            "available_to_unsubscribe": int(tariff.available_to_unsubscribe),
            "channels_count": tariff.n_channels if tariff.used_for_channel_list else -1,
            "is_periodical": int(sub.is_periodical) if sub else 1,
            "icon": "",
            "icon_tv": "",
            "videos_count": tariff.n_videos,
            "archived": 0,
        }
        if not for_info:
            row["meta"] = json.dumps({})
        rows.append(row)
    return rows


def _subscription_rows(customer, account) -> list[dict]:
    subs = account_subscription_list(client=customer.client_id, account=account)
    return [
        {
            "tariff_id": s.tariff_id,
            "tariff_name": s.tariff.name,
            "start_date": s.start_date.strftime("%Y-%m-%d"),
            "end_date": (s.end_date or s.paid_until).strftime("%Y-%m-%d") if (s.end_date or s.paid_until) else "",
            "is_periodical": int(s.is_periodical),
            "api_name": "internal",
            "price": s.price if s.is_price_overridden else s.tariff.price,
        }
        for s in subs
    ]


def _period_summary(customer, account) -> dict:
    lines = customer_period_lines(customer=customer, account=account)
    period = min((line.period for line in lines), default=30)
    payment_sum = sum((line.price for line in lines), Decimal("0"))
    return {
        "payment_sum": payment_sum,
        "payment_sum_no_discount": sum((line.price_no_discount for line in lines), Decimal("0")),
        "payment_period": period,
        "current_debt_amount": _money(max(-customer.balance, Decimal("0"))),
        "activation_days_left": activation_days_left(account),
        "lines": lines,
    }


def _payments(customer, date_from: dt.date | None, date_to: dt.date | None) -> dict:
    rows = transaction_list(customer_id=customer.pk, date_from=date_from, date_to=date_to, limit=200)
    out: dict[str, list] = {"btv": [], "vod": [], "other": []}
    for tx in rows:
        kind = (
            "vod"
            if tx.transaction_type == TransactionType.VIDEO_PURCHASE
            else ("btv" if tx.tariff_id or tx.source == TransactionSource.CHARGE else "other")
        )
        out[kind].append({"comment": tx.comment, "datetime": int(tx.created_at.timestamp()), "amount": tx.amount})
    return out


def _input_date(call: Call, name: str) -> dt.date | None:
    raw = call.params[name]
    if not raw:
        return None
    try:
        return dt.datetime.strptime(raw, DATE_INPUT).date()
    except ValueError:
        raise ApiError(errors.CUSTOMER_INFO_BAD_DATES, f"{name}: expected dd.mm.YYYY", {name: "dd.mm.YYYY"}) from None


@tvmw.method(
    "/customer/info/",
    "CustomerInfo",
    params=[
        String("date_from", max_length=10),
        String("date_to", max_length=10),
        Flag("show_virtual_tariffs"),
        *COMMON,
    ],
    auth=["session"],
)
def customer_info(call: Call) -> dict:
    date_from, date_to = _input_date(call, "date_from"), _input_date(call, "date_to")
    customer, account = _customer(call), call.account
    summary = _period_summary(customer, account)
    payment_sum = summary["payment_sum"]
    monthly = (payment_sum * 30 / summary["payment_period"]) if summary["payment_period"] else payment_sum
    return {
        "error_message": "",
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "balance": _money(customer.balance),
        "email": customer.email,
        "mobile_phone_number": customer.mobile_phone_number,
        "id_for_payment": customer.pk,
        "abonement": account.abonement,
        "required_payment": payment_sum,
        "payments": _payments(customer, date_from, date_to),
        "tariffs": _tariff_rows(call, customer, for_info=True),
        "subscriptions": _subscription_rows(customer, account),
        "monthly_payment": _money(monthly),
        "annual_payment": _money(monthly * 12),
        "payment_sum": payment_sum,
        "payment_sum_no_discount": summary["payment_sum_no_discount"],
        "payment_period": summary["payment_period"],
        "current_debt_amount": summary["current_debt_amount"],
        "activation_days_left": summary["activation_days_left"],
    }


@tvmw.method("/v2/customer/info/", "CustomerInfoV2", params=COMMON, auth=["session"], param_error_code=400)
def customer_info_v2(call: Call) -> dict:
    customer, account = _customer(call), call.account
    summary = _period_summary(customer, account)
    trial_days = getattr(call.client, "trial_period_days", 0) or 0
    is_trial = bool(trial_days and account.created_at + dt.timedelta(days=trial_days) > timezone.now())
    return {
        "error_message": "",
        "firstname": customer.firstname,
        "lastname": customer.lastname,
        "abonement": wire_number(account.abonement),
        "balance": _money(customer.balance),
        "email": customer.email,
        "mobile_phone_number": customer.mobile_phone_number,
        "id_for_payment": customer.pk,
        "payment_sum": summary["payment_sum"],
        "payment_sum_no_discount": summary["payment_sum_no_discount"],
        "payment_period": summary["payment_period"],
        "current_debt_amount": summary["current_debt_amount"],
        "activation_days_left": summary["activation_days_left"],
        "deactivation_date": account.deactivation_date.isoformat() if account.deactivation_date else "",
        "deactivation_date_to": account.extension_date.isoformat() if account.extension_date else "",
        "is_trial": int(is_trial),
        "autopayment_enabled": int(customer.autopayment_enabled),
    }


@tvmw.method("/customer/payment/info/", "CustomerPaymentInfo", params=COMMON, auth=["session"])
def customer_payment_info(call: Call) -> dict:
    customer = _customer(call)
    summary = _period_summary(customer, call.account)
    return {
        "error_message": "",
        "details": [
            {"title": line.title, "sum": line.price, "date": line.renews.strftime("%Y-%m-%d") if line.renews else ""}
            for line in summary["lines"]
        ],
        "payment_sum": summary["payment_sum"],
        "payment_sum_no_discount": summary["payment_sum_no_discount"],
    }


# --- info/set ------------------------------------------------------------------------------------

INFO_LIMITS = {"firstname": 128, "lastname": 128, "mobile_phone_number": 24, "email": 254}


@tvmw.method(
    "/customer/info/set/",
    "CustomerInfoSet",
    error_message=False,
    params=[
        String("firstname"),
        String("lastname"),
        String("mobile_phone_number"),
        String("code", max_length=16),
        String("confirmation_method"),
        String("email"),
        *COMMON,
    ],
    auth=["session"],
    http_methods=("POST",),
)
def customer_info_set(call: Call) -> dict:
    from django.core.validators import validate_email

    method = call.params["confirmation_method"]
    if method is not None and method not in ("1", "2", "3", "4"):
        raise ApiError(
            errors.INFO_SET_BAD_PARAMS,
            "Confirmation method is invalid",
            extra={"error_messages": "Confirmation method is invalid"},
        )
    problems: dict[str, list[str]] = {}
    changes: dict[str, str] = {}
    for name, limit in INFO_LIMITS.items():
        value = call.params[name]
        if value is None:
            continue
        if len(value) > limit:
            problems[name] = [f"Ensure this value has at most {limit} characters (it has {len(value)})."]
            continue
        changes[name] = value.strip()
    if changes.get("email"):
        try:
            validate_email(changes["email"])
        except ValidationError:
            problems["email"] = ["Enter a valid email address."]
    if problems:
        raise ApiError(errors.INFO_SET_BAD_PARAMS, "Invalid parameters", extra={"error_messages": problems})
    customer = _customer(call)
    phone = changes.get("mobile_phone_number")
    if phone and phone != customer.mobile_phone_number:
        digits = normalize_phone(phone)
        if digits is None:
            raise ApiError(errors.INFO_SET_PHONE_INVALID, "Invalid phone number")
        taken = customer_phone_taken(
            client=call.client, phones=[phone, digits, "+" + digits], exclude_customer_id=customer.pk
        )
        if taken:
            raise ApiError(errors.INFO_SET_PHONE_TAKEN, "The phone number belongs to another customer")
        outcome = phone_verify(client=call.client, phone=digits, code=call.params["code"], purpose="customer_info")
        _raise_for_phone(outcome)
    if changes:
        customer_modify(customer=customer, data=changes, source=Source.TVMW_API)
    return {"error_messages": {}}


def _raise_for_phone(verification) -> None:
    outcome = verification.outcome
    if outcome == Outcome.VERIFIED:
        return
    if outcome == Outcome.SENT:
        extra = {"error_messages": {"confirmation_phone": [verification.confirmation_phone]}}
        raise ApiError(
            errors.INFO_SET_PHONE_CODE_SENT,
            "Confirmation sent",
            extra=extra if verification.confirmation_phone else None,
        )
    if outcome == Outcome.AWAITING:
        raise ApiError(errors.INFO_SET_PHONE_AWAITING, "Awaiting the phone confirmation")
    if outcome == Outcome.WRONG_CODE:
        raise ApiError(errors.INFO_SET_PHONE_WRONG_CODE, "Wrong confirmation code", {"code": "invalid"})
    # Too frequent or the gateway failed: the SMS service could not send a code.
    raise ApiError(errors.INFO_SET_SMS_FAILED, "The SMS service could not send the code")


# --- devices ---------------------------------------------------------------------------------------


@tvmw.method("/customer/device/list/", "CustomerDeviceList", params=COMMON, auth=["session"])
def customer_device_list(call: Call) -> dict:
    devices = customer_devices(client=call.client, customer_id=call.account.customer_id)
    return {
        "error_message": "",
        "devices": [
            {
                "id": d.pk,
                "system_name": d.play_device.system_name if d.play_device_id else "",
                "device_uid": d.device_uid,
                "brand_name": d.brand_name,
                "device_model": d.device_model,
                "status": d.enabled,
                "created_at": d.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for d in devices
        ],
    }


@tvmw.method(
    "/customer/device/delete/",
    "CustomerDeviceDelete",
    params=[Number("id", required=True, lo=1), *COMMON],
    auth=["session"],
    param_error_code=errors.CUSTOMER_DEVICE_NOT_FOUND,
)
def customer_device_delete(call: Call) -> dict:
    device = customer_device_get(client=call.client, customer_id=call.account.customer_id, device_id=call.params["id"])
    if device is None:
        raise ApiError(errors.CUSTOMER_DEVICE_NOT_FOUND, "Device not found", {"id": "not found"})
    account_device_delete(device=device, source=Source.TVMW_API)
    return {"error_message": ""}


# --- tariffs and subscriptions -----------------------------------------------------------------


@tvmw.method(
    "/customer/tariff/list/",
    "CustomerTariffList",
    params=[Flag("show_virtual_tariffs"), *COMMON],
    auth=["session"],
)
def customer_tariff_list(call: Call) -> dict:
    return {"error_message": "", "tariffs": _tariff_rows(call, _customer(call), for_info=False)}


@tvmw.method("/customer/tariff/subscription/list/", "CustomerTariffSubscriptionList", params=COMMON, auth=["session"])
def customer_tariff_subscription_list(call: Call) -> dict:
    return {"error_message": "", "subscriptions": _subscription_rows(_customer(call), call.account)}


SUBSCRIBE_CODES = {
    SubscribeError.UNAVAILABLE: errors.SUBSCRIBE_UNAVAILABLE,
    SubscribeError.ALREADY: errors.SUBSCRIBE_ALREADY,
    SubscribeError.NO_FUNDS: errors.SUBSCRIBE_NO_FUNDS,
    SubscribeError.NOT_INTERNAL: errors.SUBSCRIBE_NOT_CONFIGURED,
    SubscribeError.SECOND_BASIC: errors.SUBSCRIBE_SECOND_BASIC,
}
UNSUBSCRIBE_CODES = {
    SubscribeError.NOT_ASSIGNED: errors.UNSUBSCRIBE_NOT_ASSIGNED,
    SubscribeError.BASIC: errors.UNSUBSCRIBE_BASIC,
    SubscribeError.NOT_INTERNAL: errors.UNSUBSCRIBE_NOT_CONFIGURED,
    SubscribeError.NOT_UNSUBSCRIBABLE: errors.UNSUBSCRIBE_FORBIDDEN,
}


def requested_tariffs(call: Call, *, unavailable_code: int):
    """The tariffs of `tariff_id` (no virtual tariffs exist here: any `virtual_tariff_id`
    names an unknown one)."""
    ids, virtual = call.params["tariff_id"], call.params["virtual_tariff_id"]
    if not ids and not virtual:
        raise ApiError(errors.SUBSCRIBE_NO_TARIFF, "Pass tariff_id or virtual_tariff_id", {"tariff_id": "required"})
    if virtual:
        raise ApiError(unavailable_code, "Virtual tariff not found", {"virtual_tariff_id": "not found"})
    return ids


def subscribe(call: Call, *, for_account: bool) -> dict:
    ids = requested_tariffs(call, unavailable_code=errors.SUBSCRIBE_UNAVAILABLE)
    try:
        tariffs = subscribable_tariffs(client=call.client, tariff_ids=ids)
        tariffs_subscribe(
            account=call.account,
            tariffs=tariffs,
            for_account=for_account,
            try_activate=bool(call.params["try_activate"]),
        )
    except SubscribeError as exc:
        raise ApiError(SUBSCRIBE_CODES[exc.reason], str(exc), {"tariff_id": str(exc)}) from None
    return {"payment_info": {"is_awaiting_payment": 0}}


def unsubscribe(call: Call, *, for_account: bool) -> dict:
    ids = requested_tariffs(call, unavailable_code=errors.UNSUBSCRIBE_NOT_ASSIGNED)
    try:
        tariffs_unsubscribe(account=call.account, tariff_ids=ids, for_account=for_account)
    except SubscribeError as exc:
        raise ApiError(UNSUBSCRIBE_CODES[exc.reason], str(exc), {"tariff_id": str(exc)}) from None
    return {}


SUBSCRIBE_PARAMS = [*TARIFF_REFS, Number("channel_id", lo=1), Flag("try_activate"), *COMMON]


@tvmw.method("/customer/tariff/subscribe/", "CustomerTariffSubscribe", params=SUBSCRIBE_PARAMS, auth=["session"])
def customer_tariff_subscribe(call: Call) -> dict:
    return {"error_message": "", **subscribe(call, for_account=False)}


@tvmw.method(
    "/customer/tariff/unsubscribe/", "CustomerTariffUnsubscribe", params=[*TARIFF_REFS, *COMMON], auth=["session"]
)
def customer_tariff_unsubscribe(call: Call) -> dict:
    return {"error_message": "", **unsubscribe(call, for_account=False)}


@tvmw.method(
    "/customer/tariff/subscription/cost/",
    "CustomerTariffSubscriptionCost",
    params=[*TARIFF_REFS, *COMMON],
    auth=["session"],
)
def customer_tariff_subscription_cost(call: Call) -> dict:
    ids, virtual = call.params["tariff_id"], call.params["virtual_tariff_id"]
    if virtual or not ids:
        raise ApiError(errors.COST_UNAVAILABLE, "Tariff not found", {"tariff_id": "not found"})
    try:
        tariffs = subscribable_tariffs(client=call.client, tariff_ids=ids)
    except SubscribeError as exc:
        raise ApiError(errors.COST_UNAVAILABLE, str(exc), {"tariff_id": "not found"}) from None
    cost = subscription_cost(customer=_customer(call), tariffs=tariffs)
    return {"error_message": "", "price": cost.price, "balance": cost.balance_after}


# --- autopayment, invoices, details --------------------------------------------------------------


@tvmw.method(
    "/customer/autopayment/",
    "CustomerAutopaymentToggle",
    params=[Number("enabled", required=True, choices=(0, 1)), *COMMON],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.AUTOPAYMENT_BAD_ENABLED,
)
def customer_autopayment(call: Call) -> dict:
    if call.params["enabled"]:
        # No gateway here charges a card on its own schedule yet: enabling is refused, as the
        # reference allows ("Включение пока не поддерживается").
        raise ApiError(errors.AUTOPAYMENT_ENABLE_UNAVAILABLE, "Enabling the autopayment is not available")
    customer = _customer(call)
    if not customer.autopayment_enabled:
        raise ApiError(errors.AUTOPAYMENT_ALREADY_DISABLED, "The autopayment is already disabled")
    customer_modify(customer=customer, data={"autopayment_enabled": False}, source=Source.TVMW_API)
    return {}


@tvmw.method(
    "/customer/invoice/complete/",
    "CustomerInvoiceComplete",
    params=[String("invoice_id", max_length=128), *COMMON],
    auth=["session"],
)
def customer_invoice_complete(call: Call) -> dict:
    if not call.params["invoice_id"]:
        raise ApiError(errors.INVOICE_ID_MISSING, "invoice_id is required", {"invoice_id": "required"})
    # Subscriptions here are paid from the balance at once (is_awaiting_payment is always 0):
    # there are no external invoices to complete.
    raise ApiError(errors.INVOICE_UNSUPPORTED, "The billing does not issue invoices")


@tvmw.method(
    "/customer/billing_details_notify/",
    "BillingDetailsNotify",
    params=[String("email", required=True, max_length=254), Number("period", required=True, lo=1, hi=3660), *COMMON],
    auth=["session"],
    param_error_code=errors.DETAILS_UNKNOWN,
)
def customer_billing_details_notify(call: Call) -> dict:
    from billing.notify import DetailsEmailTakenError, NothingInPeriodError

    try:
        billing_details_send(customer=_customer(call), email=call.params["email"], days=call.params["period"])
    except ValidationError:
        raise ApiError(errors.DETAILS_UNKNOWN, "Enter a valid email address.", {"email": "invalid"}) from None
    except DetailsEmailTakenError:
        raise ApiError(
            errors.DETAILS_EMAIL_TAKEN, "The email is used by another customer", {"email": "taken"}
        ) from None
    except NothingInPeriodError:
        raise ApiError(errors.DETAILS_NOTHING_IN_PERIOD, "No transactions in the period") from None
    return {"error_message": ""}
