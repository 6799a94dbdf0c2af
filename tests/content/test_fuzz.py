"""No input makes the Content API fail: garbage in every declared parameter of every method
answers the JSON envelope with a numeric code and never the unknown-error path (-1, logged
as CONTENT_REQUEST_FAIL); nothing of the second operator changes."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from content import views as _views  # noqa: F401 - registers the methods
from content.api import content as content_api
from tests.tenancy import operator_snapshot

from .conftest import BASE, signed_items

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    "abc",
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "99999999999999999999999999999999",
    "\x00",
    "²",
    "[",
    "[1, x]",
    "{",
    "[" * 3000,
    "ß" * 3000,
    "2024-02-30",
    "0000-00-00T00:00:00",
    "../../etc/passwd",
    "http://127.0.0.1:1/x.png",
    "True",
]
# Methods that destroy their target run last.
METHODS = sorted(content_api.methods.values(), key=lambda m: ("delete" in m.path, m.path))


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.path)
def test_garbage_never_breaks_a_method(method, operator, other_operator, content_client, content_events, settings):
    settings.CONTENT_FULL_ACCESS_CLIENTS = [operator.client.pk]
    settings.SMARTY_EPG_CONNECT_TIMEOUT = 0.2
    before = operator_snapshot(other_operator.client)
    names = [p.name for p in method.params]
    key = operator.client.content_api_key
    for offset in range(len(GARBAGE)):
        items = [(name, GARBAGE[(offset + n) % len(GARBAGE)]) for n, name in enumerate(names)]
        items.append(("client_id", str(operator.client.pk)))
        response = content_client.http.post(
            f"{BASE}/{method.path.strip('/')}/",
            urlencode(signed_items(items, key)),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        body = json.loads(response.content)
        assert isinstance(body["error"], int) and body["error"] != -1, (items, body)
    assert not content_events.named("CONTENT_REQUEST_FAIL")
    assert operator_snapshot(other_operator.client) == before
