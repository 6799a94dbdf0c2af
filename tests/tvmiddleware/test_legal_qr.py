"""LegalDocument (tvmw/LegalDocument.md) and Login QR (tvmw/Login.md) over HTTP: every error
code, JSON and XML, the second operator's documents and codes never reachable."""

from __future__ import annotations

import pytest
from django.test import Client
from lxml import etree

from accounts.models import Account, AccountDevice, Session
from selfservice.models import LegalAcceptance, LegalDocument, QrLogin
from selfservice.services import legal_document_version_create
from tests import factories as f

BASE = "/tvmiddleware/api"


def keys(op) -> dict:
    return {"client_id": op.client.pk, "api_key": op.client.api_key}


def document(op, name="Terms", version="1.0", **extra) -> LegalDocument:
    doc = LegalDocument.objects.create(client=op.client, name=name, **extra)
    legal_document_version_create(document=doc, version=version, html_content=f"<p>{name} {version}</p>")
    return doc


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


def test_documents_are_listed_with_their_current_version(tvmw_call, operator, other_operator, client):
    terms = document(operator, document_type=1)
    document(operator, name="Payment rules", document_type=3, need_acceptance=False)
    LegalDocument.objects.create(client=operator.client, name="Draft without a version")
    document(other_operator, name="Foreign")
    legal_document_version_create(document=terms, version="1.1", html_content="<p>new</p>")
    for path in ("/legal/document/list/", "/noauth/legal/document/list/"):
        body = tvmw_call(path, **keys(operator))
        assert body["error"] == 0
        assert body["documents"] == [
            {
                "id": terms.pk,
                "name": "Terms",
                "version": "1.1",
                "need_acceptance": 1,
                "is_accepted": 0,
                "document_type": 1,
            },
            {
                "id": terms.pk + 1,
                "name": "Payment rules",
                "version": "1.0",
                "need_acceptance": 0,
                "is_accepted": 0,
                "document_type": 3,
            },
        ]
        assert [d["name"] for d in tvmw_call(path, document_type=3, **keys(operator))["documents"]] == ["Payment rules"]
        assert tvmw_call(path, document_type=7, **keys(operator))["error"] == 1
        assert tvmw_call(path, tariff_id=999999, **keys(operator))["error"] == 2
        assert tvmw_call(path, tariff_id=other_operator.tariff.pk, **keys(operator))["error"] == 2
        assert tvmw_call(path, client_id=operator.client.pk, api_key="wrong")["error"] == 403
    response = client.get(BASE + "/noauth/legal/document/list/", {"device": "sagemcom", **keys(operator)})
    assert [n.findtext("name") for n in etree.fromstring(response.content).iter("item")] == ["Terms", "Payment rules"]


def test_tariff_documents_follow_the_tariff(tvmw_call, operator):
    doc = document(operator, name="Premium terms", document_type=4)
    premium = f.TariffFactory(client=operator.client)
    doc.tariffs.add(premium)

    def names(tid: int) -> list[str]:
        docs = tvmw_call("/legal/document/list/", tariff_id=tid, **keys(operator))["documents"]
        return [d["name"] for d in docs]

    assert names(premium.pk) == ["Premium terms"]
    assert names(operator.tariff.pk) == []


def test_detail_and_acceptance_by_device_then_by_account(tvmw_call, authkey, operator, other_operator):
    doc = document(operator)
    foreign = document(other_operator, name="Foreign")
    detail = tvmw_call("/noauth/legal/document/detail/", id=doc.pk, device_uid="tv-9", **keys(operator))
    assert detail == {
        "error": 0,
        "error_message": "",
        "id": doc.pk,
        "name": "Terms",
        "version": "1.0",
        "need_acceptance": 1,
        "is_accepted": 0,
        "html_content": "<p>Terms 1.0</p>",
    }
    assert tvmw_call("/legal/document/detail/", id=foreign.pk, **keys(operator))["error"] == 1
    assert tvmw_call("/legal/document/detail/", **keys(operator))["error"] == 1
    accept = {"id": doc.pk, **keys(operator)}
    assert Client().get(BASE + "/legal/document/accept/", accept).json()["error"] == 3
    # A device not logged in (no authkey cookie) accepts by its device_uid.
    device = Client()
    assert device.get(BASE + "/legal/document/accept/", {"device_uid": "tv-9", **accept}).json() == {
        "error": 0,
        "error_message": "",
    }
    assert device.get(BASE + "/legal/document/accept/", {"device_uid": "tv-9", **accept}).json()["error"] == 2
    seen = device.get(BASE + "/legal/document/detail/", {"id": doc.pk, "device_uid": "tv-9", **keys(operator)}).json()
    assert seen["is_accepted"] == 1
    assert tvmw_call("/legal/document/detail/", id=doc.pk, authkey=authkey, **keys(operator))["is_accepted"] == 0
    assert tvmw_call("/legal/document/accept/", authkey=authkey, device_model="X1", **accept)["error"] == 0
    assert tvmw_call("/legal/document/accept/", authkey=authkey, **accept)["error"] == 2
    assert tvmw_call("/legal/document/detail/", id=doc.pk, authkey=authkey, **keys(operator))["is_accepted"] == 1
    assert tvmw_call("/legal/document/accept/", id=foreign.pk, authkey=authkey, **keys(operator))["error"] == 1
    # Another account of the operator accepts the same version independently.
    other_key = tvmw_call(
        "/login/", abonement=operator.inactive_account.abonement, password="1234", **keys(operator)
    ).get("authkey")
    assert other_key is None  # inactive: cannot log in, so it never counts here
    # A new version must be accepted again.
    legal_document_version_create(document=doc, version="2.0", html_content="<p>v2</p>")
    assert tvmw_call("/legal/document/detail/", id=doc.pk, authkey=authkey, **keys(operator))["is_accepted"] == 0
    assert LegalAcceptance.objects.filter(account=operator.account).count() == 1


def test_an_authkey_of_another_operator_accepts_nothing(tvmw_call, tvmw_login, operator, other_operator):
    doc = document(operator)
    other_key = tvmw_login(op=other_operator)["authkey"]
    body = tvmw_call("/legal/document/accept/", id=doc.pk, authkey=other_key, **keys(operator))
    assert body["error"] == 3
    assert not LegalAcceptance.objects.exists()


# --- QR login -------------------------------------------------------------------------------------


def generate(tvmw_call, op, device_uid="tv-qr"):
    return tvmw_call("/noauth/qr/login/generate/", device="android", device_uid=device_uid, **keys(op))


def test_qr_generate_gives_a_code_an_image_and_a_ttl(tvmw_call, operator, client):
    body = generate(tvmw_call, operator)
    assert body["error"] == 0 and body["session_ttl"] == 300
    assert body["login_code"].isdigit() and len(body["login_code"]) == 6 and body["connection_token"]
    image = client.get(body["qrcode_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    svg = client.get(body["qrcode_url"].replace("format=png", "format=svg"))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert client.get(BASE + "/noauth/qr/login/image/", {"token": "nope"}).json()["error"] == 404


def test_qr_generate_error_codes(tvmw_call, operator, client):
    assert tvmw_call("/noauth/qr/login/generate/", device="android", **keys(operator))["error"] == 1
    assert tvmw_call("/noauth/qr/login/generate/", device_uid="tv", **keys(operator))["error"] == 1
    assert tvmw_call("/noauth/qr/login/generate/", device="toaster", device_uid="tv", **keys(operator))["error"] == 2
    assert (
        tvmw_call("/noauth/qr/login/generate/", device="android", device_uid="tv", client_id=operator.client.pk)[
            "error"
        ]
        == 403
    )
    response = client.get(
        BASE + "/noauth/qr/login/generate/", {"device": "sagemcom", "device_uid": "tv-x", **keys(operator)}
    )
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.findtext("error") == "0" and root.findtext("connection_token")


def test_qr_sync_logs_the_tv_in_once(tvmw_call, authkey, operator):
    code = generate(tvmw_call, operator)["login_code"]
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code=code) == {
        "error": 0,
        "error_message": "",
    }
    tv = AccountDevice.objects.get(device_uid="tv-qr")
    assert tv.account_id == operator.account.pk
    assert Session.objects.filter(device=tv).exists()
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code=code)["error"] == 5
    # The TV now logs in by its device_uid.
    login = tvmw_call("/login/", device="android", device_uid="tv-qr", **keys(operator))
    assert login["error"] == 0


def test_qr_sync_error_codes(tvmw_call, tvmw_login, authkey, operator, other_operator):
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey)["error"] == 1
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code="12ab")["error"] == 1
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code="000000")["error"] == 2
    assert tvmw_call("/qr/login/sync/", authkey=authkey, login_code="000000")["error"] == 1  # POST only
    foreign_code = generate(tvmw_call, other_operator)["login_code"]
    if not QrLogin.objects.filter(client=operator.client, login_code=foreign_code).exists():
        assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code=foreign_code)["error"] == 2
    expired = generate(tvmw_call, operator, "tv-old")["login_code"]
    QrLogin.objects.filter(login_code=expired, client=operator.client).update(expires_at="2000-01-01T00:00:00Z")
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code=expired)["error"] == 2
    typeless = generate(tvmw_call, operator, "tv-typeless")["login_code"]
    QrLogin.objects.filter(login_code=typeless, client=operator.client).update(play_device=None)
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code=typeless)["error"] == 7
    Account.objects.filter(pk=operator.account.pk).update(allowed_device_groups=[99])
    from accounts.selectors import account_dep
    from smarty.cache import bump

    bump(account_dep(operator.account.pk))
    grouped = generate(tvmw_call, operator, "tv-grouped")["login_code"]
    assert tvmw_call("/qr/login/sync/", _post=True, authkey=authkey, login_code=grouped)["error"] == 16
    assert Client().post(BASE + "/qr/login/sync/", {"login_code": grouped}).json()["error"] == 403
