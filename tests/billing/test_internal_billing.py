"""Internal billing: priced tariffs charged each period, DEBT without funds and back when paid,
fixed-length subscriptions, promo discounts, the scheduled run (command and Celery task)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Account, Customer, Session
from billing import services
from billing.models import PromoActivation, PromoCode, Transaction
from billing.subscribers import customer_tariff_assign, tariff_subscription_create
from tariffs.models import TariffSubscription
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(operator):
    return f.TariffFactory(client=operator.client, price=Decimal("10"), period=30, name="Premium")


def balance(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def account(pk) -> Account:
    return Account.objects.get(pk=pk)


def pay(customer, amount, ext_id) -> Transaction:
    return services.transaction_create(customer=customer, amount=amount, ext_id=ext_id)


def test_assigning_a_priced_tariff_with_funds_charges_one_period(operator, priced):
    pay(operator.customer, 25, "p1")
    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    assert balance(operator.customer) == 15
    charge = Transaction.objects.get(source="charge")
    assert charge.amount == -10 and charge.tariff == priced and charge.processed
    sub = TariffSubscription.objects.get(tariff=priced)
    assert sub.is_periodical and sub.paid_until > timezone.now() + dt.timedelta(days=29)
    assert account(operator.account.pk).active and account(operator.account.pk).extension_date == sub.paid_until.date()


def test_without_funds_the_accounts_go_to_debt_and_come_back_when_paid(operator, priced):
    session = f.SessionFactory(account=operator.account)
    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    debtor = account(operator.account.pk)
    assert not debtor.active and debtor.status_reason == "DEBT"
    assert not Session.objects.filter(pk=session.pk).exists()
    # An account deactivated for another reason is left alone.
    assert account(operator.inactive_account.pk).status_reason == "INACTIVE"
    assert balance(operator.customer) == 0 and not Transaction.objects.exists()

    pay(operator.customer, 4, "p1")
    assert account(operator.account.pk).status_reason == "DEBT"
    tx = pay(operator.customer, 6, "p2")
    back = account(operator.account.pk)
    assert back.active and back.status_reason == "ACTIVE" and tx.processed
    assert balance(operator.customer) == 0
    assert account(operator.inactive_account.pk).status_reason == "INACTIVE"


def test_the_scheduled_run_renews_each_period(operator, priced):
    pay(operator.customer, 20, "p1")
    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    assert services.charge_due().charges == 0  # already paid for this period
    later = timezone.now() + dt.timedelta(days=31)
    result = services.charge_due(now=later)
    assert result.charges == 1 and balance(operator.customer) == 0
    result = services.charge_due(now=later + dt.timedelta(days=31))
    assert result.unpaid == 1 and result.debt == [operator.account.pk]
    assert account(operator.account.pk).status_reason == "DEBT"


def test_an_account_level_tariff_without_funds_blocks_only_that_account(operator, priced):
    from billing.subscribers import account_tariff_assign

    second = f.AccountFactory(customer=operator.customer, abonement="100009")
    account_tariff_assign(account=second, tariffs=[priced])
    assert account(second.pk).status_reason == "DEBT" and account(operator.account.pk).active


def test_an_operator_with_external_billing_is_never_charged(external_billing, priced):
    operator = external_billing
    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    assert services.charge_due(now=timezone.now() + dt.timedelta(days=100)).charges == 0
    assert account(operator.account.pk).active and not TariffSubscription.objects.exists()


def test_free_and_system_tariffs_are_never_charged(operator):
    system = f.TariffFactory(client=operator.client, price=Decimal("10"), period=0)
    customer_tariff_assign(customer=operator.customer, tariffs=[system])
    assert services.charge_due(now=timezone.now() + dt.timedelta(days=400)).charges == 0
    assert account(operator.account.pk).active


def test_an_overriding_price_holds_until_its_expiration(operator, priced):
    pay(operator.customer, 100, "p1")
    tariff_subscription_create(
        customer=operator.customer, tariff=priced, price=Decimal("4"), price_expiration=dt.date.today()
    )
    assert balance(operator.customer) == 96
    services.charge_due(now=timezone.now() + dt.timedelta(days=31))
    assert balance(operator.customer) == 86  # the override expired: the tariff's 10 again


def test_a_fixed_length_subscription_is_charged_once_and_then_ends(operator, priced):
    pay(operator.customer, 30, "p1")
    tariff_subscription_create(customer=operator.customer, tariff=priced, duration=5, price=Decimal("7"))
    assert balance(operator.customer) == 23 and priced in operator.customer.tariffs.all()
    services.charge_due(now=timezone.now() + dt.timedelta(days=3))
    assert balance(operator.customer) == 23
    services.charge_due(now=timezone.now() + dt.timedelta(days=6))
    assert priced not in operator.customer.tariffs.all()
    assert TariffSubscription.objects.get(tariff=priced).is_closed
    assert balance(operator.customer) == 23 and account(operator.account.pk).active


def test_a_promo_discount_lowers_the_charges_of_its_tariffs(operator, priced):
    promo = PromoCode.objects.create(client=operator.client, code="HALF", discount=50)
    promo.discount_tariffs.add(priced)
    services.promo_activate(promo=promo, account=operator.account)
    pay(operator.customer, 5, "p1")
    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    assert balance(operator.customer) == 0 and account(operator.account.pk).active
    assert PromoActivation.objects.get().discount_until is None


def test_a_free_tariff_from_a_promo_ends_after_its_days(operator, priced):
    promo = PromoCode.objects.create(client=operator.client, code="GIFT", days=7)
    promo.free_tariffs.add(priced)
    services.promo_activate(promo=promo, account=operator.account)
    assert priced in operator.account.tariffs.all() and balance(operator.customer) == 0
    services.charge_due(now=timezone.now() + dt.timedelta(days=8))
    assert priced not in operator.account.tariffs.all()
    assert account(operator.account.pk).active


def test_removing_the_unpaid_tariff_lifts_the_debt(operator, priced):
    from billing.subscribers import customer_tariff_remove

    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    assert account(operator.account.pk).status_reason == "DEBT"
    customer_tariff_remove(customer=operator.customer, tariffs=[priced])
    assert account(operator.account.pk).status_reason == "ACTIVE"


def test_accounts_past_their_deactivation_date_are_deactivated_by_the_run(operator, external_billing):
    Account.objects.filter(pk=operator.account.pk).update(deactivation_date=dt.date.today() - dt.timedelta(days=1))
    services.charge_due()
    assert not account(operator.account.pk).active and account(operator.account.pk).status_reason == "INACTIVE"


def test_charging_twice_at_the_same_moment_charges_once(operator, priced):
    pay(operator.customer, 50, "p1")
    customer_tariff_assign(customer=operator.customer, tariffs=[priced])
    now = timezone.now() + dt.timedelta(days=40)
    services.customer_charge(customer=operator.customer, now=now)
    services.customer_charge(customer=operator.customer, now=now)
    assert Transaction.objects.filter(source="charge").count() == 2 and balance(operator.customer) == 30


def test_the_charge_tariffs_command_runs_for_one_operator(operator, other_operator, priced, events):
    foreign = f.TariffFactory(client=other_operator.client, price=Decimal("10"), period=30)
    Customer.objects.get(pk=other_operator.customer.pk).tariffs.add(foreign)
    operator.customer.tariffs.add(priced)
    out = StringIO()
    call_command("charge_tariffs", client_id=operator.client.pk, stdout=out)
    assert "unpaid 1, DEBT 1, restored 0" in out.getvalue()
    assert account(operator.account.pk).status_reason == "DEBT"
    assert account(other_operator.account.pk).active
    assert events.of("MANAGEMENT_COMMAND_SUCCESS")[0]["command"] == "charge_tariffs"


def test_one_operators_run_does_not_lock_out_another_operators_run(operator, other_operator, monkeypatch):
    """Per-operator cron lines: while operator 1's run works, operator 2's run goes ahead
    and a second run for operator 1 is refused."""
    from billing.management.commands import charge_tariffs as command
    from smarty.commands import LockBusyError

    other_operator.customer.tariffs.add(f.TariffFactory(client=other_operator.client, price=Decimal("10"), period=30))
    real, seen = command.charge_due, {}

    def charge_due(*, client=None, now=None):
        if client.pk == operator.client.pk:
            out = StringIO()
            call_command("charge_tariffs", client_id=other_operator.client.pk, stdout=out)
            seen["other"] = out.getvalue()
            with pytest.raises(LockBusyError):
                call_command("charge_tariffs", client_id=operator.client.pk, stdout=StringIO())
        return real(client=client, now=now)

    monkeypatch.setattr(command, "charge_due", charge_due)
    call_command("charge_tariffs", client_id=operator.client.pk, stdout=StringIO())
    assert "DEBT 1" in seen["other"]
    assert account(other_operator.account.pk).status_reason == "DEBT"


def test_the_charge_run_is_a_registered_celery_beat_task():
    from billing.tasks import charge_tariffs
    from smarty.schedules import SCHEDULES

    task, schedule = SCHEDULES["charge_tariffs"]
    assert task == "billing.tasks.charge_tariffs" == charge_tariffs.name
    assert schedule is not None


def test_the_celery_task_charges_like_the_command(operator, priced):
    from billing.tasks import charge_tariffs

    operator.customer.tariffs.add(priced)
    assert "debt 1" in charge_tariffs.delay(client_id=operator.client.pk).get()
    assert account(operator.account.pk).status_reason == "DEBT"


def test_the_celery_task_for_an_unknown_operator_charges_no_operator(operator, other_operator, priced):
    from billing.tasks import charge_tariffs

    operator.customer.tariffs.add(priced)
    foreign = f.TariffFactory(client=other_operator.client, price=Decimal("10"), period=30)
    Customer.objects.get(pk=other_operator.customer.pk).tariffs.add(foreign)
    assert "not found" in charge_tariffs.delay(client_id=999999).get()
    assert account(operator.account.pk).active and account(other_operator.account.pk).active
    assert not Transaction.objects.exists()


def test_balance_recalculation_repairs_a_drifted_balance(operator):
    pay(operator.customer, 12, "p1")
    Customer.objects.filter(pk=operator.customer.pk).update(balance=999)
    assert services.customer_balance_recalculate(customer=operator.customer) == 12
    assert balance(operator.customer) == 12


def test_a_tariff_period_beyond_the_bound_is_refused_at_validation(operator):
    from django.core.exceptions import ValidationError

    from tariffs.services import tariff_create

    with pytest.raises(ValidationError) as excinfo:
        tariff_create(client=operator.client, data={"name": "Forever", "price": Decimal("1"), "period": 10**7})
    assert "period" in excinfo.value.message_dict


def test_one_customers_failing_charge_does_not_stop_the_others(operator, priced, monkeypatch):
    """A period the database still holds from before the bound overflows the date arithmetic:
    that customer is logged and skipped, the operator's other customers are charged."""
    operator.client.payment_method = services.INTERNAL_BILLING
    operator.client.save()
    broken = f.TariffFactory(client=operator.client, price=Decimal("5"), period=30, name="Broken")
    from tariffs.models import Tariff

    Tariff.objects.filter(pk=broken.pk).update(period=10**7)  # accepted before the bound existed
    victim = f.CustomerFactory(client=operator.client)
    victim.tariffs.add(broken)
    services.transaction_create(customer=victim, amount=50, ext_id="v1", processed=True)
    payer = f.CustomerFactory(client=operator.client)
    payer.tariffs.add(priced)
    services.transaction_create(customer=payer, amount=50, ext_id="p1", processed=True)
    result = services.charge_due(client=operator.client)
    assert victim.pk in result.failed
    assert balance(payer) == 40
    assert balance(victim) == 50  # its part rolled back
