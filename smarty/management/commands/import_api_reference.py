"""Write smarty/data/api_reference.json: per method of the published reference (spec.json of
the vendor's API documentation) its title, parameters with types and required flags, response
fields and error codes, keyed by the full path. The API docs page (/api/docs/) and the OpenAPI
document read it, so a fresh clone documents every method without the reference at hand.

Regenerate after the reference changes: `smarty_manage import_api_reference path/to/spec.json`.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import CommandError

from smarty.commands import SmartyCommand
from smarty.openapi import REFERENCE_PATH

_FIELD_KEYS = ("field", "type", "optional", "description", "default")


def _fields(rows: list[dict]) -> list[dict]:
    return [{key: row[key] for key in _FIELD_KEYS if row.get(key) not in (None, "")} for row in rows]


def reference_extract(spec: dict) -> dict[str, dict]:
    """The reference's methods keyed by base + path (always with the trailing slash)."""
    methods: dict[str, dict] = {}
    for entry in spec["methods"]:
        key = (entry["base"] + entry["path"]).rstrip("/") + "/"
        methods[key] = {
            "api": entry["api"],
            "name": entry["name"],
            "group": entry.get("group", ""),
            "title": entry.get("title", ""),
            "http_method": entry.get("http_method", ""),
            "parameters": _fields(entry.get("parameters", [])),
            "response": _fields(entry.get("response", [])),
            "errors": [
                {"code": str(error["code"]), "description": error.get("description", "")}
                for error in entry.get("errors", [])
            ],
        }
    return dict(sorted(methods.items()))


class Command(SmartyCommand):
    help = "Copy the API reference's per-method facts (spec.json) into smarty/data/api_reference.json."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("spec", help="the reference's spec.json")
        parser.add_argument("--output", default=str(REFERENCE_PATH))

    def run(self, *, spec: str, output: str, **options) -> str:
        try:
            data = json.loads(Path(spec).read_text(encoding="utf-8"))
            methods = reference_extract(data)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"cannot read the reference {spec}: {exc}") from exc
        text = json.dumps({"source": data.get("source", ""), "methods": methods}, ensure_ascii=False, indent=0)
        Path(output).write_text(text + "\n", encoding="utf-8")
        return f"import_api_reference: {len(methods)} methods written to {output}"
