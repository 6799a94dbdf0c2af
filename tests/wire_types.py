"""Response types against the reference (SMARTY_REFERENCE_SPEC names spec.json): which JSON
values each of the reference's types allows, and the fields of an answer that break them."""

from __future__ import annotations

import json
import os

import pytest


def reference_methods(api: str) -> dict[str, dict]:
    """The reference's methods of `api` by path without slashes ({} when it is not set)."""
    path = os.environ.get("SMARTY_REFERENCE_SPEC")
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return {m["path"].strip("/"): m for m in json.load(handle)["methods"] if m["api"] == api}


needs_reference = pytest.mark.skipif(
    not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set"
)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# The reference's Number is any JSON number (prices are Numbers too), never a string; Date is
# a date string or a timestamp.
JSON_TYPES = {
    "Number": _number,
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool) or v in (0, 1),
    "Double": _number,
    "Float": _number,
    "Decimal": lambda v: _number(v) or isinstance(v, str),
    "Date": lambda v: isinstance(v, str) or (_number(v) and isinstance(v, int)),
    "Object": lambda v: isinstance(v, dict),
    "Object[]": lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
    "String[]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "Number[]": lambda v: isinstance(v, list) and all(_number(i) for i in v),
}


def type_mismatches(body: dict, method: dict) -> list[str]:
    """Fields of `body` (nested ones by dotted name, through lists) whose value is not of the
    reference's type. None and "" pass: an empty value (an account without a PIN) is empty in
    any type."""
    types = {field["field"]: field["type"] for field in method["response"] if field.get("type") in JSON_TYPES}
    found: list[str] = []

    def walk(value, prefix: str) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, prefix)
            return
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            name = f"{prefix}{key}"
            expected = types.get(name)
            if expected is not None and item not in (None, "") and not JSON_TYPES[expected](item):
                found.append(f"{name}: {expected} expected, got {item!r}"[:200])
            walk(item, name + ".")

    walk(body, "")
    return found
