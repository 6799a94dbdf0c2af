"""Read queries about money; every one takes the operator or an object of it (the admin's
summary report: one operator, or all with None)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.models import Account, Customer
from tariffs.models import Tariff

from .models import Payment, PromoActivation, PromoCode, SavedCard, Transaction


def promo_get(*, client, code: str) -> PromoCode | None:
    return PromoCode.objects.for_client(client).filter(code=code).first() if code else None


@dataclass(frozen=True)
class PromoRow:
    promo: PromoCode
    activated_at: dt.datetime | None


def promo_list_for_account(*, account: Account) -> list[PromoRow]:
    """The promo codes the account's customer activated (newest first), then the codes bound
    to the account that are not used yet."""
    used = list(
        PromoActivation.objects.filter(client_id=account.client_id, customer_id=account.customer_id)
        .select_related("promo")
        .prefetch_related("promo__free_tariffs")
        .order_by("-created_at", "-id")
    )
    used_ids = {a.promo_id for a in used}
    assigned = (
        PromoCode.objects.for_client(account.client_id)
        .filter(Q(account=account))
        .exclude(pk__in=used_ids)
        .prefetch_related("free_tariffs")
        .order_by("-created_at", "-id")
    )
    return [PromoRow(a.promo, a.created_at) for a in used] + [PromoRow(p, None) for p in assigned]


def summary_report(client_id: int | None) -> dict:
    """The admin's summary report (one operator, or all with None): subscribers per tariff,
    accounts in total and active, money per month (the last 24)."""

    def scoped(qs):
        return qs if client_id is None else qs.filter(client_id=client_id)

    tariffs = (
        scoped(Tariff.objects.all())
        .annotate(
            customers_count=Count("customers", distinct=True),
            accounts_count=Count("accounts", distinct=True),
        )
        .order_by("sort_order", "id")
    )
    accounts = scoped(Account.objects.all()).aggregate(total=Count("id"), active=Count("id", filter=Q(active=True)))
    months = (
        scoped(Transaction.objects.all())
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            payments=Sum("amount", filter=Q(amount__gt=0)),
            charges=Sum("amount", filter=Q(amount__lt=0)),
            count=Count("id"),
        )
        .order_by("-month")[:24]
    )
    return {"tariffs": tariffs, "accounts": accounts, "months": months}


# --- device API (tvmiddleware: customer, payment) ------------------------------------------------

PaymentStatus = Payment.Status
TransactionType = Transaction.Type
TransactionSource = Transaction.Source


def transaction_list(
    *,
    customer_id: int,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    offset: int = 0,
    limit: int = 200,
) -> list[Transaction]:
    """The customer's transactions, newest first, optionally within dates (inclusive)."""
    rows = Transaction.objects.filter(customer_id=customer_id).order_by("-created_at", "-id")
    if date_from:
        rows = rows.filter(created_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(created_at__date__lte=date_to)
    return list(rows[offset : offset + limit])


def payment_get_by_gateway_ref(*, customer_id: int, gateway_ref: str) -> Payment | None:
    return (
        Payment.objects.filter(customer_id=customer_id, gateway_ref=gateway_ref)
        .select_related("client", "customer")
        .first()
    )


def saved_card_list(*, customer_id: int, gateway: str = "") -> list[SavedCard]:
    cards = SavedCard.objects.filter(customer_id=customer_id)
    if gateway:
        cards = cards.filter(gateway=gateway)
    return list(cards)


def saved_card_exists(*, customer_id: int, card_id: int) -> bool:
    return SavedCard.objects.filter(customer_id=customer_id, pk=card_id).exists()


# Billing API (billing/views/): promo codes, payments and transactions of a customer


def promo_get_by(*, client, promo_id: int | None = None, code: str = "") -> PromoCode | None:
    """The operator's promo code by id, or else by code (upper-cased first, then as given)."""
    qs = PromoCode.objects.for_client(client)
    if promo_id is not None:
        return qs.filter(pk=promo_id).first()
    if not code:
        return None
    return qs.filter(code=code.upper()).first() or qs.filter(code=code).first()


def payment_get(
    *, customer: Customer, gateway_ref: str, payment_id: int | None = None, gateway: str = ""
) -> Payment | None:
    """The customer's payment with that gateway reference (and id, and gateway when given)."""
    qs = Payment.objects.filter(customer=customer, gateway_ref=gateway_ref).select_related("customer", "client")
    if payment_id is not None:
        qs = qs.filter(pk=payment_id)
    if gateway:
        qs = qs.filter(gateway=gateway)
    return qs.first()


def customer_transaction_list(*, customer: Customer) -> QuerySet:
    """The customer's transactions, newest first (slice to page)."""
    return Transaction.objects.filter(customer=customer).order_by("-created_at", "-id")
