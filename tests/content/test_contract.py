"""The Content API against the reference (tests/content/data/content_spec.json, an extract):
every method exists at its path, declares every documented parameter, and every documented
error code has a named constant (and only those); the whole spec.json when
SMARTY_REFERENCE_SPEC names it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from content import errors
from content import views as _views  # noqa: F401 - registers the methods
from content.api import content as content_api

SPEC = json.loads((Path(__file__).parent / "data" / "content_spec.json").read_text())["methods"]
COMMON = {"client_id", "signature"}
SHARED_CODES = {errors.OK, errors.BAD_PARAM, errors.INVALID, errors.SAVE_FAILED, errors.NOT_FOUND}
REGISTERED = {m.path: m for m in content_api.methods.values()}


def test_the_shared_codes_have_their_reference_values():
    assert (errors.OK, errors.BAD_PARAM, errors.INVALID, errors.SAVE_FAILED, errors.NOT_FOUND) == (0, 20, 21, 22, 404)
    assert (errors.UNKNOWN, errors.BAD_SIGNATURE, errors.UNKNOWN_CLIENT) == (-1, -2, -3)


def test_every_method_shares_the_common_codes():
    for method in SPEC:
        assert SHARED_CODES <= set(method["errors"]), method["name"]


def test_every_registered_method_is_in_the_reference_under_its_name():
    by_path = {m["path"]: m for m in SPEC}
    for path, method in REGISTERED.items():
        assert by_path[path]["name"] == method.name
        assert "POST" in method.http_methods


@pytest.mark.parametrize("method", SPEC, ids=lambda m: m["path"])
def test_every_documented_parameter_is_declared(method):
    if method["path"] not in REGISTERED:
        pytest.skip("not registered")
    declared = {p.name for p in REGISTERED[method["path"]].params}
    documented = {p["field"] for p in method["parameters"]} - COMMON
    assert documented <= declared, documented - declared


@pytest.mark.parametrize("method", SPEC, ids=lambda m: m["path"])
def test_every_documented_error_code_has_a_named_constant(method):
    namespace = getattr(errors, method["name"], None)
    named = set(errors.codes(namespace).values()) if namespace is not None else set()
    assert named == set(method["errors"]) - SHARED_CODES


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_the_extract_matches_the_reference_spec():
    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        reference = [m for m in json.load(handle)["methods"] if m.get("api") == "content"]
    assert [(m["path"], m["name"]) for m in reference] == [(m["path"], m["name"]) for m in SPEC]
    for ours, theirs in zip(SPEC, reference, strict=True):
        assert ours["errors"] == sorted(int(e["code"]) for e in theirs["errors"])
        assert [p["field"] for p in ours["parameters"]] == [p["field"] for p in theirs["parameters"]]
