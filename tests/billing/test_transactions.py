"""Transaction group over HTTP: create and delete, the balance they move."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, Customer
from billing import errors
from billing.models import Transaction
from vod.models import Video

pytestmark = pytest.mark.django_db

E = errors.TransactionCreate


def balance(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def test_transaction_create_records_it_and_moves_the_balance(billing_client, operator):
    body = billing_client.call(
        "transaction/create",
        {"ext_id": "pay-1", "customer_id": operator.customer.pk, "amount": "12.50", "comment": "cash"},
        method="get",
    )
    assert body["error"] == 0 and body["error_message"] == ""
    tx = Transaction.objects.get(ext_id="pay-1")
    assert tx.customer == operator.customer and tx.amount == Decimal("12.50") and tx.comment == "cash"
    assert tx.client == operator.client and tx.source == "billing_api"
    assert balance(operator.customer) == Decimal("12.50")
    billing_client.call(
        "transaction/create", {"ext_id": "chg-1", "customer_id": operator.customer.pk, "amount": "-2.5"}
    )
    assert balance(operator.customer) == Decimal("10.00")


def test_transaction_create_prefers_customer_ext_id_over_customer_id(billing_client, operator):
    operator.customer_without_tariff.ext_id = "X-1"
    operator.customer_without_tariff.save()
    billing_client.call(
        "transaction/create",
        {"ext_id": "p", "customer_id": operator.customer.pk, "customer_ext_id": "X-1", "amount": 3},
    )
    assert Transaction.objects.get(ext_id="p").customer == operator.customer_without_tariff
    body = billing_client.call(
        "transaction/create", {"ext_id": "q", "customer_id": 999999, "customer_ext_id": "X-1", "amount": 3}
    )
    assert body["error"] == 0 and Transaction.objects.get(ext_id="q").customer == operator.customer_without_tariff


def test_a_duplicate_ext_id_answers_1_and_moves_nothing(billing_client, operator):
    params = {"ext_id": "dup", "customer_id": operator.customer.pk, "amount": 5}
    assert billing_client.call("transaction/create", params)["error"] == 0
    body = billing_client.call("transaction/create", params)
    assert body["error"] == E.EXT_ID_EXISTS and "ext_id" in body["error_fields"]
    assert balance(operator.customer) == 5 and Transaction.objects.count() == 1


def test_a_missing_ext_id_answers_2(billing_client, operator):
    for ext_id in (None, "", "   "):
        body = billing_client.call("transaction/create", {"ext_id": ext_id, "customer_id": operator.customer.pk})
        assert body["error"] == E.EXT_ID_MISSING
    assert not Transaction.objects.exists()


def test_a_video_purchase_needs_an_existing_video(billing_client, operator, other_operator):
    video = Video.objects.create(client=operator.client, name="Film", ext_id="film-1")
    foreign = Video.objects.create(client=other_operator.client, name="Film", ext_id="film-2")
    base = {"customer_id": operator.customer.pk, "amount": "-3", "transaction_type": 1}
    assert billing_client.call("transaction/create", {**base, "ext_id": "v1"})["error"] == E.VIDEO_EXT_ID_MISSING
    body = billing_client.call("transaction/create", {**base, "ext_id": "v2", "video_ext_id": foreign.ext_id})
    assert body["error"] == E.VIDEO_NOT_FOUND
    body = billing_client.call(
        "transaction/create",
        {**base, "ext_id": "v3", "video_ext_id": video.ext_id, "video_available_until": "2031-02-03 04:05:06"},
    )
    assert body["error"] == 0
    tx = Transaction.objects.get(ext_id="v3")
    assert tx.transaction_type == 1 and tx.video_ext_id == "film-1"
    assert tx.video_available_until == dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@pytest.mark.parametrize("value", ["03.02.2031", "2031-02-30", "tomorrow", "2031-02-03 25:00:00"])
def test_a_malformed_video_date_answers_5(billing_client, operator, value):
    body = billing_client.call(
        "transaction/create", {"ext_id": "d", "customer_id": operator.customer.pk, "video_available_until": value}
    )
    assert body["error"] == E.BAD_DATE and "video_available_until" in body["error_fields"]


def test_a_date_alone_is_available_to_the_end_of_that_day(billing_client, operator):
    billing_client.call(
        "transaction/create",
        {"ext_id": "d", "customer_id": operator.customer.pk, "video_available_until": "2031-02-03"},
    )
    assert Transaction.objects.get(ext_id="d").video_available_until == dt.datetime(
        2031, 2, 3, 23, 59, 59, tzinfo=dt.UTC
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"amount": "ten"}, "amount"),
        ({"amount": "1.005"}, "amount"),
        ({"amount": "1e20"}, "amount"),
        ({"processed": "maybe"}, "processed"),
        ({"transaction_type": "2"}, "transaction_type"),
        ({"customer_id": 999999}, "customer_id"),
    ],
)
def test_malformed_values_answer_minus_1_naming_the_field(billing_client, operator, params, field):
    body = billing_client.call("transaction/create", {"ext_id": "m", "customer_id": operator.customer.pk, **params})
    assert body["error"] == errors.UNKNOWN and field in body["error_fields"], body
    assert not Transaction.objects.exists()


def test_activate_accounts_activates_the_customers_inactive_accounts(billing_client, operator):
    params = {"ext_id": "a", "customer_id": operator.customer.pk, "amount": 1, "activate_accounts": 1}
    assert billing_client.call("transaction/create", params)["error"] == 0
    inactive = Account.objects.get(pk=operator.inactive_account.pk)
    assert inactive.active and inactive.status_reason == "ACTIVE"
    assert not Account.objects.get(pk=operator.account_without_tariff.pk).customer_id == operator.customer.pk


def test_without_activate_accounts_inactive_accounts_stay_inactive(billing_client, operator):
    billing_client.call("transaction/create", {"ext_id": "a", "customer_id": operator.customer.pk, "amount": 1})
    assert not Account.objects.get(pk=operator.inactive_account.pk).active


def test_processed_is_kept_as_given_for_an_external_billing(billing_client, operator, external_billing):
    billing_client.call("transaction/create", {"ext_id": "p0", "customer_id": operator.customer.pk, "amount": 1})
    billing_client.call(
        "transaction/create", {"ext_id": "p1", "customer_id": operator.customer.pk, "amount": 1, "processed": 1}
    )
    assert not Transaction.objects.get(ext_id="p0").processed and Transaction.objects.get(ext_id="p1").processed
    info = billing_client.call("customer/info", {"customer_id": operator.customer.pk})
    assert info["payments_count"] == 1 and info["balance"] == 2


def test_transaction_delete_takes_the_amount_back(billing_client, operator):
    billing_client.call("transaction/create", {"ext_id": "t", "customer_id": operator.customer.pk, "amount": 7})
    body = billing_client.call("transaction/delete", {"ext_id": "t"})
    assert body == {"error": 0, "error_message": ""}
    assert not Transaction.objects.exists() and balance(operator.customer) == 0
    assert billing_client.call("transaction/delete", {"ext_id": "t"})["error"] == errors.TransactionDelete.NOT_FOUND
    assert billing_client.call("transaction/delete", {})["error"] == errors.TransactionDelete.EXT_ID_MISSING


def test_the_balance_always_equals_the_sum_of_transactions(billing_client, operator):
    from django.db.models import Sum

    for n, amount in enumerate(["10", "-3.30", "0.30", "7"]):
        billing_client.call(
            "transaction/create", {"ext_id": f"s{n}", "customer_id": operator.customer.pk, "amount": amount}
        )
    billing_client.call("transaction/delete", {"ext_id": "s3"})
    total = Transaction.objects.filter(customer=operator.customer).aggregate(s=Sum("amount"))["s"]
    assert balance(operator.customer) == total == Decimal("7.00")
