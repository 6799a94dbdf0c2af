"""Subscriber operations that can make money due: creating a customer or an account and
assigning or removing tariffs. Each runs the accounts service and then the internal billing's
charge (`customer_charge`) in the same database transaction, so a tariff given through any door
is charged, and a DEBT settled, the same way.

The charge is billing's step: the accounts services change subscribers and know nothing of
money, billing builds on them (see docs/architecture.md). Every door (Billing API, Dealers API,
admin, commands) calls these, never the accounts services of the same name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from accounts.models import Account, Customer
from accounts.services import accounts as account_services
from accounts.services import customers as customer_services
from accounts.services.accounts import Source

from .services import customer_charge

__all__ = [
    "account_create",
    "account_tariff_assign",
    "account_tariff_remove",
    "customer_create",
    "customer_tariff_assign",
    "customer_tariff_remove",
]


def customer_create(
    *,
    client,  # noqa: ANN001
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
        ids = account_services.account_tariff_assign(account=account, tariffs=tariffs, source=source, user=user)
        customer_charge(customer=account.customer)
    return ids


def account_tariff_remove(
    *, account: Account, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Take the tariffs from the account; charge when something was removed."""
    with transaction.atomic():
        ids = account_services.account_tariff_remove(account=account, tariffs=tariffs, source=source, user=user)
        if ids:
            customer_charge(customer=account.customer)
    return ids


def customer_tariff_assign(
    *, customer: Customer, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Give the customer (so every account of it) the tariffs and charge."""
    with transaction.atomic():
        ids = customer_services.customer_tariff_assign(customer=customer, tariffs=tariffs, source=source, user=user)
        customer_charge(customer=customer)
    return ids


def customer_tariff_remove(
    *, customer: Customer, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Take the tariffs from the customer; charge when something was removed."""
    with transaction.atomic():
        ids = customer_services.customer_tariff_remove(customer=customer, tariffs=tariffs, source=source, user=user)
        if ids:
            customer_charge(customer=customer)
    return ids
