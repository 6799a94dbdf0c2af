"""smarty.db.run_with_retry: a transaction the database aborts with a deadlock or a lock wait
timeout runs again from the start, a bounded number of times, and only at the outermost level.
The database errors are injected, so this runs on every database."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction

from clients.models import Client
from smarty import db
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


class FakePgError(Exception):
    pgcode = "40P01"


def deadlock() -> OperationalError:
    return OperationalError(1213, "Deadlock found when trying to get lock; try restarting transaction")


@pytest.fixture(autouse=True)
def fast(settings, monkeypatch):
    settings.SMARTY_DB_RETRY_ATTEMPTS = 4
    settings.SMARTY_DB_RETRY_DELAY = 0.001
    slept: list[float] = []
    monkeypatch.setattr(db.time, "sleep", slept.append)
    return slept


def test_a_deadlocked_transaction_runs_again_and_its_first_attempt_leaves_nothing(fast):
    calls: list[int] = []

    def work() -> str:
        calls.append(1)
        f.ClientFactory(name=f"Attempt {len(calls)}")
        if len(calls) < 3:
            raise deadlock()
        return "done"

    assert db.run_with_retry(work) == "done"
    assert len(calls) == 3
    assert len(fast) == 2
    # The failed attempts were rolled back whole: only the third one's row is there.
    assert list(Client.objects.filter(name__startswith="Attempt ").values_list("name", flat=True)) == ["Attempt 3"]


def test_the_retries_are_bounded_and_the_last_error_goes_up():
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise OperationalError(1205, "Lock wait timeout exceeded; try restarting transaction")

    with pytest.raises(OperationalError):
        db.run_with_retry(work)
    assert len(calls) == 4


def test_other_database_errors_are_not_retried():
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise OperationalError(2006, "MySQL server has gone away")

    with pytest.raises(OperationalError):
        db.run_with_retry(work)
    assert calls == [1]


def test_a_postgresql_deadlock_is_recognised_through_the_driver_error():
    wrapped = OperationalError("deadlock detected")
    wrapped.__cause__ = FakePgError()
    assert db.is_retryable(wrapped)
    assert db.is_retryable(deadlock())
    assert not db.is_retryable(ValueError("1213"))


def test_inside_an_enclosing_transaction_it_runs_once():
    calls: list[int] = []

    def work() -> None:
        calls.append(1)
        raise deadlock()

    with pytest.raises(OperationalError), transaction.atomic():
        db.run_with_retry(work)
    assert calls == [1]


def test_the_decorator_passes_arguments_and_retries():
    calls: list[int] = []

    @db.retry_on_deadlock
    def add(a: int, *, b: int) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise deadlock()
        return a + b

    assert add(2, b=3) == 5
    assert len(calls) == 2


def test_the_billing_api_answers_0_after_an_injected_deadlock(monkeypatch):
    """Through the HTTP layer: the first attempt of the write dies with 1213, the billing
    system still gets 0 and the account exists once."""
    from accounts.models import Account
    from accounts.services import accounts as account_services
    from tests.billing.conftest import BillingClient

    operator = f.ClientFactory(payment_method="external")
    customer = f.CustomerFactory(client=operator)
    other = f.CustomerFactory(client=f.ClientFactory(), ext_id="X1")
    real = account_services.account_create
    failures = [deadlock()]

    def flaky(**kwargs):
        account = real(**kwargs)
        if failures:
            raise failures.pop()
        return account

    monkeypatch.setattr(account_services, "account_create", flaky)
    body = BillingClient(operator).call("account/create", {"customer_id": customer.pk, "account_ext_id": "X1"})
    assert body["error"] == 0
    assert Account.objects.filter(client=operator, ext_id="X1").count() == 1
    assert not Account.objects.filter(customer=other).exists()
