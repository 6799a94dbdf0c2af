"""What never leaves the process in clear: the names of secret request parameters (masked in
log lines, docs/operations.md) and the scrubbing of error reports sent to Sentry.

The legacy APIs carry credentials in query strings (`/login/?abonement=...&password=...`,
`authkey=` on every TVMW call), so an error report's request, its URL and the string forms
of local variables (a request's repr holds its full path) would carry them too."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

#: Request parameters whose values never reach a log file or an error report: credentials
#: (passwords, keys, signatures, the session's authkey), one-time codes and tokens, parental
#: PINs, card data.
SECRET_PARAMS = frozenset(
    {
        "password",
        "new_password",
        "old_password",
        "api_key",
        "signature",
        "authkey",
        "authkey_key",
        "token",
        "code",
        "validation_code",
        "login_code",
        "captcha_code",
        "parent_code",
        "old_pin",
        "new_pin",
        "card_number",
        "card_cvv",
        "card_expire",
        "card_holder",
    }
)

MASK = "***"


def masked(name: str, value: str) -> str:
    """A request parameter's value as a log line shows it."""
    return MASK if name in SECRET_PARAMS else value


def _alternatives(names: Iterable[str]) -> str:
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


_NAMES = _alternatives(SECRET_PARAMS)
# name=value in query strings, URLs and keyword reprs (also percent-encoded `=`, quoted or
# bare values), not inside a longer name (`region_code` is not `code`).
_SINGLE = r"'(?:\\.|[^'\\])*'"
_DOUBLE = r'"(?:\\.|[^"\\])*"'
_BARE = r"""(?:(?!%26)[^&\s'"<>,)])*"""
_PAIR = re.compile(rf"(?<![A-Za-z0-9_])({_NAMES})(=|%3[Dd])(?:{_SINGLE}|{_DOUBLE}|{_BARE})")
# A secret's value found in the request is also removed wherever else it shows (an exception
# message); shorter values would match too much unrelated text.
MIN_LITERAL = 4
# 'name': 'value' in the repr of a dict or QueryDict.
_ITEM = re.compile(rf"""(['"])({_NAMES})\1(\s*:\s*\[?\s*)(['"])(?:\\.|(?!\4).)*\4""")


def scrub_text(text: str, values: Iterable[str] = ()) -> str:
    """`text` with the values of secret parameters replaced by ***: after their names, and
    wherever one of `values` (secrets known from the request) appears."""
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _ITEM.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(1)}{m.group(3)}{m.group(4)}{MASK}{m.group(4)}", text)
    for value in values:
        text = text.replace(value, MASK)
    return text


def _scrub(value: object, values: tuple[str, ...]) -> object:
    if isinstance(value, str):
        return scrub_text(value, values)
    if isinstance(value, dict):
        return {key: (MASK if key in SECRET_PARAMS else _scrub(item, values)) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(item, values) for item in value]
    return value


def _request_secrets(request: object) -> tuple[str, ...]:
    """The values sent under secret names in an event's request (query string, form data)."""
    found: set[str] = set()
    if not isinstance(request, dict):
        return ()
    pairs: list[tuple[str, object]] = []
    for part in (request.get("query_string"), request.get("data")):
        if isinstance(part, str):
            pairs.extend(parse_qsl(part, keep_blank_values=True))
        elif isinstance(part, dict):
            pairs.extend(part.items())
    for name, value in pairs:
        if name in SECRET_PARAMS:
            found.update(str(item) for item in (value if isinstance(value, (list, tuple)) else [value]))
    # Longest first: a secret containing another is masked whole.
    return tuple(sorted((v for v in found if len(v) >= MIN_LITERAL and v != MASK), key=len, reverse=True))


def scrub_sentry_event(event: dict, hint: dict) -> dict:
    """Sentry's before_send: every string of the event (request URL and query string, form
    data, exception messages, breadcrumbs) loses the values of secret parameters, every
    mapping the values under their names."""
    return _scrub(event, _request_secrets(event.get("request")))  # type: ignore[return-value]
