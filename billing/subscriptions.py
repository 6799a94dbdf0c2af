"""Self-service subscriptions: a subscriber (TVMW Customer and Account groups) subscribes its
customer or its own account to tariffs, unsubscribes, asks what a subscription costs and what
it pays per period.

Every write locks the customer row first (billing.services' lock), so one customer's
concurrent subscribes, unsubscribes and payments run one after the other: the balance check
and the charge see the same balance. A new subscription starts where an earlier one of the
same tariff was already paid (billing.services.subscription_paid_until), so unsubscribing and
subscribing again never charges the same period twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, Customer
from accounts.services.accounts import Source, StatusReason, account_activate, account_tariff_remove
from accounts.services.customers import customer_tariff_remove
from tariffs.models import Tariff, TariffSubscription

from .services import (
    BillingError,
    _discounts,
    _lock_customer,
    customer_charge,
    subscription_paid_until,
    subscription_price,
    uses_internal_billing,
)
from .subscribers import tariff_subscription_create

ZERO = Decimal("0.00")


class SubscribeError(BillingError):
    """A refused subscription change; `reason` is one of the class constants."""

    UNAVAILABLE = "unavailable"  # unknown, disabled or hidden tariff
    ALREADY = "already"  # every tariff asked for is already there
    NO_FUNDS = "no_funds"
    NOT_INTERNAL = "not_internal"  # the operator bills externally: nothing to subscribe here
    SECOND_BASIC = "second_basic"
    NOT_ASSIGNED = "not_assigned"
    BASIC = "basic"
    NOT_UNSUBSCRIBABLE = "not_unsubscribable"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, field="tariff_id")
        self.reason = reason


@dataclass(frozen=True)
class Cost:
    price: Decimal
    balance_after: Decimal


def _holder_tariff_ids(customer: Customer, account: Account | None) -> set[int]:
    ids = set(customer.tariffs.values_list("id", flat=True))
    if account is not None:
        ids |= set(account.tariffs.values_list("id", flat=True))
    return ids


def subscribable_tariffs(*, client, tariff_ids: Iterable[int]) -> list[Tariff]:
    """The operator's enabled, visible tariffs with these ids; SubscribeError(UNAVAILABLE)
    when one of them is not."""
    ids = list(dict.fromkeys(tariff_ids))
    tariffs = list(Tariff.objects.for_client(client).filter(pk__in=ids, enabled=True, hidden=False))
    if len(tariffs) != len(ids):
        raise SubscribeError(SubscribeError.UNAVAILABLE, "One of the tariffs is not available or does not exist")
    return sorted(tariffs, key=lambda t: ids.index(t.pk))


def _price_now(customer: Customer, tariff: Tariff, account: Account | None, now: dt.datetime) -> Decimal:
    """What subscribing would charge now: nothing when the period is already paid or the
    tariff is free, else the tariff's price less the customer's best promo discount."""
    if tariff.price <= 0 or tariff.period <= 0:
        return ZERO
    account_id = account.pk if account is not None else None
    if subscription_paid_until(customer=customer, tariff_id=tariff.pk, account_id=account_id, now=now):
        return ZERO
    probe = TariffSubscription(tariff=tariff, price=tariff.price)
    return subscription_price(probe, now=now, discounts=_discounts(customer, now))


def subscription_cost(
    *, customer: Customer, tariffs: Iterable[Tariff], account: Account | None = None, now: dt.datetime | None = None
) -> Cost:
    """The charge subscribing to `tariffs` would make now and the balance left after it."""
    now = now or timezone.now()
    price = sum((_price_now(customer, t, account, now) for t in tariffs), ZERO)
    balance = Customer.objects.values_list("balance", flat=True).get(pk=customer.pk)
    return Cost(price=price, balance_after=balance - price)


def tariffs_subscribe(
    *,
    account: Account,
    tariffs: Iterable[Tariff],
    for_account: bool = False,
    try_activate: bool = False,
    now: dt.datetime | None = None,
) -> list[int]:
    """Subscribe the account's customer (or, `for_account`, the account alone) to `tariffs`
    and charge the first period from the balance. Returns the ids subscribed. Raises
    SubscribeError."""
    now = now or timezone.now()
    tariffs = list(tariffs)
    with transaction.atomic():
        customer = _lock_customer(account.customer)
        if not uses_internal_billing(customer.client):
            raise SubscribeError(SubscribeError.NOT_INTERNAL, "Subscriptions are managed by the external billing")
        held = _holder_tariff_ids(customer, account)
        new = [t for t in tariffs if t.pk not in held]
        if not new:
            raise SubscribeError(SubscribeError.ALREADY, "The tariff is already subscribed")
        if len(new) != len(tariffs):
            raise SubscribeError(SubscribeError.UNAVAILABLE, "One of the tariffs is already subscribed")
        basics = [t for t in new if t.kind == Tariff.Kind.BASIC]
        held_basic = Tariff.objects.filter(pk__in=held, kind=Tariff.Kind.BASIC, enabled=True).exists()
        if len(basics) > 1 or (basics and held_basic):
            raise SubscribeError(SubscribeError.SECOND_BASIC, "Only one basic tariff can be subscribed")
        holder = account if for_account else None
        price = sum((_price_now(customer, t, holder, now) for t in new), ZERO)
        if price > customer.balance:
            raise SubscribeError(SubscribeError.NO_FUNDS, "Not enough money on the balance")
        for tariff in new:
            holder_id = holder.pk if holder is not None else None
            paid = subscription_paid_until(customer=customer, tariff_id=tariff.pk, account_id=holder_id, now=now)
            sub = tariff_subscription_create(customer=customer, tariff=tariff, account=holder, now=now, charge=False)
            if paid is not None:
                # Subscribed again within a period already paid: it runs on to the end of it.
                TariffSubscription.objects.filter(pk=sub.pk).update(paid_until=paid)
        customer_charge(customer=customer, now=now)
        if try_activate:
            fresh = Account.objects.select_related("customer").get(pk=account.pk)
            if not fresh.active and fresh.status_reason in (StatusReason.INACTIVE, StatusReason.WAIT):
                account_activate(account=fresh, source=Source.TVMW_API)
    return [t.pk for t in new]


def tariffs_unsubscribe(*, account: Account, tariff_ids: Iterable[int], for_account: bool = False) -> list[int]:
    """Take tariffs from the account's customer (and from the account itself when it holds
    them), or, `for_account`, from the account only; their open subscriptions close. Basic
    tariffs and tariffs the operator does not let subscribers drop stay. Raises
    SubscribeError."""
    ids = list(dict.fromkeys(tariff_ids))
    with transaction.atomic():
        customer = _lock_customer(account.customer)
        if not uses_internal_billing(customer.client):
            raise SubscribeError(SubscribeError.NOT_INTERNAL, "Subscriptions are managed by the external billing")
        on_customer = set() if for_account else set(customer.tariffs.filter(pk__in=ids).values_list("id", flat=True))
        on_account = set(account.tariffs.filter(pk__in=ids).values_list("id", flat=True))
        if set(ids) - (on_customer | on_account):
            raise SubscribeError(SubscribeError.NOT_ASSIGNED, "One of the tariffs is not subscribed")
        tariffs = list(Tariff.objects.for_client(customer.client).filter(pk__in=ids))
        if any(t.kind == Tariff.Kind.BASIC for t in tariffs):
            raise SubscribeError(SubscribeError.BASIC, "A basic tariff cannot be unsubscribed")
        if any(not t.available_to_unsubscribe for t in tariffs):
            raise SubscribeError(SubscribeError.NOT_UNSUBSCRIBABLE, "The tariff cannot be unsubscribed here")
        customer_side = [t for t in tariffs if t.pk in on_customer]
        account_side = [t for t in tariffs if t.pk in on_account]
        if customer_side:
            customer_tariff_remove(customer=customer, tariffs=customer_side, source=Source.TVMW_API)
        if account_side:
            account_tariff_remove(account=account, tariffs=account_side, source=Source.TVMW_API)
    return ids


@dataclass(frozen=True)
class PeriodLine:
    title: str
    price: Decimal
    price_no_discount: Decimal
    period: int
    renews: dt.datetime | None


def customer_period_lines(*, customer: Customer, account: Account, now: dt.datetime | None = None) -> list[PeriodLine]:
    """The periodical subscriptions serving the account: what each costs per period (with
    and without the promo discount) and when it renews."""
    now = now or timezone.now()
    discounts = _discounts(customer, now)
    subs = (
        TariffSubscription.objects.filter(customer=customer, is_closed=False, is_periodical=True)
        .filter(Q(account__isnull=True) | Q(account=account))
        .select_related("tariff")
        .order_by("pk")
    )
    lines = []
    for sub in subs:
        lines.append(
            PeriodLine(
                title=sub.tariff.name,
                price=subscription_price(sub, now=now, discounts=discounts),
                price_no_discount=subscription_price(sub, now=now),
                period=sub.tariff.period,
                renews=sub.paid_until,
            )
        )
    return lines
