"""Billing API test fixtures: a client that signs its requests like a billing system does."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient

from smarty.api.signature import compute_signature
from tests.conftest import on_seed_loggers

BASE = "/billing/api"


def as_items(params: Mapping | Iterable | None) -> list[tuple[str, str]]:
    """Parameters as (name, value) pairs; a list value is a repeated parameter."""
    if params is None:
        return []
    pairs = params.items() if isinstance(params, Mapping) else params
    items: list[tuple[str, str]] = []
    for name, value in pairs:
        if isinstance(value, (list, tuple)):
            items.extend((name, str(v)) for v in value)
        elif value is not None:
            items.append((name, str(value)))
    return items


class BillingClient:
    """Calls /billing/api/<path> as the operator's billing system: adds client_id and the
    signature computed with the operator's billing_api_key (unless told otherwise)."""

    def __init__(self, operator_client) -> None:
        self.operator = operator_client
        self.http = HttpClient()
        self.response = None

    def signed(self, params=None, *, client_id=None, key=None) -> list[tuple[str, str]]:
        items = as_items(params)
        if not any(name == "client_id" for name, _ in items):
            items.append(("client_id", str(self.operator.pk if client_id is None else client_id)))
        key = self.operator.billing_api_key if key is None else key
        items.append(("signature", compute_signature(items, key)))
        return items

    def raw(self, path: str, items: list[tuple[str, str]], *, method: str = "post", **extra):
        url = f"{BASE}/{path.strip('/')}/"
        if method == "get":
            self.response = self.http.get(f"{url}?{urlencode(items)}", **extra)
        else:
            self.response = self.http.post(
                url, urlencode(items), content_type="application/x-www-form-urlencoded", **extra
            )
        return self.response

    def call(self, path: str, params=None, *, method: str = "post", client_id=None, key=None, **extra) -> dict:
        response = self.raw(path, self.signed(params, client_id=client_id, key=key), method=method, **extra)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)


@pytest.fixture
def billing_client(operator) -> BillingClient:
    return BillingClient(operator.client)


@pytest.fixture
def other_billing_client(other_operator) -> BillingClient:
    return BillingClient(other_operator.client)


@pytest.fixture
def external_billing(operator):
    """The operator runs its own billing: Smarty never charges."""
    operator.client.payment_method = "external"
    operator.client.save(update_fields=["payment_method"])
    return operator


class EventLog(logging.Handler):
    """Collects the seed events logged on the smarty_* loggers during a test."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def of(self, event: str) -> list[dict]:
        return [dict(r.context) for r in self.records if getattr(r, "event", None) == event]

    def names(self) -> list[str]:
        return [getattr(r, "event", r.getMessage()) for r in self.records]


@pytest.fixture
def events():
    with on_seed_loggers(EventLog()) as handler:
        yield handler
