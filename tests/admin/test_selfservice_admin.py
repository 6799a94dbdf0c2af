"""Admin of the self-service models: gateway secrets are write-only, payments show their
state changes, legal documents count acceptances of the current version, QR logins are
read-only; a staff member sees only their operator's rows."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from billing.models import GatewayAccount, Payment, PaymentEvent
from selfservice.models import LegalAcceptance, LegalDocument, QrLogin
from selfservice.services import legal_document_version_create
from tests.admin.conftest import form_data, login


def test_a_gateway_secret_is_never_shown_and_kept_when_left_empty(staff, operator, other_operator):
    mine = GatewayAccount.objects.create(
        client=operator.client, gateway="yookassa", shop_id="s1", secret_key="TOPSECRET"
    )
    theirs = GatewayAccount.objects.create(
        client=other_operator.client, gateway="yookassa", shop_id="s2", secret_key="X"
    )
    http = login(staff)
    url = reverse("admin:billing_gatewayaccount_change", args=[mine.pk])
    page = http.get(url)
    assert page.status_code == 200 and b"TOPSECRET" not in page.content
    data = form_data(http, url, shop_id="s1b")
    data["secret_key"] = ""
    assert http.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert (mine.shop_id, mine.secret_key) == ("s1b", "TOPSECRET")
    data = form_data(http, url, secret_key="NEWKEY")
    assert http.post(url, data).status_code == 302
    mine.refresh_from_db()
    assert mine.secret_key == "NEWKEY"
    assert http.get(reverse("admin:billing_gatewayaccount_change", args=[theirs.pk])).status_code in (302, 404)


def test_payment_page_lists_its_state_changes(staff, operator):
    payment = Payment.objects.create(client=operator.client, customer=operator.customer, amount=Decimal("5"))
    PaymentEvent.objects.create(payment=payment, from_status="created", to_status="processing", reason="registered")
    page = login(staff).get(reverse("admin:billing_payment_change", args=[payment.pk]))
    assert page.status_code == 200 and b"registered" in page.content


def test_legal_documents_show_the_current_version_and_its_acceptances(staff, operator):
    doc = LegalDocument.objects.create(client=operator.client, name="Terms")
    old = legal_document_version_create(document=doc, version="1", html_content="a")
    LegalAcceptance.objects.create(client=operator.client, version=old, account=operator.account)
    new = legal_document_version_create(document=doc, version="2", html_content="b")
    LegalAcceptance.objects.create(client=operator.client, version=new, device_uid="tv")
    LegalAcceptance.objects.create(client=operator.client, version=new, account=operator.account)
    page = login(staff).get(reverse("admin:selfservice_legaldocument_changelist"))
    row = page.context["cl"].result_list[0]
    admin = page.context["cl"].model_admin
    assert admin.current_version(row) == "2" and admin.current_acceptances(row) == 2


def test_qr_logins_are_read_only_and_show_no_code(staff, operator):
    from django.utils import timezone

    qr = QrLogin.objects.create(
        client=operator.client, token="tok", login_code="654321", device_uid="tv", expires_at=timezone.now()
    )
    http = login(staff)
    assert http.get(reverse("admin:selfservice_qrlogin_changelist") + "?state=expired").status_code == 200
    page = http.get(reverse("admin:selfservice_qrlogin_change", args=[qr.pk]))
    assert page.status_code == 200 and b"654321" not in page.content
    assert http.get(reverse("admin:selfservice_qrlogin_add")).status_code == 403
