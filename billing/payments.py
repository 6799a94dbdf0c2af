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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Customer
from smarty.logging import log_event

from .gateways import GatewayConfigError, GatewayError, GatewayPayment, get_gateway
from .gateways.base import CANCELED, SUCCEEDED, WAITING_FOR_CAPTURE, Gateway, GatewayStatus
from .models import GatewayAccount, Payment, PaymentEvent, SavedCard, Transaction
from .services import money, transaction_create

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
        result = gateway.checkout(request, kind=kind, account=gw_account, return_url=return_url)
    except GatewayError as exc:
        with transaction.atomic():
            locked = Payment.objects.select_for_update().get(pk=payment.pk)
            Payment.objects.filter(pk=payment.pk).update(error_code=exc.code, error_message=exc.message[:255])
            _transition(locked, Payment.Status.FAILED, exc.message)
        raise
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        Payment.objects.filter(pk=payment.pk).update(gateway_ref=result.payment_id)
        locked.gateway_ref = result.payment_id
        _transition(locked, Payment.Status.PROCESSING, f"registered as {result.payment_id}")
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
