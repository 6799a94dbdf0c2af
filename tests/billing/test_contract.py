"""The Billing API against the reference (tests/billing/data/billing_spec.json, an extract):
every method exists at its path, declares every documented parameter, and every documented
error code has a named constant (and only those)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from billing import errors
from billing import views as _views  # noqa: F401 - registers the methods
from billing.api import billing as billing_api

SPEC = json.loads((Path(__file__).parent / "data" / "billing_spec.json").read_text())["methods"]
COMMON = {"client_id", "signature"}
# The reference names /authkey/delete/ "AccountModify" by mistake; its title says AuthkeyDelete.
NAME_FIXES = {"/authkey/delete/": "AuthkeyDelete"}


def test_the_spec_lists_44_methods_and_each_is_registered_at_its_path():
    assert len(SPEC) == 44
    registered = {m.path: m for m in billing_api.methods.values()}
    assert set(registered) == {m["path"] for m in SPEC}
    for method in SPEC:
        assert registered[method["path"]].name == NAME_FIXES.get(method["path"], method["name"])


@pytest.mark.parametrize("method", SPEC, ids=lambda m: m["path"])
def test_every_documented_parameter_is_declared(method):
    declared = {p.name for p in billing_api.methods[method["path"].strip("/")].params}
    documented = {p["field"] for p in method["parameters"]} - COMMON
    assert documented <= declared, documented - declared


@pytest.mark.parametrize("method", SPEC, ids=lambda m: m["path"])
def test_every_documented_error_code_has_a_named_constant(method):
    namespace = getattr(errors, NAME_FIXES.get(method["path"], method["name"]))
    documented = {code for code in method["errors"] if code != 0}
    assert set(errors.codes(namespace).values()) == documented


def test_the_common_codes_have_their_reference_values():
    assert (errors.OK, errors.UNKNOWN, errors.BAD_SIGNATURE, errors.UNKNOWN_CLIENT) == (0, -1, -2, -3)
