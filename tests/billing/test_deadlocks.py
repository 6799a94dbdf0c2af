"""Bursts of concurrent Billing API writes for one operator answer 0, never the unknown error.

Before, `_lock_customer` joined the operator row into its SELECT ... FOR UPDATE; concurrent
INSERTs of the operator hold that row in shared mode through their foreign key, and MariaDB
broke the cycle with error 1213, which reached the billing system as -1. Now only the rows
that need it are locked, in one order (customer, then account), and a transaction the
database still aborts runs again (smarty.db.run_with_retry).

These need a server database with row locks (the MariaDB/PostgreSQL pass): SQLite serialises
writers on the whole file, so the collision does not exist there (the retry helper itself is
tested on every database in tests/smarty/test_db_retry.py)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections

from accounts.models import Account, Customer
from billing.models import Transaction
from tests import factories as f

from .conftest import BillingClient

BURST = 50

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises writers per file: no row-level lock cycle to test"
    ),
]


def burst(operator, requests: list[tuple[str, dict]]) -> Counter:
    """Send every (path, params) from its own thread, all released together; count the codes."""
    barrier = threading.Barrier(len(requests))
    codes: Counter = Counter()
    lock = threading.Lock()

    def worker(path: str, params: dict) -> None:
        try:
            api = BillingClient(operator)
            items = api.signed(params)
            barrier.wait()
            code = json.loads(api.raw(path, items).content)["error"]
            with lock:
                codes[code] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


@pytest.fixture(params=["internal", "external"])
def world(request):
    """An operator (internal billing charges on every write, external does not), a customer
    with money, a priced tariff, and a look-alike second operator."""
    operator = f.ClientFactory(payment_method=request.param)
    customer = f.CustomerFactory(client=operator, balance=Decimal("100000"))
    tariff = f.TariffFactory(client=operator, price=Decimal("1.00"), period=30)
    other = f.ClientFactory(payment_method=request.param)
    other_customer = f.CustomerFactory(client=other, ext_id="C-other")
    f.AccountFactory(client=other, customer=other_customer, ext_id="A-other")
    return operator, customer, tariff, other_customer


def test_concurrent_account_creates_for_one_customer_all_succeed(world):
    operator, customer, _tariff, other_customer = world
    requests = [("account/create", {"customer_id": customer.pk, "account_ext_id": f"A{n}"}) for n in range(BURST)]
    codes = burst(operator, requests)
    assert codes == Counter({0: BURST})
    assert Account.objects.filter(customer=customer).count() == BURST
    assert Account.objects.filter(customer=other_customer).count() == 1


def test_concurrent_tariff_assigns_over_many_customers_all_succeed(world):
    operator, _customer, tariff, other_customer = world
    customers = [f.CustomerFactory(client=operator, balance=Decimal("10")) for _ in range(BURST)]
    for customer in customers:
        f.AccountFactory(client=operator, customer=customer)
    requests = [("customer/tariff/assign", {"customer_id": c.pk, "tariff_id": tariff.pk}) for c in customers]
    codes = burst(operator, requests)
    assert codes == Counter({0: BURST})
    assert Customer.objects.filter(client=operator, tariffs=tariff).count() == BURST
    assert not other_customer.tariffs.exists()


def test_concurrent_account_and_transaction_writes_on_one_customer_all_succeed(world):
    operator, customer, tariff, other_customer = world
    base = f.AccountFactory(client=operator, customer=customer, ext_id="A-base")
    requests = []
    for n in range(BURST):
        if n % 3 == 0:
            requests.append(("account/create", {"customer_id": customer.pk, "account_ext_id": f"M{n}"}))
        elif n % 3 == 1:
            requests.append(("transaction/create", {"customer_id": customer.pk, "ext_id": f"T{n}", "amount": "2.50"}))
        else:
            requests.append(("account/tariff/assign", {"account_id": base.pk, "tariff_id": tariff.pk}))
    before = Customer.objects.get(pk=customer.pk).balance
    last = Transaction.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    codes = burst(operator, requests)
    assert codes == Counter({0: BURST})
    created = Transaction.objects.filter(customer=customer, pk__gt=last)
    assert created.filter(ext_id__startswith="T").count() == len([r for r in requests if r[0] == "transaction/create"])
    # The balance moved by exactly what was written (payments and the charges they settled).
    assert Customer.objects.get(pk=customer.pk).balance == before + sum(t.amount for t in created)
    creates = len([r for r in requests if r[0] == "account/create"])
    assert Account.objects.filter(customer=customer).count() == 1 + creates
    assert list(base.tariffs.all()) == [tariff]
    assert not Transaction.objects.filter(customer=other_customer).exists()
