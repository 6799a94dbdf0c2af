"""Promo group over HTTP: create codes, activate them for an account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Customer
from billing import errors
from billing.models import PromoActivation, PromoCode
from tests import factories as f

pytestmark = pytest.mark.django_db

E = errors.PromoActivate


def create(client, **params) -> dict:
    return client.call("promo/create", params)


def test_promo_create_generates_unique_codes_of_the_asked_length(billing_client, operator):
    body = create(billing_client, amount="10", count=5, length=8, activation_count=3)
    assert body["error"] == 0 and body["error_fields"] == {} and len(body["promo_codes"]) == 5
    codes = [p["code"] for p in body["promo_codes"]]
    assert len(set(codes)) == 5 and all(len(c) == 8 and c.isalnum() and c.upper() == c for c in codes)
    promo = PromoCode.objects.get(pk=body["promo_codes"][0]["id"])
    assert promo.client == operator.client and promo.amount == 10 and promo.max_activations == 3


def test_promo_create_with_discount_and_tariffs(billing_client, operator):
    other = f.TariffFactory(client=operator.client)
    body = create(
        billing_client,
        discount=20,
        tariffs=f"{operator.tariff.pk},{other.pk}",
        valid_from="2020-01-01",
        valid_until="2040-01-01",
        account_id=operator.account.pk,
    )
    promo = PromoCode.objects.get(pk=body["promo_codes"][0]["id"])
    assert promo.discount == 20 and set(promo.discount_tariffs.all()) == {operator.tariff, other}
    assert promo.account == operator.account and promo.valid_until == dt.date(2040, 1, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "discount"),
        ({"discount": "101"}, "discount"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1", "count": "0"}, "count"),
        ({"amount": "1", "length": "2"}, "length"),
        ({"amount": "1", "valid_from": "2030-01-02", "valid_until": "2030-01-01"}, "valid_until"),
        ({"free_tariffs": "999999"}, "free_tariffs"),
        ({"discount": "5", "tariffs": "a,b"}, "tariffs"),
        ({"amount": "1", "valid_until": "someday"}, "valid_until"),
    ],
)
def test_promo_create_answers_2_naming_the_invalid_field(billing_client, params, field):
    body = billing_client.call("promo/create", params)
    assert body["error"] == errors.PromoCreate.FAILED and field in body["error_fields"], body
    assert not PromoCode.objects.exists()


def test_promo_create_answers_1_for_an_unknown_account(billing_client, other_operator):
    body = create(billing_client, amount=1, account_id=other_operator.account.pk)
    assert body["error"] == errors.PromoCreate.ACCOUNT_NOT_FOUND


def test_activating_an_amount_code_tops_up_the_balance(billing_client, operator):
    promo = create(billing_client, amount="15")["promo_codes"][0]
    body = billing_client.call(
        "promo/activate", {"code": promo["code"].lower(), "account_id": operator.account.pk}, method="get"
    )
    assert body == {"error": 0, "error_message": "", "amount": 15.0, "discount": 0, "free_tariffs": ""}
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("15")
    assert PromoActivation.objects.get().customer == operator.customer


def test_activating_a_free_tariffs_code_gives_the_account_those_tariffs(billing_client, operator):
    gift = f.TariffFactory(client=operator.client, price=Decimal("30"), period=30)
    promo = create(billing_client, free_tariffs=str(gift.pk))["promo_codes"][0]
    body = billing_client.call("promo/activate", {"id": promo["id"], "account_id": operator.account.pk})
    assert body["error"] == 0 and body["free_tariffs"] == str(gift.pk)
    assert list(operator.account.tariffs.all()) == [gift]
    # Free: the internal billing does not charge it, the account stays active.
    assert Customer.objects.get(pk=operator.customer.pk).balance == 0
    operator.account.refresh_from_db()
    assert operator.account.active


def test_a_code_is_activated_once_per_customer_and_within_its_activation_count(billing_client, operator):
    promo = create(billing_client, amount="1", activation_count=2)["promo_codes"][0]
    activate = {"id": promo["id"]}
    assert billing_client.call("promo/activate", {**activate, "account_id": operator.account.pk})["error"] == 0
    assert (
        billing_client.call("promo/activate", {**activate, "account_id": operator.inactive_account.pk})["error"]
        == E.ALREADY_ACTIVATED
    )
    assert (
        billing_client.call("promo/activate", {**activate, "account_id": operator.account_without_tariff.pk})["error"]
        == 0
    )
    third = f.AccountFactory(customer=f.CustomerFactory(client=operator.client))
    assert billing_client.call("promo/activate", {**activate, "account_id": third.pk})["error"] == E.ALREADY_ACTIVATED


def test_promo_activate_answers_5_outside_the_validity_window(billing_client, operator):
    today = dt.date.today()
    late = create(billing_client, amount=1, valid_until=str(today - dt.timedelta(days=1)))["promo_codes"][0]
    early = create(billing_client, amount=1, valid_from=str(today + dt.timedelta(days=1)))["promo_codes"][0]
    for promo in (late, early):
        body = billing_client.call("promo/activate", {"id": promo["id"], "account_id": operator.account.pk})
        assert body["error"] == E.NOT_VALID_NOW


def test_promo_activate_answers_3_for_a_code_bound_to_another_account(billing_client, operator):
    promo = create(billing_client, amount=1, account_id=operator.account_without_tariff.pk)["promo_codes"][0]
    body = billing_client.call("promo/activate", {"id": promo["id"], "account_id": operator.account.pk})
    assert body["error"] == E.INVALID


def test_promo_activate_answers_1_and_2_for_unknown_account_and_code(billing_client, operator, other_operator):
    promo = create(billing_client, amount=1)["promo_codes"][0]
    foreign = PromoCode.objects.create(client=other_operator.client, code="THEIRS", amount=1)
    assert billing_client.call("promo/activate", {"id": promo["id"], "account_id": 999999})["error"] == 1
    assert billing_client.call("promo/activate", {"id": promo["id"]})["error"] == 1
    assert billing_client.call("promo/activate", {"code": "NOPE", "account_id": operator.account.pk})["error"] == 2
    assert billing_client.call("promo/activate", {"id": foreign.pk, "account_id": operator.account.pk})["error"] == 2
    assert billing_client.call("promo/activate", {"account_id": operator.account.pk})["error"] == 2
