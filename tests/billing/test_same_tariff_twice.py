"""A tariff assigned both to a customer and to one of its accounts is charged and listed once,
and moving it between them never charges a period that is already paid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import Customer
from billing.models import Transaction
from tariffs.models import TariffSubscription
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(operator):
    return f.TariffFactory(client=operator.client, price=Decimal("10.00"), period=30, name="Premium")


def _charges(customer) -> list[Decimal]:
    return list(Transaction.objects.filter(customer=customer, source="charge").values_list("amount", flat=True))


def test_customer_then_account_assignment_charges_once_and_lists_once(billing_client, operator, priced):
    billing_client.call("transaction/create", {"customer_id": operator.customer.pk, "amount": "25", "ext_id": "p1"})
    ref = {"tariff_id": priced.pk}
    assert billing_client.call("customer/tariff/assign", {"customer_id": operator.customer.pk, **ref})["error"] == 0
    assert billing_client.call("account/tariff/assign", {"abonement": operator.account.abonement, **ref})["error"] == 0
    assert _charges(operator.customer) == [Decimal("-10.00")]
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("15.00")
    info = billing_client.call("account/info", {"abonement": operator.account.abonement})
    assert [s["tariff_id"] for s in info["subscriptions"]].count(priced.pk) == 1


def test_account_then_customer_assignment_charges_once(billing_client, operator, priced):
    billing_client.call("transaction/create", {"customer_id": operator.customer.pk, "amount": "25", "ext_id": "p1"})
    ref = {"tariff_id": priced.pk}
    billing_client.call("account/tariff/assign", {"abonement": operator.account.abonement, **ref})
    billing_client.call("customer/tariff/assign", {"customer_id": operator.customer.pk, **ref})
    assert _charges(operator.customer) == [Decimal("-10.00")]
    assert TariffSubscription.objects.filter(tariff=priced, is_closed=False).count() == 1
    # Taken back from the customer, the account's own assignment lives on the paid period.
    billing_client.call("customer/tariff/remove", {"customer_id": operator.customer.pk, **ref})
    assert _charges(operator.customer) == [Decimal("-10.00")]
    assert TariffSubscription.objects.get(tariff=priced, is_closed=False).account_id == operator.account.pk


def test_two_accounts_of_a_customer_each_pay_for_their_own_assignment(billing_client, operator, priced):
    second = f.AccountFactory(customer=operator.customer, abonement="100009")
    billing_client.call("transaction/create", {"customer_id": operator.customer.pk, "amount": "25", "ext_id": "p1"})
    for account in (operator.account, second):
        billing_client.call("account/tariff/assign", {"abonement": account.abonement, "tariff_id": priced.pk})
    assert _charges(operator.customer) == [Decimal("-10.00"), Decimal("-10.00")]
