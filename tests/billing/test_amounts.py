"""Amounts of money on the Billing API: a value too large (or too small) for Decimal
arithmetic (1E+999999999) is a wrong parameter with the method's own code, never an
overflow that ends as the unknown error, and nothing is written."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import views as _views  # noqa: F401 - registers the methods
from billing.api import Amount
from billing.api import billing as billing_api
from billing.models import Payment, PromoCode, Transaction
from billing.services import money
from tariffs.models import Tariff, TariffSubscription

from .test_fuzz import base_params

pytestmark = pytest.mark.django_db

HUGE = ["1E+999999999", "-1E+999999999", "9.5e999999999999", "1E-999999999"]
AMOUNT_PARSER = Amount("amount").parser

# Every amount or price parameter the reference gives the Billing API.
EXPECTED = {
    ("/customer/merchant_url/", "amount"),
    ("/customer/payment/create/", "amount"),
    ("/customer/saved_card/pay/", "amount"),
    ("/promo/create/", "amount"),
    ("/transaction/create/", "amount"),
    ("/customer/tariffsubscription/create/", "price"),
    ("/tariff/create/", "price"),
    ("/tariff/create/", "default_activation_price"),
    ("/tariff/modify/", "price"),
    ("/tariff/modify/", "default_activation_price"),
}


def amount_params():
    found = [
        (method, param.name)
        for method in billing_api.methods.values()
        for param in method.params
        if param.parser is AMOUNT_PARSER
    ]
    return sorted(found, key=lambda pair: (pair[0].path, pair[1]))


def rows() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Transaction, Payment, PromoCode, Tariff, TariffSubscription))


def test_every_amount_parameter_is_declared_as_an_amount():
    assert {(m.path, name) for m, name in amount_params()} == EXPECTED


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_amount_is_a_wrong_parameter_with_the_methods_code(billing_client, operator, events, value):
    before = rows()
    for method, name in amount_params():
        params = {
            **{k: v for k, v in base_params(operator).items() if k in {p.name for p in method.params}},
            "ext_id": "huge-amount",
            "name": "Huge",
            name: value,
        }
        response = billing_client.raw(method.path, billing_client.signed(params))
        body = json.loads(response.content)
        assert response.status_code == 200
        assert body["error"] == method.param_error_code, (method.path, name, body)
        assert name in body["error_message"], (method.path, name, body)
    unhandled = [r for r in events.records if getattr(r, "event", "") == "UNHANDLED_API_ERROR"]
    assert not unhandled
    assert rows() == before


@pytest.mark.parametrize("value", ["1E+999999999", "-1E+999999999", "1e1000000"])
def test_money_refuses_an_amount_beyond_decimal_arithmetic(value):
    with pytest.raises(ValidationError) as caught:
        money(value)
    assert caught.value.message_dict == {"amount": ["out of range"]}


def test_money_still_takes_the_largest_amount():
    assert money("999999999999.99") == Decimal("999999999999.99")
    assert money("-1.5") == Decimal("-1.50")
