"""What the player doors share: the refusal and failure handling around every view (a
`RefusedError` becomes the protocol's own answer; anything unexpected is logged with its stack
trace and answered the same way, never with an HTML error page)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from smarty.logging import log_event

from ..access import RefusedError, Why, log_path


def door(refusal: Callable[[HttpRequest, RefusedError], HttpResponse]):
    """Wrap a view of a door whose refusals `refusal` renders."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except RefusedError as exc:
                return refusal(request, exc)
            except Exception:  # noqa: BLE001 - the protocol's answer, never an HTML 500 page
                log_event(
                    "smarty_content_requests",
                    "CONTENT_REQUEST_FAIL",
                    level="ERROR",
                    exc_info=True,
                    url=log_path(request),
                    params={},
                )
                return refusal(request, RefusedError(Why.UNAVAILABLE, "Internal error"))

        return wrapper

    return decorate


HTTP_STATUS = {
    Why.NO_OPERATOR: 404,
    Why.CREDENTIALS: 401,
    Why.INACTIVE: 403,
    Why.FORBIDDEN: 403,
    Why.THROTTLED: 429,
    Why.LIMIT: 403,
    Why.NOT_FOUND: 404,
    Why.UNAVAILABLE: 503,
    Why.BAD_REQUEST: 400,
}


def plain_refusal(request: HttpRequest, exc: RefusedError) -> HttpResponse:
    """Playlists, guides and stream addresses: an HTTP status and a one-line text."""
    response = HttpResponse(exc.message + "\n", status=HTTP_STATUS[exc.why], content_type="text/plain; charset=utf-8")
    if exc.why == Why.THROTTLED:
        response["Retry-After"] = "60"
    return response
