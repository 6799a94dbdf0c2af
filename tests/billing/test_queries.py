"""List methods answer in a fixed number of queries, however many rows they return."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f

pytestmark = pytest.mark.django_db


def billing_tx(operator, customer, i: int) -> None:
    from billing.models import Transaction

    Transaction.objects.create(client=operator.client, customer=operator.customer, ext_id=f"g{i}", amount=1)
    Transaction.objects.create(client=operator.client, customer=customer, ext_id=f"h{i}", amount=1, processed=True)


def queries(billing_client, path: str, params: dict) -> int:
    billing_client.call(path, params)  # the operator lookup is cached from now on
    with CaptureQueriesContext(connection) as ctx:
        assert billing_client.call(path, params)["error"] == 0
    return len(ctx.captured_queries)


def grow(operator, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        customer = f.CustomerFactory(client=operator.client)
        customer.tariffs.add(operator.tariff)
        account = f.AccountFactory(customer=customer, abonement=f"7{i:05d}")
        f.AccountDeviceFactory(account=account)
        f.SessionFactory(account=account)
        account.tariffs.add(operator.tariff)
        billing_tx(operator, customer, i)


@pytest.mark.parametrize(
    "path", ["account/list", "customer/list", "tariff/list", "session/list", "customer/transaction/list"]
)
def test_a_list_costs_the_same_number_of_queries_for_3_or_30_rows(billing_client, operator, path):
    params = {"customer_id": operator.customer.pk} if "transaction" in path else {}
    grow(operator, 3)
    small = queries(billing_client, path, params)
    assert small > 0
    grow(operator, 27, start=3)
    assert queries(billing_client, path, params) == small


def test_account_list_of_100_accounts_takes_at_most_8_queries(
    billing_client, operator, other_operator, django_assert_max_num_queries
):
    grow(operator, 100)
    billing_client.call("account/list", {})  # warm the operator lookup
    with django_assert_max_num_queries(8):
        accounts = billing_client.call("account/list", {})["accounts"]
    assert len(accounts) == 100
    assert other_operator.account.pk not in {a["id"] for a in accounts}
