"""No input makes the ViewStats, Device Monitoring, DRM or Dealers API fail: garbage in every
declared parameter (query string, form body, and for Device Monitoring JSON bodies with
values of every JSON type) answers the API's own envelope, and nothing reaches the
unknown-error path (UNHANDLED_API_ERROR is logged for that; none may be)."""

from __future__ import annotations

import json
import logging

import pytest

from dealers import views as _dealer_views  # noqa: F401 - registers the methods
from dealers.api import dealers
from tests import factories as f
from tvmiddleware.other_apis import views as _views  # noqa: F401 - registers the methods
from tvmiddleware.other_apis.api import device_monitoring, drm, viewstats

GARBAGE = [
    "",
    " ",
    "abc",
    "-1",
    "0",
    "1.5",
    "1e309",
    "NaN",
    "\x00",
    "99999999999999999999999999999999",
    "²",
    "[" * 3000,
    '{"a":',
    "{}",
    "[]",
    "9" * 400,
    "ß" * 3000,
    "2024-02-30",
    "-----BEGIN x",
]
JSON_GARBAGE = [None, True, -1, 1.5, 10**30, "x" * 5000, [], [1, "a"], {}, {"a": [None]}, [{"cpu": "x"}]]


class Unhandled(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "UNHANDLED" in record.getMessage() or record.exc_info:
            self.seen.append(
                record.getMessage()
                + (logging.Formatter().formatException(record.exc_info)[-600:] if record.exc_info else "")
            )


@pytest.fixture
def unhandled():
    handler = Unhandled()
    loggers = [logging.getLogger(n) for n in ("smarty_main", "smarty_billing_in", "django.request")]
    for log in loggers:
        log.addHandler(handler)
    yield handler
    for log in loggers:
        log.removeHandler(handler)


def _check(response, api_name: str) -> None:
    if api_name == "drm":
        assert response.status_code in (200, 404), response.content[:200]
        if response["Content-Type"].startswith("application/json"):
            assert isinstance(json.loads(response.content)["error"], int)
        return
    assert response.status_code == 200, response.content[:200]
    if response["Content-Type"].startswith("application/xml"):
        assert b"<error>" in response.content
        return
    assert isinstance(json.loads(response.content)["error"], int)


@pytest.mark.django_db
@pytest.mark.parametrize("api", [viewstats, device_monitoring, drm, dealers], ids=lambda a: a.name)
def test_garbage_in_every_parameter_answers_the_envelope(client, operator, unhandled, api):
    from clients.models import Dealer, DealerApiAccess

    session = f.SessionFactory(account=operator.account)
    dealer = Dealer.objects.create(client=operator.client, name="Fuzz")
    access = DealerApiAccess.objects.create(dealer=dealer, api_key="fuzz-key")
    customer = f.CustomerFactory(client=operator.client, dealer=dealer)
    valid = {
        "authkey": session.authkey,
        "client_id": str(operator.client.pk),
        "channel_id": str(operator.channels[0].pk),
        "channel_session": "1",
        "content_id": str(operator.channels[0].pk),
        "content_type": "channel",
        "device": "android",
        "dealer_id": str(dealer.pk),
        "api_key": access.api_key,
        "customer_id": str(customer.pk),
        "uid": "fuzz-box",
        "mac": "aa",
        "type": "stb",
    }
    for key, method in api.methods.items():
        url = f"/{api.name}/api/{key}/"
        for n, param in enumerate(method.params):
            for value in GARBAGE[n % 5 :: 3]:
                data = {**valid, param.name: value}
                _check(client.get(url, data), api.name)
                _check(client.post(url, data), api.name)
            if api is device_monitoring:
                for value in JSON_GARBAGE:
                    body = json.dumps({**valid, param.name: value})
                    _check(client.post(url, body, content_type="application/json"), api.name)
        if api is device_monitoring:
            for raw in ("[", "null", "1", '"x"', "{" * 3000):
                _check(client.post(url, raw, content_type="application/json"), api.name)
    assert unhandled.seen == []
