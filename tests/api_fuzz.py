"""Shared pieces of the device-facing API fuzz tests (tests/tvmiddleware/test_fuzz.py,
tests/streaming/test_fuzz.py): garbage chosen by the declared type of a parameter, the ways a
device may send it (query string, form body, JSON body, repeated names, bytes that are not
UTF-8), and the checks every answer must pass: the API's HTTP status, a body in the expected
format with an integer `error`, and no unexpected exception in the logs.

Garbage is sampled, not crossed: every value of a parameter's type list, a few rotating
values of the general list, and the transport variants taken in turn, so that every method
meets every kind of input while the whole run stays short."""

from __future__ import annotations

import itertools
import json
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_plus

import pytest
from django.conf import settings
from lxml import etree

from smarty.api.params import Param


@dataclass(frozen=True)
class Repeated:
    """One parameter sent several times: `name=a&name=b`, or `name[]=a&name[]=b`."""

    values: tuple[str, ...]
    brackets: bool = False


Value = str | bytes | Repeated

# Any parameter, whatever its type.
GENERAL: list[Value] = [
    "",
    " ",
    "abc",
    "1.5",
    "NaN",
    "Infinity",
    "1e309",
    "-1e-999999",
    "\x00",
    "a\x00b",
    "\x01\x02\x1f",
    "'; DROP TABLE accounts_account; --",
    "' OR '1'='1",
    "²",
    "٣",
    "１２",
    "[",
    "{",
    '{"a":',
    "[" * 5000,
    "{}",
    "[1,2]",
    "null",
    "true",
    "1,2,x",
    "9" * 400,
    "ß" * 3000,
    "x" * 20000,
    "😀" * 50,
    "\u202e\ufeff",
    "(a+)+$",
    "%s%s%n",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "]]></response><x>",
    "&amp;&#0;",
    b"\xff\xfe\xc3",
    Repeated(("1", "a")),
    Repeated(("1", "a"), brackets=True),
    Repeated(("1", "2")),
    Repeated(("", "")),
    Repeated(tuple(str(n) for n in range(300))),
]

# Values that pass a type's parser but may not fit the database, a time or a slice.
BY_TYPE: dict[str, list[Value]] = {
    "a whole number": [
        "9" * 400,
        "9223372036854775808",
        "-9223372036854775809",
        "2147483648",
        "-2147483649",
        "-1",
        "0",
        "٣",
        "1e309",
        " 7 ",
        "+5",
        # Where a number is a time: past what datetime (or the platform's time_t) holds.
        "253402300800",
        "-62135596801",
        "1000000000000000000",
        "-100000000000000000",
    ],
    "a list of whole numbers": [
        "9" * 400,
        "9223372036854775808",
        "-1",
        "0",
        "1,,2,",
        Repeated(("9223372036854775808", "1")),
        Repeated(("-1", "0"), brackets=True),
        Repeated(tuple(str(n) for n in range(300))),
    ],
    "0 or 1": ["2", "-1", "yes", "TRUE", "1.0", "١"],
    "a Unix timestamp or ISO date-time": [
        "9" * 30,
        "1000000000000000000",
        "-100000000000000000",
        "253402300800",
        "-62135596801",
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2024-02-30T00:00:00",
        "2024-01-01T25:00:00",
        "0",
    ],
    "a date yyyy-mm-dd": ["0000-00-00", "2024-02-30", "9999-12-31", "0001-01-01", "20240101"],
    "a decimal number": ["1e309", "NaN", "-0", "9" * 400, "1E+999999999", "0.0000000000000000000001"],
    "a JSON string": [
        "[" * 5000,
        '["\\ud800", "\\u0000"]',
        "1e309",
        "[9223372036854775808]",
        '{"a": [1, {"b": null}]}',
        "[1, 2, 3]",
        '["1", "x", null, true, 1.5, [], {}]',
        '"string"',
        "-1",
        # Well-formed JSON of the wrong shape: lists where objects are expected, objects
        # where strings or numbers are, wrong types nested inside the right container.
        '[{"id": "\u00b2"}]',
        '[{"id": "1", "is_hidden": "x", "is_favorited": [1], "is_parent_control": {"a": 1}}]',
        '[{"id": {"a": 1}}, {"id": [1]}, {"id": true}, {"id": 1.5}]',
        '[{"channel_id": ["1"], "id": "9999999999999999999999999"}]',
        '{"id": [1], "channels": {"id": []}, "items": "x"}',
        '[[{"id": 1}], "x", 1]',
        '{"a": {"b": [{"c": {"d": []}}]}}',
    ],
    "a string": [
        "\x00",
        "x" * 20000,
        "ß" * 3000,
        "😀" * 50,
        "\x01\x0b",
        "' OR 1=1 --",
        "9" * 400,
        "-1",
        "2024-02-30",
        "31.12.9999",
        "01.01.0001",
        "</error>&",
        b"\xc3\x28",
        '"\\ud800"',
        " ",
    ],
}

# JSON values for methods that read a JSON body.
JSON_VALUES: list[object] = [
    None,
    "\ud800",
    "\x00\x01",
    True,
    -1,
    1.5,
    10**30,
    "x",
    "9" * 400,
    [],
    {},
    [None],
    ["1", "a"],
    [10**20],
    [{"channel_id": 10**20}],
    [{"channel_id": "x", "is_favorited": 2}],
    [{"channel_id": 1, "is_hidden": [], "is_parent_control": {}}],
    {"a": [1, {"b": None}]},
    [[[[[]]]]],
    # Well-formed, wrong shape.
    [{"id": "\u00b2"}],
    [{"id": "1", "is_hidden": "x", "is_favorited": [1], "is_parent_control": {"a": 1}}],
    [{"id": {"a": 1}}, {"id": [1]}, {"id": True}],
    [{"channel_id": ["1"]}, {"channel_id": {"x": 1}}],
    {"id": [1], "channels": {"id": []}, "items": "x", "data": [{"a": {"b": []}}]},
    [[{"id": 1}], "x", 1],
]

# Bodies that are not what their content type says.
BAD_BODIES: list[tuple[str, bytes]] = [
    ("application/json", b"{"),
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b"\xff\xfe"),
    ("application/json", b'{"a": ' + b"[" * 5000),
    ("application/x-www-form-urlencoded", b"%ff%fe=%c3%28&a=%"),
    ("application/x-www-form-urlencoded", b"=&&=x&" + b"a" * 2000),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken"),
    ("multipart/form-data", b"no boundary"),
    ("text/xml", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'),
]


def probes(param: Param, offset: int, *, general: int = 3, typed: int | None = None) -> list[Value]:
    """The garbage one parameter gets: its type's list (all of it, or `typed` values in
    turn from `offset`) and `general` values of the general list from `offset`."""
    own = BY_TYPE.get(param.type_name, BY_TYPE["a string"])
    if typed is not None and typed < len(own):
        own = [own[(offset + i) % len(own)] for i in range(typed)]
    return list(own) + [GENERAL[(offset * general + i) % len(GENERAL)] for i in range(general)]


def pairs(params: dict[str, Value]) -> list[tuple[str, str | bytes]]:
    """(name, value) items of a request; a Repeated value becomes several items."""
    items: list[tuple[str, str | bytes]] = []
    for name, value in params.items():
        if isinstance(value, Repeated):
            key = name + "[]" if value.brackets else name
            items.extend((key, v) for v in value.values)
        else:
            items.append((name, value))
    return items


def encode(items: Iterable[tuple[str, str | bytes]]) -> str:
    """A query string or form body; bytes go on the wire as they are (not always UTF-8)."""
    return "&".join(f"{quote_plus(name)}={quote_plus(value)}" for name, value in items)


def last_value(items: Iterable[tuple[str, str | bytes]], name: str) -> str | None:
    """The value the server reads for `name` (QueryDict.get: the last one)."""
    found = None
    for key, value in items:
        if key == name:
            found = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return found


def as_text(items: Iterable[tuple[str, str | bytes]]) -> list[tuple[str, str]]:
    """The items as the server decodes them (invalid UTF-8 replaced), for signatures."""
    return [(name, value.decode("utf-8", "replace") if isinstance(value, bytes) else value) for name, value in items]


# --- checking answers -------------------------------------------------------------------------

UNEXPECTED_EVENTS = frozenset({"UNHANDLED_API_ERROR", "CONTENT_REQUEST_FAIL"})
_INTEGER = re.compile(r"-?\d+")
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class UnexpectedErrors(logging.Handler):
    """Collects what only an unexpected exception logs: the registry's UNHANDLED_API_ERROR,
    the stream methods' CONTENT_REQUEST_FAIL, and Django's own request errors."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) in UNEXPECTED_EVENTS or (
            record.name.startswith("django") and record.levelno >= logging.ERROR
        ):
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        found, self.records = self.records, []
        return found


def _LOGGERS() -> list[str]:
    # django.request and django.security propagate to "django" (which does not propagate).
    return [*settings.SMARTY_LOGGERS, "django"]


@dataclass
class Capture:
    """Installs an UnexpectedErrors handler on the seed loggers and Django's."""

    handler: UnexpectedErrors

    @classmethod
    def start(cls) -> Capture:
        capture = cls(UnexpectedErrors())
        for name in _LOGGERS():
            logging.getLogger(name).addHandler(capture.handler)
        return capture

    def stop(self) -> None:
        for name in _LOGGERS():
            logging.getLogger(name).removeHandler(self.handler)


def _signature(record: logging.LogRecord) -> tuple[str, str]:
    """(a key naming the failure: exception and the line that raised it, a full account)."""
    text = f"{record.name} {getattr(record, 'event', None) or record.getMessage()}"
    if not record.exc_info:
        return text, text
    kind, error, tb = record.exc_info
    last = traceback.extract_tb(tb)[-1] if tb is not None else None
    key = f"{kind.__name__} at {last.filename}:{last.lineno}" if last else kind.__name__
    return key, text + "\n" + "".join(traceback.format_exception(kind, error, tb))


@dataclass
class Findings:
    """Everything wrong with the answers of one test, one example per distinct failure, so
    that a run names every bug at once rather than the first."""

    capture: Capture
    seen: dict[str, str] = field(default_factory=dict)

    def check(
        self,
        response,
        *,
        where: object,
        fmt: str,
        statuses: set[int],
        redirect_ok: bool = False,
        success_status: int | None = None,
    ) -> None:
        """The answer has one of the API's `statuses` and a body in `fmt` with an integer
        `error` (or is a redirect where the method may answer one), and nothing unexpected
        was logged while it was made. `success_status`: a status only `error` 0 may have
        (a streaming server reads the token check's 200 as "allowed")."""
        for record in self.capture.handler.take():
            key, text = _signature(record)
            self.seen.setdefault(key, f"{where}\n{text}")
        if response.status_code == 302 and redirect_ok and response.get("Location"):
            return
        if response.status_code not in statuses:
            self.seen.setdefault(f"HTTP {response.status_code}", f"{where}\n{response.content[:300]!r}")
            return
        try:
            body = parse_body(response, fmt)
        except Exception as exc:  # noqa: BLE001 - any way of not being the envelope is a finding
            self.seen.setdefault(f"not {fmt}: {type(exc).__name__}", f"{where}\n{exc!r}\n{response.content[:300]!r}")
            return
        if response.status_code == success_status and body["error"] != 0:
            self.seen.setdefault(
                f"HTTP {success_status} with error {body['error']}", f"{where}\n{response.content[:300]!r}"
            )

    def report(self) -> None:
        if self.seen:
            text = "\n\n".join(f"[{key}]\n{example}" for key, example in self.seen.items())
            pytest.fail(f"{len(self.seen)} distinct failure(s):\n\n{text}", pytrace=False)


def parse_body(response, fmt: str, *, fields: Iterable[str] = ("error_message",)) -> dict:
    """The answer decoded as `fmt` ("json" or "xml") with `error` as an int; fails otherwise.
    For XML only `error` and the top-level `fields` are returned, as text."""
    content_type = response.get("Content-Type", "")
    if fmt == "xml":
        assert content_type.startswith("application/xml"), content_type
        root = etree.fromstring(response.content, _SAFE_XML)
        assert root.tag == "response", root.tag
        error = root.findtext("error")
        assert error is not None and _INTEGER.fullmatch(error), error
        return {"error": int(error), **{name: root.findtext(name) for name in fields}}
    assert content_type.startswith("application/json"), content_type
    body = json.loads(response.content)
    assert isinstance(body, dict), body
    assert isinstance(body.get("error"), int) and not isinstance(body["error"], bool), body
    return body


def rotated(values: list, offset: int) -> Iterator:
    """`values` in turn without end, from index `offset` (so each method starts elsewhere)."""
    start = offset % len(values)
    return itertools.cycle(values[start:] + values[:start])
