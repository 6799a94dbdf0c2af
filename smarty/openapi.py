"""The OpenAPI 3 document of every legacy API method, generated from the method registries
(the same declarations that parse the requests), so a method added anywhere appears here.

Served at /api/schema/ (JSON) and rendered as a browsable page at /api/docs/.
"""

from __future__ import annotations

import copy

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import URLPattern, URLResolver, get_resolver

from .api.params import Param

_TYPES = {
    "a whole number": {"type": "integer"},
    "a list of whole numbers": {"type": "array", "items": {"type": "integer"}},
    "0 or 1": {"type": "integer", "enum": [0, 1]},
    "a date yyyy-mm-dd": {"type": "string", "format": "date"},
    "a Unix timestamp or ISO date-time": {"type": "string", "description": "Unix timestamp or ISO 8601"},
    "a decimal number": {"type": "number"},
    "a JSON string": {"type": "string", "description": "JSON"},
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


def api_methods() -> list[tuple[str, object]]:
    return [(path, method) for path, method, _ in _walk(get_resolver().url_patterns)]


def build_schema() -> dict:
    paths: dict[str, dict] = {}
    tags: set[str] = set()
    for path, method in api_methods():
        api_name = path.strip("/").split("/")[0]
        tags.add(api_name)
        parameters = [
            {
                "name": param.name,
                "in": "query",
                "required": param.required,
                "schema": _param_schema(param),
                **({"style": "form", "explode": True} if param.many else {}),
            }
            for param in method.params
        ]
        doc = (method.handler.__doc__ or "").strip()
        auth = list(method.auth)
        operation = {
            "operationId": f"{api_name}_{method.name}",
            "summary": method.name,
            "description": doc + (f"\n\nAuthentication: {', '.join(auth)}." if auth else ""),
            "tags": [api_name],
            "parameters": parameters,
            "responses": {
                "200": {
                    "description": "The method's envelope (JSON; XML for device types configured so).",
                    "content": {"application/json": {"schema": ENVELOPE}},
                }
            },
        }
        paths[path] = {verb.lower(): operation for verb in method.http_methods if verb in {"GET", "POST"}}
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


def schema_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(build_schema(), json_dumps_params={"ensure_ascii": False, "indent": 1})


def docs_view(request: HttpRequest) -> HttpResponse:
    schema = build_schema()
    groups: dict[str, list] = {}
    for path, operations in schema["paths"].items():
        for verb, op in operations.items():
            groups.setdefault(op["tags"][0], []).append({"path": path, "verb": verb.upper(), **op})
    return HttpResponse(render_to_string("api_docs.html", {"schema": schema, "groups": sorted(groups.items())}))
