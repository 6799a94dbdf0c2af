"""The Content API object (`/content/api/`): form parameters over POST (GET answered too), the
operator's `client_id` and an md5(base64(sorted params + content_api_key)) `signature`, JSON
answers. Every request is logged on smarty_content_requests (CONTENT_REQUEST_SUCCESS,
CONTENT_REQUEST_ERROR, CONTENT_REQUEST_FAIL with the stack trace).

What the vendor's published clients send, accepted as they send it (docs/content.md):
- the NodeJS client signs the values percent-encoded (querystring.stringify): a signature
  over the escaped values is accepted as well as one over the values themselves;
- the Java client hex-encodes the md5 without its leading zeros (BigInteger.toString(16));
- lists arrive repeated (`tariffs=1&tariffs=2`), as `name[]`, comma-separated, or as one
  value printed by the client's language: Python's `[1, 2]`, Go's `[1 2]`;
- flags as Python prints them (`True`, `False`).

The helpers below are what the view modules share: `endpoint` registers a signed method,
`owned` resolves an operator's object by id (404 otherwise), `related` resolves id lists,
`given` picks the parameters a modify request actually carries.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError

from smarty.api import Api, ApiError, Call
from smarty.api.params import _MISSING, Param, is_digits
from smarty.api.signature import compute_signature, request_items
from smarty.logging import log_event
from smarty.redaction import masked

from . import errors

LOGGER = "smarty_content_requests"
LIST_MAX_LIMIT = 100
MAX_ID = 2**53
# What Node's querystring.escape leaves as it is (besides letters and digits).
_NODE_SAFE = "-_.!~*'()"
_HEX = re.compile(r"^[0-9a-f]{1,32}$")


def _node_escaped(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(quote(name, safe=_NODE_SAFE), quote(value, safe=_NODE_SAFE)) for name, value in items]


def content_signature_matches(items: list[tuple[str, str]], key: str, given: str) -> bool:
    """The signature over the parameters as sent, or over their percent-encoded form (the
    NodeJS client); a hex digest short of its leading zeros counts (the Java client)."""
    given = (given or "").strip().lower()
    if not key or not _HEX.match(given):
        return False
    given = given.zfill(32).encode()
    matched = False
    for variant in (items, _node_escaped(items)):
        # Both compared every time, in constant time.
        matched |= hmac.compare_digest(compute_signature(variant, key).encode(), given)
    return matched


def authenticate_signed(call: Call) -> None:
    """`client_id` -> the operator, then the signature over every other parameter with the
    operator's content_api_key."""
    from clients.selectors import client_get

    client_id = str(call.data.get("client_id", "")).strip()
    client = client_get(client_id) if client_id else None
    if client is None or not client.enabled:
        raise ApiError(errors.UNKNOWN_CLIENT, "Client ID not found", {"client_id": "unknown client"})
    call.client = client
    if not content_signature_matches(request_items(call.request), client.content_api_key, call.data.get("signature")):
        raise ApiError(errors.BAD_SIGNATURE, "Invalid signature", {"signature": "does not match the parameters"})


def log_params(call: Call) -> dict[str, str]:
    """The request's parameters for the log: repeated values joined, secrets masked."""
    return {name: masked(name, ",".join(values)) for name, values in call.data.lists()}


def log_success(call: Call, body: dict) -> None:
    log_event(LOGGER, "CONTENT_REQUEST_SUCCESS", level="INFO", url=call.request.path, params=log_params(call))


def log_error(call: Call, exc: ApiError) -> None:
    if exc.code == errors.UNKNOWN:
        # Called from the registry's `except` block: the stack trace is the one being handled.
        log_event(LOGGER, "CONTENT_REQUEST_FAIL", level="ERROR", exc_info=True, url=call.request.path,
                  params=log_params(call))  # fmt: skip
        return
    log_event(
        LOGGER,
        "CONTENT_REQUEST_ERROR",
        level="WARNING",
        url=call.request.path,
        params=log_params(call),
        error=exc.code,
        error_message=exc.message,
    )


content = Api(
    "content",
    unknown_error_code=errors.UNKNOWN,
    param_error_code=errors.BAD_PARAM,
    logger=LOGGER,
    authenticators={"signed": authenticate_signed},
    on_success=log_success,
    on_error=log_error,
)


def endpoint(
    path: str, name: str, *, params: Iterable[Param] = ()
) -> Callable[[Callable[[Call], dict | None]], Callable[[Call], dict | None]]:
    """Register a signed Content API method; the answer always carries `error_message`."""

    def register(handler: Callable[[Call], dict | None]) -> Callable[[Call], dict | None]:
        def run(call: Call) -> dict:
            body: dict[str, Any] = {"error_message": ""}
            body.update(handler(call) or {})
            return body

        run.__name__ = handler.__name__
        run.__doc__ = handler.__doc__
        content.method(path, name, params=params, auth=["signed"], http_methods=("POST", "GET"))(run)
        return handler

    return register


# --- parameter kinds ---------------------------------------------------------------------


def _id(value: str) -> int:
    value = value.strip()
    if not is_digits(value) or len(value) > 16 or not 1 <= int(value) <= MAX_ID:
        raise ValueError(value)
    return int(value)


def _number(value: str) -> int:
    """A whole number; `2020.0` too (a spreadsheet's numeric cell as the import script sends it)."""
    value = value.strip()
    if value.endswith(".0"):
        value = value[:-2]
    digits = value[1:] if value.startswith("-") else value
    if not is_digits(digits) or len(digits) > 18:
        raise ValueError(value)
    return int(value)


def _flag(value: str) -> int:
    value = value.strip().lower()
    if value in {"1", "true"}:
        return 1
    if value in {"0", "false"}:
        return 0
    raise ValueError(value)


def _decimal(value: str):
    import decimal

    result = decimal.Decimal(value.strip().replace(",", "."))
    if not result.is_finite() or abs(result) >= 10**6:
        raise ValueError(value)
    return result


def _date(value: str):
    """YYYY-MM-DD; a date-time's date part too (`2022-01-01 00:00:00`, as a spreadsheet's date
    cell is printed)."""
    import datetime as dt

    value = value.strip()
    if len(value) > 10 and value[10] in " T":
        value = value[:10]
    return dt.datetime.strptime(value, "%Y-%m-%d").date()


def _datetime(value: str):
    from smarty.api.params import _datetime as parse

    return parse(value)


def Id(name: str, *, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, None, parser=_id, type_name="a positive whole number")


def Int(name: str, *, required: bool = False, default: Any = None, choices: tuple | None = None) -> Param:  # noqa: N802
    return Param(name, required, default, choices, parser=_number, type_name="a whole number")


def Flag(name: str, *, default: int | None = None) -> Param:  # noqa: N802
    return Param(name, False, default, (0, 1), parser=_flag, type_name="0 or 1")


def Text(name: str, *, required: bool = False, max_length: int = 255, default: Any = None) -> Param:  # noqa: N802
    return Param(name, required, default, parser=str, max_length=max_length, type_name="a string")


def Decimal(name: str) -> Param:  # noqa: N802
    return Param(name, False, None, parser=_decimal, type_name="a decimal number")


def Date(name: str) -> Param:  # noqa: N802
    return Param(name, False, None, parser=_date, type_name="a date YYYY-MM-DD")


def DateTime(name: str, *, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, None, parser=_datetime, type_name="an ISO 8601 date-time or a Unix timestamp")


class IdListParam(Param):
    """Number[] in every spelling the published clients use (see the module docstring)."""

    def raw(self, data):
        values = list(data.getlist(self.name)) + list(data.getlist(self.name + "[]"))
        out: list[str] = []
        for value in values:
            text = str(value).strip()
            if text.startswith("[") and text.endswith("]"):
                text = text[1:-1]
            # Python prints a list of strings quoted: "['1', '2']".
            out.extend(v.strip("'\"") for v in re.split(r"[,\s]+", text) if v.strip("'\""))
        return out if out else _MISSING


def IdList(name: str) -> Param:  # noqa: N802
    return IdListParam(name, False, None, many=True, parser=_id, type_name="a list of positive ids")


def lang_params(base: str, *, max_length: int = 255, required: bool = False) -> list[Param]:
    """`name`, `name_lang1` .. `name_lang5`."""
    return [Text(base, max_length=max_length, required=required)] + [
        Text(f"{base}_lang{n}", max_length=max_length) for n in range(1, 6)
    ]


def lang_names(base: str) -> list[str]:
    return [base] + [f"{base}_lang{n}" for n in range(1, 6)]


# --- request helpers ---------------------------------------------------------------------


def given(call: Call, names: Iterable[str]) -> dict[str, Any]:
    """The parameters the request carries (for modify methods: only those change). An empty
    string clears a text ("") and a list ([]); for other kinds it means nothing."""
    kinds = {p.name: p for p in call.method.params}
    values: dict[str, Any] = {}
    for name in names:
        if name not in call.data and f"{name}[]" not in call.data:
            continue
        value = call.params.get(name)
        param = kinds[name]
        if value is None:
            if param.type_name != "a string":
                continue
            value = ""
        values[name] = value
    return values


def owned(queryset, object_id: int | None, *, field: str = "id", code: int = errors.NOT_FOUND):
    """The operator's object with that id (the queryset is already the operator's), else 404."""
    obj = queryset.filter(pk=object_id).first() if object_id is not None else None
    if obj is None:
        raise ApiError(code, "Object not found", {field: "not found"})
    return obj


def related(queryset, ids: list[int], field: str, *, code: int = errors.NOT_FOUND) -> list:
    """The operator's objects with these ids, every one of them, else `code` (404, "object not
    found") naming the field: an unknown id and another operator's id look the same."""
    if not ids:
        return []
    found = {obj.pk: obj for obj in queryset.filter(pk__in=set(ids))}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ApiError(code, f"Invalid parameters: {field}: unknown ids {missing}", {field: f"unknown ids {missing}"})
    return [found[i] for i in dict.fromkeys(ids)]


def page(queryset, call: Call, *, default_limit: int = 20):
    """`limit` (1..100) and `page` (from 1) applied to the queryset."""
    limit = call.params.get("limit")
    limit = default_limit if limit is None else limit
    number = call.params.get("page")
    number = 1 if number is None else number
    if not 1 <= limit or number < 1:
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: limit and page are 1 or more", {"limit": ">= 1"})
    limit = min(limit, LIST_MAX_LIMIT)
    start = (number - 1) * limit
    return queryset[start : start + limit]


@contextmanager
def saving(mapping: Mapping[type[Exception], int] | None = None):
    """Turn what a service raises into the method's codes: ValidationError -> 21 with the
    fields, IntegrityError/DatabaseError -> 22, plus the method's own exception kinds."""
    try:
        yield
    except ValidationError as exc:
        fields = (
            {name: "; ".join(messages) for name, messages in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"__all__": "; ".join(exc.messages)}
        )
        text = "; ".join(f"{name}: {message}" for name, message in fields.items())
        raise ApiError(errors.INVALID, f"Invalid data: {text}", fields) from exc
    except (IntegrityError, DatabaseError) as exc:
        raise ApiError(errors.SAVE_FAILED, "The data could not be saved") from exc
    except tuple(mapping or {}) as exc:
        code = next(c for kind, c in (mapping or {}).items() if isinstance(exc, kind))
        field = getattr(exc, "field", None)
        raise ApiError(code, str(exc), {field: str(exc)} if field else None) from exc


def one(queryset, object_id: int | None, field: str, *, code: int = errors.NOT_FOUND):
    """The operator's object named by an optional id parameter (None when absent)."""
    return related(queryset, [object_id], field, code=code)[0] if object_id else None
