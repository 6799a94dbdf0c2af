"""One customer's concurrent self-service writes run one after the other (the customer's row
lock): subscribing to several tariffs at once from several devices charges only what the
balance covers, and a YooKassa callback racing itself credits once.

Server database only (the MariaDB pass): SQLite serialises writers per file."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Customer
from billing.models import Transaction
from billing.subscriptions import SubscribeError, tariffs_subscribe
from tariffs.models import Tariff
from tests import factories as f

WORKERS = 4

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite", reason="SQLite serialises writers per file: no row-level race to test"
    ),
]


def race(jobs) -> list[object]:
    barrier = threading.Barrier(len(jobs))
    results: list[object] = []
    lock = threading.Lock()

    def worker(job) -> None:
        from django.db import connections

        try:
            barrier.wait()
            try:
                outcome = job()
            except SubscribeError as exc:
                outcome = exc.reason
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_subscriptions_never_overdraw_the_balance(operator):
    from billing.services import transaction_create

    tariffs = [
        f.TariffFactory(client=operator.client, price=Decimal("10.00"), period=30, kind=Tariff.Kind.ADDITIONAL)
        for _ in range(WORKERS)
    ]
    transaction_create(customer=operator.customer, amount="25", comment="top up")
    account = operator.account
    results = race([lambda t=t: tariffs_subscribe(account=account, tariffs=[t]) for t in tariffs])
    assert sorted(map(str, results)).count(SubscribeError.NO_FUNDS) == WORKERS - 2
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("5.00")
    assert Transaction.objects.filter(customer=operator.customer, source="charge").count() == 2
