"""Dealers API fixtures: a dealer of each operator with its API access and a subscriber of
its own, a second dealer of the same operator, and `dealer_call` posting a method."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from clients.models import Dealer, DealerApiAccess
from tests import factories as f


@dataclass
class DealerWorld:
    dealer: object
    access: object
    customer: object
    account: object


def build_dealer(op, index: int, name: str = "Corner shop") -> DealerWorld:
    dealer = Dealer.objects.create(client=op.client, name=f"{name} {index}")
    access = DealerApiAccess.objects.create(dealer=dealer, api_key=f"dealer-key-{dealer.pk}")
    customer = f.CustomerFactory(client=op.client, dealer=dealer, lastname=f"Dealerov{index}", ext_id=f"ext-{index}")
    customer.tariffs.add(op.tariff)
    account = f.AccountFactory(customer=customer, abonement=f"{index}70001")
    return DealerWorld(dealer, access, customer, account)


@pytest.fixture
def mine(operator):
    return build_dealer(operator, 1)


@pytest.fixture
def rival(operator, mine):
    """Another dealer of the same operator."""
    return build_dealer(operator, 3, name="Rival")


@pytest.fixture
def foreign(other_operator, mine):
    """A dealer of the other operator, with look-alike data."""
    return build_dealer(other_operator, 2)


@pytest.fixture
def dealer_call(client, mine):
    """dealer_call("/customer/info/", customer_id=..., _as=world, _ip=...) -> decoded JSON."""

    def call(path: str, _as: DealerWorld | None = None, _ip: str = "127.0.0.1", **params):
        world = _as or mine
        data = {"dealer_id": world.dealer.pk, "api_key": world.access.api_key}
        data.update({k: v for k, v in params.items() if v is not None})
        data = {k: v for k, v in data.items() if v is not None}
        response = client.post("/dealers/api" + path, data, REMOTE_ADDR=_ip)
        assert response["Content-Type"].startswith("application/json"), response.content[:300]
        return json.loads(response.content)

    return call
