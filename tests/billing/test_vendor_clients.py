"""The vendor's published Billing API clients (microimpuls/smarty-api-lib, billing-api/: Python
and NodeJS) work unchanged. Their requests are re-created here from their documented
behaviour (none of their code is copied):

- both sign a dict of parameters plus `client_id`: sorted by name, `name:value;` with the
  language's string of each value, the key appended, base64, md5 hex;
- Python POSTs the dict urlencoded (a list value as its str(), `[1, 2]`); its customer_list
  goes through a GET helper, sending the same signed parameters either in the query string
  or, like its POST helper, as an urlencoded body of the GET;
- NodeJS POSTs the object as a form (axios with the urlencoded content type);
- both name the transaction's ext_id `id` (transaction_create, transaction_delete).
"""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient

from accounts.models import Customer
from billing.models import Transaction

pytestmark = pytest.mark.django_db


def signed(data: dict, key: str) -> dict:
    text = "".join(f"{k}:{v};" for k, v in sorted(data.items())) + key
    return {**data, "signature": hashlib.md5(base64.b64encode(text.encode())).hexdigest()}


class VendorBillingClient:
    def __init__(self, operator_client) -> None:
        self.client = operator_client
        self.http = HttpClient()

    def _data(self, params: dict) -> dict:
        return signed({**params, "client_id": self.client.pk}, self.client.billing_api_key)

    def post(self, path: str, params: dict) -> dict:
        body = urlencode({k: str(v) for k, v in self._data(params).items()})
        response = self.http.post(f"/billing/api/{path}/", body, content_type="application/x-www-form-urlencoded")
        return json.loads(response.content)

    def get_query(self, path: str, params: dict) -> dict:
        query = urlencode({k: str(v) for k, v in self._data(params).items()})
        return json.loads(self.http.get(f"/billing/api/{path}/?{query}").content)

    def get_with_body(self, path: str, params: dict) -> dict:
        body = urlencode({k: str(v) for k, v in self._data(params).items()})
        response = self.http.generic(
            "GET", f"/billing/api/{path}/", body, content_type="application/x-www-form-urlencoded"
        )
        return json.loads(response.content)


@pytest.fixture
def vendor(operator) -> VendorBillingClient:
    return VendorBillingClient(operator.client)


def test_transaction_create_and_delete_with_the_clients_id_parameter(vendor, operator):
    body = vendor.post(
        "transaction/create", {"customer_id": operator.customer.pk, "id": "vendor-1", "amount": 50, "comment": ""}
    )
    assert body["error"] == 0, body
    tx = Transaction.objects.get(client=operator.client, ext_id="vendor-1")
    assert tx.amount == Decimal("50") and tx.customer == operator.customer
    # kwargs pass through (processed=1 in the client's own example)
    assert (
        vendor.post(
            "transaction/create", {"customer_id": operator.customer.pk, "id": "vendor-2", "amount": 5, "processed": 1}
        )["error"]
        == 0
    )
    assert (
        vendor.post("transaction/create", {"customer_id": operator.customer.pk, "id": "vendor-1", "amount": 1})["error"]
        == 1
    )  # ext_id taken, as with `ext_id`
    body = vendor.post("transaction/delete", {"customer_id": operator.customer.pk, "id": "vendor-1"})
    assert body["error"] == 0, body
    assert not Transaction.objects.filter(ext_id="vendor-1").exists()
    assert Customer.objects.get(pk=operator.customer.pk).balance == Decimal("5")


def test_ext_id_wins_over_id_when_both_are_sent(vendor, operator):
    vendor.post("transaction/create", {"customer_id": operator.customer.pk, "id": "a", "ext_id": "b", "amount": 1})
    assert list(Transaction.objects.values_list("ext_id", flat=True)) == ["b"]


def test_the_id_alias_does_not_reach_another_operators_transaction(vendor, operator, other_operator):
    other = VendorBillingClient(other_operator.client)
    assert (
        other.post("transaction/create", {"customer_id": other_operator.customer.pk, "id": "x", "amount": 3})["error"]
        == 0
    )
    assert vendor.post("transaction/delete", {"customer_id": operator.customer.pk, "id": "x"})["error"] == 1
    assert Transaction.objects.filter(client=other_operator.client, ext_id="x").exists()


@pytest.mark.parametrize("send", ["get_query", "get_with_body", "post"])
def test_customer_list_as_the_python_client_sends_it(vendor, operator, other_operator, send):
    body = getattr(vendor, send)("customer/list", {"tariff_id": operator.tariff.pk})
    assert body["error"] == 0, body
    assert [c["id"] for c in body["customers"]] == [operator.customer.pk]


def test_customer_list_with_a_list_of_tariffs_printed_by_python(vendor, operator):
    extra = operator.tariff.__class__.objects.create(client=operator.client, name="Extra")
    operator.customer.tariffs.add(extra)
    body = vendor.get_with_body("customer/list", {"tariff_id": [operator.tariff.pk, extra.pk]})
    assert body["error"] == 0, body
    assert [c["id"] for c in body["customers"]] == [operator.customer.pk]


def test_a_get_body_with_a_wrong_signature_is_still_refused(vendor, operator):
    data = vendor._data({"tariff_id": operator.tariff.pk})
    data["signature"] = "0" * 32
    response = vendor.http.generic(
        "GET", "/billing/api/customer/list/", urlencode(data), content_type="application/x-www-form-urlencoded"
    )
    assert json.loads(response.content)["error"] == -2


def test_the_other_python_client_methods_succeed(vendor, operator):
    assert vendor.post("tariff/list", {})["error"] == 0
    assert vendor.post("customer/info", {"customer_id": operator.customer.pk})["error"] == 0
    assert vendor.post("account/info", {"abonement": operator.account.abonement})["error"] == 0
    created = vendor.post("customer/create", {"firstname": "Bill", "middlename": "Muriel", "meta": '{"a": 1}'})
    assert created["error"] == 0, created
    assert (
        vendor.post("customer/tariff/assign", {"customer_id": created["id"], "tariff_id": operator.tariff.pk})["error"]
        == 0
    )
    account = vendor.post("account/create", {"customer_id": created["id"]})
    assert account["error"] == 0, account
