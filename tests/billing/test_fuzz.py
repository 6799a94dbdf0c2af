"""No input makes the Billing API fail: garbage in every declared parameter of every method
answers the JSON envelope with a numeric code, and never reaches the unknown-error path (an
unhandled exception is logged as UNHANDLED_API_ERROR; none may be)."""

from __future__ import annotations

import itertools
import json

import pytest

from billing import views as _views  # noqa: F401 - registers the methods
from billing.api import billing as billing_api

from .test_tenancy import snapshot

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    " ",
    "abc",
    "-1",
    "0",
    "1.5",
    "1e309",
    "-1e-999999",
    "99999999999999999999999999999999",
    "NaN",
    "Infinity",
    "\x00",
    "'; DROP TABLE accounts_account; --",
    "²",
    "٣",
    "[",
    "{",
    '{"a":',
    "[" * 5000,
    "1,2,x",
    "9" * 400,
    "ß" * 3000,
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "true",
    "null",
    "{}",
    "(a+)+$",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "12/99",
]

# Methods that destroy their target run last in the per-parameter pass.
METHODS = sorted(billing_api.methods.values(), key=lambda m: ("delete" in m.path, m.path))


def base_params(operator) -> dict:
    """Valid values for the identifying parameters, so garbage reaches deeper code."""
    return {
        "account_id": operator.account.pk,
        "customer_id": operator.customer.pk,
        "tariff_id": operator.tariff.pk,
        "ext_id": "fuzz-ext",
        "device_uid": "fuzz-uid",
        "system_name": "android",
        "text": "hello",
        "name": "Fuzz",
        "period": 30,
        "sessions_count": 1,
        "basic_sessions_count": 1,
        "basic_tariff_priority": 0,
        "amount": "1",
        "card_number": "4111111111111111",
        "card_expire": "12/39",
        "card_cvv": "123",
    }


def assert_envelope(client, path: str, items: list, events) -> None:
    response = client.raw(path, client.signed(items))
    assert response.status_code == 200, (path, items, response.status_code)
    body = json.loads(response.content)
    assert isinstance(body["error"], int), (path, body)
    unhandled = [r for r in events.records if getattr(r, "event", "") == "UNHANDLED_API_ERROR"]
    assert not unhandled, (path, items, unhandled[0].exc_info)


def as_items(params: dict, many: set[str]) -> list[tuple[str, str]]:
    items = []
    for name, value in params.items():
        values = [value, value] if name in many else [value]
        items.extend((name, str(v)) for v in values)
    return items


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.path.strip("/"))
def test_garbage_in_every_parameter_still_answers_the_envelope(
    billing_client, operator, other_operator, events, method
):
    theirs = snapshot(other_operator.client)
    names = [p.name for p in method.params]
    many = {p.name for p in method.params if p.many}
    path = method.path
    # 1. every parameter garbage at once
    for value in GARBAGE:
        assert_envelope(billing_client, path, as_items(dict.fromkeys(names, value), many), events)
    # 2. one garbage parameter at a time next to valid identifiers
    base = {k: v for k, v in base_params(operator).items() if k in names}
    cycle = itertools.cycle(GARBAGE)
    for name in names:
        for _ in range(4):
            params = {**base, name: next(cycle)}
            assert_envelope(billing_client, path, as_items(params, many), events)
    assert snapshot(other_operator.client) == theirs


def test_undeclared_and_doubled_parameters_are_harmless(billing_client, operator, events):
    items = [("account_id", operator.account.pk), ("account_id", "x"), ("unknown", "1"), ("client_id[]", "7")]
    for method in METHODS:
        assert_envelope(billing_client, method.path, [(n, str(v)) for n, v in items], events)
