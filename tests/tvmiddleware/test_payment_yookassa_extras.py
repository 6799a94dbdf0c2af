"""YooKassa beyond a single payment, against the local fake of its API: saved cards
(`save_payment_method`, then `payment_method_id` through payment/saved_card/pay), receipts
(payment/cheque) and refunds (billing.payments.payment_refund and the payments admin)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client

from accounts.models import Customer
from billing.gateways import Gateway, GatewayError
from billing.gateways.base import REDIRECT
from billing.models import GatewayAccount, Payment, Refund, SavedCard, Transaction
from billing.payments import RefundInvalidError, payment_refund, refund_refresh
from tests.admin.conftest import grant, make_user
from tests.yookassa_fake import FakeYooKassa

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake():
    server = FakeYooKassa().start()
    yield server
    server.stop()


def _shop(op, fake, **fields) -> GatewayAccount:
    op.client.default_currency = "RUB"
    op.client.save()
    return GatewayAccount.objects.create(
        client=op.client,
        gateway="yookassa",
        shop_id=fake.shop_id,
        secret_key=fake.secret_key,
        api_url=fake.url,
        **fields,
    )


@pytest.fixture
def yookassa(settings, operator, fake):
    settings.BILLING_PAYMENT_GATEWAYS = ["yookassa", "test"]
    return _shop(operator, fake, save_cards=True, vat_code=4)


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


def balance(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def notify(client_id: int, body: bytes) -> int:
    return Client().post(f"/payments/notify/yookassa/{client_id}/", body, content_type="application/json").status_code


def paid_payment(tvmw_call, authkey, operator, fake, amount: str = "100.00") -> Payment:
    created = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount=amount)
    assert created["error"] == 0, created
    fake.succeed(created["payment_id"])
    assert notify(operator.client.pk, fake.notification(created["payment_id"])) == 200
    return Payment.objects.get(pk=created["transaction_id"])


# --- saved cards -----------------------------------------------------------------------------


def test_an_operator_that_saves_cards_asks_yookassa_to_and_keeps_the_token(
    tvmw_call, authkey, operator, yookassa, fake
):
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    assert fake.payments[payment.gateway_ref]["save_payment_method"] is True
    card = SavedCard.objects.get(customer=operator.customer)
    assert (card.gateway, card.token, card.card_mask) == ("yookassa", f"pm-{payment.gateway_ref}", "555555******4444")
    cards = tvmw_call("/payment/saved_card/list/", _post=True, authkey=authkey, merchant_type="yookassa")["cards"]
    assert [c["id"] for c in cards] == [str(card.pk)]


def test_an_operator_that_does_not_save_cards_sends_no_save_request(tvmw_call, authkey, operator, yookassa, fake):
    yookassa.save_cards = False
    yookassa.save()
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    assert "save_payment_method" not in fake.payments[payment.gateway_ref]
    assert not SavedCard.objects.exists()


def test_saved_card_pay_charges_the_token_once_and_credits_the_balance(
    tvmw_call, authkey, operator, yookassa, fake, events
):
    paid_payment(tvmw_call, authkey, operator, fake)
    card = SavedCard.objects.get(customer=operator.customer)
    body = tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, amount="40", card_id=str(card.pk))
    assert body == {"error": 0, "error_message": ""}
    assert balance(operator.customer) == Decimal("140.00")
    charge = Payment.objects.exclude(gateway_ref="").order_by("-id").first()
    assert charge.status == Payment.Status.PAID and charge.amount == Decimal("40.00")
    sent = fake.payments[charge.gateway_ref]
    assert sent["payment_method"]["id"] == card.token and "confirmation" not in sent
    assert sent["amount"] == {"value": "40.00", "currency": "RUB"}
    # the callback about it afterwards credits nothing more
    assert notify(operator.client.pk, fake.notification(charge.gateway_ref)) == 200
    assert balance(operator.customer) == Decimal("140.00")
    assert Transaction.objects.filter(customer=operator.customer, source="payment").count() == 2


def test_a_saved_card_refused_by_the_bank_answers_its_code_and_credits_nothing(
    tvmw_call, authkey, operator, yookassa, fake
):
    paid_payment(tvmw_call, authkey, operator, fake)
    fake.saved_card_outcome = "canceled"
    body = tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, amount="40")
    assert body["error"] == 7  # insufficient funds
    assert balance(operator.customer) == Decimal("100.00")
    assert Payment.objects.order_by("-id").first().status == Payment.Status.FAILED


def test_a_pending_saved_card_payment_is_settled_by_the_callback(tvmw_call, authkey, operator, yookassa, fake):
    paid_payment(tvmw_call, authkey, operator, fake)
    fake.saved_card_outcome = "pending"
    assert tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, amount="5")["error"] == 0
    charge = Payment.objects.order_by("-id").first()
    assert charge.status == Payment.Status.PROCESSING and balance(operator.customer) == Decimal("100.00")
    fake.succeed(charge.gateway_ref)
    assert notify(operator.client.pk, fake.notification(charge.gateway_ref)) == 200
    assert balance(operator.customer) == Decimal("105.00")


def test_another_customers_card_cannot_be_used(tvmw_call, authkey, operator, other_operator, yookassa, fake):
    theirs = SavedCard.objects.create(
        client=other_operator.client, customer=other_operator.customer, gateway="yookassa", token="pm-theirs"
    )
    neighbour = SavedCard.objects.create(
        client=operator.client, customer=operator.customer_without_tariff, gateway="yookassa", token="pm-neighbour"
    )
    for card in (theirs, neighbour):
        body = tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, amount="5", card_id=str(card.pk))
        assert body["error"] == 4
    assert not any(
        p.get("payment_method", {}).get("id") in ("pm-theirs", "pm-neighbour") for p in fake.payments.values()
    )


# --- receipts (payment/cheque) ---------------------------------------------------------------


def test_cheque_has_yookassa_send_the_receipt_of_a_paid_payment(tvmw_call, authkey, operator, yookassa, fake, events):
    payment = paid_payment(tvmw_call, authkey, operator, fake, amount="250.00")
    body = tvmw_call(
        "/payment/cheque/", _post=True, authkey=authkey, transaction_id=payment.pk, email="anna@example.com"
    )
    assert body == {"error": 0, "error_message": ""}
    [receipt] = fake.receipts.values()
    assert receipt["payment_id"] == payment.gateway_ref and receipt["send"] is True
    assert receipt["customer"] == {"email": "anna@example.com"}
    [item] = receipt["items"]
    assert item["amount"] == {"value": "250.00", "currency": "RUB"} and item["vat_code"] == 4
    assert receipt["settlements"] == [{"type": "cashless", "amount": {"value": "250.00", "currency": "RUB"}}]
    assert events.of("PAYMENT_RECEIPT_SENT")


def test_cheque_of_an_unpaid_payment_or_a_bad_email_answers_2(tvmw_call, authkey, operator, yookassa, fake):
    created = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="10")
    tid = created["transaction_id"]
    assert (
        tvmw_call("/payment/cheque/", _post=True, authkey=authkey, transaction_id=tid, email="a@b.example")["error"]
        == 2
    )
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    for email in ("", "not-an-email"):
        body = tvmw_call("/payment/cheque/", _post=True, authkey=authkey, transaction_id=payment.pk, email=email)
        assert body["error"] == 2
    assert fake.receipts == {}


# --- refunds ---------------------------------------------------------------------------------


def test_a_refund_gives_money_back_through_yookassa_and_debits_the_balance_once(
    tvmw_call, authkey, operator, yookassa, fake, events
):
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    refund = payment_refund(payment=payment, amount="30", reason="goodwill")
    assert refund.status == Refund.Status.SUCCEEDED and refund.gateway_ref in fake.refunds
    assert fake.refunds[refund.gateway_ref]["amount"] == {"value": "30.00", "currency": "RUB"}
    assert balance(operator.customer) == Decimal("70.00")
    assert refund.transaction.amount == Decimal("-30.00")
    rest = payment_refund(payment=payment)  # what is left
    assert rest.amount == Decimal("70.00") and balance(operator.customer) == Decimal("0.00")
    with pytest.raises(ValidationError):
        payment_refund(payment=payment, amount="0.01")
    assert len(fake.refunds) == 2
    assert [e["status"] for e in events.of("PAYMENT_REFUND")] == ["succeeded", "succeeded"]


def test_a_refund_canceled_by_yookassa_frees_the_amount(tvmw_call, authkey, operator, yookassa, fake):
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    fake.refund_outcome = "canceled"
    refund = payment_refund(payment=payment)
    assert refund.status == Refund.Status.CANCELED and refund.error_message == "rejected_by_payee"
    assert balance(operator.customer) == Decimal("100.00") and refund.transaction is None
    fake.refund_outcome = "succeeded"
    assert payment_refund(payment=payment).amount == Decimal("100.00")


def test_a_pending_refund_is_settled_when_the_gateway_is_asked_again(tvmw_call, authkey, operator, yookassa, fake):
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    fake.refund_outcome = "pending"
    refund = payment_refund(payment=payment, amount="10")
    assert refund.status == Refund.Status.PENDING and balance(operator.customer) == Decimal("100.00")
    # the pending amount is reserved: at most 90 more can be refunded
    with pytest.raises(ValidationError):
        payment_refund(payment=payment, amount="91")
    fake.refunds[refund.gateway_ref]["status"] = "succeeded"
    assert refund_refresh(refund=refund).status == Refund.Status.SUCCEEDED
    assert refund_refresh(refund=Refund.objects.get(pk=refund.pk)).status == Refund.Status.SUCCEEDED
    assert balance(operator.customer) == Decimal("90.00")


def test_only_paid_payments_of_refunding_gateways_are_refunded(tvmw_call, authkey, operator, yookassa, fake):
    created = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="10")
    with pytest.raises(RefundInvalidError):
        payment_refund(payment=Payment.objects.get(pk=created["transaction_id"]))
    test_paid = Payment.objects.create(
        client=operator.client, customer=operator.customer, gateway="test", amount=Decimal("5"), status="paid"
    )
    with pytest.raises(RefundInvalidError):
        payment_refund(payment=test_paid)
    assert Refund.objects.count() == 0


def test_a_gateway_error_cancels_the_refund(tvmw_call, authkey, operator, yookassa, fake):
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    yookassa.secret_key = "wrong"
    yookassa.save()
    with pytest.raises(GatewayError):
        payment_refund(payment=payment)
    assert Refund.objects.get().status == Refund.Status.CANCELED
    assert balance(operator.customer) == Decimal("100.00")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers; row locks need a server")
@pytest.mark.django_db(transaction=True)
def test_concurrent_refunds_never_give_back_more_than_was_paid(operator, settings, fake):
    settings.BILLING_PAYMENT_GATEWAYS = ["yookassa"]
    _shop(operator, fake)
    payment = Payment.objects.create(
        client=operator.client, customer=operator.customer, gateway="yookassa", amount=Decimal("100")
    )
    fake.payments["p-1"] = {"id": "p-1", "status": "succeeded", "amount": {"value": "100.00", "currency": "RUB"}}
    Payment.objects.filter(pk=payment.pk).update(gateway_ref="p-1", status="paid")
    payment.refresh_from_db()
    outcomes: list[str] = []

    def refund() -> None:
        try:
            outcomes.append(payment_refund(payment=payment, amount="60").status)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "succeeded"]


# --- admin -----------------------------------------------------------------------------------


def test_the_payments_admin_refunds_and_lists_refunds_of_its_operator_only(
    tvmw_call, authkey, operator, other_operator, yookassa, fake, client
):
    payment = paid_payment(tvmw_call, authkey, operator, fake)
    theirs = Payment.objects.create(
        client=other_operator.client, customer=other_operator.customer, gateway="yookassa", amount=Decimal("9")
    )
    staff = make_user("staff1", client=operator.client)
    grant(staff, "*operator*")
    client.force_login(staff)
    response = client.post(
        "/admin/billing/payment/",
        {"action": "refund_payments", "_selected_action": [payment.pk, theirs.pk]},
    )
    assert response.status_code == 302
    assert Refund.objects.filter(payment=payment, status="succeeded").count() == 1
    assert not Refund.objects.filter(payment=theirs).exists()
    assert balance(operator.customer) == Decimal("0.00")
    page = client.get("/admin/billing/refund/")
    assert page.status_code == 200 and str(payment.pk).encode() in page.content
    form = client.get(f"/admin/billing/gatewayaccount/{yookassa.pk}/change/")
    assert b"save_cards" in form.content and b"vat_code" in form.content


class RedirectOnlyGateway(Gateway):
    """A gateway that keeps no cards, makes no refunds and sends no receipts."""

    name = "redirect_only"
    capabilities = frozenset({REDIRECT})


def test_a_gateway_without_saved_cards_refunds_or_receipts_answers_their_codes(tvmw_call, authkey, operator, settings):
    settings.BILLING_PAYMENT_GATEWAYS = [f"{__name__}.RedirectOnlyGateway"]
    body = tvmw_call("/payment/saved_card/list/", _post=True, authkey=authkey, merchant_type="redirect_only")
    assert body["error"] == 3
    paid = Payment.objects.create(
        client=operator.client,
        customer=operator.customer,
        gateway="redirect_only",
        amount=Decimal("5"),
        status="paid",
        gateway_ref="r-1",
    )
    with pytest.raises(RefundInvalidError):
        payment_refund(payment=paid)
    body = tvmw_call("/payment/cheque/", _post=True, authkey=authkey, transaction_id=paid.pk, email="a@b.example")
    assert body["error"] == 2
