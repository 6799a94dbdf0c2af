"""Payment (reference tvmw/Payment.md): the subscriber tops up its own customer's balance
through a gateway: its page (payment/create, payment/merchant_url), a QR code the TV shows
(payment/qrcode), the application's card form (payment/create + payment/process), a saved
card; payment/complete asks the gateway how a payment ended. Every payment is the session
customer's own; another customer's transaction_id is "not found"."""

from __future__ import annotations

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpResponse

from billing.gateways import CardData, GatewayConfigError, GatewayError, UnknownGatewayError, get_gateway
from billing.gateways.base import CARD_FORM, QR, REDIRECT, SAVED_CARDS
from billing.payments import (
    PaymentNotFoundError,
    payment_checkout,
    payment_get,
    payment_receipt_send,
    payment_refresh,
    saved_card_charge,
)
from billing.selectors import (
    PaymentStatus,
    payment_get_by_gateway_ref,
    saved_card_exists,
    transaction_list,
)
from billing.selectors import (
    saved_card_list as saved_cards,
)
from billing.services import PaymentInvalidError, payment_create, payment_process
from billing.services import saved_card_delete as saved_card_forget
from selfservice.services import qr_image
from smarty.api import ApiError, Call, Decimal, Flag, Number, String

from .. import errors
from ..api import tvmw

COMMON = [String("device"), String("device_uid"), String("lang", default="")]
MERCHANT = String("merchant_type", max_length=32)
QR_SALT = "payment-qrcode"
QR_MAX_AGE = 3600
STATUS = {PaymentStatus.CREATED: 0, PaymentStatus.PROCESSING: 0, PaymentStatus.PAID: 1, PaymentStatus.FAILED: 2}


def _gateway_error(exc: Exception) -> ApiError:
    if isinstance(exc, UnknownGatewayError):
        return ApiError(errors.PAYMENT_BAD_PARAMS, str(exc), {"merchant_type": "not found"})
    if isinstance(exc, GatewayConfigError):
        return ApiError(errors.PAYMENT_GATEWAY_INTERNAL, str(exc))
    if isinstance(exc, ValidationError):
        return ApiError(errors.PAYMENT_BAD_PARAMS, "Invalid amount", {"amount": "invalid"})
    code = exc.code if 2 <= exc.code <= 19 else errors.PAYMENT_UNKNOWN
    return ApiError(code, exc.message)


def _amount(call: Call, code: int = errors.PAYMENT_BAD_PARAMS):
    """The `amount` parameter: present, finite and of a size money can have."""
    amount = call.params["amount"]
    if amount is None:
        raise ApiError(code, "amount is required", {"amount": "required"})
    # A huge exponent (1E+999999999) would overflow the decimal arithmetic further on.
    if not amount.is_finite() or amount.adjusted() > 14:
        raise ApiError(code, "amount is out of range", {"amount": "out of range"})
    return amount


@tvmw.method(
    "/payment/create/",
    "PaymentCreate",
    params=[
        String("template", max_length=64),
        MERCHANT,
        Decimal("amount"),
        Flag("autopayment_enable"),
        Flag("without_default_card"),
        String("return_url", max_length=1000),
        *COMMON,
    ],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_BAD_PARAMS,
)
def payment_create_view(call: Call) -> dict:
    amount = _amount(call)
    try:
        gateway = get_gateway(call.params["merchant_type"])
        if REDIRECT in gateway.capabilities:
            checkout = payment_checkout(
                account=call.account,
                amount=amount,
                kind=REDIRECT,
                merchant_type=gateway.name,
                return_url=call.params["return_url"] or "",
            )
            payment, redirect = checkout.payment, checkout.url
        elif CARD_FORM in gateway.capabilities:
            payment = payment_create(customer=call.account.customer, amount=amount, merchant_type=gateway.name)
            redirect = ""
        else:
            raise GatewayError(errors.PAYMENT_NOT_SUPPORTED, "The merchant takes no payments this way")
    except (ValidationError, UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
        raise _gateway_error(exc) from None
    return {
        "error_message": "",
        "payment_id": payment.gateway_ref,
        "transaction_id": payment.pk,
        "session_id": payment.session_id,
        "redirect_url": redirect,
        "form_data": {},
    }


@tvmw.method(
    "/payment/merchant_url/",
    "PaymentMerchantUrl",
    params=[MERCHANT, Decimal("amount"), *COMMON],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.MERCHANT_URL_UNKNOWN,
)
def payment_merchant_url(call: Call) -> dict:
    amount = _amount(call, errors.MERCHANT_URL_UNKNOWN)
    try:
        gateway = get_gateway(call.params["merchant_type"])
        if REDIRECT not in gateway.capabilities:
            # The application's own card form is used: the reference's empty url.
            return {"error_message": "", "url": "", "merchant_name": gateway.title or gateway.name}
        checkout = payment_checkout(account=call.account, amount=amount, kind=REDIRECT, merchant_type=gateway.name)
    except ValidationError:
        raise ApiError(errors.MERCHANT_URL_UNKNOWN, "Invalid amount", {"amount": "invalid"}) from None
    except (UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
        code = 3 if isinstance(exc, GatewayError) and exc.code == 6 else errors.MERCHANT_URL_MERCHANT_ERROR
        raise ApiError(code, str(exc)) from None
    return {"error_message": "", "url": checkout.url, "merchant_name": checkout.merchant_name}


@tvmw.method(
    "/payment/qrcode/",
    "PaymentQRCode",
    params=[
        String("template", max_length=64),
        Decimal("amount"),
        Flag("use_sbp"),
        Flag("autopayment_enable"),
        Flag("without_default_card"),
        MERCHANT,
        *COMMON,
    ],
    auth=["session"],
    param_error_code=errors.PAYMENT_BAD_PARAMS,
)
def payment_qrcode(call: Call) -> dict:
    amount = _amount(call)
    try:
        gateway = get_gateway(call.params["merchant_type"])
        if QR in gateway.capabilities:
            checkout = payment_checkout(account=call.account, amount=amount, kind=QR, merchant_type=gateway.name)
            direct = checkout.qr_data
        elif REDIRECT in gateway.capabilities:
            # The QR code leads to the gateway's payment page.
            checkout = payment_checkout(account=call.account, amount=amount, kind=REDIRECT, merchant_type=gateway.name)
            direct = checkout.url
        else:
            raise GatewayError(errors.PAYMENT_NOT_SUPPORTED, "The merchant takes no QR payments")
    except (ValidationError, UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
        raise _gateway_error(exc) from None
    token = signing.dumps(direct, salt=QR_SALT, compress=True)
    image = call.request.build_absolute_uri(f"/tvmiddleware/api/noauth/payment/qrcode/image/?token={token}")
    return {"error_message": "", "saved_qrcode_url": image, "direct_url": direct, "transaction_id": checkout.payment.pk}


@tvmw.method(
    "/noauth/payment/qrcode/image/",
    "PaymentQRCodeImage",
    params=[String("token", required=True, max_length=4000), String("format", default="png", choices=("png", "svg"))],
    param_error_code=errors.PAYMENT_BAD_PARAMS,
    extension=True,
)
def payment_qrcode_image(call: Call) -> HttpResponse:
    """Not a reference method: the image saved_qrcode_url points at (signed, expires)."""
    try:
        text = signing.loads(call.params["token"], salt=QR_SALT, max_age=QR_MAX_AGE)
    except signing.BadSignature:
        raise ApiError(errors.NOT_FOUND, "QR code not found or expired") from None
    kind = call.params["format"]
    response = HttpResponse(
        qr_image(text=text, kind=kind), content_type="image/png" if kind == "png" else "image/svg+xml"
    )
    response["Cache-Control"] = "no-store"
    return response


def _own_payment(call: Call, code: int):
    try:
        return payment_get(customer_id=call.account.customer_id, payment_id=call.params["transaction_id"])
    except PaymentNotFoundError:
        raise ApiError(code, "Transaction not found", {"transaction_id": "not found"}) from None


@tvmw.method(
    "/payment/complete/",
    "PaymentComplete",
    error_message=False,
    params=[
        String("session_id", max_length=128),
        Number("transaction_id", required=True, lo=1),
        Flag("use_sbp"),
        MERCHANT,
        *COMMON,
    ],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_TX_NOT_FOUND,
)
def payment_complete(call: Call) -> dict:
    payment = _own_payment(call, errors.PAYMENT_TX_NOT_FOUND)
    if payment.status in (PaymentStatus.PAID, PaymentStatus.FAILED):
        raise ApiError(
            errors.PAYMENT_COMPLETE_ALREADY,
            "The transaction is already processed",
            extra={"status": STATUS[payment.status]},
        )
    try:
        payment = payment_refresh(payment=payment)
    except (GatewayConfigError, GatewayError) as exc:
        raise ApiError(errors.PAYMENT_TX_GATEWAY_ERROR, str(exc)) from None
    return {"status": STATUS[payment.status]}


@tvmw.method(
    "/payment/list/",
    "PaymentList",
    params=[Number("limit", default=100, lo=1, hi=100), Number("page", default=1, lo=1, hi=10**6), *COMMON],
    auth=["session"],
    param_error_code=errors.PAYMENT_LIST_BAD_PARAMS,
)
def payment_list(call: Call) -> dict:
    limit, page = call.params["limit"], call.params["page"]
    shown = transaction_list(customer_id=call.account.customer_id, offset=(page - 1) * limit, limit=limit)
    return {
        "error_message": "",
        "payments": [
            {"id": tx.pk, "comment": tx.comment, "datetime": int(tx.created_at.timestamp()), "amount": tx.amount}
            for tx in shown
        ],
    }


CARD_PARAMS = [
    String("card_number", required=True, max_length=32),
    String("card_holder", required=True, max_length=128),
    String("card_expire", required=True, max_length=8),
    String("card_cvv", required=True, max_length=4),
]


@tvmw.method(
    "/payment/process/",
    "PaymentProcess",
    params=[
        String("payment_id", required=True, max_length=128),
        Number("transaction_id", lo=1),
        MERCHANT,
        *CARD_PARAMS,
        *COMMON,
    ],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_BAD_PARAMS,
)
def payment_process_view(call: Call) -> dict:
    p = call.params
    payment = payment_get_by_gateway_ref(customer_id=call.account.customer_id, gateway_ref=p["payment_id"])
    if payment is None or (p["transaction_id"] is not None and payment.pk != p["transaction_id"]):
        raise ApiError(errors.PAYMENT_BAD_PARAMS, "Payment not found", {"payment_id": "not found"})
    card = CardData(number=p["card_number"], holder=p["card_holder"], expire=p["card_expire"], cvv=p["card_cvv"])
    try:
        payment = payment_process(payment=payment, card=card)
    except PaymentInvalidError as exc:
        raise ApiError(errors.PAYMENT_BAD_PARAMS, str(exc), {"payment_id": "already processed"}) from None
    except (UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
        raise _gateway_error(exc) from None
    return {"error_message": "", "payment_id": payment.gateway_ref, "form_data": {}}


@tvmw.method(
    "/payment/preauth/",
    "PaymentPreAuth",
    params=[MERCHANT, Number("transaction_id", lo=1), *COMMON],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_BAD_PARAMS,
)
def payment_preauth(call: Call) -> dict:
    # No configured gateway runs a separate 3-D Secure pre-authentication (YooKassa sends the
    # subscriber through 3-D Secure on its own page).
    raise ApiError(errors.PAYMENT_NOT_SUPPORTED, "3-D Secure pre-authentication is not supported by the merchant")


@tvmw.method(
    "/payment/pares/process/",
    "PaymentPAResProcess",
    error_message=False,
    params=[
        String("session_id", max_length=128),
        Number("transaction_id", required=True, lo=1),
        MERCHANT,
        String("pares"),
        *COMMON,
    ],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_TX_NOT_FOUND,
)
def payment_pares_process(call: Call) -> dict:
    _own_payment(call, errors.PAYMENT_TX_NOT_FOUND)
    raise ApiError(errors.PAYMENT_TX_GATEWAY_ERROR, "The merchant takes no PARes (3-D Secure runs on its page)")


@tvmw.method(
    "/payment/cheque/",
    "PaymentGetCheque",
    params=[Number("transaction_id", required=True, lo=1), String("email", max_length=254), *COMMON],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_TX_NOT_FOUND,
)
def payment_cheque(call: Call) -> dict:
    """The gateway sends the paid payment's receipt to `email` (YooKassa's receipts). A
    gateway that sends none, a payment not paid or an email that is not one: code 2."""
    payment = _own_payment(call, errors.PAYMENT_TX_NOT_FOUND)
    email = (call.params["email"] or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ApiError(errors.PAYMENT_TX_GATEWAY_ERROR, "A valid email is required", {"email": "invalid"}) from None
    try:
        payment_receipt_send(payment=payment, email=email)
    except PaymentInvalidError as exc:
        raise ApiError(errors.PAYMENT_TX_GATEWAY_ERROR, str(exc), {"transaction_id": "not paid"}) from None
    except (UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
        raise ApiError(errors.PAYMENT_TX_GATEWAY_ERROR, str(exc)) from None
    return {"error_message": ""}


# --- saved cards -----------------------------------------------------------------------------


def _saved_card_gateway(name: str) -> None:
    """Codes 2 (no such merchant) and 3 (it keeps no cards) of the saved-card methods."""
    try:
        gateway = get_gateway(name)
    except (UnknownGatewayError, GatewayConfigError) as exc:
        raise ApiError(errors.MERCHANT_URL_MERCHANT_ERROR, str(exc), {"merchant_type": "not found"}) from None
    if SAVED_CARDS not in gateway.capabilities:
        raise ApiError(errors.SAVED_CARD_UNSUPPORTED, f"{gateway.name} keeps no saved cards")


@tvmw.method(
    "/payment/saved_card/list/",
    "PaymentSavedCardList",
    error_message=False,
    params=[MERCHANT, *COMMON],
    auth=["session"],
    http_methods=("POST",),
)
def saved_card_list(call: Call) -> dict:
    if call.params["merchant_type"]:
        _saved_card_gateway(call.params["merchant_type"])
    cards = saved_cards(customer_id=call.account.customer_id, gateway=call.params["merchant_type"] or "")
    return {
        "cards": [
            {"id": str(c.pk), "number": c.card_mask, "expired": 0, "use_sbp": 0, "for_autopayment": 0} for c in cards
        ]
    }


@tvmw.method(
    "/payment/saved_card/delete/",
    "PaymentSavedCardDelete",
    params=[String("card_id", max_length=20), MERCHANT, *COMMON],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.SAVED_CARD_BAD_PARAMS,
)
def saved_card_delete(call: Call) -> dict:
    if call.params["merchant_type"]:
        _saved_card_gateway(call.params["merchant_type"])
    raw = call.params["card_id"] or ""
    if not (raw.isascii() and raw.isdigit()):
        raise ApiError(errors.SAVED_CARD_BAD_PARAMS, "Invalid card_id", {"card_id": "invalid"})
    if not saved_card_forget(customer_id=call.account.customer_id, card_id=int(raw)):
        raise ApiError(errors.SAVED_CARD_NOT_FOUND, "Card not found", {"card_id": "not found"})
    return {"error_message": ""}


@tvmw.method(
    "/payment/saved_card/pay/",
    "PaymentSavedCardPay",
    params=[String("card_id", max_length=20), Decimal("amount"), *COMMON],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=errors.PAYMENT_BAD_PARAMS,
)
def saved_card_pay_view(call: Call) -> dict:
    amount = _amount(call)
    raw = call.params["card_id"]
    card_id = None
    if raw is not None:
        if not (raw.isascii() and raw.isdigit()) or not saved_card_exists(
            customer_id=call.account.customer_id, card_id=int(raw)
        ):
            raise ApiError(errors.PAYMENT_BAD_PARAMS, "Card not found", {"card_id": "not found"})
        card_id = int(raw)
    try:
        saved_card_charge(account=call.account, amount=amount, card_id=card_id)
    except PaymentInvalidError as exc:
        raise ApiError(errors.PAYMENT_BAD_PARAMS, str(exc), {"card_id": "no saved card"}) from None
    except ValidationError:
        raise ApiError(errors.PAYMENT_BAD_PARAMS, "Invalid amount", {"amount": "invalid"}) from None
    except (UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
        # the gateway's own code (2..19: insufficient funds, card detached...) as documented
        raise _gateway_error(exc) from None
    return {"error_message": ""}
