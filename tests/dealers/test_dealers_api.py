"""Dealers API over HTTP (reference dealers.md): every method and code, a dealer acting only
on its own subscribers; another dealer's and another operator's ids are never reachable."""

from __future__ import annotations

import pytest

from accounts.models import Account, AccountDevice, Customer, CustomerActionLog
from smarty.api.signature import compute_signature

# --- authentication ------------------------------------------------------------------------------


def test_a_wrong_key_or_dealer_answers_401(dealer_call, mine, foreign):
    assert dealer_call("/customer/info/", customer_id=mine.customer.pk)["error"] == 0
    for params in (
        {"api_key": "wrong"},
        {"api_key": foreign.access.api_key},
        {"dealer_id": 999999},
        {"dealer_id": "abc"},
        {"api_key": ""},
    ):
        body = dealer_call("/customer/info/", customer_id=mine.customer.pk, **params)
        assert body == {"error": 401, "error_message": "Dealer not found"}, params


def test_a_disabled_dealer_or_access_answers_401(dealer_call, mine):
    mine.access.enabled = False
    mine.access.save()
    assert dealer_call("/customer/info/", customer_id=mine.customer.pk)["error"] == 401
    mine.access.enabled = True
    mine.access.save()
    mine.dealer.enabled = False
    mine.dealer.save()
    assert dealer_call("/customer/info/", customer_id=mine.customer.pk)["error"] == 401


def test_requests_from_outside_the_allowed_networks_answer_401(dealer_call, mine):
    mine.access.allowed_subnets = "10.0.0.0/8\n192.168.1.0/24"
    mine.access.save()
    assert dealer_call("/customer/info/", customer_id=mine.customer.pk, _ip="8.8.8.8")["error"] == 401
    assert dealer_call("/customer/info/", customer_id=mine.customer.pk, _ip="10.1.2.3")["error"] == 0
    assert dealer_call("/customer/info/", customer_id=mine.customer.pk, _ip="192.168.1.7")["error"] == 0


def test_a_signature_made_with_the_dealers_key_stands_for_the_key(client, mine):
    params = {"dealer_id": str(mine.dealer.pk), "customer_id": str(mine.customer.pk)}
    params["signature"] = compute_signature(params.items(), mine.access.api_key)
    assert client.post("/dealers/api/customer/info/", params).json()["error"] == 0
    params["signature"] = "0" * 32
    assert client.post("/dealers/api/customer/info/", params).json()["error"] == 401


# --- customers ----------------------------------------------------------------------------------


def test_customer_create_binds_the_customer_to_the_dealer(dealer_call, mine, operator):
    body = dealer_call("/customer/create/", lastname="Ivanov", firstname="Ivan", email="i@x.org", ext_id="ext_100500")
    assert body["error"] == 0 and body["error_message"] == "" and body["error_fields"] == {}
    customer = Customer.objects.get(pk=body["id"])
    assert (customer.client_id, customer.dealer_id, customer.ext_id) == (
        operator.client.pk,
        mine.dealer.pk,
        "ext_100500",
    )
    assert set(CustomerActionLog.objects.filter(customer=customer).values_list("source", flat=True)) == {"dealers_api"}


def test_customer_create_codes(dealer_call, mine, settings):
    assert dealer_call("/customer/create/", lastname="A", ext_id="ext-1")["error"] == 1
    body = dealer_call("/customer/create/", lastname="B", birthdate="1990-13-01")
    assert body["error"] == 3 and "birthdate" in body["error_fields"]
    assert dealer_call("/customer/create/", lastname="C", meta="[1]")["error"] == 3
    settings.BILLING_CUSTOMER_CREATE_LIMIT_PER_IP = 1
    assert dealer_call("/customer/create/", lastname="D")["error"] == 0
    assert dealer_call("/customer/create/", lastname="E")["error"] == 2
    assert not Customer.objects.filter(lastname__in=["B", "C", "E"]).exists()


def test_customer_info_shows_the_dealers_customer(dealer_call, mine):
    body = dealer_call("/customer/info/", ext_id="ext-1")
    assert body["error"] == 0
    assert [a["abonement"] for a in body["accounts"]] == [mine.account.abonement]
    for field in (
        "subscriptions",
        "balance",
        "payments_count",
        "tariffs_info",
        "vtariffs_info",
        "meta",
        "birthdate",
        "autopayment_enabled",
        "tariffs",
    ):
        assert field in body
    assert body["accounts"][0].keys() == {"id", "abonement", "activation_days_left", "on_trial_period"}


def test_other_dealers_and_operators_customers_are_not_found(dealer_call, mine, rival, foreign, operator):
    for customer in (rival.customer, foreign.customer, operator.customer):
        assert dealer_call("/customer/info/", customer_id=customer.pk)["error"] == 1
        assert (
            dealer_call("/customer/tariff/assign/", customer_id=customer.pk, tariff_id=operator.tariff.pk)["error"] == 1
        )
        assert dealer_call("/account/create/", customer_id=customer.pk)["error"] == 1
    assert dealer_call("/customer/info/", ext_id="ext-2")["error"] == 1  # the other operator's ext_id
    assert dealer_call("/customer/info/")["error"] == 1


def test_tariff_assign_and_remove(dealer_call, mine, operator, other_operator):
    from tests import factories as f

    premium = f.TariffFactory(client=operator.client, name="Premium")
    body = dealer_call("/customer/tariff/assign/", customer_id=mine.customer.pk, tariff_id=premium.pk)
    assert body == {"error": 0, "error_message": ""}
    assert mine.customer.tariffs.filter(pk=premium.pk).exists()
    assert (
        dealer_call("/customer/tariff/assign/", customer_id=mine.customer.pk, tariff_id=other_operator.tariff.pk)[
            "error"
        ]
        == 2
    )
    assert dealer_call("/customer/tariff/assign/", customer_id=mine.customer.pk)["error"] == 2
    assert dealer_call("/customer/tariff/remove/", customer_id=mine.customer.pk, tariff_id=premium.pk)["error"] == 0
    assert not mine.customer.tariffs.filter(pk=premium.pk).exists()
    assert dealer_call("/customer/tariff/remove/", customer_id=mine.customer.pk, tariff_id=99999)["error"] == 2
    assert dealer_call("/customer/tariff/remove/", ext_id="nope", tariff_id=premium.pk)["error"] == 1


# --- accounts -----------------------------------------------------------------------------------


def test_account_create_for_the_dealers_customer(dealer_call, mine, operator):
    body = dealer_call("/account/create/", customer_id=mine.customer.pk, active=1, allow_multiple_login=1)
    assert body["error"] == 0 and body["error_fields"] == {}
    account = Account.objects.get(pk=body["account_id"])
    assert account.customer_id == mine.customer.pk and account.allow_multiple_login
    assert body["abonement"] == account.abonement and body["password"]
    by_ext = dealer_call("/account/create/", ext_id="ext-1", password="4321", abonement="55500011")
    assert by_ext["error"] == 0 and by_ext["password"] == "4321" and by_ext["abonement"] == "55500011"


def test_account_create_codes(dealer_call, mine):
    assert dealer_call("/account/create/", customer_id=99999)["error"] == 1
    assert dealer_call("/account/create/", customer_id=mine.customer.pk, password="abc")["error"] == 2
    assert dealer_call("/account/create/", customer_id=mine.customer.pk, activation_date="2020-02-30")["error"] == 2
    body = dealer_call("/account/create/", customer_id=mine.customer.pk, abonement=mine.account.abonement)
    assert body["error"] == 3
    assert Account.objects.filter(customer=mine.customer).count() == 1


def test_account_info_lists_every_reference_field(dealer_call, mine):
    body = dealer_call("/account/info/", abonement=mine.account.abonement)
    assert body["error"] == 0 and body["id"] == mine.account.pk
    expected = {
        "abonement", "active", "last_active", "created_at", "status_reason", "auto_activation_period",
        "extension_date", "activation_date", "deactivation_date", "allow_multiple_login",
        "allow_login_by_abonement", "allow_login_by_device_uid", "allow_login_by_ip", "parent_code",
        "use_timeshift", "preferred_timeshift_offset", "devices", "tariffs", "customer_id", "subnets",
        "subscriptions", "allowed_device_groups", "error_message",
    }  # fmt: skip
    assert expected <= body.keys()


def test_other_dealers_and_operators_accounts_are_not_found(dealer_call, mine, rival, foreign, operator):
    for account in (rival.account, foreign.account, operator.account):
        assert dealer_call("/account/info/", account_id=account.pk)["error"] == 1
        assert dealer_call("/account/modify/", account_id=account.pk, active=0)["error"] == 1
        body = dealer_call("/account/device/create/", account_id=account.pk, device_uid="u1", system_name="android")
        assert body["error"] == 1
    assert dealer_call("/account/info/", abonement=foreign.account.abonement)["error"] == 1
    assert Account.objects.get(pk=operator.account.pk).active


def test_account_modify(dealer_call, mine):
    body = dealer_call(
        "/account/modify/", account_id=mine.account.pk, active=0, status_reason="BLOCK", parent_code="1111"
    )
    assert body == {"error": 0, "error_message": "", "error_fields": {}}
    account = Account.objects.get(pk=mine.account.pk)
    assert not account.active and account.status_reason == "BLOCK" and account.parent_code == "1111"
    assert dealer_call("/account/modify/", account_id=mine.account.pk, extension_date="tomorrow")["error"] == 2
    assert dealer_call("/account/modify/", account_id=mine.account.pk, allowed_device_groups="7")["error"] == 2
    assert dealer_call("/account/modify/", abonement="nope")["error"] == 1


# --- devices ------------------------------------------------------------------------------------


def test_device_create_and_modify(dealer_call, mine):
    body = dealer_call(
        "/account/device/create/",
        account_id=mine.account.pk,
        device_uid="box-7",
        system_name="android",
        serial_number="S1",
    )
    assert body == {"error": 0, "error_message": "", "error_fields": {}}
    device = AccountDevice.objects.get(device_uid="box-7")
    assert device.account_id == mine.account.pk and device.serial_number == "S1"
    body = dealer_call("/account/device/modify/", device_uid="box-7", serial_number="S2", brand_name="Acme")
    assert body["error"] == 0
    device.refresh_from_db()
    assert (device.serial_number, device.brand_name) == ("S2", "Acme")


@pytest.mark.parametrize(
    "params,code",
    [
        ({"device_uid": "box-8"}, 6),
        ({"device_uid": "box-8", "system_name": "nokia"}, 2),
        ({"system_name": "android"}, 3),
        ({"device_uid": "box-8", "system_name": "android", "sort_by": "random"}, 3),
    ],
)
def test_device_create_codes(dealer_call, mine, params, code):
    assert dealer_call("/account/device/create/", account_id=mine.account.pk, **params)["error"] == code
    assert not AccountDevice.objects.filter(device_uid="box-8").exists()


def test_a_taken_uid_answers_4(dealer_call, mine):
    params = {"account_id": mine.account.pk, "device_uid": "box-9", "system_name": "android"}
    assert dealer_call("/account/device/create/", **params)["error"] == 0
    assert dealer_call("/account/device/create/", **params)["error"] == 4


def test_other_dealers_devices_are_not_found(dealer_call, rival, foreign):
    from tests import factories as f

    for world in (rival, foreign):
        device = f.AccountDeviceFactory(account=world.account, device_uid=f"their-{world.dealer.pk}")
        assert dealer_call("/account/device/modify/", device_id=device.pk, serial_number="X")["error"] == 1
        assert dealer_call("/account/device/modify/", device_uid=device.device_uid, serial_number="X")["error"] == 1
        device.refresh_from_db()
        assert device.serial_number == ""
    assert dealer_call("/account/device/modify/")["error"] == 1
