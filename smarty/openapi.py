"""The OpenAPI 3 document of every legacy API method and the browsable page of it.

Generated from the method registries (the same declarations that parse the requests), so a
method added anywhere appears here, completed with the published reference's facts per method
(title, parameter descriptions and required flags, response fields, error codes) from
smarty/data/api_reference.json (written by `smarty_manage import_api_reference`).

Served at /api/schema/ (JSON) and rendered as a searchable page at /api/docs/.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import json
from pathlib import Path

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver

from .api.params import Param
from .api.signature import compute_signature, signature_string

REFERENCE_PATH = Path(__file__).resolve().parent / "data" / "api_reference.json"

# The schema of a declared parameter, by the declaration's type name.
_TYPES = {
    "a whole number": {"type": "integer"},
    "a list of whole numbers": {"type": "array", "items": {"type": "integer"}},
    "0 or 1": {"type": "integer", "enum": [0, 1]},
    "a date yyyy-mm-dd": {"type": "string", "format": "date"},
    "a Unix timestamp or ISO date-time": {"type": "string", "description": "Unix timestamp or ISO 8601"},
    "a decimal number": {"type": "number"},
    "a JSON string": {"type": "string", "description": "JSON"},
}

# The schema of a reference type (parameters the registry does not declare, response fields).
_REFERENCE_TYPES = {
    "Number": {"type": "integer"},
    "Number[]": {"type": "array", "items": {"type": "integer"}},
    "Boolean": {"type": "boolean"},
    "Date": {"type": "string", "format": "date"},
    "Decimal": {"type": "number"},
    "Double": {"type": "number"},
    "Float": {"type": "number"},
    "Object": {"type": "object"},
    "Object[]": {"type": "array", "items": {"type": "object"}},
    "String": {"type": "string"},
}

ENVELOPE = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "integer", "description": "0 on success, else the method's error code"},
        "error_message": {"type": "string"},
        "error_fields": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": True,
}

# The worked example of the server APIs' signature (Billing, Content, Dealers, Streaming);
# the page computes it with the signing code, tests/smarty/test_openapi.py holds docs/api.md
# to it and sends it to the Billing API.
SIGNATURE_EXAMPLE = {
    "path": "/billing/api/account/info/",
    "params": [("client_id", "42"), ("abonement", "100001")],
    "key": "billing-secret",
}


@functools.cache
def reference() -> dict[str, dict]:
    """The reference's facts per method path; empty when the data file is missing."""
    try:
        return json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))["methods"]
    except FileNotFoundError:
        return {}


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            method = getattr(pattern.callback, "api_method", None)
            route = str(pattern.pattern)
            if method is not None and route.endswith("/"):
                yield "/" + prefix + route, method, pattern.callback


def _param_schema(param: Param) -> dict:
    schema = copy.deepcopy(_TYPES.get(param.type_name, {"type": "string"}))
    if param.choices is not None and "enum" not in schema:
        schema["enum"] = list(param.choices)
    if param.default not in (None, [], ()):
        schema["default"] = param.default if isinstance(param.default, (int, str, float)) else str(param.default)
    if param.max_length:
        schema["maxLength"] = param.max_length
    target = schema.setdefault("items", {}) if param.many else schema
    if param.lo is not None:
        target["minimum"] = param.lo
    if param.hi is not None:
        target["maximum"] = param.hi
    return schema


def _reference_schema(type_name: str) -> dict:
    return copy.deepcopy(_REFERENCE_TYPES.get(type_name, {"type": "string"}))


def api_methods() -> list[tuple[str, object]]:
    return [(path, method) for path, method, _ in _walk(get_resolver().url_patterns)]


def _type_text(schema: dict) -> str:
    if schema.get("type") == "array":
        return f"{schema.get('items', {}).get('type', 'string')}[]"
    return schema.get("format") or schema.get("type", "string")


def method_parameters(method, ref: dict) -> list[dict]:
    """The declared parameters, then those only the reference names (client_id, authkey,
    signature... read by the API's authentication): required when the declaration or the
    reference requires them."""
    by_name = {row["field"].removesuffix("[]"): row for row in ref.get("parameters", [])}
    rows: list[dict] = []
    seen: set[str] = set()
    for param in method.params:
        row = by_name.get(param.name, {})
        seen.add(param.name)
        rows.append(
            {
                "name": param.name,
                "schema": _param_schema(param),
                "required": param.required or row.get("optional") is False,
                "description": row.get("description", ""),
                "many": param.many,
            }
        )
    for name, row in by_name.items():
        if name in seen or "." in name:
            continue
        rows.append(
            {
                "name": name,
                "schema": _reference_schema(row.get("type", "String")),
                "required": row.get("optional") is False,
                "description": row.get("description", ""),
                "many": row.get("type", "").endswith("[]"),
            }
        )
    for row in rows:
        row["type"] = _type_text(row["schema"])
        if row["description"]:
            row["schema"]["description"] = row["description"]
    return rows


def _node(type_name: str, description: str) -> dict:
    node = _reference_schema(type_name)
    if description:
        node["description"] = description
    return node


def response_schema(fields: list[dict]) -> dict:
    """A nested object schema from the reference's dotted response fields
    (`channels.id` is `id` of each item of the `channels` list)."""
    root: dict = {"type": "object", "properties": {}, "required": []}
    for row in fields:
        parts = row["field"].split(".")
        parent = root
        for part in parts[:-1]:
            props = parent.setdefault("properties", {})
            child = props.setdefault(part, {"type": "object"})
            if child.get("type") == "array":
                child.setdefault("items", {"type": "object"})
                child["items"]["type"] = "object"
                parent = child["items"]
            else:
                child["type"] = "object"
                parent = child
        leaf = parts[-1]
        props = parent.setdefault("properties", {})
        existing = props.get(leaf, {})
        node = _node(row.get("type", "String"), row.get("description", ""))
        # Children seen before their parent keep their properties.
        holder = node.setdefault("items", {"type": "object"}) if node.get("type") == "array" else node
        for key in ("properties", "required"):
            if key in existing:
                holder[key] = existing[key]
        props[leaf] = node
        if row.get("optional") is False:
            parent.setdefault("required", [])
            if leaf not in parent["required"]:
                parent["required"].append(leaf)
    if not root["required"]:
        root["required"] = ["error"]
    root.setdefault("properties", {}).setdefault("error", ENVELOPE["properties"]["error"])
    return root


def method_doc(path: str, method) -> dict:
    """One method's documentation: what the page shows and the OpenAPI operation is made of."""
    ref = reference().get(path, {})
    api_name = path.strip("/").split("/")[0]
    doc = (method.handler.__doc__ or "").strip()
    return {
        "path": path,
        "api": api_name,
        "name": method.name,
        "title": ref.get("title", ""),
        "group": ref.get("group", ""),
        "verbs": [verb for verb in method.http_methods if verb in {"GET", "POST"}],
        "reference_verb": ref.get("http_method", ""),
        "description": doc,
        "auth": list(method.auth),
        "parameters": method_parameters(method, ref),
        "response": [
            {**row, "required": row.get("optional") is False, "type": row.get("type", "String")}
            for row in ref.get("response", [])
        ],
        "errors": ref.get("errors", []),
        "in_reference": bool(ref),
    }


def method_docs() -> list[dict]:
    return sorted((method_doc(path, method) for path, method in api_methods()), key=lambda d: d["path"])


def _operation(doc: dict, verb: str) -> dict:
    description = "\n\n".join(
        part
        for part in (
            doc["title"],
            doc["description"],
            f"Authentication: {', '.join(doc['auth'])}." if doc["auth"] else "",
        )
        if part
    )
    errors = "; ".join(f"{e['code']}: {e['description'].rstrip('.')}" for e in doc["errors"])
    schema = response_schema(doc["response"]) if doc["response"] else ENVELOPE
    return {
        "operationId": f"{doc['api']}_{doc['name']}_{verb.lower()}",
        "summary": doc["name"],
        "description": description,
        "tags": [doc["api"]],
        "parameters": [
            {
                "name": row["name"],
                "in": "query",
                "required": row["required"],
                "schema": row["schema"],
                **({"style": "form", "explode": True} if row["many"] else {}),
            }
            for row in doc["parameters"]
        ],
        "responses": {
            "200": {
                "description": "The method's envelope (JSON; XML for device types configured so)."
                + (f" Error codes: {errors}." if errors else ""),
                "content": {"application/json": {"schema": schema}},
            }
        },
        **({"x-error-codes": {e["code"]: e["description"] for e in doc["errors"]}} if doc["errors"] else {}),
    }


def build_schema() -> dict:
    paths: dict[str, dict] = {}
    tags: set[str] = set()
    for doc in method_docs():
        tags.add(doc["api"])
        paths[doc["path"]] = {verb.lower(): _operation(doc, verb) for verb in doc["verbs"]}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Smarty-compatible IPTV/OTT middleware APIs",
            "version": "1.0.0",
            "description": "TVMW, Billing, Streaming and the other legacy APIs, wire-compatible with the "
            "published Smarty methods. Protocol notes: docs/api.md.",
        },
        "tags": [{"name": name} for name in sorted(tags)],
        "paths": dict(sorted(paths.items())),
    }


def signature_example() -> dict:
    """The worked example, each step computed: the sorted string, its base64, the md5 digest."""
    params, key = SIGNATURE_EXAMPLE["params"], SIGNATURE_EXAMPLE["key"]
    joined = signature_string(params, key)
    encoded = base64.b64encode(joined.encode("utf-8")).decode("ascii")
    return {
        **SIGNATURE_EXAMPLE,
        "string": joined,
        "base64": encoded,
        "md5": hashlib.md5(encoded.encode("ascii")).hexdigest(),  # noqa: S324 - the protocol's choice
        "signature": compute_signature(params, key),
        "query": "&".join(f"{name}={value}" for name, value in params),
    }


# The registries and the reference do not change while a process runs: each document is built
# once per process (1.5 MB of HTML, 3.7 MB of JSON; about a second to build).
@functools.cache
def _schema_bytes() -> bytes:
    return json.dumps(build_schema(), ensure_ascii=False, indent=1).encode("utf-8")


@functools.cache
def _docs_html() -> str:
    schema = build_schema()
    groups: dict[str, list] = {}
    for doc in method_docs():
        groups.setdefault(doc["api"], []).append(doc)
    return render_to_string(
        "api_docs.html",
        {"schema": schema, "groups": sorted(groups.items()), "signature": signature_example()},
    )


def schema_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_schema_bytes(), content_type="application/json")


def docs_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_docs_html())
