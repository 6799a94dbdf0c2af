"""Billing answers have the reference's types: abonements, PINs, session accounts and tariff
ext_ids are Numbers in the methods whose reference says so, when they are plain numbers
(smarty.api.wire_number); anything else stays the text the operator stored."""

from __future__ import annotations

import pytest

from accounts.models import Account
from tariffs.models import Tariff
from tests import factories as f
from tests.wire_types import needs_reference, reference_methods, type_mismatches

pytestmark = pytest.mark.django_db

REFERENCE = reference_methods("billing")


@pytest.fixture
def numeric(operator, other_operator):
    Account.objects.filter(pk=operator.account.pk).update(parent_code="4321")
    Tariff.objects.filter(pk=operator.tariff.pk).update(ext_id="7001")
    Tariff.objects.filter(pk=other_operator.tariff.pk).update(ext_id="7001")
    f.SessionFactory(account=operator.account)
    f.SessionFactory(account=other_operator.account)
    return operator


CALLS = [
    ("account/info", lambda op: {"account_id": op.account.pk}),
    ("account/list", lambda op: {}),
    ("customer/info", lambda op: {"customer_id": op.customer.pk}),
    ("customer/list", lambda op: {}),
    ("session/list", lambda op: {}),
]


@needs_reference
@pytest.mark.parametrize(("path", "params"), CALLS, ids=[c[0] for c in CALLS])
def test_answers_have_the_reference_types(billing_client, numeric, path, params):
    body = billing_client.call(path, params(numeric))
    assert body["error"] == 0, body
    assert type_mismatches(body, REFERENCE[path]) == []


def test_numbers_where_the_reference_says_number(billing_client, numeric, other_operator):
    account = numeric.account
    listed = billing_client.call("account/list", {})["accounts"]
    mine = next(a for a in listed if a["id"] == account.pk)
    assert mine["abonement"] == int(account.abonement) and mine["parent_code"] == 4321
    info = billing_client.call("account/info", {"account_id": account.pk})
    assert info["abonement"] == account.abonement and info["parent_code"] == 4321
    customer = billing_client.call("customer/info", {"customer_id": numeric.customer.pk})
    assert [a["abonement"] for a in customer["accounts"]] == [
        int(a.abonement) for a in (account, numeric.inactive_account)
    ]
    assert customer["tariffs_info"] == [{"id": numeric.tariff.pk, "ext_id": "7001"}]
    customers = billing_client.call("customer/list", {})["customers"]
    row = next(c for c in customers if c["id"] == numeric.customer.pk)
    assert row["tariffs_info"] == [{"id": numeric.tariff.pk, "ext_id": 7001}]
    assert isinstance(row["accounts"][0]["abonement"], str)
    sessions = billing_client.call("session/list", {})["sessions"]
    assert [s["account"] for s in sessions] == [int(account.abonement)]
    assert other_operator.account.abonement != account.abonement  # look-alike data, never listed
    assert other_operator.account.pk not in {a["id"] for a in listed}


@pytest.mark.parametrize("stored", ["A-77", "00042", "9007199254740993", "٣٣"])
def test_abonements_that_are_not_plain_numbers_stay_text(billing_client, numeric, stored):
    Account.objects.filter(pk=numeric.account.pk).update(abonement=stored, parent_code="0042")
    listed = billing_client.call("account/list", {})["accounts"]
    mine = next(a for a in listed if a["id"] == numeric.account.pk)
    assert mine["abonement"] == stored and mine["parent_code"] == "0042"
    assert [s["account"] for s in billing_client.call("session/list", {})["sessions"]] == [stored]
