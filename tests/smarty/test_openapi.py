"""The API documentation: the OpenAPI document and the /api/docs/ page list every registered
method once, with the reference's required flags, response fields and error codes, and the
worked signature example is what the signing code computes and what the Billing API accepts."""

import base64
import hashlib
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

from smarty.api.signature import compute_signature, signature_matches
from smarty.management.commands.import_api_reference import reference_extract
from smarty.openapi import SIGNATURE_EXAMPLE, api_methods, reference
from tests.factories import AccountFactory, ClientFactory, CustomerFactory

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = os.environ.get("SMARTY_REFERENCE_SPEC")
needs_spec = pytest.mark.skipif(not SPEC_PATH, reason="SMARTY_REFERENCE_SPEC not set")


def _spec() -> dict:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return json.load(handle)


class _Page(HTMLParser):
    """The methods of the docs page: per <details class=method>, its path, summary text and
    the required flag of each parameter row."""

    def __init__(self) -> None:
        super().__init__()
        self.methods: dict[str, dict] = {}
        self.current: dict | None = None
        self.ids: dict[str, str] = {}
        self._id: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details" and attrs.get("class") == "method":
            self.current = self.methods.setdefault(attrs["data-path"], {"params": {}, "count": 0, "text": ""})
            self.current["count"] += 1
        elif tag == "tr" and "data-param" in attrs and self.current is not None:
            self.current["params"][attrs["data-param"]] = attrs["data-required"] == "yes"
        self._id = attrs.get("id")

    def handle_endtag(self, tag):
        self._id = None
        if tag == "details":
            self.current = None

    def handle_data(self, data):
        if self.current is not None:
            self.current["text"] += data
        if self._id:
            self.ids[self._id] = self.ids.get(self._id, "") + data


@pytest.fixture
def schema(client, db) -> dict:
    return json.loads(client.get("/api/schema/").content)


@pytest.fixture
def page(client, db) -> _Page:
    response = client.get("/api/docs/")
    assert response.status_code == 200
    parsed = _Page()
    parsed.feed(response.content.decode())
    return parsed


def test_schema_lists_the_health_check_with_its_parameters(schema):
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/tvmiddleware/api/health/check/"]["get"]
    assert operation["summary"] == "HealthCheck"
    param = {p["name"]: p for p in operation["parameters"]}["check_db_conn"]
    assert param["schema"]["enum"] == [0, 1]
    assert not param["required"]


def test_every_registered_method_is_in_the_schema_with_its_http_methods(schema):
    registered = dict(api_methods())
    assert len(registered) > 250
    assert set(registered) == set(schema["paths"])
    for path, method in registered.items():
        assert set(schema["paths"][path]) == {verb.lower() for verb in method.http_methods}


def test_operation_ids_are_unique(schema):
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_the_docs_page_has_exactly_one_entry_per_registered_method(page):
    registered = dict(api_methods())
    assert set(page.methods) == set(registered)
    assert all(entry["count"] == 1 for entry in page.methods.values())
    health = page.methods["/tvmiddleware/api/health/check/"]["text"]
    assert "HealthCheck" in health and "GET POST" in health


def test_the_committed_reference_data_is_the_reference(db):
    if SPEC_PATH:
        assert reference() == reference_extract(_spec())
    assert len(reference()) > 250


@needs_spec
def test_required_flags_on_the_page_and_in_the_schema_match_the_reference(schema, page):
    registered = dict(api_methods())
    checked = 0
    for entry in _spec()["methods"]:
        path = (entry["base"] + entry["path"]).rstrip("/") + "/"
        params = {p["name"]: p for op in schema["paths"][path].values() for p in op["parameters"]}
        shown = page.methods[path]["params"]
        declared = {param.name: param for param in registered[path].params}
        for row in entry["parameters"]:
            name = row["field"].removesuffix("[]")
            if "." in name:
                continue
            expected = not row["optional"] or (name in declared and declared[name].required)
            # The registry never requires what the reference calls optional.
            assert not (row["optional"] and name in declared and declared[name].required), (path, name)
            assert params[name]["required"] is expected, (path, name)
            assert shown[name] is expected, (path, name)
            checked += 1
    assert checked > 1000


def test_parameters_the_reference_requires_are_marked_required(page):
    change = page.methods["/tvmiddleware/api/account/password/change/"]["params"]
    assert change["old_password"] and change["new_password"] and change["client_id"]
    assert page.methods["/billing/api/account/info/"]["params"]["signature"]
    assert not page.methods["/tvmiddleware/api/health/check/"]["params"]["check_db_conn"]


def test_declared_ranges_types_and_reference_descriptions_are_in_the_schema(schema):
    operation = schema["paths"]["/tvmiddleware/api/channel/programs/"]["get"]
    offset = {p["name"]: p for p in operation["parameters"]}["timeshift_offset"]
    assert offset["schema"]["type"] == "integer"
    assert offset["schema"]["minimum"] == -24 and offset["schema"]["maximum"] == 24
    assert offset["schema"]["description"]


def test_response_fields_and_error_codes_come_from_the_reference(schema, page):
    operation = schema["paths"]["/tvmiddleware/api/channel/list/"]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    channel = body["properties"]["channels"]["items"]["properties"]
    assert channel["id"]["type"] == "integer" and channel["url"]["type"] == "string"
    assert "error" in body["required"]
    assert operation["x-error-codes"]["403"]
    assert "403" in page.methods["/tvmiddleware/api/channel/list/"]["text"]


def test_the_docs_page_has_a_search_box(client, db):
    html = client.get("/api/docs/").content.decode()
    assert '<input id="search" type="search"' in html
    assert 'addEventListener("input"' in html


def test_the_worked_signature_example_is_what_the_signing_code_computes(page):
    params, key = SIGNATURE_EXAMPLE["params"], SIGNATURE_EXAMPLE["key"]
    digest = compute_signature(params, key)
    joined = "".join(f"{n}:{v};" for n, v in sorted(params)) + key
    encoded = base64.b64encode(joined.encode()).decode()
    assert page.ids["sig-string"] == joined
    assert page.ids["sig-base64"] == encoded
    assert page.ids["sig-md5"] == digest == hashlib.md5(encoded.encode()).hexdigest()
    assert signature_matches(params, key, digest)
    notes = (ROOT / "docs" / "api.md").read_text()
    for value in (joined, encoded, digest):
        assert f"`{value}`" in notes
    assert re.search(rf"signature={digest}`", notes)


def test_the_worked_signature_example_is_accepted_by_the_billing_api(client, page):
    operator = ClientFactory(pk=int(dict(SIGNATURE_EXAMPLE["params"])["client_id"]))
    operator.billing_api_key = SIGNATURE_EXAMPLE["key"]
    operator.save(update_fields=["billing_api_key"])
    account = AccountFactory(customer=CustomerFactory(client=operator), abonement="100001")
    items = [*SIGNATURE_EXAMPLE["params"], ("signature", compute_signature(SIGNATURE_EXAMPLE["params"], "x"))]
    refused = client.post(SIGNATURE_EXAMPLE["path"], urlencode(items), content_type="application/x-www-form-urlencoded")
    assert refused.json()["error"] == -2
    items[-1] = ("signature", page.ids["sig-md5"])
    answer = client.post(SIGNATURE_EXAMPLE["path"], urlencode(items), content_type="application/x-www-form-urlencoded")
    assert answer.json()["error"] == 0
    assert answer.json()["id"] == account.pk


def _schemas(node):
    if isinstance(node, dict):
        if "type" in node and isinstance(node["type"], str):
            yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def test_every_schema_in_the_document_is_well_formed(schema):
    types = {"object", "array", "string", "integer", "number", "boolean"}
    checked = 0
    for operations in schema["paths"].values():
        for operation in operations.values():
            body = operation["responses"]["200"]["content"]["application/json"]["schema"]
            for node in _schemas([body, [p["schema"] for p in operation["parameters"]]]):
                assert node["type"] in types, node
                if node["type"] == "array":
                    assert isinstance(node.get("items"), dict), node
                for name in node.get("required", []):
                    assert name in node.get("properties", {}), (name, node)
                checked += 1
    assert checked > 5000
