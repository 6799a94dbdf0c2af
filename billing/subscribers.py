"""Subscriber operations that can make money due: creating a customer or an account,
assigning or removing tariffs, and tariff subscriptions (paid periods). Each runs the accounts
service and then the internal billing's charge (`customer_charge`) in the same database
transaction, so a tariff given through any door is charged, and a DEBT settled, the same way.
Each locks the customer row before it writes anything (see billing.services._lock_customer for
the order), so concurrent writes for one customer queue up instead of deadlocking.

The charge is billing's step: the accounts services change subscribers and know nothing of
money, billing builds on them (see docs/architecture.md). Every door (Billing API, Dealers API,
admin, commands) calls these, never the accounts services of the same name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Customer
from accounts.services import accounts as account_services
from accounts.services import customers as customer_services
from accounts.services.accounts import Source
from clients.invalidation import clients_changed
from tariffs.invalidation import tariffs_changed
from tariffs.models import Tariff, TariffSubscription

from .services import _lock_customer, customer_charge

__all__ = [
    "account_create",
    "account_tariff_assign",
    "account_tariff_remove",
    "customer_create",
    "customer_tariff_assign",
    "customer_tariff_remove",
    "tariff_subscription_create",
    "tariff_subscription_delete",
]


def customer_create(
    *,
    client,
    data: Mapping[str, Any],
    tariffs: Iterable = (),
    assign_default_tariffs: bool = True,
    source: str = Source.SYSTEM,
    user: str = "",
) -> Customer:
    """accounts' customer_create, then the charge of the tariffs it was given."""
    with transaction.atomic():
        customer = customer_services.customer_create(
            client=client,
            data=data,
            tariffs=tariffs,
            assign_default_tariffs=assign_default_tariffs,
            source=source,
            user=user,
        )
        if customer.tariffs.exists():
            customer_charge(customer=customer)
    return customer


def account_create(
    *,
    customer: Customer,
    abonement: str | None = None,
    password: str | None = None,
    data: Mapping[str, Any] | None = None,
    tariffs: Iterable = (),
    source: str = Source.SYSTEM,
    user: str = "",
) -> Account:
    """accounts' account_create, then the charge: a new account may owe its tariffs, or come
    into DEBT when its customer's balance does not cover them."""
    with transaction.atomic():
        # The customer first: the INSERT below holds its row in shared mode (the foreign key),
        # and two requests that both hold it so cannot both take it for the charge.
        _lock_customer(customer)
        account = account_services.account_create(
            customer=customer,
            abonement=abonement,
            password=password,
            data=data,
            tariffs=tariffs,
            source=source,
            user=user,
        )
        customer_charge(customer=customer)
    return account


def account_tariff_assign(
    *, account: Account, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Give the account the tariffs and charge (an assignment re-checks the balance even when
    nothing was new). Returns the ids newly assigned."""
    with transaction.atomic():
        _lock_customer(account.customer)
        ids = account_services.account_tariff_assign(account=account, tariffs=tariffs, source=source, user=user)
        customer_charge(customer=account.customer)
    return ids


def account_tariff_remove(
    *, account: Account, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Take the tariffs from the account; charge when something was removed."""
    with transaction.atomic():
        _lock_customer(account.customer)
        ids = account_services.account_tariff_remove(account=account, tariffs=tariffs, source=source, user=user)
        if ids:
            customer_charge(customer=account.customer)
    return ids


def customer_tariff_assign(
    *, customer: Customer, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Give the customer (so every account of it) the tariffs and charge."""
    with transaction.atomic():
        _lock_customer(customer)
        ids = customer_services.customer_tariff_assign(customer=customer, tariffs=tariffs, source=source, user=user)
        customer_charge(customer=customer)
    return ids


def customer_tariff_remove(
    *, customer: Customer, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Take the tariffs from the customer; charge when something was removed."""
    with transaction.atomic():
        _lock_customer(customer)
        ids = customer_services.customer_tariff_remove(customer=customer, tariffs=tariffs, source=source, user=user)
        if ids:
            customer_charge(customer=customer)
    return ids


# --- tariff subscriptions: paid periods of a tariff for a customer or one of its accounts -----


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def tariff_subscription_create(
    *,
    customer,
    tariff: Tariff,
    account=None,
    price: Decimal | None = None,
    duration: int | None = None,
    price_expiration: dt.date | None = None,
    end_date: dt.date | None = None,
    now: dt.datetime | None = None,
    charge: bool = True,
) -> TariffSubscription:
    """Subscribe the customer (or one of its accounts) to a tariff from now on. A given
    `price` overrides the tariff's (until `price_expiration`); `duration` (days) or
    `end_date` make it a fixed-length subscription, otherwise it renews every tariff period.
    The tariff is assigned to the owner if it was not; an open subscription of the same
    tariff and owner is replaced. The internal billing charges it (billing.services).

    Raises ValidationError."""
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if price is not None and Decimal(price) < 0:
        errors["price"] = ["must not be negative"]
    if price_expiration is not None and price is None:
        errors["price_expiration"] = ["only together with price"]
    if duration is not None and duration < 1:
        errors["duration"] = ["at least 1 day"]
    if end_date is not None and _end_of(end_date) <= now:
        errors["end_date"] = ["must be in the future"]
    if tariff.client_id != customer.client_id:
        errors["tariff_id"] = ["not found"]
    if account is not None and account.customer_id != customer.pk:
        errors["account"] = ["not an account of this customer"]
    if errors:
        raise ValidationError(errors)
    if end_date is not None:
        end = _end_of(end_date)
    elif duration is not None:
        end = now + dt.timedelta(days=duration)
    else:
        end = None
    with transaction.atomic():
        _lock_customer(customer)
        TariffSubscription.objects.filter(customer=customer, account=account, tariff=tariff, is_closed=False).update(
            is_closed=True
        )
        subscription = TariffSubscription.objects.create(
            client_id=customer.client_id,
            customer=customer,
            account=account,
            tariff=tariff,
            price=tariff.price if price is None else Decimal(price),
            is_price_overridden=price is not None,
            price_expiration=price_expiration,
            start_date=now,
            end_date=end,
            is_periodical=end is None,
        )
        if account is None:
            customer_services.customer_tariff_assign(customer=customer, tariffs=[tariff])
        else:
            account_services.account_tariff_assign(account=account, tariffs=[tariff])
        tariffs_changed(customer.client_id)
        clients_changed(customer.client_id)
        if charge:
            customer_charge(customer=customer, now=now)
    return subscription


def tariff_subscription_delete(*, subscription: TariffSubscription) -> None:
    """Delete a subscription; its tariff is taken from the owner unless another open
    subscription of it remains."""
    with transaction.atomic():
        _lock_customer(subscription.customer)
        others = (
            TariffSubscription.objects.filter(
                customer_id=subscription.customer_id,
                account_id=subscription.account_id,
                tariff_id=subscription.tariff_id,
                is_closed=False,
            )
            .exclude(pk=subscription.pk)
            .exists()
        )
        tariff, account, customer = subscription.tariff, subscription.account, subscription.customer
        subscription.delete()
        removed: list[int] = []
        if not others and not subscription.is_closed:
            if account is None:
                removed = customer_services.customer_tariff_remove(customer=customer, tariffs=[tariff])
            else:
                removed = account_services.account_tariff_remove(account=account, tariffs=[tariff])
        tariffs_changed(customer.client_id)
        clients_changed(customer.client_id)
        if removed:
            customer_charge(customer=customer)
