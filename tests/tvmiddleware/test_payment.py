"""Payment group (reference tvmw/Payment.md) over HTTP with the real YooKassa gateway talking
to a local fake of its API (tests/yookassa_fake.py), the built-in test gateway, callbacks
(verified by fetching the payment back, idempotent by the gateway's payment id), and the full
self-service flow from registration to unsubscribing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from lxml import etree

from accounts.models import Customer
from billing.models import GatewayAccount, Payment, PaymentEvent, SavedCard, Transaction
from selfservice.models import LegalDocument
from selfservice.services import legal_document_version_create
from tariffs.models import Tariff
from tests import factories as f
from tests.yookassa_fake import FakeYooKassa

BASE = "/tvmiddleware/api"


@pytest.fixture
def fake():
    server = FakeYooKassa().start()
    yield server
    server.stop()


@pytest.fixture
def yookassa(settings, operator, fake):
    settings.BILLING_PAYMENT_GATEWAYS = ["yookassa", "test"]
    operator.client.default_currency = "RUB"
    operator.client.save()
    return GatewayAccount.objects.create(
        client=operator.client, gateway="yookassa", shop_id=fake.shop_id, secret_key=fake.secret_key, api_url=fake.url
    )


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


def balance(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def notify(client_id: int, body: bytes, gateway: str = "yookassa") -> int:
    return Client().post(f"/payments/notify/{gateway}/{client_id}/", body, content_type="application/json").status_code


def test_create_registers_a_redirect_payment_with_yookassa(tvmw_call, authkey, operator, yookassa, fake):
    body = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="150.00", return_url="https://app/back")
    assert body["error"] == 0 and body["form_data"] == {}
    payment = Payment.objects.get(pk=body["transaction_id"])
    assert body["payment_id"] == payment.gateway_ref and body["payment_id"] in fake.payments
    assert body["redirect_url"].endswith(payment.gateway_ref) and body["session_id"] == payment.session_id
    sent = fake.payments[payment.gateway_ref]
    assert sent["amount"] == {"value": "150.00", "currency": "RUB"}
    assert sent["confirmation"]["return_url"] == "https://app/back"
    assert payment.status == Payment.Status.PROCESSING
    assert list(PaymentEvent.objects.filter(payment=payment).values_list("from_status", "to_status")) == [
        ("created", "processing")
    ]


def test_callback_twice_credits_once_and_complete_reports_it(tvmw_call, authkey, operator, yookassa, fake, events):
    body = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="99.90")
    pid, tid = body["payment_id"], body["transaction_id"]
    assert tvmw_call("/payment/complete/", _post=True, authkey=authkey, transaction_id=tid)["status"] == 0
    fake.succeed(pid, save_card=True)
    assert notify(operator.client.pk, fake.notification(pid)) == 200
    assert notify(operator.client.pk, fake.notification(pid)) == 200
    assert balance(operator.customer) == Decimal("99.90")
    assert Transaction.objects.filter(customer=operator.customer, source="payment").count() == 1
    assert SavedCard.objects.get(customer=operator.customer).card_mask == "555555******4444"
    done = tvmw_call("/payment/complete/", _post=True, authkey=authkey, transaction_id=tid)
    assert done["error"] == 3 and done["status"] == 1
    assert [e["to_status"] for e in events.of("PAYMENT_STATE_CHANGED")] == ["processing", "paid"]


def test_a_forged_callback_body_moves_no_money(tvmw_call, authkey, operator, yookassa, fake):
    pid = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="10")["payment_id"]
    forged = dict(fake.payments[pid], status="succeeded", paid=True)
    import json

    body = json.dumps({"type": "notification", "event": "payment.succeeded", "object": forged}).encode()
    assert notify(operator.client.pk, body) == 200
    assert balance(operator.customer) == 0
    assert Payment.objects.get(gateway_ref=pid).status == Payment.Status.PROCESSING
    # Garbage, unknown payments and other operators' paths are ignored.
    assert notify(operator.client.pk, b"not json") == 200
    assert (
        notify(operator.client.pk, b'{"type": "notification", "event": "payment.succeeded", "object": {"id": "x"}}')
        == 200
    )
    assert notify(operator.client.pk + 1000, fake.notification(pid)) == 200
    assert notify(operator.client.pk, b"{}", gateway="nope") == 404
    assert Client().get(f"/payments/notify/yookassa/{operator.client.pk}/").status_code == 405


def test_a_different_amount_from_the_gateway_is_refused(tvmw_call, authkey, operator, yookassa, fake):
    pid = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="10")["payment_id"]
    fake.succeed(pid)
    fake.payments[pid]["amount"]["value"] = "1000.00"
    assert notify(operator.client.pk, fake.notification(pid)) == 502
    assert balance(operator.customer) == 0


def test_two_stage_payment_is_captured_and_a_canceled_one_fails(tvmw_call, authkey, operator, yookassa, fake):
    first = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="5")
    fake.succeed(first["payment_id"], two_stage=True)
    assert notify(operator.client.pk, fake.notification(first["payment_id"], "payment.waiting_for_capture")) == 200
    assert fake.payments[first["payment_id"]]["status"] == "succeeded"
    assert balance(operator.customer) == Decimal("5.00")
    second = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="5")
    fake.cancel(second["payment_id"])
    assert tvmw_call("/payment/complete/", _post=True, authkey=authkey, transaction_id=second["transaction_id"]) == {
        "error": 0,
        "status": 2,
    }
    failed = Payment.objects.get(pk=second["transaction_id"])
    assert failed.status == Payment.Status.FAILED and failed.error_code == 7
    assert balance(operator.customer) == Decimal("5.00")


def test_gateway_errors_become_payment_codes(tvmw_call, authkey, operator, yookassa, fake):
    yookassa.secret_key = "wrong"
    yookassa.save()
    assert tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="5")["error"] == 9
    yookassa.api_url = "http://127.0.0.1:9/v3"
    yookassa.save()
    assert tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="5")["error"] == 3
    yookassa.delete()
    assert tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="5")["error"] == 2
    assert tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="-1")["error"] == 4
    assert tvmw_call("/payment/create/", _post=True, authkey=authkey)["error"] == 4
    assert tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="5", merchant_type="w1")["error"] == 4
    assert tvmw_call("/payment/create/", authkey=authkey, amount="5")["error"] == 4  # POST only
    assert Client().post(BASE + "/payment/create/", {"amount": "5"}).json()["error"] == 403


def test_merchant_url_and_qrcode(tvmw_call, authkey, operator, yookassa, fake, client):
    body = tvmw_call("/payment/merchant_url/", _post=True, authkey=authkey, amount="20")
    assert body["error"] == 0 and body["merchant_name"] == "YooKassa" and body["url"].startswith("https://yoomoney")
    no_cards_yet = tvmw_call("/payment/saved_card/list/", _post=True, authkey=authkey, merchant_type="yookassa")
    assert no_cards_yet == {"error": 0, "cards": []}
    test_form = tvmw_call("/payment/merchant_url/", _post=True, authkey=authkey, amount="20", merchant_type="test")
    assert test_form == {"error": 0, "error_message": "", "url": "", "merchant_name": "Test gateway"}
    assert tvmw_call("/payment/merchant_url/", _post=True, authkey=authkey, amount="x")["error"] == 1
    assert (
        tvmw_call("/payment/merchant_url/", _post=True, authkey=authkey, amount="1", merchant_type="zz")["error"] == 2
    )
    qr = tvmw_call("/payment/qrcode/", authkey=authkey, amount="30")
    assert qr["error"] == 0 and qr["direct_url"].startswith("https://qr.example/pay/")
    assert Payment.objects.get(pk=qr["transaction_id"]).amount == Decimal("30.00")
    image = client.get(qr["saved_qrcode_url"])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
    assert client.get(qr["saved_qrcode_url"] + "&format=svg")["Content-Type"] == "image/svg+xml"
    assert client.get(BASE + "/noauth/payment/qrcode/image/", {"token": "forged"}).json()["error"] == 404
    assert tvmw_call("/payment/qrcode/", authkey=authkey, amount="30", merchant_type="test")["error"] == 13
    xml = client.get(BASE + "/payment/qrcode/", {"authkey": authkey, "amount": "3", "device": "sagemcom"})
    assert etree.fromstring(xml.content).findtext("error") == "0"


def test_card_form_with_the_test_gateway_and_saved_cards(tvmw_call, authkey, operator):
    created = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="12", merchant_type="test")
    assert created["error"] == 0 and created["redirect_url"] == "" and created["session_id"]
    card = {"card_holder": "A B", "card_expire": "12/39", "card_cvv": "123"}
    declined = tvmw_call(
        "/payment/process/",
        _post=True,
        authkey=authkey,
        payment_id=created["payment_id"],
        card_number="4000000000000002",
        **card,
    )
    assert declined["error"] == 7
    again = tvmw_call("/payment/create/", _post=True, authkey=authkey, amount="12", merchant_type="test")
    paid = tvmw_call(
        "/payment/process/",
        _post=True,
        authkey=authkey,
        payment_id=again["payment_id"],
        card_number="4242424242424242",
        **card,
    )
    assert paid == {"error": 0, "error_message": "", "payment_id": again["payment_id"], "form_data": {}}
    assert balance(operator.customer) == Decimal("12.00")
    assert (
        tvmw_call(
            "/payment/process/", _post=True, authkey=authkey, payment_id="nope", card_number="4242424242424242", **card
        )["error"]
        == 4
    )
    cards = tvmw_call("/payment/saved_card/list/", _post=True, authkey=authkey)["cards"]
    assert len(cards) == 1 and cards[0]["number"].endswith("4242")
    assert (
        tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, amount="3", card_id=cards[0]["id"])["error"]
        == 0
    )
    assert balance(operator.customer) == Decimal("15.00")
    assert tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, card_id=cards[0]["id"])["error"] == 4
    assert tvmw_call("/payment/saved_card/delete/", _post=True, authkey=authkey, card_id="x")["error"] == 1
    assert tvmw_call("/payment/saved_card/delete/", _post=True, authkey=authkey, card_id="999999")["error"] == 4
    assert tvmw_call("/payment/saved_card/delete/", _post=True, authkey=authkey, card_id=cards[0]["id"])["error"] == 0
    assert tvmw_call("/payment/saved_card/list/", _post=True, authkey=authkey)["cards"] == []
    assert tvmw_call("/payment/saved_card/list/", _post=True, authkey=authkey, merchant_type="zz")["error"] == 2
    assert tvmw_call("/payment/saved_card/pay/", _post=True, authkey=authkey, amount="3")["error"] == 4


def test_payment_list_and_other_customers_payments(tvmw_call, authkey, operator, other_operator):
    from billing.services import transaction_create

    transaction_create(customer=operator.customer, amount="7", comment="cash")
    transaction_create(customer=other_operator.customer, amount="8", comment="foreign")
    body = tvmw_call("/payment/list/", authkey=authkey)
    assert [(p["comment"], p["amount"]) for p in body["payments"]] == [("cash", 7.0)]
    assert tvmw_call("/payment/list/", authkey=authkey, limit=101)["error"] == 1
    assert tvmw_call("/payment/list/", authkey=authkey, page=2)["payments"] == []
    foreign = Payment.objects.create(
        client=other_operator.client, customer=other_operator.customer, amount=Decimal("1"), gateway="test"
    )
    neighbour = Payment.objects.create(
        client=operator.client, customer=operator.customer_without_tariff, amount=Decimal("1"), gateway="test"
    )
    for pk in (foreign.pk, neighbour.pk):
        assert tvmw_call("/payment/complete/", _post=True, authkey=authkey, transaction_id=pk)["error"] == 1
        assert (
            tvmw_call("/payment/cheque/", _post=True, authkey=authkey, transaction_id=pk, email="a@b.c")["error"] == 1
        )
        assert tvmw_call("/payment/pares/process/", _post=True, authkey=authkey, transaction_id=pk)["error"] == 1
    own = Payment.objects.create(
        client=operator.client, customer=operator.customer, amount=Decimal("1"), gateway="test"
    )
    assert (
        tvmw_call("/payment/cheque/", _post=True, authkey=authkey, transaction_id=own.pk, email="a@b.c")["error"] == 2
    )
    assert tvmw_call("/payment/pares/process/", _post=True, authkey=authkey, transaction_id=own.pk)["error"] == 2
    assert tvmw_call("/payment/preauth/", _post=True, authkey=authkey, transaction_id=own.pk)["error"] == 13


# --- the whole self-service flow ----------------------------------------------------------------


def test_full_flow_register_accept_top_up_subscribe_watch_unsubscribe_and_qr_login(
    tvmw_call, operator, other_operator, yookassa, fake
):
    keys = {"client_id": operator.client.pk, "api_key": operator.client.api_key}
    Tariff.objects.filter(pk=operator.tariff.pk).update(assigned_by_default=True)
    sports = f.TariffFactory(
        client=operator.client, name="Sports", price=Decimal("49.00"), period=30, kind=Tariff.Kind.ADDITIONAL
    )
    match = f.ChannelFactory(client=operator.client, category=operator.category, name="Match TV")
    match.tariffs.add(sports)
    terms = LegalDocument.objects.create(client=operator.client, name="Terms")
    legal_document_version_create(document=terms, version="1", html_content="<p>terms</p>")

    box = Client()

    def call(path, post=False, **params):
        if post:
            return box.post(BASE + path, params).json()
        return box.get(BASE + path, params).json()

    # A device registers an account and logs in.
    reg = call("/account/register/", device_uid="stb-1", device="android", password="pw12345", **keys)
    assert reg["error"] == 0
    login = call(
        "/login/", abonement=str(reg["abonement"]), password="pw12345", device="android", device_uid="stb-1", **keys
    )
    authkey = login["authkey"]
    # It accepts the legal document.
    assert call("/legal/document/accept/", id=terms.pk, authkey=authkey, **keys)["error"] == 0
    assert call("/legal/document/list/", authkey=authkey, **keys)["documents"][0]["is_accepted"] == 1
    # It tops up through YooKassa; the gateway calls back twice, the balance is credited once.
    created = call("/payment/create/", post=True, authkey=authkey, amount="60.00")
    assert created["error"] == 0
    fake.succeed(created["payment_id"])
    body = fake.notification(created["payment_id"])
    assert notify(operator.client.pk, body) == 200 and notify(operator.client.pk, body) == 200
    assert call("/customer/balance/", authkey=authkey)["balance"] == "60.00"
    # It subscribes to the package and sees the channel.
    channels = lambda: {c["name"] for c in call("/channel/list/", authkey=authkey)["channels"]}  # noqa: E731
    assert "Match TV" not in channels()
    assert call("/customer/tariff/subscribe/", authkey=authkey, tariff_id=sports.pk)["error"] == 0
    assert call("/customer/balance/", authkey=authkey)["balance"] == "11.00"
    assert "Match TV" in channels()
    # A TV logs in with a QR code confirmed from the box.
    tv = Client()
    qr = tv.get(BASE + "/noauth/qr/login/generate/", {"device": "android", "device_uid": "tv-1", **keys}).json()
    assert call("/qr/login/sync/", post=True, authkey=authkey, login_code=qr["login_code"])["error"] == 0
    tv_login = tv.get(BASE + "/login/", {"device": "android", "device_uid": "tv-1", **keys}).json()
    assert tv_login["error"] == 0
    assert "Match TV" in {
        c["name"] for c in tv.get(BASE + "/channel/list/", {"authkey": tv_login["authkey"]}).json()["channels"]
    }
    # It unsubscribes: the channel is gone, nothing more is charged.
    assert call("/customer/tariff/unsubscribe/", authkey=authkey, tariff_id=sports.pk)["error"] == 0
    assert "Match TV" not in channels()
    assert call("/customer/balance/", authkey=authkey)["balance"] == "11.00"
    # The other operator saw none of it.
    assert not Payment.objects.filter(client=other_operator.client).exists()
    assert Customer.objects.get(pk=other_operator.customer.pk).balance == 0
