"""ext_id uniqueness per operator under concurrent requests: billing systems retry, and two
workers may send the same customer, account or transaction at the same moment. Exactly one
request wins; the others answer the method's "already exists" code; money moves once.

These run on a server database (the MariaDB pass): SQLite serialises writers on the whole
file and answers "database is locked" instead of making the second insert wait on the unique
index, so the race these tests reproduce does not exist there."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Account, Customer
from billing.models import Transaction
from tests import factories as f

from .conftest import BillingClient

WORKERS = 6

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises writers per file: no row-level race to test"
    ),
]


def fire(client_obj, path: str, params: dict) -> list[int]:
    """Send the same signed request from WORKERS threads released together."""
    barrier = threading.Barrier(WORKERS)
    codes: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        from django.db import connections

        try:
            client = BillingClient(client_obj)
            items = client.signed(params)
            barrier.wait()
            body = client.raw(path, items)
            import json

            with lock:
                codes.append(json.loads(body.content)["error"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(codes)


@pytest.fixture
def world():
    client = f.ClientFactory(payment_method="external")
    customer = f.CustomerFactory(client=client)
    return client, customer


def test_parallel_customer_creates_with_one_ext_id_make_one_customer(world):
    client, _ = world
    codes = fire(client, "customer/create", {"firstname": "Race", "ext_id": "SAME"})
    assert codes == [0] + [1] * (WORKERS - 1)
    assert Customer.objects.filter(client=client, ext_id="SAME").count() == 1


def test_parallel_account_creates_with_one_account_ext_id_make_one_account(world):
    client, customer = world
    codes = fire(client, "account/create", {"customer_id": customer.pk, "account_ext_id": "ACC"})
    assert codes == [0] + [3] * (WORKERS - 1)
    assert Account.objects.filter(client=client, ext_id="ACC").count() == 1


def test_parallel_transactions_with_one_ext_id_move_the_balance_once(world):
    client, customer = world
    codes = fire(client, "transaction/create", {"ext_id": "PAY", "customer_id": customer.pk, "amount": "10"})
    assert codes == [0] + [1] * (WORKERS - 1)
    assert Transaction.objects.filter(client=client, ext_id="PAY").count() == 1
    assert Customer.objects.get(pk=customer.pk).balance == Decimal("10")


def test_parallel_distinct_transactions_all_reach_the_balance(world):
    client, customer = world
    barrier = threading.Barrier(WORKERS)
    errors: list[int] = []

    def worker(n: int) -> None:
        from django.db import connections

        try:
            api = BillingClient(client)
            items = api.signed({"ext_id": f"T{n}", "customer_id": customer.pk, "amount": "1.5"})
            barrier.wait()
            import json

            errors.append(json.loads(api.raw("transaction/create", items).content)["error"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [0] * WORKERS
    assert Customer.objects.get(pk=customer.pk).balance == Decimal("1.5") * WORKERS
