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
    # Declared range of a Number (None: anything a signed 64-bit column holds).
    lo: int | None = None
    hi: int | None = None

    @property
    def range_text(self) -> str:
        return "" if self.lo is None and self.hi is None else f" from {self.lo} to {self.hi}"

    def raw(self, data) -> Any:
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

    def parse(self, data) -> Any:
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
        if "\x00" in value:
            # No parameter means a NUL, and some databases (PostgreSQL) cannot store one.
            raise _FieldError("contains a NUL character")
        if self.max_length is not None and len(value) > self.max_length:
            raise _FieldError(f"longer than {self.max_length} characters")
        try:
            parsed = self.parser(value)
        except (ValueError, TypeError, ArithmeticError) as exc:
            raise _FieldError(f"expected {self.type_name}{self.range_text}") from exc
        if self.choices is not None and parsed not in self.choices:
            raise _FieldError("allowed values: " + ", ".join(str(c) for c in self.choices))
        return parsed


class _FieldError(Exception):
    pass


# Every Number fits a signed 64-bit column (ids are BigAutoField); a declaration narrows
# the range where the value feeds a time, an offset or a smaller column.
INT64 = (-(2**63), 2**63 - 1)


def is_digits(text: str) -> bool:
    """ASCII digits only ("²" and "٣" are digits to str.isdigit but not to int())."""
    return text.isascii() and text.isdigit()


def whole_number(lo: int, hi: int) -> Callable[[str], int]:
    """A parser of whole numbers in [lo, hi] (ASCII digits, an optional minus)."""

    def parse(value: str) -> int:
        value = value.strip()
        digits = value[1:] if value.startswith("-") else value
        if not is_digits(digits) or len(digits) > 19:
            raise ValueError(value)
        number = int(value)
        if not lo <= number <= hi:
            raise ValueError(value)
        return number

    return parse


def _declared(lo: int, hi: int) -> dict[str, int | None]:
    return {"lo": lo, "hi": hi} if (lo, hi) != INT64 else {}


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
    """A Unix timestamp or an ISO 8601 date-time (UTC when it names no zone), as an aware
    datetime in UTC. A moment outside what a datetime holds in UTC is a ValueError: a huge
    timestamp, or a local time like 0001-01-01T00:00+14:00 that falls before year 1 in UTC."""
    value = value.strip()
    digits = value[1:] if value.startswith("-") else value
    try:
        if is_digits(digits):
            return dt.datetime.fromtimestamp(int(value), dt.UTC)
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=dt.UTC)
        return parsed.astimezone(dt.UTC)
    except (OverflowError, OSError) as exc:
        # fromtimestamp() gives either, depending on the platform's time_t.
        raise ValueError(value) from exc


def _decimal(value: str) -> decimal.Decimal:
    result = decimal.Decimal(value.strip().replace(",", "."))
    if not result.is_finite():
        raise ValueError(value)
    return result


def json_loads(raw: str | bytes) -> Any:
    """json.loads for request input: absurdly deep nesting is a ValueError like any other
    malformed JSON (the decoder itself gives up with a RecursionError)."""
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


def _json(value: str) -> Any:
    return json_loads(value)


def Number(  # noqa: N802
    name: str,
    *,
    required: bool = False,
    default: Any = None,
    choices: tuple | None = None,
    lo: int = INT64[0],
    hi: int = INT64[1],
) -> Param:
    """A whole number in ASCII digits within lo..hi (by default what a BIGINT holds)."""
    return Param(
        name, required, default, choices, parser=whole_number(lo, hi), type_name="a whole number", **_declared(lo, hi)
    )


def NumberList(name: str, *, required: bool = False, lo: int = INT64[0], hi: int = INT64[1]) -> Param:  # noqa: N802
    return Param(
        name,
        required,
        None,
        many=True,
        parser=whole_number(lo, hi),
        type_name="a list of whole numbers",
        **_declared(lo, hi),
    )


def String(  # noqa: N802
    name: str,
    *,
    required: bool = False,
    default: Any = None,
    choices: tuple | None = None,
    max_length: int | None = None,
) -> Param:
    return Param(name, required, default, choices, parser=str, max_length=max_length, type_name="a string")


PIN_MAX_LENGTH = 16


def pin(value: str) -> str:
    """A parental-control PIN: 1 to 16 ASCII digits, kept as text (leading zeros count)."""
    if not is_digits(value) or len(value) > PIN_MAX_LENGTH:
        raise ValueError(value)
    return value


def Pin(name: str, *, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, None, parser=pin, type_name=f"a PIN of 1 to {PIN_MAX_LENGTH} digits")


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


def parse_params(data, params: list[Param] | tuple[Param, ...], *, error_code: int) -> dict[str, Any]:
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
