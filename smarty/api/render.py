"""Response bodies: JSON for most devices, XML for the device types whose PlayDevice says so.

XML form (docs/api.md): `<response>` holds one element per field; lists hold `<item>`
elements; booleans are 1/0; None is an empty element. Whatever the data, the document is
well-formed: text is escaped and loses the characters XML 1.0 forbids, and a key that is not
an XML name becomes one.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import re
import uuid
from xml.sax.saxutils import escape

import orjson
from django.http import HttpResponse

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"


def _default(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"not serialisable: {type(value).__name__}")


# The largest whole number every JSON reader holds exactly (a JavaScript Number is a double).
_MAX_WIRE_NUMBER = 2**53 - 1


def wire_number(text: str) -> int | str:
    """A text field the reference types as Number (abonements, PINs, external ids): its number
    when it is ASCII digits without a leading zero and at most 2**53 - 1, else the text as
    stored. Operators may give abonements letters or leading zeros ("00042"), and turning
    those into a number would change what the subscriber types in."""
    if not text or not text.isascii() or not text.isdigit() or (text[0] == "0" and text != "0"):
        return text
    number = int(text)
    return number if number <= _MAX_WIRE_NUMBER else text


def to_json(body: dict) -> bytes:
    return json_value(body)


def json_members(fields: dict) -> bytes:
    """The members of `fields` as to_json writes them, without the braces (`"a":1,"b":"x"`):
    a fragment that a list's items are joined from, made once where the fields are cached;
    b"" for no fields."""
    return to_json(fields)[1:-1]


def json_value(value: object) -> bytes:
    """One value as to_json writes it (a whole body, a text, a number, a list)."""
    # orjson: the channel list of a large operator is hundreds of kilobytes, and encoding it
    # was the largest cost of a warm channel/list. UTF-8, compact, keys in insertion order.
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


def json_array(items: list[bytes]) -> orjson.Fragment:
    """A JSON array of items already written (json_members in braces, say), placed as it is
    where to_json meets it: a list of hundreds of items is joined, not encoded again. Only for
    JSON answers; an XML answer needs the values themselves."""
    return orjson.Fragment(b"[" + b",".join(items) + b"]")


# C0 controls but tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF: one of
# them anywhere (a message text from the billing, a name from a guide) and a device's parser
# refuses the whole answer.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_NAME_BAD = re.compile(r"[^A-Za-z0-9_.\-]")


_XML_ENTITIES = {"\r": "&#13;"}  # a raw CR would reach the device as LF (XML end-of-line handling)


def _xml_text(text: str) -> str:
    if _XML_ILLEGAL.search(text):
        text = _XML_ILLEGAL.sub("", text)
    return escape(text, _XML_ENTITIES)


@functools.lru_cache(maxsize=4096)
def _xml_tag(key: str) -> str:
    """A key as an element name: characters outside [A-Za-z0-9_.-] become `_`, and a name that
    does not start with a letter or `_` gets a leading `_` ("1" -> "_1")."""
    tag = _XML_NAME_BAD.sub("_", key)
    return tag if tag and (tag[0].isalpha() or tag[0] == "_") else f"_{tag}"


def _xml_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, decimal.Decimal):
        return str(float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return _xml_text(str(value))


def _xml_node(tag: str, value: object, out: list[str]) -> None:
    safe_tag = _xml_tag(tag)
    if isinstance(value, dict):
        out.append(f"<{safe_tag}>")
        for key, item in value.items():
            _xml_node(str(key), item, out)
        out.append(f"</{safe_tag}>")
    elif isinstance(value, (list, tuple, set, frozenset)):
        out.append(f"<{safe_tag}>")
        for item in value:
            _xml_node("item", item, out)
        out.append(f"</{safe_tag}>")
    else:
        out.append(f"<{safe_tag}>{_xml_value(value)}</{safe_tag}>")


def to_xml(body: dict) -> bytes:
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    _xml_node("response", body, out)
    return "".join(out).encode()


def render(body: dict, fmt: str = "json", status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(to_xml(body), content_type=XML_CONTENT_TYPE, status=status)
    return HttpResponse(to_json(body), content_type=JSON_CONTENT_TYPE, status=status)
