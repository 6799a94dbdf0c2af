"""Portal API tests share the TVMW fixtures (tvmw_call, tvmw_login, events) and add a session
for each operator's main account and an XML helper."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from lxml import etree

from tests.tvmiddleware.conftest import events, mag_device, tvmw_call, tvmw_login  # noqa: F401

BASE = "/tvmiddleware/api"


@pytest.fixture
def authkey(tvmw_login):  # noqa: F811
    return tvmw_login()["authkey"]


@pytest.fixture
def other_authkey(tvmw_login, other_operator):  # noqa: F811
    return tvmw_login(op=other_operator)["authkey"]


@pytest.fixture
def tvmw_xml(client):
    """GET a method as an XML device ("sagemcom") and parse the answer."""

    def call(path: str, **params) -> etree._Element:
        params = {"device": "sagemcom", **{k: v for k, v in params.items() if v is not None}}
        response = client.get(f"{BASE}{path}?{urlencode(params, doseq=True)}")
        assert response["Content-Type"].startswith("application/xml"), response.content[:200]
        return etree.fromstring(response.content)

    return call


def noauth(op) -> dict:
    return {"client_id": op.client.pk, "api_key": op.client.api_key}
