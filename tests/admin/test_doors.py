"""One door per action: each write action, made through every door that offers it (the
Billing API and the admin), records the same customer-action-log name and runs the same
billing step (the internal billing's charge, DEBT lifted by a payment)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Account, AccountDevice, Customer, CustomerActionLog
from billing import services as billing
from billing.models import Transaction
from tests import factories as f
from tests.billing.conftest import BillingClient

from .conftest import form_data, login

pytestmark = pytest.mark.django_db

DOORS = ("billing_api", "admin")


@pytest.fixture
def internal(operator):
    """Operator 1 on the internal billing with a priced tariff (10 per 30 days)."""
    operator.client.payment_method = billing.INTERNAL_BILLING
    operator.client.save()
    return f.TariffFactory(client=operator.client, price=Decimal("10"), period=30, name="Premium")


def balance(customer: Customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def charges(customer: Customer) -> list[Decimal]:
    return list(
        Transaction.objects.filter(customer=customer, source=Transaction.Source.CHARGE).values_list("amount", flat=True)
    )


def logged(action: str, source: str) -> bool:
    return CustomerActionLog.objects.filter(action=action, source=source).exists()


def admin_post(staff, url: str, **overrides):
    http = login(staff)
    response = http.post(url, form_data(http, url, **overrides))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    return response


@pytest.mark.parametrize("door", DOORS)
def test_assigning_a_customer_tariff_logs_and_charges_the_same_through_every_door(door, operator, staff, internal):
    billing.transaction_create(customer=operator.customer, amount=25, ext_id="funds", processed=True)
    if door == "billing_api":
        body = BillingClient(operator.client).call(
            "/customer/tariff/assign/", {"customer_id": operator.customer.pk, "tariff_id": internal.pk}
        )
        assert body["error"] == 0, body
    else:
        url = reverse("admin:accounts_customer_change", args=[operator.customer.pk])
        admin_post(staff, url, tariffs=[str(operator.tariff.pk), str(internal.pk)])
    assert logged("customer_tariffs_assigned", door)
    assert charges(operator.customer) == [Decimal("-10.00")]
    assert balance(operator.customer) == Decimal("15.00")


@pytest.mark.parametrize("door", DOORS)
def test_assigning_an_account_tariff_logs_and_charges_the_same_through_every_door(door, operator, staff, internal):
    billing.transaction_create(customer=operator.customer, amount=25, ext_id="funds", processed=True)
    if door == "billing_api":
        body = BillingClient(operator.client).call(
            "/account/tariff/assign/", {"account_id": operator.account.pk, "tariff_id": internal.pk}
        )
        assert body["error"] == 0, body
    else:
        url = reverse("admin:accounts_account_change", args=[operator.account.pk])
        current = [str(pk) for pk in operator.account.tariffs.values_list("id", flat=True)]
        admin_post(staff, url, tariffs=[*current, str(internal.pk)])
    assert logged("account_tariffs_assigned", door)
    assert charges(operator.customer) == [Decimal("-10.00")]
    assert balance(operator.customer) == Decimal("15.00")


@pytest.mark.parametrize("door", DOORS)
def test_a_payment_lifts_debt_the_same_through_every_door(door, operator, staff, internal):
    operator.customer.tariffs.add(internal)
    billing.customer_charge(customer=operator.customer)
    assert Account.objects.get(pk=operator.account.pk).status_reason == Account.StatusReason.DEBT
    if door == "billing_api":
        body = BillingClient(operator.client).call(
            "/transaction/create/", {"customer_id": operator.customer.pk, "amount": "10", "ext_id": "pay-1"}
        )
        assert body["error"] == 0, body
    else:
        url = reverse("admin:billing_transaction_add")
        admin_post(staff, url, customer=operator.customer.pk, amount="10", ext_id="pay-1")
    assert logged("transaction_created", door)
    account = Account.objects.get(pk=operator.account.pk)
    assert (account.active, account.status_reason) == (True, Account.StatusReason.ACTIVE)
    assert charges(operator.customer) == [Decimal("-10.00")]
    assert balance(operator.customer) == Decimal("0.00")
    assert Transaction.objects.get(ext_id="pay-1").processed


@pytest.mark.parametrize("door", DOORS)
def test_creating_a_customer_logs_the_same_through_every_door(door, operator, staff):
    if door == "billing_api":
        body = BillingClient(operator.client).call("/customer/create/", {"firstname": "Door"})
        assert body["error"] == 0, body
    else:
        admin_post(staff, reverse("admin:accounts_customer_add"), firstname="Door")
    customer = Customer.objects.get(client=operator.client, firstname="Door")
    assert CustomerActionLog.objects.filter(customer=customer, action="customer_created", source=door).exists()


@pytest.mark.parametrize("door", DOORS)
def test_deleting_an_account_logs_the_same_through_every_door(door, operator, staff):
    pk = operator.account.pk
    if door == "billing_api":
        body = BillingClient(operator.client).call("/account/delete/", {"account_id": pk})
        assert body["error"] == 0, body
    else:
        response = login(staff).post(reverse("admin:accounts_account_delete", args=[pk]), {"post": "yes"})
        assert response.status_code == 302
    assert not Account.objects.filter(pk=pk).exists()
    row = CustomerActionLog.objects.get(action="account_deleted", source=door)
    assert row.details["account_id"] == pk


@pytest.mark.parametrize("door", DOORS)
def test_adding_a_device_logs_the_same_through_every_door(door, operator, staff, json_device):
    if door == "billing_api":
        body = BillingClient(operator.client).call(
            "/account/device/create/",
            {"account_id": operator.account.pk, "device_uid": "door-uid", "system_name": json_device.system_name},
        )
        assert body["error"] == 0, body
    else:
        url = reverse("admin:accounts_accountdevice_add")
        admin_post(staff, url, account=operator.account.pk, device_uid="door-uid", play_device=json_device.pk)
    assert AccountDevice.objects.filter(account=operator.account, device_uid="door-uid").exists()
    row = CustomerActionLog.objects.get(action="account_device_created", source=door)
    assert row.account_id == operator.account.pk and row.details["device_uid"] == "door-uid"


def test_the_action_log_has_one_vocabulary():
    from accounts.services.action_log import customer_action_log

    with pytest.raises(ValueError):
        customer_action_log(action="device_add", source="admin", client_id=1)


# --- the same bad values refused by every door ------------------------------------------------
@pytest.mark.parametrize("door", DOORS)
def test_subnets_that_do_not_parse_are_refused_by_every_door(door, operator, staff):
    if door == "billing_api":
        body = BillingClient(operator.client).call(
            "/account/modify/", {"account_id": operator.account.pk, "subnets": "10.0.0.0/8, not-a-net"}
        )
        assert body["error"] != 0 and "subnets" in body["error_fields"], body
    else:
        http = login(staff)
        url = reverse("admin:accounts_account_change", args=[operator.account.pk])
        response = http.post(url, form_data(http, url, subnets="10.0.0.0/8, not-a-net"))
        assert response.status_code == 200 and "subnets" in response.context["adminform"].form.errors
    assert Account.objects.get(pk=operator.account.pk).subnets == operator.account.subnets


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("mobile_phone_number", "call me maybe")],
)
@pytest.mark.parametrize("door", DOORS)
def test_malformed_contacts_are_refused_by_every_door(door, field, value, operator, staff):
    if door == "billing_api":
        body = BillingClient(operator.client).call(
            "/customer/modify/", {"customer_id": operator.customer.pk, field: value}
        )
        assert body["error"] != 0, body
    else:
        http = login(staff)
        url = reverse("admin:accounts_customer_change", args=[operator.customer.pk])
        response = http.post(url, form_data(http, url, **{field: value}))
        assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert getattr(Customer.objects.get(pk=operator.customer.pk), field) != value


def test_tariff_and_promo_bounds_are_form_errors_in_the_admin(operator, staff):
    http = login(staff)
    url = reverse("admin:tariffs_tariff_change", args=[operator.tariff.pk])
    response = http.post(url, form_data(http, url, period="10000000", price="-1"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "period" in errors and "price" in errors
    url = reverse("admin:billing_promocode_add")
    response = http.post(
        url, form_data(http, url, code="X1", discount="150", valid_from="2026-02-01", valid_until="2026-01-01")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "discount" in errors and "valid_until" in errors
