"""The WSGI handler the servers run (smarty.wsgi): Django's, with a cheaper query string and
a middleware chain of the device APIs' own (DeviceApiHandler).

Every device call is a GET whose parameters are a handful of plain `name=value` pairs
(`client_id=1&authkey=...&device=android&cid=12`). Django's QueryDict builds itself one
`appendlist` at a time, each through its own mutability and charset checks: 25 to 40
microseconds for five parameters, a tenth of what a whole warm `account/status` costs
over the floor. `query_dict` makes the same QueryDict in one pass, and leaves to the standard
library's parse_qsl every query string it would change (percent-escapes, `+`), so the
result is the one Django makes, byte for byte (tests/smarty/test_http.py compares them).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed, TooManyFieldsSent
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_bytes_from_wsgi
from django.http import HttpRequest, QueryDict
from django.http.response import HttpResponseBase
from django.utils.functional import cached_property
from django.utils.module_loading import import_string


def query_pairs(text: str, *, encoding: str, max_fields: int | None) -> list[tuple[str, str]]:
    """What parse_qsl(text, keep_blank_values=True, encoding=..., max_num_fields=...) answers,
    without its per-pair unquoting where nothing is quoted. ValueError past max_fields."""
    if "%" in text or "+" in text:
        return parse_qsl(text, keep_blank_values=True, encoding=encoding, max_num_fields=max_fields)
    if max_fields is not None and max_fields < 1 + text.count("&"):
        raise ValueError("Max number of fields exceeded")
    pairs = []
    for pair in text.split("&") if text else ():
        if pair:
            name, _, value = pair.partition("=")
            pairs.append((name, value))
    return pairs


def query_dict(raw: bytes | str, encoding: str | None = None) -> QueryDict:
    """QueryDict(raw, encoding=encoding): an immutable QueryDict of the query string."""
    encoding = encoding or settings.DEFAULT_CHARSET
    if isinstance(raw, bytes):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            text = raw.decode("iso-8859-1")  # as QueryDict reads a misbehaving client's bytes
    else:
        text = raw or ""
    try:
        pairs = query_pairs(text, encoding=encoding, max_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except ValueError as exc:
        raise TooManyFieldsSent(
            "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
        ) from exc
    lists: dict[str, list[str]] = {}
    for name, value in pairs:
        if name in lists:
            lists[name].append(value)
        else:
            lists[name] = [value]
    found = QueryDict.__new__(QueryDict)
    dict.update(found, lists)  # a MultiValueDict is a dict of lists
    found.encoding = encoding
    found._mutable = False
    return found


class Request(WSGIRequest):
    @cached_property
    def GET(self) -> QueryDict:  # noqa: N802 - Django's name
        # The WSGI spec says QUERY_STRING may be absent.
        return query_dict(get_bytes_from_wsgi(self.environ, "QUERY_STRING", ""), self._encoding)


class DeviceApiHandler(BaseHandler):
    """The device APIs' middleware chain: settings.SMARTY_DEVICE_API_MIDDLEWARE, in place of
    settings.MIDDLEWARE (which it builds as Django's load_middleware does, synchronous only).

    A device call needs what an API answer needs (request metrics, the security headers,
    CORS for web portals, the Host check) and none of what the admin needs (sessions, the
    browser's language, CSRF, the signed-in user, messages, framing rules): those cost a
    warm `account/status` about 75 microseconds of the 400 to 500 it takes in all.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        if is_async:
            raise ImproperlyConfigured("The device API chain is served by the WSGI handler only.")
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.SMARTY_DEVICE_API_MIDDLEWARE):
            try:
                instance = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


class DeviceApiRouting:
    """A handler mixin: requests below settings.SMARTY_DEVICE_API_PATHS go through the device
    APIs' chain (DeviceApiHandler), every other one through settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        device_api = DeviceApiHandler()
        device_api.load_middleware()
        self._device_api = device_api
        self._device_api_paths = tuple(settings.SMARTY_DEVICE_API_PATHS)

    def get_response(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(self._device_api_paths):  # no paths: () matches nothing
            return self._device_api.get_response(request)
        return super().get_response(request)


class Handler(DeviceApiRouting, WSGIHandler):
    request_class = Request
