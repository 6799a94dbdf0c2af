"""The four APIs against the reference (SMARTY_REFERENCE_SPEC names spec.json): every method
is registered at its path under its name, declares every documented parameter, and every
documented error code is a named constant of the method."""

from __future__ import annotations

import json
import os

import pytest

from dealers import errors as dealer_errors
from dealers import views as _dealer_views  # noqa: F401 - registers the methods
from dealers.api import dealers
from tvmiddleware.other_apis import views as _views  # noqa: F401 - registers the methods
from tvmiddleware.other_apis.api import CustomerStatsInfo, DeviceMonitoring, StatPush, device_monitoring, drm, viewstats

APIS = {"viewstats": viewstats, "device-monitoring": device_monitoring, "drm": drm, "dealers": dealers}


def spec_methods() -> list[dict]:
    path = os.environ.get("SMARTY_REFERENCE_SPEC")
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        methods = json.load(handle)["methods"]
    return [m for m in methods if m["api"] in APIS]


SPEC = spec_methods()
needs_spec = pytest.mark.skipif(not SPEC, reason="SMARTY_REFERENCE_SPEC not set")


def codes_of(namespace) -> set[int]:
    return {getattr(namespace, k) for k in dir(namespace) if k.isupper() and isinstance(getattr(namespace, k), int)}


@needs_spec
def test_every_method_of_the_four_apis_is_registered_at_its_path():
    assert len(SPEC) == 18
    for method in SPEC:
        registered = APIS[method["api"]].methods.get(method["path"].strip("/"))
        assert registered is not None, method["path"]
        assert registered.name == method["name"]


@needs_spec
@pytest.mark.parametrize("method", SPEC, ids=lambda m: m["api"] + m["path"])
def test_every_documented_parameter_is_declared(method):
    declared = {p.name for p in APIS[method["api"]].methods[method["path"].strip("/")].params}
    documented = {p["field"].split(".")[0] for p in method["parameters"]}
    assert documented <= declared, documented - declared


NAMESPACES = {
    "StatPush": StatPush,
    "CustomerStatsInfo": CustomerStatsInfo,
}


@needs_spec
@pytest.mark.parametrize("method", SPEC, ids=lambda m: m["api"] + m["path"])
def test_every_documented_error_code_has_a_named_constant(method):
    documented = {int(e["code"]) for e in method["errors"]}
    if method["api"] == "dealers":
        assert documented == codes_of(getattr(dealer_errors, method["name"]))
    elif method["api"] == "device-monitoring":
        assert documented <= codes_of(DeviceMonitoring)
    elif method["api"] == "drm":
        assert documented == {404}
    else:
        assert documented == codes_of(NAMESPACES[method["name"]])
