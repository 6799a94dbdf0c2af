"""Tariff subscriptions: paid periods of a tariff for a customer or one of its accounts. The
subscription gives the tariff to its owner (accounts services) and the internal billing charges
it (billing.services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.services.accounts import account_tariff_assign, account_tariff_remove
from accounts.services.customers import customer_tariff_assign, customer_tariff_remove
from clients.invalidation import clients_changed
from tariffs.invalidation import tariffs_changed
from tariffs.models import Tariff, TariffSubscription

from .services import customer_charge


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
            customer_tariff_assign(customer=customer, tariffs=[tariff], charge=False)
        else:
            account_tariff_assign(account=account, tariffs=[tariff], charge=False)
        tariffs_changed(customer.client_id)
        clients_changed(customer.client_id)
        if charge:
            customer_charge(customer=customer, now=now)
    return subscription


def tariff_subscription_delete(*, subscription: TariffSubscription) -> None:
    """Delete a subscription; its tariff is taken from the owner unless another open
    subscription of it remains."""
    with transaction.atomic():
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
        if not others and not subscription.is_closed:
            if account is None:
                customer_tariff_remove(customer=customer, tariffs=[tariff])
            else:
                account_tariff_remove(account=account, tariffs=[tariff])
        tariffs_changed(customer.client_id)
        clients_changed(customer.client_id)
