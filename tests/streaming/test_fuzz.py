"""No input makes the Streaming API fail. Every method registered under /streaming/api/
(enumerated from the registry, so a method added later is fuzzed too) gets garbage in each
declared parameter, correctly signed and not, by GET, by form POST and in a JSON body. Every
answer must be the API's HTTP status and a JSON body with an integer `error` (a `device`
parameter changes nothing: this API answers streaming servers and scripts), and no
unexpected exception may be logged (UNHANDLED_API_ERROR, Django's request errors)."""

from __future__ import annotations

import datetime as dt
import json
import os
import zlib
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.forms.models import model_to_dict
from django.test import Client as HttpClient
from django.utils import timezone

from smarty.api.registry import Method
from smarty.api.signature import compute_signature
from streaming import views as _views  # noqa: F401 - registers the methods
from streaming.api import streaming_api
from streaming.models import Maintenance, StreamToken
from streaming.views import token_check
from tests import api_fuzz as fz

from .conftest import CHANNEL_URL

pytestmark = pytest.mark.django_db

BASE = "/streaming/api"
METHODS = sorted(streaming_api.methods.values(), key=lambda m: m.path)

# The reference's Streaming API methods (streaming.md), all implemented: a floor for the
# enumeration, which comes from the registry.
IMPLEMENTED = frozenset({"/maintenance/create/", "/maintenance/edit/", "/streamservice/token/check/"})


def key_of(method: Method) -> str:
    return method.path.strip("/")


def statuses(method: Method) -> set[int]:
    if method.handler is token_check:
        return {200, settings.SMARTY_STREAM_TOKEN_DENY_STATUS}
    return {200}


@dataclass(frozen=True)
class Variant:
    http: str  # GET or POST (form body)
    signed: bool  # a correct signature with the operator's Streaming API key, or none
    device: bool  # a `device` naming an XML device type: must not change the format


VARIANTS = [Variant(h, s, d) for h in ("GET", "POST") for s in (True, False) for d in (False, True)]


@dataclass
class Fuzzer:
    """Sends garbage to Streaming API methods as the operator's scripts and servers."""

    op: object
    http: HttpClient
    findings: fz.Findings
    base: dict

    def send(self, method: Method, params: dict[str, fz.Value], variant: Variant, *, body: bytes | None = None) -> None:
        params = dict(params)
        if variant.device:
            params.setdefault("device", "sagemcom")
        params.setdefault("client_id", str(self.op.client.pk))
        items = fz.pairs(params)
        if variant.signed and "signature" not in params:
            text = fz.as_text(items)
            items.append(("signature", compute_signature(text, self.op.client.streaming_api_key)))
        url = BASE + method.path
        if body is not None:
            response = self.http.generic("POST", f"{url}?{fz.encode(items)}", body, "application/json")
        elif variant.http == "GET":
            response = self.http.get(f"{url}?{fz.encode(items)}")
        else:
            response = self.http.post(url, fz.encode(items), content_type="application/x-www-form-urlencoded")
        shown = [(n, v[:40] if isinstance(v, (str, bytes)) else v) for n, v in items][:12]
        self.findings.check(
            response,
            where=(method.path, response.request["REQUEST_METHOD"], shown),
            fmt="json",
            statuses=statuses(method),
            success_status=200 if method.handler is token_check else None,
        )


def snapshot(client) -> dict:
    """The other operator's rows the Streaming API could write."""
    return {
        model.__name__: sorted(
            repr(sorted(model_to_dict(row).items(), key=lambda kv: kv[0])) for row in model.objects.for_client(client)
        )
        for model in (Maintenance, StreamToken)
    }


@pytest.fixture
def fuzz(client, world, other_world):
    now = timezone.now()
    window = Maintenance.objects.create(client=world.op.client, start_time=now + dt.timedelta(days=1))
    window.channels.add(world.channels[0])
    Maintenance.objects.create(client=other_world.op.client, start_time=now + dt.timedelta(days=1))
    body = json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)
    assert body["error"] == 0, body
    base = {
        "channel_prefix": "prefix1-0,prefix1-1",
        "datetime_begin": (now + dt.timedelta(hours=1)).isoformat(),
        "datetime_end": (now + dt.timedelta(hours=2)).isoformat(),
        "description": "Night works",
        "id": str(window.pk),
        "token": body["uri"].rsplit("token=", 1)[1],
        "name": "op1ch0",
        "ip": "127.0.0.1",
        "session_id": "fuzz-session",
    }
    capture = fz.Capture.start()
    yield Fuzzer(op=world.op, http=HttpClient(), findings=fz.Findings(capture), base=base)
    capture.stop()


def test_the_enumeration_covers_every_method_of_the_reference():
    registered = {m.path for m in METHODS}
    assert registered, "no Streaming API method is registered"
    assert IMPLEMENTED <= registered, sorted(IMPLEMENTED - registered)


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_every_registered_method_is_a_method_of_the_reference():
    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        spec = {m["path"].strip("/") for m in json.load(handle)["methods"] if m["api"] == "streaming"}
    assert {key_of(m) for m in METHODS} == spec


@pytest.mark.parametrize("method", METHODS, ids=key_of)
def test_garbage_in_every_parameter_of_a_streaming_method_answers_its_envelope(fuzz, other_world, method):
    theirs = snapshot(other_world.op.client)
    names = [p.name for p in method.params]
    offset = zlib.crc32(method.path.encode())
    variants = fz.rotated(VARIANTS, offset)
    general = fz.rotated(fz.GENERAL, offset)
    base = {name: value for name, value in fuzz.base.items() if name in names}

    # 1. Valid values, then every declared parameter garbage at once.
    for variant in VARIANTS:
        fuzz.send(method, base, variant)
        for _ in range(3):
            fuzz.send(method, dict.fromkeys(names, next(general)), variant)

    # 2. One garbage parameter next to valid values of the others (signed over the garbage).
    for index, param in enumerate(method.params):
        for value in fz.probes(param, offset + index, general=4):
            fuzz.send(method, {**base, param.name: value}, next(variants))

    # 3. JSON bodies (newer Flussonic versions post the token check's fields as JSON).
    for index, param in enumerate(method.params):
        for value in fz.JSON_VALUES[index % 3 :: 3]:
            fuzz.send(method, base, next(variants), body=json.dumps({**base, param.name: value}).encode())
    for content_type, payload in fz.BAD_BODIES:
        response = fuzz.http.generic("POST", f"{BASE}{method.path}?{fz.encode(base.items())}", payload, content_type)
        fuzz.findings.check(
            response,
            where=(method.path, content_type),
            fmt="json",
            statuses=statuses(method),
            success_status=200 if method.handler is token_check else None,
        )

    fuzz.findings.report()
    assert snapshot(other_world.op.client) == theirs
