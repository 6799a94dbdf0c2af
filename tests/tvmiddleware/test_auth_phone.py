"""Phone-number login (`try_login_by_phone`, codes 17-26) and /login/customer_list/ through
the logging phone gateway, whose PHONE_CODE_SENT log line carries the code."""

from __future__ import annotations

import pytest

from accounts.models import Customer
from accounts.services.phone import phone_call_confirm
from accounts.sms import GatewayError, LoggingPhoneGateway
from tests import factories as f

PHONE = "+7 (900) 123-45-67"
DIGITS = "79001234567"


class FailingGateway(LoggingPhoneGateway):
    def send_code(self, *, client, phone, code):
        raise GatewayError("provider down")


@pytest.fixture
def phone_customer(operator):
    Customer.objects.filter(pk=operator.customer.pk).update(mobile_phone_number=PHONE, ext_id="ext-1")
    return operator.customer


@pytest.fixture
def phone_login(tvmw_call, operator):
    def do(code=None, phone=DIGITS, op=None, **extra):
        op = op or operator
        return tvmw_call(
            "/login/",
            client_id=op.client.pk,
            api_key=op.client.api_key,
            phone_number=phone,
            try_login_by_phone=1,
            validation_code=code,
            **{"device_uid": "phone-device", **extra},
        )

    return do


def sent_code(events) -> str:
    return events.of("PHONE_CODE_SENT")[-1]["code"]


def test_sms_login_sends_a_code_waits_rejects_a_wrong_one_and_accepts_the_right_one(
    phone_customer, phone_login, events, operator
):
    body = phone_login()
    assert body["error"] == 17
    code = sent_code(events)
    assert len(code) == 4 and events.of("PHONE_CODE_SENT")[-1]["phone"] == DIGITS
    assert phone_login()["error"] == 21  # a code is on its way: nothing is sent again
    assert len(events.of("PHONE_CODE_SENT")) == 1
    wrong = "0000" if code != "0000" else "1111"
    assert phone_login(wrong)["error"] == 18
    body = phone_login(code)
    assert body["error"] == 0 and body["account_id"] == operator.account.pk
    assert events.of("LOGIN_SUCCESS")[-1]["login_method"] == "phone"
    assert events.of("LOGIN_SUCCESS")[-1]["params"]["validation_code"] == "***"
    # A code works once (another device: this one now logs in by its UID).
    assert phone_login(code, device_uid="second-device")["error"] == 18


def test_an_invalid_phone_number_is_error_26(phone_login, phone_customer):
    assert phone_login(phone="call me")["error"] == 26
    assert phone_login(phone="12")["error"] == 26


def test_an_unknown_phone_number_is_error_1(phone_login, phone_customer, events):
    assert phone_login(phone="+1 555 000 0000")["error"] == 1
    assert not events.of("PHONE_CODE_SENT")


def test_phone_login_is_only_tried_when_asked(tvmw_call, operator, phone_customer):
    body = tvmw_call("/login/", client_id=operator.client.pk, api_key="api-key-1", phone_number=DIGITS)
    assert body["error"] == 1


def test_codes_requested_too_often_are_error_25(phone_login, phone_customer, settings):
    settings.SMARTY_PHONE_CODE_RESEND_INTERVAL = 0
    settings.SMARTY_PHONE_CODES_PER_HOUR = 2
    assert phone_login()["error"] == 17
    assert phone_login()["error"] == 17
    assert phone_login()["error"] == 25


def test_too_many_wrong_codes_burn_the_code(phone_login, phone_customer, events, settings):
    settings.SMARTY_PHONE_CODE_MAX_TRIES = 2
    phone_login()
    code = sent_code(events)
    wrong = "0000" if code != "0000" else "1111"
    assert phone_login(wrong)["error"] == 18
    assert phone_login(wrong)["error"] == 18
    assert phone_login(code)["error"] == 18


def test_a_gateway_failure_is_error_7(phone_login, phone_customer, settings):
    settings.SMARTY_PHONE_GATEWAY = f"{__name__}.FailingGateway"
    assert phone_login()["error"] == 7


def test_flash_call_login_uses_codes_22_24_23(phone_login, phone_customer, events, settings):
    settings.SMARTY_PHONE_VERIFICATION_METHOD = "flash_call"
    assert phone_login()["error"] == 22
    code = sent_code(events)
    assert events.of("PHONE_CODE_SENT")[-1]["method"] == "flash_call"
    assert phone_login()["error"] == 24
    assert phone_login("0000" if code != "0000" else "1111")["error"] == 23
    assert phone_login(code)["error"] == 0


def test_call_confirmation_login_uses_codes_19_and_20(phone_login, phone_customer, settings, operator):
    settings.SMARTY_PHONE_VERIFICATION_METHOD = "call"
    settings.SMARTY_PHONE_CONFIRMATION_NUMBER = "+78005550000"
    body = phone_login()
    assert body["error"] == 19 and body["confirmation_phone"] == "+78005550000"
    assert phone_login()["error"] == 20
    assert phone_call_confirm(client=operator.client, phone=DIGITS)
    assert phone_login()["error"] == 0


def test_wrong_codes_count_against_the_login_throttle(phone_login, phone_customer, events, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 2
    phone_login()
    code = sent_code(events)
    wrong = "0000" if code != "0000" else "1111"
    phone_login(wrong)
    phone_login(wrong)
    assert phone_login(code)["error"] == 28


def test_a_phone_of_another_operators_customer_is_unknown_here(phone_login, operator, other_operator, events):
    Customer.objects.filter(pk=other_operator.customer.pk).update(mobile_phone_number=PHONE)
    assert phone_login()["error"] == 1
    assert phone_login(op=other_operator)["error"] == 17
    # A code sent for the other operator does not log in here.
    Customer.objects.filter(pk=operator.customer.pk).update(mobile_phone_number=PHONE)
    assert phone_login(sent_code(events))["error"] == 18


# --- /login/customer_list/ ----------------------------------------------------------------------


@pytest.fixture
def customer_list(tvmw_call, operator):
    def do(code=None, phone=DIGITS, **extra):
        params = {"client_id": operator.client.pk, "api_key": operator.client.api_key, "phone_number": phone}
        params.update(extra)
        return tvmw_call("/login/customer_list/", validation_code=code, **params)

    return do


def test_customer_list_verifies_the_phone_then_lists_the_accounts(customer_list, phone_customer, events, operator):
    assert customer_list()["error"] == 3
    assert customer_list()["error"] == 5
    code = sent_code(events)
    assert customer_list("0000" if code != "0000" else "1111")["error"] == 4
    body = customer_list(code)
    assert body["error"] == 0
    abonements = {c["abonement"] for c in body["customers"]}
    assert abonements == {int(operator.account.abonement), int(operator.inactive_account.abonement)}
    assert {c["ext_id"] for c in body["customers"]} == {"ext-1"}


def test_customer_list_with_two_customers_is_error_2_with_the_list(customer_list, phone_customer, events, operator):
    other = f.CustomerFactory(client=operator.client, mobile_phone_number=DIGITS, ext_id="ext-2")
    f.AccountFactory(customer=other, abonement="100077")
    customer_list()
    body = customer_list(sent_code(events))
    assert body["error"] == 2
    assert 100077 in {c["abonement"] for c in body["customers"]}


def test_customer_list_error_codes(customer_list, phone_customer, tvmw_call, operator, settings):
    assert customer_list(phone="+44 20 0000 0000")["error"] == 1
    assert customer_list(phone="not a phone")["error"] == 8
    body = tvmw_call("/login/customer_list/", client_id=operator.client.pk, api_key="api-key-1")
    assert body["error"] == 8 and "phone_number" in body["error_fields"]
    assert customer_list(api_key="wrong")["error"] == 403
    settings.SMARTY_PHONE_CODE_RESEND_INTERVAL = 0
    settings.SMARTY_PHONE_CODES_PER_HOUR = 1
    assert customer_list()["error"] == 3
    assert customer_list()["error"] == 6


def test_customer_list_gateway_failure_is_error_7(customer_list, phone_customer, settings):
    settings.SMARTY_PHONE_GATEWAY = f"{__name__}.FailingGateway"
    assert customer_list()["error"] == 7


def test_customer_list_never_shows_another_operators_customers(customer_list, operator, other_operator, events):
    Customer.objects.filter(pk=other_operator.customer.pk).update(mobile_phone_number=PHONE)
    assert customer_list()["error"] == 1
    assert not events.of("PHONE_CODE_SENT")


def test_guessing_customer_list_codes_is_throttled(customer_list, phone_customer, events, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 2
    customer_list()
    code = sent_code(events)
    wrong = "0000" if code != "0000" else "1111"
    assert customer_list(wrong)["error"] == 4
    assert customer_list(wrong)["error"] == 4
    assert customer_list(code)["error"] == 6
