"""Declared parameters: each method lists what it takes, `parse_params` validates all of
them at the edge and raises the method's "wrong parameter" code naming every bad field.

Conventions of the legacy APIs: Number is an integer; Number[] comes as repeated params
(`id=1&id=2`), with or without `[]` on the name, and comma lists are accepted too; flags are
`0`/`1`; Date is `yyyy-mm-dd`; DateTime is a Unix timestamp or ISO 8601.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateparse import parse_datetime

from .errors import ApiError

_MISSING = object()


@dataclass(frozen=True)
class Param:
    name: str
    required: bool = False
    default: Any = None
    choices: tuple | None = None
    many: bool = False
    parser: Callable[[str], Any] = field(default=str, repr=False)
    max_length: int | None = None
    type_name: str = "String"

    def raw(self, data) -> Any:  # noqa: ANN001
        if self.many:
            values = list(data.getlist(self.name)) + list(data.getlist(self.name + "[]"))
            out: list[str] = []
            for value in values:
                out.extend(v.strip() for v in str(value).split(",") if v.strip() != "")
            return out if out else _MISSING
        value = data.get(self.name, _MISSING)
        if value is _MISSING or value == "":
            return _MISSING
        return value

    def parse(self, data) -> Any:  # noqa: ANN001
        raw = self.raw(data)
        if raw is _MISSING:
            if self.required:
                raise _FieldError("required parameter is missing")
            return (
                list(self.default)
                if self.many and self.default is not None
                else ([] if self.many and self.default is None else self.default)
            )
        if self.many:
            return [self._one(v) for v in raw]
        return self._one(raw)

    def _one(self, value: str) -> Any:
        if self.max_length is not None and len(value) > self.max_length:
            raise _FieldError(f"longer than {self.max_length} characters")
        try:
            parsed = self.parser(value)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise _FieldError(f"expected {self.type_name}") from exc
        if self.choices is not None and parsed not in self.choices:
            raise _FieldError("allowed values: " + ", ".join(str(c) for c in self.choices))
        return parsed


class _FieldError(Exception):
    pass


def _int(value: str) -> int:
    value = value.strip()
    if not value.lstrip("-").isdigit():
        raise ValueError(value)
    return int(value)


def _flag(value: str) -> int:
    value = value.strip().lower()
    if value in {"1", "true"}:
        return 1
    if value in {"0", "false"}:
        return 0
    raise ValueError(value)


def _date(value: str) -> dt.date:
    return dt.datetime.strptime(value.strip(), "%Y-%m-%d").date()


def _datetime(value: str) -> dt.datetime:
    value = value.strip()
    if value.lstrip("-").isdigit():
        return dt.datetime.fromtimestamp(int(value), dt.UTC)
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _decimal(value: str) -> decimal.Decimal:
    result = decimal.Decimal(value.strip().replace(",", "."))
    if not result.is_finite():
        raise ValueError(value)
    return result


def _json(value: str) -> Any:
    return json.loads(value)


def Number(name: str, *, required: bool = False, default: Any = None, choices: tuple | None = None) -> Param:  # noqa: N802
    return Param(name, required, default, choices, parser=_int, type_name="a whole number")


def NumberList(name: str, *, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, None, many=True, parser=_int, type_name="a list of whole numbers")


def String(  # noqa: N802
    name: str,
    *,
    required: bool = False,
    default: Any = None,
    choices: tuple | None = None,
    max_length: int | None = None,
) -> Param:  # noqa: N802, E501
    return Param(name, required, default, choices, parser=str, max_length=max_length, type_name="a string")


def Flag(name: str, *, default: int = 0, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, default, (0, 1), parser=_flag, type_name="0 or 1")


def Date(name: str, *, required: bool = False, default: Any = None) -> Param:  # noqa: N802
    return Param(name, required, default, parser=_date, type_name="a date yyyy-mm-dd")


def DateTime(name: str, *, required: bool = False, default: Any = None) -> Param:  # noqa: N802
    return Param(name, required, default, parser=_datetime, type_name="a Unix timestamp or ISO date-time")


def Decimal(name: str, *, required: bool = False, default: Any = None) -> Param:  # noqa: N802
    return Param(name, required, default, parser=_decimal, type_name="a decimal number")


def Json(name: str, *, required: bool = False, default: Any = None) -> Param:  # noqa: N802
    return Param(name, required, default, parser=_json, type_name="a JSON string")


def parse_params(data, params: list[Param] | tuple[Param, ...], *, error_code: int) -> dict[str, Any]:  # noqa: ANN001
    """Parse every declared parameter; raise ApiError(error_code) naming all bad ones."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for param in params:
        try:
            values[param.name] = param.parse(data)
        except _FieldError as exc:
            errors[param.name] = str(exc)
    if errors:
        message = "; ".join(f"{name}: {text}" for name, text in errors.items())
        raise ApiError(error_code, f"Invalid parameters: {message}", errors)
    return values
