"""The server APIs' request signature (Billing, Content, Dealers, Streaming):

all parameters but `signature`, sorted by name and then value, joined as
`name:value;`, the operator's API key appended, base64-encoded, then md5 hex digest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from django.http import QueryDict

FORM_TYPE = "application/x-www-form-urlencoded"


def signature_string(items: Iterable[tuple[str, str]], key: str) -> str:
    pairs = sorted((name, str(value)) for name, value in items if name != "signature")
    return "".join(f"{name}:{value};" for name, value in pairs) + key


def compute_signature(items: Iterable[tuple[str, str]], key: str) -> str:
    raw = signature_string(items, key).encode("utf-8")
    return hashlib.md5(base64.b64encode(raw)).hexdigest()  # noqa: S324 - the protocol's choice


def signature_matches(items: Iterable[tuple[str, str]], key: str, given: str) -> bool:
    """Constant-time comparison of the given signature with the expected one."""
    if not key or not given:
        return False
    expected = compute_signature(items, key)
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def get_body_form(request) -> QueryDict | None:
    """The form parameters in the body of a GET request (urlencoded), or None. Some published
    clients send a GET with the POST body they sign; Django reads no body for a GET."""
    if request.method != "GET" or not request.META.get("CONTENT_TYPE", "").startswith(FORM_TYPE):
        return None
    if not request.META.get("CONTENT_LENGTH") or not request.body:
        return None
    return QueryDict(request.body, encoding=request.encoding)


def request_items(request) -> list[tuple[str, str]]:
    """Every (name, value) of a request: POST body and query string alike, repeated
    parameters each as their own item, `name[]` kept as the client sent it."""
    items: list[tuple[str, str]] = []
    body = request.POST if request.method == "POST" else get_body_form(request)
    for data in (body, request.GET) if body is not None else (request.GET,):
        for name, values in data.lists():
            items.extend((name, value) for value in values)
    return items
