"""Customer payments over HTTP through the built-in test gateway."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Customer
from billing import errors
from billing.gateways import Gateway, GatewayError
from billing.models import Payment, SavedCard, Transaction

pytestmark = pytest.mark.django_db

GOOD_CARD = {"card_number": "4111111111111111", "card_holder": "IVAN PETROV", "card_expire": "12/39", "card_cvv": "123"}
CREATE = errors.CustomerPaymentCreate
PROCESS = errors.CustomerPaymentProcess


def new_payment(client, customer, amount="20") -> dict:
    body = client.call("customer/payment/create", {"customer_id": customer.pk, "amount": amount})
    assert body["error"] == 0, body
    return body["payments"]


def test_merchant_url_fills_the_transaction_id(billing_client, operator, settings):
    settings.BILLING_TEST_GATEWAY_MERCHANT_URL = "https://pay.test/?tx=%transaction_id%&ok=%success_url%"
    body = billing_client.call("customer/merchant_url", {"customer_id": operator.customer.pk, "amount": "5"})
    payment = Payment.objects.get()
    assert body == {
        "error": 0,
        "error_message": "",
        "url": f"https://pay.test/?tx={payment.pk}&ok=%success_url%",
        "merchant_name": "Test gateway",
    }


def test_merchant_url_is_empty_when_the_app_uses_its_own_form(billing_client, operator):
    body = billing_client.call("customer/merchant_url", {"customer_id": operator.customer.pk, "amount": "5"})
    assert body["error"] == 0 and body["url"] == ""


def test_merchant_url_answers_its_codes(billing_client, operator, settings):
    cid = operator.customer.pk
    assert billing_client.call("customer/merchant_url", {"customer_id": 999999, "amount": 1})["error"] == 1
    for amount in (None, "0", "-1", "x"):
        assert billing_client.call("customer/merchant_url", {"customer_id": cid, "amount": amount})["error"] == 2
    body = billing_client.call("customer/merchant_url", {"customer_id": cid, "amount": 1, "merchant_type": "paypal"})
    assert body["error"] == errors.CustomerMerchantUrl.MERCHANT_NOT_FOUND
    settings.BILLING_PAYMENT_GATEWAYS = []
    assert billing_client.call("customer/merchant_url", {"customer_id": cid, "amount": 1})["error"] == 723
    settings.BILLING_PAYMENT_GATEWAYS = ["no.such.Gateway"]
    assert billing_client.call("customer/merchant_url", {"customer_id": cid, "amount": 1})["error"] == 723


def test_payment_create_registers_a_payment_with_the_gateway(billing_client, operator):
    payments = new_payment(billing_client, operator.customer)
    payment = Payment.objects.get()
    assert payments == {
        "payment_id": payment.gateway_ref,
        "transaction_id": str(payment.pk),
        "session_id": payment.session_id,
    }
    assert payment.status == "created" and payment.amount == 20 and payment.gateway == "test"
    assert Customer.objects.get(pk=operator.customer.pk).balance == 0


def test_payment_create_answers_its_codes(billing_client, operator, settings):
    cid = operator.customer.pk
    assert billing_client.call("customer/payment/create", {"customer_id": 999999, "amount": 1})["error"] == 100
    assert billing_client.call("customer/payment/create", {"customer_id": cid, "amount": "0"})["error"] == 4
    assert billing_client.call("customer/payment/create", {"customer_id": cid})["error"] == 4
    body = billing_client.call("customer/payment/create", {"customer_id": cid, "amount": 1, "merchant_type": "x"})
    assert body["error"] == CREATE.GATEWAY_CONFIG
    settings.BILLING_PAYMENT_GATEWAYS = []
    assert billing_client.call("customer/payment/create", {"customer_id": cid, "amount": 1})["error"] == 723


def test_payment_process_credits_the_balance_and_saves_the_card(billing_client, operator):
    payments = new_payment(billing_client, operator.customer)
    body = billing_client.call(
        "customer/payment/process",
        {"customer_id": operator.customer.pk, "payment_id": payments["payment_id"], **GOOD_CARD},
    )
    assert body == {"error": 0, "error_message": "", "payments": {"payment_id": payments["payment_id"]}}
    payment = Payment.objects.get()
    assert payment.status == "paid" and payment.transaction.amount == 20 and payment.transaction.source == "payment"
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("20")
    card = SavedCard.objects.get()
    assert card.customer == operator.customer and card.card_mask == "411111******1111"
    again = billing_client.call(
        "customer/payment/process",
        {"customer_id": operator.customer.pk, "payment_id": payments["payment_id"], **GOOD_CARD},
    )
    assert again["error"] == PROCESS.BAD_REQUEST and Transaction.objects.count() == 1


@pytest.mark.parametrize(
    ("card", "code"),
    [
        ({"card_number": "4000000000000002"}, PROCESS.INSUFFICIENT_FUNDS),
        ({"card_number": "4000000000000069"}, PROCESS.ISSUER),
        ({"card_number": "4000000000000119"}, PROCESS.GATEWAY_EXTERNAL),
        ({"card_number": "4100000000000019"}, PROCESS.FRAUD),
        ({"card_number": "4111111111111112"}, PROCESS.BAD_CARD),
        ({"card_expire": "01/20"}, PROCESS.BAD_CARD),
        ({"card_cvv": "12"}, PROCESS.BAD_CARD),
    ],
)
def test_payment_process_answers_the_gateways_code_and_credits_nothing(billing_client, operator, card, code, events):
    payments = new_payment(billing_client, operator.customer)
    body = billing_client.call(
        "customer/payment/process",
        {"customer_id": operator.customer.pk, "payment_id": payments["payment_id"], **GOOD_CARD, **card},
    )
    assert body["error"] == code and body["error_message"]
    payment = Payment.objects.get()
    assert payment.status == "failed" and payment.error_code == code and payment.transaction is None
    assert Customer.objects.get(pk=operator.customer.pk).balance == 0 and not SavedCard.objects.exists()
    assert events.of("NOTIFY_ERROR")[0]["transaction"] == payment.pk


def test_payment_process_answers_4_for_unknown_payments_and_100_for_unknown_customers(
    billing_client, operator, other_operator
):
    payments = new_payment(billing_client, operator.customer)
    process = "customer/payment/process"
    body = billing_client.call(process, {"customer_id": operator.customer.pk, "payment_id": "nope", **GOOD_CARD})
    assert body["error"] == PROCESS.BAD_REQUEST
    body = billing_client.call(process, {"customer_id": operator.customer.pk, "payment_id": payments["payment_id"]})
    assert body["error"] == PROCESS.BAD_REQUEST and "card_number" in body["error_fields"]
    body = billing_client.call(
        process, {"customer_id": other_operator.customer.pk, "payment_id": payments["payment_id"], **GOOD_CARD}
    )
    assert body["error"] == PROCESS.CUSTOMER_NOT_FOUND
    body = billing_client.call(
        process, {"customer_id": operator.customer_without_tariff.pk, "payment_id": payments["payment_id"], **GOOD_CARD}
    )
    assert body["error"] == PROCESS.BAD_REQUEST and Payment.objects.get().status == "created"


def test_saved_card_pay_uses_the_card_of_an_earlier_payment(billing_client, operator):
    payments = new_payment(billing_client, operator.customer, amount="5")
    billing_client.call(
        "customer/payment/process",
        {"customer_id": operator.customer.pk, "payment_id": payments["payment_id"], **GOOD_CARD},
    )
    body = billing_client.call("customer/saved_card/pay", {"abonement": operator.account.abonement, "amount": "7.5"})
    assert body == {"error": 0, "error_message": ""}
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("12.50")
    assert Payment.objects.filter(account=operator.account, status="paid").count() == 1


def test_saved_card_pay_answers_its_codes(billing_client, operator):
    pay = "customer/saved_card/pay"
    assert billing_client.call(pay, {"abonement": "999", "amount": 1})["error"] == 1
    assert billing_client.call(pay, {"amount": 1})["error"] == 1
    body = billing_client.call(pay, {"abonement": operator.account.abonement, "amount": 1})
    assert body["error"] == errors.CustomerSavedCardPay.INVALID and "abonement" in body["error_fields"]
    SavedCard.objects.create(client=operator.client, customer=operator.customer, gateway="test", token="tok_1")
    assert billing_client.call(pay, {"abonement": operator.account.abonement, "amount": "-1"})["error"] == 2
    SavedCard.objects.create(client=operator.client, customer=operator.customer, gateway="test", token="broken")
    assert billing_client.call(pay, {"abonement": operator.account.abonement, "amount": 1})["error"] == 3
    assert Customer.objects.get(pk=operator.customer.pk).balance == 0


def test_expiry_formats_the_test_gateway_reads():
    from billing.gateways.test import parse_expiry

    assert parse_expiry("12/39") == (12, 2039) and parse_expiry("1239") == (12, 2039)
    assert parse_expiry("12/2039") == (12, 2039) and parse_expiry("13/39") is None and parse_expiry("x") is None
    assert dt.date.today().year < 2039


class ScriptedGateway(Gateway):
    """A gateway that fails every operation with the code the test sets."""

    name = "scripted"
    title = "Scripted"
    code = 2

    def merchant_url(self, payment):
        raise GatewayError(self.code, "merchant page unavailable")

    def create_payment(self, payment):
        raise GatewayError(self.code, f"scripted failure {self.code}")


GATEWAY_CODES = [c for c in sorted(set(errors.codes(CREATE).values())) if 2 <= c <= 14]


@pytest.mark.parametrize("code", GATEWAY_CODES)
def test_payment_create_answers_every_gateway_code_a_gateway_raises(billing_client, operator, settings, code):
    settings.BILLING_PAYMENT_GATEWAYS = ["tests.billing.test_payments.ScriptedGateway"]
    ScriptedGateway.code = code
    body = billing_client.call("customer/payment/create", {"customer_id": operator.customer.pk, "amount": 1})
    assert body["error"] == code and body["error_message"] == f"scripted failure {code}"
    assert not Payment.objects.exists()


def test_a_gateway_code_outside_the_reference_answers_1_and_a_merchant_page_failure_4(
    billing_client, operator, settings
):
    settings.BILLING_PAYMENT_GATEWAYS = ["tests.billing.test_payments.ScriptedGateway"]
    ScriptedGateway.code = 99
    body = billing_client.call("customer/payment/create", {"customer_id": operator.customer.pk, "amount": 1})
    assert body["error"] == CREATE.UNKNOWN
    body = billing_client.call("customer/merchant_url", {"customer_id": operator.customer.pk, "amount": 1})
    assert body["error"] == errors.CustomerMerchantUrl.URL_FAILED
