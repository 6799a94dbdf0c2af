"""Customer group (reference tvmw/Customer.md) over HTTP: every method, its error codes, JSON
and XML, and the second operator's look-alike customer never visible."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from lxml import etree

from accounts.models import AccountDevice, Customer
from billing import services as billing
from billing.models import Transaction
from tariffs.models import Tariff, TariffSubscription
from tests import factories as f

BASE = "/tvmiddleware/api"
XML = etree.XMLParser(resolve_entities=False, no_network=True)


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


@pytest.fixture
def premium(operator):
    return f.TariffFactory(
        client=operator.client, name="Premium", price=Decimal("10.00"), period=30, kind=Tariff.Kind.ADDITIONAL
    )


def pay(customer, amount) -> None:
    billing.transaction_create(customer=customer, amount=amount, comment="top up")


def xml(client, path: str, **params):
    response = client.get(BASE + path, {**params, "device": "sagemcom"})
    assert response["Content-Type"].startswith("application/xml")
    return etree.fromstring(response.content, XML)


def balance(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


# --- authorisation -----------------------------------------------------------------------------

SESSION_METHODS = [
    "/customer/balance/",
    "/customer/info/",
    "/v2/customer/info/",
    "/customer/device/list/",
    "/customer/device/delete/",
    "/customer/tariff/list/",
    "/customer/tariff/subscribe/",
    "/customer/tariff/unsubscribe/",
    "/customer/tariff/subscription/cost/",
    "/customer/tariff/subscription/list/",
    "/customer/payment/info/",
    "/customer/invoice/complete/",
    "/customer/billing_details_notify/",
]


@pytest.mark.parametrize("path", SESSION_METHODS)
def test_every_customer_method_needs_a_session(tvmw_call, operator, path):
    assert tvmw_call(path)["error"] == 403
    assert tvmw_call(path, authkey="nope")["error"] == 403


@pytest.mark.parametrize("path", ["/customer/autopayment/", "/customer/info/set/"])
def test_post_methods_need_a_session(tvmw_call, operator, path):
    assert tvmw_call(path, _post=True)["error"] == 403


def test_an_authkey_of_another_operator_with_its_client_id_is_refused(tvmw_call, tvmw_login, operator, other_operator):
    other_key = tvmw_login(op=other_operator)["authkey"]
    assert tvmw_call("/customer/balance/", authkey=other_key, client_id=operator.client.pk)["error"] == 403


# --- balance, info ------------------------------------------------------------------------------


def test_balance_is_the_customers_own_as_a_string(tvmw_call, authkey, operator, other_operator, client):
    pay(operator.customer, "12.50")
    pay(other_operator.customer, "99")
    assert tvmw_call("/customer/balance/", authkey=authkey) == {"error": 0, "error_message": "", "balance": "12.50"}
    assert xml(client, "/customer/balance/", authkey=authkey).findtext("balance") == "12.50"


def test_customer_info_lists_details_payments_tariffs_and_subscriptions(tvmw_call, authkey, operator, premium):
    Customer.objects.filter(pk=operator.customer.pk).update(email="anna@example.com", mobile_phone_number="+7900")
    pay(operator.customer, "25")
    tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)
    body = tvmw_call("/customer/info/", authkey=authkey)
    assert body["error"] == 0
    assert (body["firstname"], body["lastname"], body["abonement"]) == ("Anna", "Ivanova1", "100001")
    assert body["balance"] == "15.00" and body["email"] == "anna@example.com"
    assert body["id_for_payment"] == operator.customer.pk
    assert [p["amount"] for p in body["payments"]["other"]] == [25.0]
    assert [p["amount"] for p in body["payments"]["btv"]] == [-10.0]
    assert body["payments"]["vod"] == []
    row = next(t for t in body["tariffs"] if t["id"] == premium.pk)
    assert row["is_assigned"] == 1 and row["price"] == "10.00" and row["archived"] == 0 and row["is_virtual"] == 0
    assert set(row) >= {"subscription_end_date", "channels_count", "videos_count", "icon", "icon_tv", "period"}
    sub = next(s for s in body["subscriptions"] if s["tariff_id"] == premium.pk)
    assert sub["tariff_name"] == "Premium" and sub["is_periodical"] == 1 and sub["api_name"] == "internal"
    assert body["payment_sum"] == 10.0 and body["payment_period"] == 30
    assert body["current_debt_amount"] == "0.00"
    assert body["monthly_payment"] == "10.00" and body["annual_payment"] == "120.00"


def test_customer_info_filters_payments_by_period_and_refuses_bad_dates(tvmw_call, authkey, operator):
    pay(operator.customer, "5")
    assert (
        tvmw_call("/customer/info/", authkey=authkey, date_from="01.01.2000", date_to="02.01.2000")["payments"]["other"]
        == []
    )
    assert tvmw_call("/customer/info/", authkey=authkey, date_from="2000-01-01")["error"] == 2
    assert tvmw_call("/customer/info/", authkey=authkey, date_to="31.02.2020")["error"] == 2


def test_customer_info_never_shows_the_other_operators_tariffs(tvmw_call, authkey, other_operator):
    f.TariffFactory(client=other_operator.client, name="Foreign")
    names = {t["name"] for t in tvmw_call("/customer/info/", authkey=authkey)["tariffs"]}
    assert "Foreign" not in names


def test_customer_info_v2(tvmw_call, authkey, operator, client):
    body = tvmw_call("/v2/customer/info/", authkey=authkey)
    assert body["error"] == 0 and body["abonement"] == 100001 and body["autopayment_enabled"] == 0
    assert set(body) >= {
        "deactivation_date",
        "deactivation_date_to",
        "is_trial",
        "payment_sum",
        "payment_sum_no_discount",
        "current_debt_amount",
        "activation_days_left",
        "id_for_payment",
    }
    assert xml(client, "/v2/customer/info/", authkey=authkey).findtext("firstname") == "Anna"


def test_payment_info_details_the_periodical_subscriptions(tvmw_call, authkey, operator, premium):
    pay(operator.customer, "10")
    tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)
    body = tvmw_call("/customer/payment/info/", authkey=authkey)
    assert body["error"] == 0 and body["payment_sum"] == 10.0 and body["payment_sum_no_discount"] == 10.0
    assert [(d["title"], d["sum"]) for d in body["details"]] == [("Premium", 10.0)]
    assert body["details"][0]["date"]


# --- info/set --------------------------------------------------------------------------------------


def test_info_set_changes_names_and_email(tvmw_call, authkey, operator):
    body = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, firstname="Olga", email="o@example.com")
    assert body["error"] == 0 and body["error_messages"] == {}
    customer = Customer.objects.get(pk=operator.customer.pk)
    assert (customer.firstname, customer.email, customer.lastname) == ("Olga", "o@example.com", "Ivanova1")


def test_info_set_reports_each_bad_field(tvmw_call, authkey, operator):
    body = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, firstname="x" * 300, email="nope")
    assert body["error"] == 1
    assert body["error_messages"]["firstname"] == ["Ensure this value has at most 128 characters (it has 300)."]
    assert body["error_messages"]["email"] == ["Enter a valid email address."]
    bad = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, confirmation_method="9")
    assert bad["error"] == 1 and bad["error_messages"] == "Confirmation method is invalid"
    assert Customer.objects.get(pk=operator.customer.pk).firstname == "Anna"


def test_info_set_is_post_only(tvmw_call, authkey):
    assert tvmw_call("/customer/info/set/", authkey=authkey, firstname="Olga")["error"] == 1


def test_info_set_verifies_a_new_phone_by_code(tvmw_call, authkey, operator, other_operator, events):
    # The other operator's customer with the same number is no conflict.
    Customer.objects.filter(pk=other_operator.customer.pk).update(mobile_phone_number="+79001234567")
    sent = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="+79001234567")
    assert sent["error"] == 3
    again = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="+79001234567")
    assert again["error"] == 4
    wrong = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="+79001234567", code="0")
    assert wrong["error"] == 5
    code = events.of("PHONE_CODE_SENT")[-1]["code"]
    done = tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="+79001234567", code=code)
    assert done["error"] == 0
    assert Customer.objects.get(pk=operator.customer.pk).mobile_phone_number == "+79001234567"


def test_info_set_refuses_a_phone_of_another_customer_and_an_invalid_one(tvmw_call, authkey, operator):
    Customer.objects.filter(pk=operator.customer_without_tariff.pk).update(mobile_phone_number="+79001234567")
    assert (
        tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="+79001234567")["error"] == 2
    )
    assert tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="abc")["error"] == 6


def test_info_set_reports_a_failing_sms_service(tvmw_call, authkey, settings):
    settings.SMARTY_PHONE_CODES_PER_HOUR = 0
    assert (
        tvmw_call("/customer/info/set/", _post=True, authkey=authkey, mobile_phone_number="+79001234567")["error"] == 7
    )


# --- devices -------------------------------------------------------------------------------------


def test_device_list_shows_every_device_of_the_customer_only(tvmw_call, authkey, operator, other_operator, client):
    f.AccountDeviceFactory(account=operator.inactive_account, device_uid="tv-2", brand_name="LG")
    f.AccountDeviceFactory(account=other_operator.account, device_uid="foreign")
    body = tvmw_call("/customer/device/list/", authkey=authkey)
    uids = [d["device_uid"] for d in body["devices"]]
    assert "test-device-1" in uids and "tv-2" in uids and "foreign" not in uids
    row = next(d for d in body["devices"] if d["device_uid"] == "tv-2")
    assert (
        row["brand_name"] == "LG"
        and row["status"] is True
        and set(row)
        == {
            "id",
            "system_name",
            "device_uid",
            "brand_name",
            "device_model",
            "status",
            "created_at",
        }
    )
    assert xml(client, "/customer/device/list/", authkey=authkey).find("devices") is not None


def test_device_delete_removes_own_devices_and_not_others(tvmw_call, authkey, operator, other_operator):
    mine = f.AccountDeviceFactory(account=operator.inactive_account, device_uid="tv-2")
    foreign = f.AccountDeviceFactory(account=other_operator.account, device_uid="foreign")
    stranger = f.AccountDeviceFactory(account=operator.account_without_tariff, device_uid="neighbour")
    assert tvmw_call("/customer/device/delete/", authkey=authkey, id=foreign.pk)["error"] == 1
    assert tvmw_call("/customer/device/delete/", authkey=authkey, id=stranger.pk)["error"] == 1
    assert tvmw_call("/customer/device/delete/", authkey=authkey, id="x")["error"] == 1
    assert tvmw_call("/customer/device/delete/", authkey=authkey)["error"] == 1
    assert tvmw_call("/customer/device/delete/", authkey=authkey, id=mine.pk) == {"error": 0, "error_message": ""}
    assert set(
        AccountDevice.objects.filter(pk__in=[mine.pk, foreign.pk, stranger.pk]).values_list("pk", flat=True)
    ) == {
        foreign.pk,
        stranger.pk,
    }


# --- tariffs and subscriptions ------------------------------------------------------------------


def test_tariff_list_shows_assigned_and_available_tariffs_with_meta(tvmw_call, authkey, operator, premium, client):
    f.TariffFactory(client=operator.client, name="Hidden", hidden=True)
    body = tvmw_call("/customer/tariff/list/", authkey=authkey)
    rows = {t["name"]: t for t in body["tariffs"]}
    assert set(rows) == {"Basic", "Premium"}
    assert rows["Basic"]["is_assigned"] == 1 and rows["Premium"]["is_assigned"] == 0
    assert rows["Premium"]["meta"] == "{}"
    names = [n.findtext("name") for n in xml(client, "/customer/tariff/list/", authkey=authkey).iter("item")]
    assert "Premium" in names


def test_subscribe_charges_the_balance_once_and_gives_access(tvmw_call, authkey, operator, premium, client):
    pay(operator.customer, "25")
    body = tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)
    assert body == {"error": 0, "error_message": "", "payment_info": {"is_awaiting_payment": 0}}
    assert balance(operator.customer) == Decimal("15.00")
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)["error"] == 3
    assert balance(operator.customer) == Decimal("15.00")
    subs = tvmw_call("/customer/tariff/subscription/list/", authkey=authkey)["subscriptions"]
    assert [s["tariff_id"] for s in subs].count(premium.pk) == 1
    assert xml(client, "/customer/tariff/subscription/list/", authkey=authkey).findtext("error") == "0"


def test_unsubscribe_and_subscribe_again_does_not_charge_the_paid_period_twice(tvmw_call, authkey, operator, premium):
    pay(operator.customer, "25")
    tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)
    assert tvmw_call("/customer/tariff/unsubscribe/", authkey=authkey, tariff_id=premium.pk)["error"] == 0
    assert premium.pk not in operator.customer.tariffs.values_list("id", flat=True)
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)["error"] == 0
    assert balance(operator.customer) == Decimal("15.00")
    assert Transaction.objects.filter(customer=operator.customer, source="charge").count() == 1


def test_subscribe_error_codes(tvmw_call, authkey, operator, other_operator, premium):
    foreign = f.TariffFactory(client=other_operator.client, price=Decimal("1"))
    second_basic = f.TariffFactory(client=operator.client, name="Basic 2", kind=Tariff.Kind.BASIC)
    disabled = f.TariffFactory(client=operator.client, enabled=False)
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey)["error"] == 120
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=foreign.pk)["error"] == 1
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=disabled.pk)["error"] == 1
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, virtual_tariff_id=5)["error"] == 1
    ids = f"{premium.pk},{operator.tariff.pk}"
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=ids)["error"] == 1
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=operator.tariff.pk)["error"] == 3
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)["error"] == 2
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=second_basic.pk)["error"] == 5
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id="abc")["error"] == 1
    operator.client.payment_method = "external"
    operator.client.save()
    assert tvmw_call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=premium.pk)["error"] == 4
    assert TariffSubscription.objects.filter(tariff__in=[premium, second_basic, foreign]).count() == 0


def test_unsubscribe_error_codes(tvmw_call, authkey, operator, premium):
    locked = f.TariffFactory(client=operator.client, kind=Tariff.Kind.ADDITIONAL, available_to_unsubscribe=False)
    operator.customer.tariffs.add(locked)
    assert tvmw_call("/customer/tariff/unsubscribe/", authkey=authkey)["error"] == 120
    assert tvmw_call("/customer/tariff/unsubscribe/", authkey=authkey, tariff_id=premium.pk)["error"] == 1
    assert tvmw_call("/customer/tariff/unsubscribe/", authkey=authkey, tariff_id=operator.tariff.pk)["error"] == 2
    assert tvmw_call("/customer/tariff/unsubscribe/", authkey=authkey, tariff_id=locked.pk)["error"] == 5
    operator.client.payment_method = "external"
    operator.client.save()
    assert tvmw_call("/customer/tariff/unsubscribe/", authkey=authkey, tariff_id=locked.pk)["error"] == 4
    assert set(operator.customer.tariffs.values_list("id", flat=True)) == {operator.tariff.pk, locked.pk}


def test_subscription_cost_is_the_price_now_and_the_balance_after(
    tvmw_call, authkey, operator, other_operator, premium
):
    pay(operator.customer, "4")
    body = tvmw_call("/customer/tariff/subscription/cost/", authkey=authkey, tariff_id=premium.pk)
    assert body == {"error": 0, "error_message": "", "price": 10.0, "balance": -6.0}
    foreign = f.TariffFactory(client=other_operator.client)
    assert tvmw_call("/customer/tariff/subscription/cost/", authkey=authkey, tariff_id=foreign.pk)["error"] == 1
    assert tvmw_call("/customer/tariff/subscription/cost/", authkey=authkey)["error"] == 1


# --- autopayment, invoices, statements ----------------------------------------------------------


def test_autopayment_can_be_disabled_once_and_not_enabled(tvmw_call, authkey, operator):
    Customer.objects.filter(pk=operator.customer.pk).update(autopayment_enabled=True)
    assert tvmw_call("/customer/autopayment/", _post=True, authkey=authkey, enabled=1)["error"] == 3
    assert tvmw_call("/customer/autopayment/", _post=True, authkey=authkey, enabled=7)["error"] == 1
    assert tvmw_call("/customer/autopayment/", _post=True, authkey=authkey)["error"] == 1
    assert tvmw_call("/customer/autopayment/", _post=True, authkey=authkey, enabled=0)["error"] == 0
    assert not Customer.objects.get(pk=operator.customer.pk).autopayment_enabled
    assert tvmw_call("/customer/autopayment/", _post=True, authkey=authkey, enabled=0)["error"] == 2


def test_invoice_complete_has_no_invoices_to_complete(tvmw_call, authkey):
    assert tvmw_call("/customer/invoice/complete/", authkey=authkey)["error"] == 120
    assert tvmw_call("/customer/invoice/complete/", authkey=authkey, invoice_id="42")["error"] == 106


def test_billing_details_are_mailed_for_the_period(
    tvmw_call, authkey, operator, other_operator, django_capture_on_commit_callbacks
):
    assert (
        tvmw_call("/customer/billing_details_notify/", authkey=authkey, email="a@example.com", period=30)["error"] == 3
    )
    pay(operator.customer, "7")
    with django_capture_on_commit_callbacks(execute=True):
        body = tvmw_call("/customer/billing_details_notify/", authkey=authkey, email="a@example.com", period=30)
    assert body == {"error": 0, "error_message": ""}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.com"] and "7.00" in mail.outbox[0].body
    assert Customer.objects.get(pk=operator.customer.pk).email == "a@example.com"


def test_billing_details_error_codes(tvmw_call, authkey, operator, other_operator):
    pay(operator.customer, "7")
    Customer.objects.filter(pk=operator.customer_without_tariff.pk).update(email="taken@example.com")
    Customer.objects.filter(pk=other_operator.customer.pk).update(email="foreign@example.com")
    call = {"authkey": authkey, "period": 30}
    assert tvmw_call("/customer/billing_details_notify/", email="taken@example.com", **call)["error"] == 2
    assert tvmw_call("/customer/billing_details_notify/", email="foreign@example.com", **call)["error"] == 0
    assert tvmw_call("/customer/billing_details_notify/", email="bad", **call)["error"] == 1
    assert tvmw_call("/customer/billing_details_notify/", authkey=authkey, email="a@example.com")["error"] == 1
