"""Promo (tvmw/Promo.md) and Device (tvmw/Device.md) over HTTP: every error code, JSON and
XML, and the second operator's codes and devices never reachable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from lxml import etree

from accounts.models import Account, Customer
from billing.models import PromoCode
from billing.services import promo_create
from tests import factories as f

BASE = "/tvmiddleware/api"


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


def code_of(client, **kwargs) -> PromoCode:
    return promo_create(client=client, **kwargs)[0]


def test_promo_activate_tops_up_the_balance(tvmw_call, authkey, operator, client):
    promo = code_of(operator.client, amount=Decimal("5.50"))
    body = tvmw_call("/promo/activate/", authkey=authkey, code=promo.code)
    assert body == {"error": 0, "error_message": "", "type": 0, "amount": 5.5, "discount": 0, "free_tariffs": ""}
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("5.50")
    assert tvmw_call("/promo/activate/", authkey=authkey, code=promo.code)["error"] == 3
    response = client.get(BASE + "/promo/activate/", {"authkey": authkey, "code": "NOPE", "device": "sagemcom"})
    assert etree.fromstring(response.content).findtext("error") == "1"


def test_promo_activate_gives_free_tariffs_and_discounts(tvmw_call, authkey, operator):
    extra = f.TariffFactory(client=operator.client, name="Extra")
    free = code_of(operator.client, free_tariffs=[extra])
    body = tvmw_call("/promo/activate/", authkey=authkey, code=free.code)
    assert body["free_tariffs"] == str(extra.pk) and body["type"] == 0
    discount = code_of(operator.client, discount=20)
    assert tvmw_call("/promo/activate/", authkey=authkey, code=discount.code)["type"] == 1


def test_promo_activate_error_codes(tvmw_call, tvmw_login, authkey, operator, other_operator):
    foreign = code_of(other_operator.client, amount=Decimal("1"))
    assert tvmw_call("/promo/activate/", authkey=authkey, code=foreign.code)["error"] == 1
    assert tvmw_call("/promo/activate/", authkey=authkey)["error"] == 1
    bound = code_of(operator.client, amount=Decimal("1"), account=operator.account_without_tariff)
    assert tvmw_call("/promo/activate/", authkey=authkey, code=bound.code)["error"] == 2
    later = code_of(operator.client, amount=Decimal("1"), valid_from=dt.date.today() + dt.timedelta(days=3))
    assert tvmw_call("/promo/activate/", authkey=authkey, code=later.code)["error"] == 4
    used_up = code_of(operator.client, amount=Decimal("1"))
    PromoCode.objects.filter(pk=used_up.pk).update(activations=1)
    assert tvmw_call("/promo/activate/", authkey=authkey, code=used_up.code)["error"] == 3
    fresh = code_of(operator.client, amount=Decimal("1"))
    Account.objects.filter(pk=operator.account.pk).update(deactivation_date=dt.date(2000, 1, 1))
    from accounts.selectors import account_dep
    from smarty.cache import bump

    bump(account_dep(operator.account.pk))
    assert tvmw_call("/promo/activate/", authkey=authkey, code=fresh.code)["error"] == 6
    assert Client().get(BASE + "/promo/activate/", {"code": fresh.code}).json()["error"] == 403


def test_promo_list_shows_used_and_assigned_codes_with_paging(tvmw_call, authkey, operator, other_operator):
    used = code_of(operator.client, amount=Decimal("2"), valid_until=dt.date(2099, 1, 1))
    tvmw_call("/promo/activate/", authkey=authkey, code=used.code)
    waiting = code_of(operator.client, discount=10, account=operator.account)
    code_of(other_operator.client, amount=Decimal("2"), account=other_operator.account)
    body = tvmw_call("/promo/list/", authkey=authkey)
    assert body["error"] == 0 and body["count"] == 2
    first, second = body["promos"]
    assert first["code"] == used.code and first["status"] == 2 and first["valid_until"] == "2099-01-01"
    assert first["date"] == dt.date.today().isoformat() and first["amount"] == 2.0
    assert second["code"] == waiting.code and second["status"] == 1 and second["discount"] == 10.0
    assert second["date"] == "" and second["type"] == 1
    page = tvmw_call("/promo/list/", authkey=authkey, limit=1, page=2)
    assert page["count"] == 2 and [p["code"] for p in page["promos"]] == [waiting.code]
    assert tvmw_call("/promo/list/", authkey=authkey, limit=101)["error"] == 1
    assert tvmw_call("/promo/list/", authkey=authkey, page=0)["error"] == 1


# --- noauth/device/exists -------------------------------------------------------------------------


def test_device_exists_names_the_account_with_masked_contacts(tvmw_call, operator, other_operator, client):
    Customer.objects.filter(pk=operator.customer.pk).update(
        mobile_phone_number="+79001234567", email="anna@example.com", ext_id="C-1"
    )
    f.AccountDeviceFactory(account=operator.account, device_uid="tv-1")
    f.AccountDeviceFactory(account=other_operator.account, device_uid="tv-foreign")
    keys = {"client_id": operator.client.pk, "api_key": operator.client.api_key}
    body = tvmw_call("/noauth/device/exists/", device_uid="tv-1", **keys)
    assert body == {
        "error": 0,
        "error_message": "",
        "abonement": 100001,
        "mobile_phone": "+790******67",
        "phone_number_1": "",
        "phone_number_2": "",
        "email": "a***@example.com",
        "ext_id": "C-1",
    }
    assert tvmw_call("/noauth/device/exists/", device_uid="tv-foreign", **keys)["error"] == 2
    assert tvmw_call("/noauth/device/exists/", **keys)["error"] == 1
    assert (
        tvmw_call("/noauth/device/exists/", device_uid="tv-1", client_id=operator.client.pk, api_key="x")["error"]
        == 403
    )
    response = client.get(BASE + "/noauth/device/exists/", {"device_uid": "tv-1", "device": "sagemcom", **keys})
    assert etree.fromstring(response.content).findtext("abonement") == "100001"
