"""Response bodies: JSON for most devices, XML for the device types whose PlayDevice says so.

XML form (docs/api.md): `<response>` holds one element per field; lists hold `<item>`
elements; booleans are 1/0; None is an empty element.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import uuid
from xml.sax.saxutils import escape

import orjson
from django.http import HttpResponse

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"

# Characters XML 1.0 cannot carry at all, even escaped (control characters, U+FFFE/FFFF,
# lone surrogates): text a device stored (a device model, a profile name) may hold them.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_NAME_CHAR = re.compile(r"[^\w.-]")


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


def to_json(body: dict) -> bytes:
    # orjson: the channel list of a large operator is hundreds of kilobytes, and encoding it
    # was the largest cost of a warm channel/list. UTF-8, compact, keys in insertion order.
    return orjson.dumps(body, default=_default, option=orjson.OPT_NON_STR_KEYS)


def _xml_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, decimal.Decimal):
        return str(float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return escape(_NOT_XML_CHAR.sub("", str(value)))


def _xml_tag(name: str) -> str:
    """An element name for a key: characters a name cannot hold become `_`, and a name that
    does not start with a letter or `_` gets one (`1` -> `_1`)."""
    tag = _NOT_NAME_CHAR.sub("_", name)
    return tag if tag and (tag[0].isalpha() or tag[0] == "_") else f"_{tag}"


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
