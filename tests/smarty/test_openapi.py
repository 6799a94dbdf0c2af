"""The OpenAPI document lists every registered API method with its declared parameters."""

import json

from smarty.openapi import api_methods


def test_schema_lists_the_health_check_with_its_parameters(client, db):
    schema = json.loads(client.get("/api/schema/").content)
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/tvmiddleware/api/health/check/"]["get"]
    assert operation["summary"] == "HealthCheck"
    param = {p["name"]: p for p in operation["parameters"]}["check_db_conn"]
    assert param["schema"]["enum"] == [0, 1]
    assert not param["required"]


def test_every_registered_method_is_in_the_schema(client, db):
    schema = json.loads(client.get("/api/schema/").content)
    registered = {path for path, _ in api_methods()}
    assert registered and registered <= set(schema["paths"])


def test_docs_page_renders_the_methods(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "/tvmiddleware/api/health/check/" in page and "HealthCheck" in page
