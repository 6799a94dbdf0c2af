"""A registry of API methods. Each API (TVMW, Billing, ...) is an `Api`; each method is a
small function registered with its path, declared parameters and authentication steps:

    billing = Api("billing", unknown_error_code=-1, ...)

    @billing.method("/account/info/", "AccountInfo", params=[Number("account_id")], auth=["signed"])
    def account_info(call: Call) -> dict: ...

The registry builds the URL patterns and the one view wrapper that turns ApiError and any
unexpected exception into the API's envelope (never an HTML error page).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.urls import URLPattern
from django.urls import path as url_path
from django.views.decorators.csrf import csrf_exempt

from ..redaction import masked
from .errors import ApiError
from .params import Param, parse_params
from .render import render, wire_number
from .signature import get_body_form

Handler = Callable[["Call"], Any]
Authenticator = Callable[["Call"], None]


def _table_entry(request: HttpRequest) -> HttpResponse:
    raise Http404


class MethodTable(URLPattern):
    """An API's method patterns looked up by their path in one dict, ahead of the same patterns
    in the list: Django's resolver tries a list's patterns one by one, some 300 regular
    expressions before it reaches a TVMW method near the end, which cost a device call more
    than the floor's whole request. The patterns stay in the list after it, for reverse(),
    the system checks and any route with a converter (not in the table)."""

    def __init__(self, patterns: list[URLPattern]) -> None:
        # Its own pattern and callback are never matched nor called (resolve() answers with the
        # method's pattern); a callback that is no method keeps it out of the walks over the
        # methods (the OpenAPI document).
        super().__init__(patterns[0].pattern, _table_entry, {}, None)
        self.table = {str(p.pattern): p for p in patterns if "<" not in str(p.pattern)}

    def resolve(self, path: str):
        pattern = self.table.get(path)
        return pattern.resolve(path) if pattern is not None else None


@dataclass
class Method:
    path: str
    name: str
    handler: Handler
    params: tuple[Param, ...]
    auth: tuple[str, ...]
    http_methods: tuple[str, ...]
    param_error_code: int
    # A format the method always answers in, whatever the device type (None: the API's choice).
    response_format: str | None = None
    # The HTTP status of every error answer (None: 200 unless the error says otherwise); the
    # token check's callers read any 200 as "allowed".
    error_status: Callable[[], int] | None = None
    # Whether a success answer carries `error_message` ("") next to `error: 0`, as the
    # reference lists it for most TVMW methods; a handler's own value wins.
    error_message: bool = False
    # Dotted paths of text fields the reference types as Number ("accounts.abonement"):
    # each is sent through wire_number.
    numbers: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)


@dataclass
class Call:
    """One API request as the handlers see it."""

    request: HttpRequest
    api: Api
    method: Method
    data: QueryDict
    fmt: str = "json"
    params: dict[str, Any] = field(default_factory=dict)
    client: Any = None
    session: Any = None
    account: Any = None
    device: Any = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def ip(self) -> str:
        return client_ip(self.request)

    def log_params(self) -> dict[str, str]:
        """The request's parameters for logs, with secrets masked."""
        return {key: masked(key, value) for key, value in self.data.items()}


def client_ip(request: HttpRequest) -> str:
    """The caller's address. X-Real-IP (else X-Forwarded-For, read from the right past the
    trusted hops) counts only when the connection comes from a proxy in
    SMARTY_TRUSTED_PROXIES: from anyone else such a header is a claim, and believing it would
    let a caller log in by IP, pass an account's subnet rule or dodge the login throttling."""
    remote = request.META.get("REMOTE_ADDR", "")
    if not is_trusted_proxy(remote):
        return remote
    real = request.META.get("HTTP_X_REAL_IP", "").strip()
    if real:
        return real
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted_proxy(hop):
            return hop
    return hops[0] if hops else remote


def address_in(address: str, networks: Iterable[str]) -> bool:
    """Whether an IP address lies in one of the networks (addresses or CIDR ranges)."""
    return _address_in(address, tuple(networks))


def is_trusted_proxy(address: str) -> bool:
    return _address_in(address, tuple(settings.SMARTY_TRUSTED_PROXIES))


@functools.lru_cache(maxsize=1024)
def _address_in(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in _networks(networks))


@functools.lru_cache(maxsize=8)
def _networks(networks: tuple[str, ...]) -> list:
    found = []
    for item in networks:
        try:
            found.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            continue
    return found


# What Django raises while reading a request's parameters or body: too many fields, a body
# over DATA_UPLOAD_MAX_MEMORY_SIZE, a broken multipart body, a client gone mid-upload.
UNREADABLE_REQUEST = (SuspiciousOperation, MultiPartParserError, UnreadablePostError)


def query_data(request: HttpRequest) -> QueryDict:
    """The query parameters, or none when even the query string cannot be read."""
    try:
        return request.GET
    except UNREADABLE_REQUEST:
        return QueryDict()


def request_data(request: HttpRequest) -> QueryDict:
    body = request.POST if request.method == "POST" else get_body_form(request)
    if not body:
        return request.GET
    merged = request.GET.copy()
    for name, values in body.lists():
        merged.setlist(name, values)
    return merged


def as_numbers(value: Any, path: list[str]) -> None:
    """Send the text at `path` (through lists and objects) through wire_number, in place."""
    if isinstance(value, list):
        for item in value:
            as_numbers(item, path)
        return
    if not isinstance(value, dict) or path[0] not in value:
        return
    if len(path) > 1:
        as_numbers(value[path[0]], path[1:])
    elif isinstance(value[path[0]], str):
        value[path[0]] = wire_number(value[path[0]])


class Api:
    def __init__(
        self,
        name: str,
        *,
        unknown_error_code: int,
        param_error_code: int = 1,
        logger: str = "smarty_main",
        authenticators: dict[str, Authenticator] | None = None,
        choose_format: Callable[[Call], str] | None = None,
        on_success: Callable[[Call, dict], None] | None = None,
        on_error: Callable[[Call, ApiError], None] | None = None,
        success_error_message: bool = False,
    ) -> None:
        self.name = name
        self.unknown_error_code = unknown_error_code
        self.param_error_code = param_error_code
        self.logger = logging.getLogger(logger)
        self.authenticators = authenticators or {}
        self.choose_format = choose_format
        self.on_success = on_success
        self.on_error = on_error
        # The default of Method.error_message for this API's methods.
        self.success_error_message = success_error_message
        self.methods: dict[str, Method] = {}

    def method(
        self,
        path: str,
        name: str,
        *,
        params: Iterable[Param] = (),
        auth: Iterable[str] = (),
        http_methods: Iterable[str] = ("GET", "POST"),
        param_error_code: int | None = None,
        response_format: str | None = None,
        error_status: Callable[[], int] | None = None,
        error_message: bool | None = None,
        numbers: Iterable[str] = (),
        **options: Any,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            key = path.strip("/")
            if key in self.methods:
                raise ValueError(f"{self.name}: {path} registered twice")
            self.methods[key] = Method(
                path=path,
                name=name,
                handler=handler,
                params=tuple(params),
                auth=tuple(auth),
                http_methods=tuple(http_methods),
                param_error_code=self.param_error_code if param_error_code is None else param_error_code,
                response_format=response_format,
                error_status=error_status,
                error_message=self.success_error_message if error_message is None else error_message,
                numbers=tuple(numbers),
                options=options,
            )
            return handler

        return register

    def urlpatterns(self) -> list:
        patterns = []
        for key, method in self.methods.items():
            view = csrf_exempt(self._view(method))
            # Devices call both `/x/y/` and `/x/y`; answer both without a redirect.
            patterns.append(url_path(f"{key}/", view, name=f"{self.name}-{method.name}"))
            patterns.append(url_path(key, view))
        return [MethodTable(patterns), *patterns] if patterns else patterns

    def _view(self, method: Method) -> Callable[[HttpRequest], HttpResponse]:
        def view(request: HttpRequest) -> HttpResponse:
            return self.dispatch(request, method)

        view.__name__ = method.name
        view.api_method = method  # type: ignore[attr-defined]
        view.api_name = self.name  # type: ignore[attr-defined]
        return view

    def _error(self, call: Call, exc: ApiError) -> HttpResponse:
        call.request.api_error_code = exc.code  # for the request metrics (smarty.metrics)
        if self.on_error is not None:
            self.on_error(call, exc)
        return render(exc.envelope(), call.fmt, status=self._error_status(call.method, exc))

    @staticmethod
    def _error_status(method: Method, exc: ApiError) -> int:
        return method.error_status() if method.error_status is not None and exc.status == 200 else exc.status

    def dispatch(self, request: HttpRequest, method: Method) -> HttpResponse:
        call = Call(request=request, api=self, method=method, data=QueryDict())
        try:
            unreadable = None
            try:
                call.data = request_data(request)
            except UNREADABLE_REQUEST as exc:
                # Still answer in the device's format when the query names the device.
                unreadable, call.data = exc, query_data(request)
            if method.response_format is not None:
                call.fmt = method.response_format
            elif self.choose_format is not None:
                call.fmt = self.choose_format(call)
            if unreadable is not None:
                raise unreadable
            if request.method not in method.http_methods and request.method != "HEAD":
                raise ApiError(method.param_error_code, f"HTTP method {request.method} is not allowed")
            for step in method.auth:
                self.authenticators[step](call)
            if not call.params:  # an authentication step may have parsed them already
                call.params = parse_params(call.data, method.params, error_code=method.param_error_code)
            result = method.handler(call)
            if isinstance(result, HttpResponse):
                return result
            body: dict[str, Any] = {"error": 0, "error_message": ""} if method.error_message else {"error": 0}
            body.update(result or {})
            for dotted in method.numbers:
                as_numbers(body, dotted.split("."))
            if self.on_success is not None:
                self.on_success(call, body)
            return render(body, call.fmt)
        except UNREADABLE_REQUEST as exc:
            # Raised while reading the parameters, or by a handler reading the body.
            return self._error(call, ApiError(method.param_error_code, f"Unreadable request: {type(exc).__name__}"))
        except ApiError as exc:
            return self._error(call, exc)
        except Exception:
            self.logger.exception(
                "UNHANDLED_API_ERROR",
                extra={"event": "UNHANDLED_API_ERROR", "context": {"url": request.path, "method": method.name}},
            )
            exc = ApiError(self.unknown_error_code, "Unknown error")
            request.api_error_code = exc.code
            if self.on_error is not None:
                try:
                    self.on_error(call, exc)
                except Exception:  # noqa: BLE001, S110 - logging must not mask the answer
                    pass
            return render(exc.envelope(), call.fmt, status=self._error_status(method, exc))
