"""Account self-service (reference tvmw/Account.md): register, reset_password,
send_parent_code_by_sms, account/tariff/subscribe and unsubscribe, export. Over HTTP, with
their error codes, JSON and XML, throttling, and the other operator never reached."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client
from lxml import etree

from accounts.models import Account, AccountDevice, Customer
from billing import services as billing
from billing.models import Transaction
from tariffs.models import Tariff
from tests import factories as f

BASE = "/tvmiddleware/api"


def noauth(op) -> dict:
    return {"client_id": op.client.pk, "api_key": op.client.api_key}


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


# --- register ---------------------------------------------------------------------------------


def test_register_by_device_uid_creates_an_account_that_can_log_in(tvmw_call, operator, other_operator):
    Tariff.objects.filter(pk=operator.tariff.pk).update(assigned_by_default=True)
    body = tvmw_call("/account/register/", device_uid="box-1", device="mag", password="secret1", **noauth(operator))
    assert body["error"] == 0 and body["password"] == "secret1"
    assert set(body) >= {"abonement", "captcha_url", "confirmation_phone", "confirmation_phone_qrcode_url"}
    account = Account.objects.get(abonement=str(body["abonement"]))
    assert account.client_id == operator.client.pk
    assert AccountDevice.objects.get(account=account).device_uid == "box-1"
    login = tvmw_call("/login/", abonement=str(body["abonement"]), password="secret1", **noauth(operator))
    assert login["error"] == 0
    # The other operator's key does not register with this one.
    refused = tvmw_call("/account/register/", device_uid="box-2", client_id=operator.client.pk, api_key="api-key-2")
    assert refused["error"] == 403


def test_register_in_xml(client, operator):
    response = client.get(
        BASE + "/account/register/", {"device_uid": "box-x", "device": "sagemcom", **noauth(operator)}
    )
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.findtext("error") == "0" and root.findtext("password")


def test_register_by_phone_verifies_the_number_first(tvmw_call, operator, events):
    phone = "+79001112233"
    assert tvmw_call("/account/register/", mobile_phone_number=phone, **noauth(operator))["error"] == 9
    assert tvmw_call("/account/register/", mobile_phone_number=phone, **noauth(operator))["error"] == 21
    assert tvmw_call("/account/register/", mobile_phone_number=phone, code="0", **noauth(operator))["error"] == 10
    code = events.of("PHONE_CODE_SENT")[-1]["code"]
    body = tvmw_call("/account/register/", mobile_phone_number=phone, code=code, **noauth(operator))
    assert body["error"] == 0
    assert Account.objects.get(abonement=str(body["abonement"])).customer.mobile_phone_number == "+79001112233"
    assert tvmw_call("/account/register/", mobile_phone_number=phone, **noauth(operator))["error"] == 6


def test_register_error_codes(tvmw_call, operator, other_operator, settings):
    foreign_dealer = f.DealerFactory(client=other_operator.client) if hasattr(f, "DealerFactory") else None
    assert tvmw_call("/account/register/", **noauth(operator))["error"] == 7
    assert tvmw_call("/account/register/", device_uid="b", auto_activation_period="x", **noauth(operator))["error"] == 4
    assert tvmw_call("/account/register/", mobile_phone_number="12ab", **noauth(operator))["error"] == 5
    assert tvmw_call("/account/register/", device_uid="b", dealer_id="999", **noauth(operator))["error"] == 15
    if foreign_dealer is not None:
        assert (
            tvmw_call("/account/register/", device_uid="b", dealer_id=foreign_dealer.pk, **noauth(operator))["error"]
            == 15
        )
    assert tvmw_call("/account/register/", device_uid="b", external=1, **noauth(operator))["error"] == 11
    assert (
        tvmw_call("/account/register/", device_uid="b", custom_billing_provider_id=3, **noauth(operator))["error"] == 23
    )
    f.AccountDeviceFactory(account=operator.account, device_uid="taken")
    assert tvmw_call("/account/register/", device_uid="taken", **noauth(operator))["error"] == 1
    settings.SMARTY_PHONE_CODES_PER_HOUR = 0
    assert tvmw_call("/account/register/", mobile_phone_number="+79005556677", **noauth(operator))["error"] == 25
    settings.SMARTY_REGISTRATION_ENABLED = False
    assert tvmw_call("/account/register/", device_uid="b", **noauth(operator))["error"] == 18
    assert not AccountDevice.objects.filter(device_uid="b").exists()


def test_registrations_are_limited_per_ip(tvmw_call, operator, settings):
    settings.SMARTY_REGISTRATIONS_PER_IP = 2
    for n in range(2):
        assert tvmw_call("/account/register/", device_uid=f"d{n}", _ip="10.0.0.1", **noauth(operator))["error"] == 0
    assert tvmw_call("/account/register/", device_uid="d3", _ip="10.0.0.1", **noauth(operator))["error"] == 3
    assert tvmw_call("/account/register/", device_uid="d4", _ip="10.0.0.2", **noauth(operator))["error"] == 0
    operator.client.registration_limit = 5
    operator.client.save()
    assert tvmw_call("/account/register/", device_uid="d5", _ip="10.0.0.1", **noauth(operator))["error"] == 0


# --- reset_password ------------------------------------------------------------------------------


def test_reset_password_by_phone_sends_a_code_then_a_new_password(tvmw_call, operator, other_operator, events):
    Customer.objects.filter(pk=operator.customer_without_tariff.pk).update(mobile_phone_number="+79001234567")
    Customer.objects.filter(pk=other_operator.customer_without_tariff.pk).update(mobile_phone_number="+79001234567")
    phone = {"mobile_phone_number": "+79001234567", **noauth(operator)}
    assert tvmw_call("/account/reset_password/", **phone)["error"] == 3
    assert tvmw_call("/account/reset_password/", **phone)["error"] == 7
    assert tvmw_call("/account/reset_password/", code="0", **phone)["error"] == 5
    code = events.of("PHONE_CODE_SENT")[-1]["code"]
    assert tvmw_call("/account/reset_password/", code=code, **phone) == {"error": 0, "error_message": ""}
    text = events.of("PHONE_TEXT_SENT")[-1]["text"]
    new_password = text.rsplit(" ", 1)[-1]
    account = Account.objects.get(pk=operator.account_without_tariff.pk)
    assert account.check_password(new_password)
    # The other operator's look-alike account keeps its password.
    assert Account.objects.get(pk=other_operator.account_without_tariff.pk).check_password("1234")


def test_reset_password_by_email(tvmw_call, operator, django_capture_on_commit_callbacks):
    Customer.objects.filter(pk=operator.customer_without_tariff.pk).update(email="bare@example.com")
    params = {"email": "bare@example.com", **noauth(operator)}
    assert tvmw_call("/account/reset_password/", **params)["error"] == 3
    code = mail.outbox[-1].body.rsplit(" ", 1)[-1]
    with django_capture_on_commit_callbacks(execute=True):
        assert tvmw_call("/account/reset_password/", code=code, **params)["error"] == 0
    new_password = mail.outbox[-1].body.rsplit(" ", 1)[-1]
    assert Account.objects.get(pk=operator.account_without_tariff.pk).check_password(new_password)


def test_reset_password_error_codes(tvmw_call, operator, settings):
    assert tvmw_call("/account/reset_password/", **noauth(operator))["error"] == 1
    assert tvmw_call("/account/reset_password/", email="nope", **noauth(operator))["error"] == 1
    assert tvmw_call("/account/reset_password/", email="who@example.com", **noauth(operator))["error"] == 2
    Customer.objects.filter(pk=operator.customer.pk).update(mobile_phone_number="+79001230000")
    # The main customer has two accounts (active and inactive).
    assert tvmw_call("/account/reset_password/", mobile_phone_number="+79001230000", **noauth(operator))["error"] == 4
    lonely = f.CustomerFactory(client=operator.client, mobile_phone_number="+79001239999")
    assert lonely.accounts.count() == 0
    assert tvmw_call("/account/reset_password/", mobile_phone_number="+79001239999", **noauth(operator))["error"] == 6
    settings.SMARTY_PHONE_GATEWAY = "accounts.sms.PhoneGateway"
    Customer.objects.filter(pk=operator.customer_without_tariff.pk).update(mobile_phone_number="+79004440000")
    assert tvmw_call("/account/reset_password/", mobile_phone_number="+79004440000", **noauth(operator))["error"] == 8


def test_reset_password_is_throttled_per_ip_and_per_phone(tvmw_call, operator, settings):
    settings.SMARTY_PASSWORD_RESETS_PER_IP = 3
    for n in range(3):
        body = tvmw_call("/account/reset_password/", email=f"x{n}@example.com", _ip="10.1.1.1", **noauth(operator))
        assert body["error"] == 2
    # Once over the limit nothing tells whether the customer exists.
    assert (
        tvmw_call("/account/reset_password/", email="y@example.com", _ip="10.1.1.1", **noauth(operator))["error"] == 7
    )
    for n in range(3):
        tvmw_call("/account/reset_password/", email="same@example.com", _ip=f"10.2.2.{n}", **noauth(operator))
    assert (
        tvmw_call("/account/reset_password/", email="same@example.com", _ip="10.3.3.3", **noauth(operator))["error"]
        == 7
    )


# --- parent code by SMS ------------------------------------------------------------------------


def test_parent_code_is_sent_to_the_customers_phone_with_limits(tvmw_call, authkey, operator, events, settings):
    assert tvmw_call("/account/send_parent_code_by_sms/", authkey=authkey)["error"] == 2
    Customer.objects.filter(pk=operator.customer.pk).update(mobile_phone_number="+79001234567")
    assert tvmw_call("/account/send_parent_code_by_sms/", authkey=authkey)["error"] == 3
    Account.objects.filter(pk=operator.account.pk).update(parent_code="4321")
    assert tvmw_call("/account/send_parent_code_by_sms/", authkey=authkey) == {"error": 0, "error_message": ""}
    assert events.of("PHONE_TEXT_SENT")[-1]["text"].endswith("4321")
    assert tvmw_call("/account/send_parent_code_by_sms/", authkey=authkey)["error"] == 4
    settings.SMARTY_PARENT_CODE_SMS_PER_DAY = 1
    assert tvmw_call("/account/send_parent_code_by_sms/", authkey=authkey)["error"] == 5
    assert Client().get(BASE + "/account/send_parent_code_by_sms/").json()["error"] == 403


def test_parent_code_send_failure_is_error_1(tvmw_call, authkey, operator, settings):
    Customer.objects.filter(pk=operator.customer.pk).update(mobile_phone_number="+79001234567")
    Account.objects.filter(pk=operator.account.pk).update(parent_code="4321")
    settings.SMARTY_PHONE_GATEWAY = "accounts.sms.PhoneGateway"
    assert tvmw_call("/account/send_parent_code_by_sms/", authkey=authkey)["error"] == 1


# --- account tariffs ------------------------------------------------------------------------------


def test_account_tariff_subscribe_charges_once_for_this_account(tvmw_call, authkey, operator, client):
    premium = f.TariffFactory(client=operator.client, price=Decimal("3.00"), period=30, kind=Tariff.Kind.ADDITIONAL)
    billing.transaction_create(customer=operator.customer, amount="5", comment="top up")
    body = tvmw_call("/account/tariff/subscribe", authkey=authkey, tariff_id=premium.pk)
    assert body == {"error": 0, "payment_info": {"is_awaiting_payment": 0}}
    assert premium in Account.objects.get(pk=operator.account.pk).tariffs.all()
    assert premium not in operator.customer.tariffs.all()
    assert tvmw_call("/account/tariff/subscribe", authkey=authkey, tariff_id=premium.pk)["error"] == 3
    assert Transaction.objects.filter(customer=operator.customer, source="charge").count() == 1
    assert tvmw_call("/account/tariff/subscribe", authkey=authkey)["error"] == 120
    response = client.get(BASE + "/account/tariff/unsubscribe", {"authkey": authkey, "device": "sagemcom"})
    assert etree.fromstring(response.content).findtext("error") == "120"
    assert tvmw_call("/account/tariff/unsubscribe", authkey=authkey, tariff_id=premium.pk) == {"error": 0}
    # The customer's own basic tariff is not the account's to drop.
    assert tvmw_call("/account/tariff/unsubscribe", authkey=authkey, tariff_id=operator.tariff.pk)["error"] == 1


def test_account_export_is_unavailable(tvmw_call, authkey):
    assert tvmw_call("/account/export/", authkey=authkey, service_id="2", login="a", password="b")["error"] == 3
    assert Client().get(BASE + "/account/export/").json()["error"] == 403
