"""Customer group, payments: merchant page URL, payment create / process with card data, and
payment with a saved card, through the configured gateways (billing/gateways/)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from smarty.api import ApiError, Call, String

from .. import errors, services
from ..api import Abonement, Amount, Id, account_from, customer_from, domain_errors, endpoint
from ..gateways import CardData, GatewayConfigError, GatewayError, UnknownGatewayError
from ..selectors import payment_get
from .customers import CUSTOMER_REF

PAYMENT = errors.CustomerPaymentCreate
PROCESS = errors.CustomerPaymentProcess


def _gateway_error(exc: GatewayError, allowed: type) -> ApiError:
    known = set(errors.codes(allowed).values())
    code = exc.code if exc.code in known else allowed.UNKNOWN
    return ApiError(code, exc.message)


@endpoint(
    "/customer/merchant_url/",
    "CustomerMerchantUrl",
    params=[*CUSTOMER_REF, String("merchant_type", max_length=32), Amount("amount")],
    param_error=errors.CustomerMerchantUrl.BAD_AMOUNT,
    # The gateway is called over the network: never inside a held transaction, never twice.
    transactional=False,
)
def customer_merchant_url(call: Call) -> dict:
    code = errors.CustomerMerchantUrl
    customer = customer_from(call, code.CUSTOMER_NOT_FOUND)
    try:
        with domain_errors({ValidationError: code.BAD_AMOUNT}):
            _payment, url, name = services.payment_merchant_url(
                customer=customer, amount=_amount(call, code.BAD_AMOUNT), merchant_type=call.params["merchant_type"]
            )
    except UnknownGatewayError as exc:
        raise ApiError(code.MERCHANT_NOT_FOUND, str(exc), {"merchant_type": "not found"}) from exc
    except GatewayConfigError as exc:
        raise ApiError(code.GATEWAY_CONFIG, str(exc)) from exc
    except GatewayError as exc:
        raise ApiError(code.URL_FAILED, exc.message) from exc
    return {"url": url, "merchant_name": name}


def _amount(call: Call, code: int):
    if call.params["amount"] is None:
        raise ApiError(code, "Invalid parameters: amount: required", {"amount": "required"})
    return call.params["amount"]


@endpoint(
    "/customer/payment/create/",
    "CustomerPaymentCreate",
    params=[*CUSTOMER_REF, String("merchant_type", max_length=32), Amount("amount")],
    param_error=PAYMENT.BAD_REQUEST,
    # The gateway is called over the network: never inside a held transaction, never twice.
    transactional=False,
)
def customer_payment_create(call: Call) -> dict:
    customer = customer_from(call, PAYMENT.CUSTOMER_NOT_FOUND)
    try:
        with domain_errors({ValidationError: PAYMENT.BAD_REQUEST}):
            payment = services.payment_create(
                customer=customer, amount=_amount(call, PAYMENT.BAD_REQUEST), merchant_type=call.params["merchant_type"]
            )
    except (UnknownGatewayError, GatewayConfigError) as exc:
        raise ApiError(PAYMENT.GATEWAY_CONFIG, str(exc), {"merchant_type": str(exc)}) from exc
    except GatewayError as exc:
        raise _gateway_error(exc, PAYMENT) from exc
    return {
        "payments": {
            "payment_id": payment.gateway_ref,
            "transaction_id": str(payment.pk),
            "session_id": payment.session_id,
        }
    }


@endpoint(
    "/customer/payment/process/",
    "CustomerPaymentProcess",
    params=[
        *CUSTOMER_REF,
        String("payment_id", max_length=128),
        Id("transaction_id"),
        String("merchant_type", max_length=32),
        String("card_number", max_length=32),
        String("card_holder", max_length=128),
        String("card_expire", max_length=16),
        String("card_cvv", max_length=8),
    ],
    param_error=PROCESS.BAD_REQUEST,
    # The gateway is called over the network: never inside a held transaction, never twice.
    transactional=False,
)
def customer_payment_process(call: Call) -> dict:
    customer = customer_from(call, PROCESS.CUSTOMER_NOT_FOUND)
    p = call.params
    missing = {n: "required" for n in ("payment_id", "card_number", "card_expire", "card_cvv") if not p[n]}
    if missing:
        raise ApiError(PROCESS.BAD_REQUEST, f"Invalid parameters: {', '.join(missing)} required", missing)
    payment = payment_get(
        customer=customer,
        gateway_ref=p["payment_id"].strip(),
        payment_id=p["transaction_id"],
        gateway=p["merchant_type"] or "",
    )
    if payment is None:
        raise ApiError(PROCESS.BAD_REQUEST, "Payment not found", {"payment_id": "not found"})
    card = CardData(
        number=p["card_number"].strip(),
        holder=(p["card_holder"] or "").strip(),
        expire=p["card_expire"].strip(),
        cvv=p["card_cvv"].strip(),
    )
    try:
        with domain_errors({services.PaymentInvalidError: PROCESS.BAD_REQUEST}):
            services.payment_process(payment=payment, card=card)
    except (UnknownGatewayError, GatewayConfigError) as exc:
        raise ApiError(PROCESS.GATEWAY_INTERNAL, str(exc)) from exc
    except GatewayError as exc:
        raise _gateway_error(exc, PROCESS) from exc
    return {"payments": {"payment_id": payment.gateway_ref}}


@endpoint(
    "/customer/saved_card/pay/",
    "CustomerSavedCardPay",
    params=[Abonement(), Amount("amount")],
    param_error=errors.CustomerSavedCardPay.INVALID,
    # The gateway is called over the network: never inside a held transaction, never twice.
    transactional=False,
)
def customer_saved_card_pay(call: Call) -> dict:
    code = errors.CustomerSavedCardPay
    account = account_from(call, code.NOT_FOUND, id_param="")
    try:
        with domain_errors({ValidationError: code.INVALID, services.PaymentInvalidError: code.INVALID}):
            services.saved_card_pay(account=account, amount=_amount(call, code.INVALID))
    except (UnknownGatewayError, GatewayConfigError) as exc:
        raise ApiError(code.FAILED, str(exc)) from exc
    except GatewayError as exc:
        raise ApiError(code.FAILED, exc.message) from exc
    return {}
