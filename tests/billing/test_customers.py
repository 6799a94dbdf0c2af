"""Customer group of the Billing API over HTTP: customers, their tariffs, subscriptions and
transaction list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, Customer, Session
from billing import errors
from billing.models import Transaction
from clients.models import Dealer
from tariffs.models import TariffSubscription
from tests import factories as f

pytestmark = pytest.mark.django_db

E = errors


# --- customer/create ------------------------------------------------------------------------------


def test_customer_create_stores_every_field(billing_client, operator):
    dealer = Dealer.objects.create(client=operator.client, name="D1")
    body = billing_client.call(
        "customer/create",
        {
            "firstname": "Ivan",
            "middlename": "I.",
            "lastname": "Petrov",
            "birthdate": "1980-05-17",
            "passport_issue_date": "2000-01-01",
            "postal_address_city": "Riga",
            "mobile_phone_number": "+371000",
            "email": "ivan@example.test",
            "ext_id": "C-1",
            "send_sms": 1,
            "send_email_messages": 0,
            "contract_number": "K-7",
            "dealer_id": dealer.pk,
            "meta": '{"vip": true, "n": 2}',
            "custom_billing_api": 3,
            "bank_account_iban": "LV00TEST",
        },
    )
    assert body["error"] == 0 and body["error_fields"] == {}
    customer = Customer.objects.get(pk=body["id"])
    assert customer.client_id == operator.client.pk and customer.ext_id == "C-1"
    assert (customer.firstname, customer.lastname, customer.birthdate) == ("Ivan", "Petrov", dt.date(1980, 5, 17))
    assert customer.send_sms and not customer.send_email_messages and customer.send_sms_messages
    assert customer.meta == {"vip": True, "n": 2} and customer.dealer == dealer and customer.custom_billing_api == 3
    assert customer.bank_account_iban == "LV00TEST" and customer.postal_address_city == "Riga"


def test_customer_create_gives_default_tariffs(billing_client, operator):
    default = f.TariffFactory(client=operator.client, assigned_by_default=True)
    body = billing_client.call("customer/create", {"comment": "only a comment"})
    assert list(Customer.objects.get(pk=body["id"]).tariffs.all()) == [default]


def test_customer_create_answers_1_for_an_ext_id_taken_at_this_operator_only(billing_client, operator, other_operator):
    other_operator.customer.ext_id = "C-2"
    other_operator.customer.save()
    assert billing_client.call("customer/create", {"firstname": "A", "ext_id": "C-2"})["error"] == 0
    body = billing_client.call("customer/create", {"firstname": "B", "ext_id": "C-2"})
    assert body["error"] == E.CustomerCreate.EXT_ID_EXISTS and "ext_id" in body["error_fields"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "firstname"),
        ({"firstname": "A", "meta": "{not json"}, "meta"),
        ({"firstname": "A", "meta": "[1, 2]"}, "meta"),
        ({"firstname": "A", "birthdate": "17.05.1980"}, "birthdate"),
        ({"firstname": "A", "send_sms": "yes"}, "send_sms"),
        ({"firstname": "A", "dealer_id": "999"}, "dealer_id"),
        ({"firstname": "A", "email": "x" * 300}, "email"),
        ({"firstname": "A", "custom_billing_api": "one"}, "custom_billing_api"),
    ],
)
def test_customer_create_answers_3_naming_the_invalid_field(billing_client, operator, params, field):
    body = billing_client.call("customer/create", params)
    assert body["error"] == E.CustomerCreate.INVALID and field in body["error_fields"], body
    assert Customer.objects.for_client(operator.client).count() == 2


def test_customer_create_answers_2_beyond_the_per_ip_limit(billing_client, operator, settings):
    settings.BILLING_CUSTOMER_CREATE_LIMIT_PER_IP = 2
    codes = [billing_client.call("customer/create", {"firstname": f"N{n}"})["error"] for n in range(3)]
    assert codes == [0, 0, E.CustomerCreate.IP_LIMIT]
    assert billing_client.call("customer/create", {"firstname": "other ip"}, REMOTE_ADDR="10.9.9.9")["error"] == 0


def test_another_operators_dealer_is_not_accepted(billing_client, other_operator):
    dealer = Dealer.objects.create(client=other_operator.client, name="theirs")
    body = billing_client.call("customer/create", {"firstname": "A", "dealer_id": dealer.pk})
    assert body["error"] == E.CustomerCreate.INVALID and "dealer_id" in body["error_fields"]


# --- customer/info and customer/list --------------------------------------------------------------


def test_customer_info_answers_every_reference_field(billing_client, operator):
    operator.customer.meta = {"k": "v"}
    operator.customer.birthdate = dt.date(1990, 1, 2)
    operator.customer.save()
    operator.tariff.ext_id = "BASIC"
    operator.tariff.save()
    Transaction.objects.create(client=operator.client, customer=operator.customer, amount=5, processed=True)
    Transaction.objects.create(client=operator.client, customer=operator.customer, amount=1, processed=False)
    Customer.objects.filter(pk=operator.customer.pk).update(balance=Decimal("6"))
    body = billing_client.call("customer/info", {"customer_id": operator.customer.pk})
    assert body["error"] == 0
    assert body["accounts"] == [
        {"id": a.pk, "abonement": int(a.abonement), "activation_days_left": 0, "on_trial_period": 0}
        for a in (operator.account, operator.inactive_account)
    ]
    assert body["balance"] == 6 and body["payments_count"] == 1
    assert body["tariffs_info"] == [{"id": operator.tariff.pk, "ext_id": "BASIC"}] and body["vtariffs_info"] == []
    assert body["tariffs"] == [operator.tariff.pk] and body["meta"] == {"k": "v"}
    assert body["birthdate"] == "1990-01-02" and body["autopayment_enabled"] == 0 and body["subscriptions"] == []


def test_customer_info_reports_activation_days_and_trial_period(billing_client, operator):
    operator.client.trial_period_days = 10
    operator.client.save()
    Account.objects.filter(pk=operator.account.pk).update(
        activation_date=dt.date(2030, 1, 1), deactivation_date=dt.date(2030, 1, 31)
    )
    body = billing_client.call("customer/info", {"customer_id": operator.customer.pk})
    assert body["accounts"][0]["activation_days_left"] == 30 and body["accounts"][0]["on_trial_period"] == 1


def test_customer_info_by_ext_id_and_its_not_found_code(billing_client, operator):
    operator.customer.ext_id = "E1"
    operator.customer.save()
    assert billing_client.call("customer/info", {"ext_id": "E1"})["error"] == 0
    for params in ({}, {"ext_id": "E2"}, {"customer_id": 999999}, {"customer_id": "one"}):
        assert billing_client.call("customer/info", params)["error"] == E.CustomerInfo.NOT_FOUND


def test_customer_list_with_repeated_tariff_ids_keeps_customers_with_all_of_them(billing_client, operator):
    second = f.TariffFactory(client=operator.client)
    both = f.CustomerFactory(client=operator.client)
    both.tariffs.add(operator.tariff, second)
    body = billing_client.call("customer/list", [("tariff_id", operator.tariff.pk)], method="get")
    assert [c["id"] for c in body["customers"]] == [operator.customer.pk, both.pk]
    body = billing_client.call("customer/list", [("tariff_id", operator.tariff.pk), ("tariff_id", second.pk)])
    assert [c["id"] for c in body["customers"]] == [both.pk]
    item = body["customers"][0]
    for field in (
        "id accounts subscriptions balance mobile_phone_number payments_count tariffs_info vtariffs_info meta "
        "birthdate autopayment_enabled tariffs"
    ).split():
        assert field in item


def test_customer_list_filters_by_abonement_regexp_and_phone(billing_client, operator):
    Customer.objects.filter(pk=operator.customer_without_tariff.pk).update(mobile_phone_number="+100")
    body = billing_client.call("customer/list", {"abonement_regexp": "^100003$"}, method="get")
    assert [c["id"] for c in body["customers"]] == [operator.customer.pk]
    assert body["customers"][0]["accounts"][1]["active"] == 0
    body = billing_client.call("customer/list", {"mobile_phone_number": "+100"}, method="get")
    assert [c["id"] for c in body["customers"]] == [operator.customer_without_tariff.pk]


def test_customer_list_answers_1_for_an_unknown_tariff_and_2_for_a_malformed_one(billing_client, other_operator):
    body = billing_client.call("customer/list", {"tariff_id": other_operator.tariff.pk}, method="get")
    assert body["error"] == E.CustomerList.TARIFF_NOT_FOUND
    for value in ("abc", "1.5", "-3"):
        body = billing_client.call("customer/list", {"tariff_id": value}, method="get")
        assert body["error"] == E.CustomerList.BAD_TARIFF_ID and "tariff_id" in body["error_fields"]


def test_customer_list_pages(billing_client, operator):
    for _ in range(3):
        f.CustomerFactory(client=operator.client)
    pages = [billing_client.call("customer/list", {"limit": 2, "page": n})["customers"] for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]


# --- customer/modify and customer/delete -------------------------------------------------------------


def test_customer_modify_changes_only_the_given_fields(billing_client, operator):
    body = billing_client.call(
        "customer/modify", {"customer_id": operator.customer.pk, "email": "a@b.test", "meta": '{"x": 1}'}
    )
    assert body == {"error": 0, "error_message": "", "error_fields": {}}
    operator.customer.refresh_from_db()
    assert operator.customer.email == "a@b.test" and operator.customer.meta == {"x": 1}
    assert operator.customer.firstname == "Anna"


def test_customer_modify_by_id_overwrites_the_ext_id(billing_client, operator):
    billing_client.call("customer/modify", {"customer_id": operator.customer.pk, "ext_id": "NEW"})
    operator.customer.refresh_from_db()
    assert operator.customer.ext_id == "NEW"
    billing_client.call("customer/modify", {"ext_id": "NEW", "lastname": "Found"})
    operator.customer.refresh_from_db()
    assert operator.customer.lastname == "Found" and operator.customer.ext_id == "NEW"


def test_customer_modify_answers_2_for_invalid_values_and_1_for_unknown_customers(billing_client, operator):
    operator.customer_without_tariff.ext_id = "TAKEN"
    operator.customer_without_tariff.save()
    modify = "customer/modify"
    body = billing_client.call(modify, {"customer_id": operator.customer.pk, "ext_id": "TAKEN"})
    assert body["error"] == E.CustomerModify.INVALID and "ext_id" in body["error_fields"]
    body = billing_client.call(modify, {"customer_id": operator.customer.pk, "firstname": "", "lastname": ""})
    assert body["error"] == E.CustomerModify.INVALID
    body = billing_client.call(modify, {"customer_id": operator.customer.pk, "meta": "1"})
    assert body["error"] == E.CustomerModify.INVALID and "meta" in body["error_fields"]
    assert billing_client.call(modify, {"customer_id": 999999})["error"] == E.CustomerModify.NOT_FOUND


def test_customer_delete_removes_accounts_and_sessions(billing_client, operator):
    session = f.SessionFactory(account=operator.account)
    assert billing_client.call("customer/delete", {"customer_id": operator.customer.pk})["error"] == 0
    assert not Customer.objects.filter(pk=operator.customer.pk).exists()
    assert not Account.objects.filter(pk=operator.account.pk).exists()
    assert not Session.objects.filter(pk=session.pk).exists()
    assert billing_client.call("customer/delete", {"customer_id": operator.customer.pk})["error"] == 1
    assert billing_client.call("customer/delete", {})["error"] == 1


# --- customer tariffs -------------------------------------------------------------------------------


def test_customer_tariff_assign_and_remove(billing_client, operator):
    extra = f.TariffFactory(client=operator.client)
    customer = operator.customer_without_tariff
    body = billing_client.call("customer/tariff/assign", {"customer_id": customer.pk, "tariff_id": extra.pk})
    assert body == {"error": 0, "error_message": ""}
    assert list(customer.tariffs.all()) == [extra]
    assert (
        billing_client.call("customer/tariff/assign", {"customer_id": customer.pk, "tariff_id": extra.pk})["error"] == 0
    )
    body = billing_client.call("customer/tariff/remove", {"customer_id": customer.pk, "tariff_id": extra.pk})
    assert body["error"] == 0 and not customer.tariffs.exists()


def test_customer_tariff_methods_answer_their_codes(billing_client, operator, other_operator):
    disabled = f.TariffFactory(client=operator.client, enabled=False)
    cid = operator.customer.pk
    for path in ("customer/tariff/assign", "customer/tariff/remove"):
        assert billing_client.call(path, {"customer_id": 999999, "tariff_id": operator.tariff.pk})["error"] == 1
        assert billing_client.call(path, {"customer_id": cid, "tariff_id": other_operator.tariff.pk})["error"] == 2
        assert billing_client.call(path, {"customer_id": cid, "vtariff_id": 5})["error"] == 2
        assert billing_client.call(path, {"customer_id": cid})["error"] == 2
    body = billing_client.call("customer/tariff/assign", {"customer_id": cid, "tariff_id": disabled.pk})
    assert body["error"] == E.CustomerTariffAssign.FAILED


# --- subscriptions ---------------------------------------------------------------------------------


def test_tariffsubscription_create_subscribes_and_assigns(billing_client, operator, external_billing):
    tariff = f.TariffFactory(client=operator.client, price=Decimal("9.90"), period=30)
    customer = operator.customer_without_tariff
    body = billing_client.call(
        "customer/tariffsubscription/create",
        {"customer_id": customer.pk, "tariff_id": tariff.pk, "price": "5", "price_expiration": "2031-01-01"},
    )
    assert body["error"] == 0
    sub = TariffSubscription.objects.get(pk=body["tariffsubscription_id"])
    assert sub.customer == customer and sub.is_periodical and sub.is_price_overridden and sub.price == 5
    assert list(customer.tariffs.all()) == [tariff]
    info = billing_client.call("customer/info", {"customer_id": customer.pk})
    assert info["subscriptions"] == [
        {
            "tariff_id": tariff.pk,
            "api_config_id": None,
            "price": 5.0,
            "start_date": sub.start_date.date().isoformat(),
            "end_date": None,
            "is_periodical": 1,
            "price_expiration": "2031-01-01",
            "is_price_overridden": 1,
            "is_closed": 0,
        }
    ]


def test_tariffsubscription_with_duration_or_end_date_is_not_periodical(billing_client, operator, external_billing):
    tariff = f.TariffFactory(client=operator.client)
    body = billing_client.call(
        "customer/tariffsubscription/create",
        {"customer_id": operator.customer.pk, "tariff_id": tariff.pk, "duration": 10, "end_date": "2035-06-30"},
    )
    sub = TariffSubscription.objects.get(pk=body["tariffsubscription_id"])
    assert not sub.is_periodical and sub.end_date.date() == dt.date(2035, 6, 30)


def test_tariffsubscription_create_answers_its_codes(billing_client, operator, other_operator, settings):
    create = "customer/tariffsubscription/create"
    cid = operator.customer.pk
    assert billing_client.call(create, {"customer_id": 999999, "tariff_id": operator.tariff.pk})["error"] == 1
    assert billing_client.call(create, {"customer_id": cid, "tariff_id": other_operator.tariff.pk})["error"] == 2
    for bad in ({"price_expiration": "2030-01-01"}, {"end_date": "2001-01-01"}, {"duration": 0}, {"price": "-1"}):
        body = billing_client.call(create, {"customer_id": cid, "tariff_id": operator.tariff.pk, **bad})
        assert body["error"] == E.CustomerTariffSubscriptionCreate.FAILED and body["error_fields"], bad
    assert not TariffSubscription.objects.exists()
    settings.BILLING_SUBSCRIPTIONS_ENABLED = False
    body = billing_client.call(create, {"customer_id": cid, "tariff_id": operator.tariff.pk})
    assert body["error"] == E.CustomerTariffSubscriptionCreate.NO_SUBSCRIPTIONS


def test_tariffsubscription_delete_removes_it_and_its_tariff(billing_client, operator, settings, external_billing):
    tariff = f.TariffFactory(client=operator.client)
    sub_id = billing_client.call(
        "customer/tariffsubscription/create", {"customer_id": operator.customer.pk, "tariff_id": tariff.pk}
    )["tariffsubscription_id"]
    assert billing_client.call("customer/tariffsubscription/delete", {"id": sub_id})["error"] == 0
    assert not TariffSubscription.objects.filter(pk=sub_id).exists()
    assert tariff not in operator.customer.tariffs.all()
    assert billing_client.call("customer/tariffsubscription/delete", {"id": sub_id})["error"] == 1
    assert billing_client.call("customer/tariffsubscription/delete", {})["error"] == 1
    settings.BILLING_SUBSCRIPTIONS_ENABLED = False
    assert billing_client.call("customer/tariffsubscription/delete", {"id": sub_id})["error"] == 100


# --- customer/transaction/list ---------------------------------------------------------------------


def test_customer_transaction_list_pages_the_customers_transactions_newest_first(billing_client, operator):
    for n in range(3):
        billing_client.call(
            "transaction/create",
            {"ext_id": f"T{n}", "customer_id": operator.customer.pk, "amount": n + 1, "comment": f"c{n}"},
        )
    body = billing_client.call("customer/transaction/list", {"customer_id": operator.customer.pk, "limit": 2})
    assert [p["comment"] for p in body["payments"]] == ["c2", "c1"]
    first = body["payments"][0]
    assert first["amount"] == "3.00" and first["source"] == "billing_api" and first["processed"] == 1
    assert first["transaction_id"] == str(Transaction.objects.get(ext_id="T2").pk)
    assert dt.datetime.strptime(first["datetime"], "%Y-%m-%d %H:%M:%S")
    body = billing_client.call(
        "customer/transaction/list", {"customer_id": operator.customer.pk, "page": 2, "limit": 2}
    )
    assert [p["comment"] for p in body["payments"]] == ["c0"]
    assert billing_client.call("customer/transaction/list", {"customer_id": 999999})["error"] == 1
