"""Request statistics to Prometheus (/metrics) and statsd (seed 2.8.3), and the admin request
log (seed 4.1.12)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

from .api.registry import client_ip
from .logging import log_event
from .metrics import observe_request

_statsd_client = None


def statsd_client():
    global _statsd_client
    if _statsd_client is None and settings.STATSD_HOST:
        import statsd

        _statsd_client = statsd.StatsClient(settings.STATSD_HOST, settings.STATSD_PORT, prefix=settings.STATSD_PREFIX)
    return _statsd_client


class StatsMiddleware:
    """Per request: count, time and SQL queries, to Prometheus (SMARTY_METRICS_ENABLED, in
    memory, read at /metrics) and to statsd when STATSD_HOST is set. statsd speaks UDP, so an
    absent server costs nothing and holds no memory. With both off a request passes through."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        client = statsd_client()
        prometheus = settings.SMARTY_METRICS_ENABLED
        if client is None and not prometheus:
            return self.get_response(request)
        started = time.perf_counter()
        # connection.queries_log is filled only with DEBUG: count at the execute hook instead.
        queries = [0]

        def count(execute, sql, params, many, context):
            queries[0] += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        if prometheus:
            func = match.func if match else None
            api_method = getattr(func, "api_method", None)
            if api_method is not None:
                api, method = func.api_name, api_method.name
                error = str(getattr(request, "api_error_code", 0))
            else:
                api, method, error = "", (match.url_name or "other") if match else "unresolved", ""
            observe_request(
                api=api, method=method, error=error, status=response.status_code, seconds=elapsed, queries=queries[0]
            )
        if client is not None:
            view = (match.url_name or match.view_name or "unknown") if match else "unresolved"
            view = view.replace(".", "_").replace(":", "_")
            client.incr(f"requests.{view}")
            client.timing(f"response_time.{view}", elapsed * 1000)
            client.gauge(f"queries.{view}", queries[0])
        return response


class AdminRequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/admin/"):
            user = getattr(request, "user", None)
            log_event(
                "smarty_admin",
                "ADMIN_REQUEST",
                user=str(user) if user is not None and user.is_authenticated else "",
                ip=client_ip(request),
                path=request.get_full_path(),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
            )
        return self.get_response(request)
