"""Payments through a gateway's page or QR code, and the gateway telling us how they ended.

States (Payment.Status) and their transitions, each logged to smarty_payment as
PAYMENT_STATE_CHANGED and kept as a PaymentEvent:

    created --(registered with the gateway)--> processing --(gateway: succeeded)--> paid
                                                   \\--(gateway: canceled / refused)--> failed

Only the gateway's API decides: a callback names a payment; its state, amount and currency are
fetched back from the gateway and must match ours (amount and currency) before any money moves.
Settling locks the payment row and credits the balance only when the payment has no
transaction yet, so the same callback twice (or a callback racing payment/complete) credits
once; the gateway's payment id identifies the payment."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Customer
from smarty.logging import log_event

from .gateways import GatewayConfigError, GatewayError, GatewayPayment, get_gateway
from .gateways.base import (
    CANCELED,
    NOTIFICATIONS,
    RECEIPTS,
    REFUNDS,
    SAVED_CARDS,
    SUCCEEDED,
    WAITING_FOR_CAPTURE,
    Gateway,
    GatewayRefund,
    GatewayStatus,
)
from .models import GatewayAccount, Payment, PaymentEvent, Refund, SavedCard, Transaction
from .services import PaymentInvalidError, money, saved_card_pay, transaction_create

FINAL = (Payment.Status.PAID, Payment.Status.FAILED)


class PaymentNotFoundError(Exception):
    pass


class PaymentMismatchError(GatewayError):
    """The gateway reports another amount or currency than the payment was made for."""


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    url: str
    qr_data: str
    merchant_name: str


def gateway_account(*, client, gateway: Gateway) -> GatewayAccount | None:
    """The operator's enabled account with the gateway; GatewayConfigError when the gateway
    needs one and the operator has none."""
    account = GatewayAccount.objects.for_client(client).filter(gateway=gateway.name, enabled=True).first()
    if account is None and gateway.needs_account:
        raise GatewayConfigError(f"{gateway.name}: not set up for this operator")
    return account


def _currency(customer: Customer, account: GatewayAccount | None) -> str:
    return (account.currency if account and account.currency else customer.client.default_currency).upper()


def _fail(payment: Payment, exc: GatewayError) -> None:
    """The gateway refused to register the payment: FAILED, with the gateway's code and text."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        Payment.objects.filter(pk=payment.pk).update(error_code=exc.code, error_message=exc.message[:255])
        _transition(locked, Payment.Status.FAILED, exc.message)


def _register(payment: Payment, gateway_ref: str, reason: str) -> Payment:
    """The gateway registered the payment as `gateway_ref`: PROCESSING (inside the caller's
    transaction); the locked row is returned for what the caller does next."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    Payment.objects.filter(pk=payment.pk).update(gateway_ref=gateway_ref)
    locked.gateway_ref = gateway_ref
    _transition(locked, Payment.Status.PROCESSING, reason)
    return locked


def _transition(payment: Payment, to: str, reason: str = "") -> None:
    """Move the payment to `to` (caller holds the row lock), log it and keep the event."""
    before = payment.status
    if before == to:
        return
    payment.status = to
    Payment.objects.filter(pk=payment.pk).update(status=to, updated_at=timezone.now())
    PaymentEvent.objects.create(payment=payment, from_status=before, to_status=to, reason=reason[:255])
    log_event(
        "smarty_payment",
        "PAYMENT_STATE_CHANGED",
        client=payment.customer_id,
        transaction=payment.pk,
        payment_source=payment.gateway,
        from_status=before,
        to_status=to,
        reason=reason,
    )


def payment_checkout(
    *, account: Account, amount: object, kind: str, merchant_type: str = "", return_url: str = ""
) -> Checkout:
    """Register a payment of `amount` with the gateway for its page (kind "redirect") or a
    QR code ("qr"). Raises ValidationError, UnknownGatewayError, GatewayConfigError,
    GatewayError (13 when the gateway does not support `kind`)."""
    value = money(amount)
    if value <= 0:
        raise ValidationError({"amount": ["must be positive"]})
    gateway = get_gateway(merchant_type)
    if kind not in gateway.capabilities:
        raise GatewayError(13, f"{gateway.name}: {kind} payments are not supported")
    customer = Customer.objects.select_related("client").get(pk=account.customer_id)
    gw_account = gateway_account(client=customer.client, gateway=gateway)
    payment = Payment.objects.create(
        client_id=customer.client_id,
        customer=customer,
        account=account,
        gateway=gateway.name,
        amount=value,
        session_id=secrets.token_hex(16),
    )
    request = GatewayPayment(
        id=payment.pk, amount=value, currency=_currency(customer, gw_account), customer_id=customer.pk
    )
    try:
        result = gateway.checkout(
            request,
            kind=kind,
            account=gw_account,
            return_url=return_url,
            save_card=bool(gw_account and gw_account.save_cards and SAVED_CARDS in gateway.capabilities),
        )
    except GatewayError as exc:
        _fail(payment, exc)
        raise
    with transaction.atomic():
        _register(payment, result.payment_id, f"registered as {result.payment_id}")
    payment.refresh_from_db()
    return Checkout(payment, result.confirmation_url, result.qr_data, gateway.title or gateway.name)


def _apply(payment: Payment, status: GatewayStatus, gateway: Gateway, gw_account) -> Payment:
    """Apply the gateway's state to the payment (caller holds the row lock)."""
    if payment.status in FINAL:
        return payment
    if status.payment_id != payment.gateway_ref:
        raise PaymentMismatchError(2, "the gateway answered about another payment")
    expected_currency = _currency(payment.customer, gw_account)
    if status.amount != payment.amount or status.currency.upper() != expected_currency:
        log_event(
            "smarty_payment",
            "NOTIFY_ERROR",
            level="WARNING",
            client=payment.customer_id,
            transaction=payment.pk,
            payment_source=payment.gateway,
            params={"amount": str(status.amount), "currency": status.currency},
            error="amount or currency differs from the payment",
        )
        raise PaymentMismatchError(2, "amount or currency differs from the payment")
    if status.state == WAITING_FOR_CAPTURE:
        status = gateway.capture(
            payment.gateway_ref, amount=payment.amount, currency=expected_currency, account=gw_account
        )
    if status.state == SUCCEEDED:
        tx = transaction_create(
            customer=payment.customer,
            amount=payment.amount,
            comment=f"payment {payment.gateway} {payment.gateway_ref}",
            source=Transaction.Source.PAYMENT,
        )
        Payment.objects.filter(pk=payment.pk).update(transaction=tx)
        payment.transaction = tx
        if status.card_token:
            SavedCard.objects.get_or_create(
                client_id=payment.client_id,
                customer=payment.customer,
                gateway=payment.gateway,
                token=status.card_token,
                defaults={"card_mask": status.card_mask},
            )
        _transition(payment, Payment.Status.PAID, "gateway: succeeded")
        log_event(
            "smarty_payment",
            "NOTIFY_SUCCESS",
            client=payment.customer_id,
            transaction=payment.pk,
            payment_source=payment.gateway,
            params={"amount": str(payment.amount), "payment_id": payment.gateway_ref},
        )
    elif status.state == CANCELED:
        code = getattr(gateway, "failure_code", lambda _r: 2)(status.reason)
        Payment.objects.filter(pk=payment.pk).update(error_code=code, error_message=status.reason[:255])
        _transition(payment, Payment.Status.FAILED, f"gateway: canceled ({status.reason})")
    return payment


def payment_refresh(*, payment: Payment) -> Payment:
    """Ask the gateway how the payment stands and apply it (payment/complete). Raises
    GatewayError, GatewayConfigError."""
    if payment.status in FINAL or not payment.gateway_ref:
        return payment
    gateway = get_gateway(payment.gateway)
    gw_account = gateway_account(client=payment.client_id, gateway=gateway)
    status = gateway.fetch(payment.gateway_ref, account=gw_account)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("customer__client").get(pk=payment.pk)
        return _apply(locked, status, gateway, gw_account)


def payment_notification(*, client_id: int, gateway_name: str, body: bytes) -> Payment | None:
    """A gateway's callback: find the payment it names (this operator, this gateway), fetch
    its state from the gateway and apply it. None when the callback names no payment of
    ours. Raises GatewayError (the gateway could not be asked; it will call again)."""
    gateway = get_gateway(gateway_name)
    payment_id = gateway.notification_payment_id(body)
    if not payment_id:
        return None
    payment = (
        Payment.objects.filter(client_id=client_id, gateway=gateway.name, gateway_ref=payment_id)
        .select_related("customer__client")
        .first()
    )
    if payment is None:
        log_event(
            "smarty_payment",
            "NOTIFY_ERROR",
            level="WARNING",
            client="",
            transaction="",
            payment_source=gateway.name,
            params={"payment_id": payment_id},
            error="no such payment",
        )
        return None
    return payment_refresh(payment=payment)


def payment_get(*, customer_id: int, payment_id: int) -> Payment:
    """The customer's own payment. Raises PaymentNotFoundError."""
    payment = Payment.objects.filter(pk=payment_id, customer_id=customer_id).select_related("client").first()
    if payment is None:
        raise PaymentNotFoundError(payment_id)
    return payment


# --- saved cards ---------------------------------------------------------------------------------


def saved_card_charge(*, account: Account, amount: object, card_id: int | None = None) -> Payment:
    """Top up the balance of the account's customer with one of its saved cards (`card_id`,
    else the newest). A gateway whose payments end asynchronously (YooKassa) is asked to pay
    with the card's token and its answer is applied like a callback's: paid (credited once),
    failed, or processing until the callback or payment/complete. Other gateways pay at once
    (services.saved_card_pay). Raises ValidationError, PaymentInvalidError (no such card),
    UnknownGatewayError, GatewayConfigError, GatewayError (failed: the reference's code)."""
    value = money(amount)
    if value <= 0:
        raise ValidationError({"amount": ["must be positive"]})
    cards = SavedCard.objects.filter(customer_id=account.customer_id)
    card = cards.filter(pk=card_id).first() if card_id is not None else cards.first()
    if card is None:
        raise PaymentInvalidError("The customer has no such saved card", field="card_id")
    gateway = get_gateway(card.gateway)
    if NOTIFICATIONS not in gateway.capabilities:
        return saved_card_pay(account=account, amount=value)
    if SAVED_CARDS not in gateway.capabilities:
        raise GatewayError(13, f"{gateway.name}: saved cards are not supported")
    customer = Customer.objects.select_related("client").get(pk=account.customer_id)
    gw_account = gateway_account(client=customer.client, gateway=gateway)
    payment = Payment.objects.create(
        client_id=customer.client_id, customer=customer, account=account, gateway=gateway.name, amount=value
    )
    request = GatewayPayment(
        id=payment.pk, amount=value, currency=_currency(customer, gw_account), customer_id=customer.pk
    )
    try:
        status = gateway.charge_saved(request, card.token, account=gw_account)
    except GatewayError as exc:
        _fail(payment, exc)
        raise
    with transaction.atomic():
        locked = _register(payment, status.payment_id, f"saved card {card.pk}: registered as {status.payment_id}")
        locked = _apply(locked, status, gateway, gw_account)
    locked.refresh_from_db(fields=["status", "error_code", "error_message", "transaction"])
    if locked.status == Payment.Status.FAILED:
        raise GatewayError(locked.error_code or 2, locked.error_message or "the saved card was refused")
    return locked


# --- refunds -------------------------------------------------------------------------------------


class RefundInvalidError(Exception):
    """The payment cannot be refunded (not paid, nothing left to give back, no gateway support)."""


def _refund_settle(refund: Refund, answer: GatewayRefund) -> Refund:
    """Apply the gateway's answer to a pending refund (caller holds its row lock): succeeded
    debits the balance once, canceled frees the amount."""
    if refund.status != Refund.Status.PENDING:
        return refund
    if answer.state == SUCCEEDED:
        payment = refund.payment
        tx = transaction_create(
            customer=payment.customer,
            amount=-refund.amount,
            comment=f"refund {payment.gateway} {answer.refund_id} of payment {payment.pk}",
            source=Transaction.Source.PAYMENT,
        )
        refund.status, refund.transaction = Refund.Status.SUCCEEDED, tx
    elif answer.state == CANCELED:
        refund.status, refund.error_message = Refund.Status.CANCELED, answer.reason[:255]
    refund.gateway_ref = answer.refund_id or refund.gateway_ref
    refund.save(update_fields=["status", "transaction", "gateway_ref", "error_message", "updated_at"])
    if refund.status != Refund.Status.PENDING:
        log_event(
            "smarty_payment",
            "PAYMENT_REFUND",
            client=refund.payment.customer_id,
            transaction=refund.payment_id,
            payment_source=refund.payment.gateway,
            refund=refund.pk,
            amount=str(refund.amount),
            status=refund.status,
            reason=answer.reason,
        )
    return refund


def payment_refund(*, payment: Payment, amount: object = None, reason: str = "") -> Refund:
    """Give back `amount` (default: all that is left) of a paid payment through its gateway.
    The payment row is locked while the amount is reserved, so concurrent refunds never give
    back more than was paid. Raises ValidationError, RefundInvalidError, GatewayConfigError,
    GatewayError (the refund is then canceled)."""
    gateway = get_gateway(payment.gateway)
    if REFUNDS not in gateway.capabilities:
        raise RefundInvalidError(f"{gateway.name} makes no refunds")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().select_related("customer__client").get(pk=payment.pk)
        if locked.status != Payment.Status.PAID or not locked.gateway_ref:
            raise RefundInvalidError("Only a paid payment can be refunded")
        taken = sum((r.amount for r in locked.refunds.exclude(status=Refund.Status.CANCELED)), start=Decimal(0))
        left = locked.amount - taken
        value = left if amount is None else money(amount)
        if value <= 0 or value > left:
            raise ValidationError({"amount": [f"must be more than 0 and at most {left}"]})
        refund = Refund.objects.create(client_id=locked.client_id, payment=locked, amount=value, reason=reason[:255])
    gw_account = gateway_account(client=locked.client_id, gateway=gateway)
    try:
        answer = gateway.refund(
            locked.gateway_ref,
            amount=value,
            currency=_currency(locked.customer, gw_account),
            account=gw_account,
            key=f"smarty-refund-{refund.pk}",
        )
    except GatewayError as exc:
        with transaction.atomic():
            row = Refund.objects.select_for_update().select_related("payment__customer").get(pk=refund.pk)
            _refund_settle(row, GatewayRefund(refund_id="", state=CANCELED, amount=value, reason=exc.message))
        raise
    with transaction.atomic():
        row = Refund.objects.select_for_update().select_related("payment__customer").get(pk=refund.pk)
        return _refund_settle(row, answer)


def refund_refresh(*, refund: Refund) -> Refund:
    """Ask the gateway how a pending refund ended and apply it."""
    if refund.status != Refund.Status.PENDING or not refund.gateway_ref:
        return refund
    gateway = get_gateway(refund.payment.gateway)
    answer = gateway.refund_fetch(refund.gateway_ref, account=gateway_account(client=refund.client_id, gateway=gateway))
    with transaction.atomic():
        row = Refund.objects.select_for_update().select_related("payment__customer").get(pk=refund.pk)
        return _refund_settle(row, answer)


# --- receipts ------------------------------------------------------------------------------------


def payment_receipt_send(*, payment: Payment, email: str) -> str:
    """Have the gateway send the receipt of a paid payment to `email` (payment/cheque); the
    receipt's id. Raises PaymentInvalidError (not paid), GatewayError (13: the gateway sends
    no receipts), GatewayConfigError."""
    gateway = get_gateway(payment.gateway)
    if RECEIPTS not in gateway.capabilities:
        raise GatewayError(13, f"{gateway.name} sends no receipts")
    if payment.status != Payment.Status.PAID or not payment.gateway_ref:
        raise PaymentInvalidError("Only a paid payment has a receipt", field="transaction_id")
    customer = Customer.objects.select_related("client").get(pk=payment.customer_id)
    gw_account = gateway_account(client=customer.client, gateway=gateway)
    receipt_id = gateway.receipt(
        payment.gateway_ref,
        amount=payment.amount,
        currency=_currency(customer, gw_account),
        email=email,
        description=f"Top-up of the balance, payment {payment.pk}",
        account=gw_account,
        key=f"smarty-{payment.pk}-receipt-{email.lower()}"[:64],
    )
    log_event(
        "smarty_payment",
        "PAYMENT_RECEIPT_SENT",
        client=payment.customer_id,
        transaction=payment.pk,
        payment_source=payment.gateway,
        receipt=receipt_id,
    )
    return receipt_id
