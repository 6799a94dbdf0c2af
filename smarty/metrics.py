"""Prometheus metrics at /metrics (docs/operations.md "Metrics").

Per request the middleware (smarty.middleware.StatsMiddleware) adds one count and two
histogram observations in memory; the cache adds one count per lookup. Everything that needs
the database or the broker (online devices, EPG import results, Celery queue lengths) is read
only when /metrics is scraped, by the collectors the apps register in COLLECTORS from their
AppConfig.ready().

Under gunicorn each worker is a process: with PROMETHEUS_MULTIPROC_DIR set (the systemd unit
sets it) prometheus_client keeps the values in memory-mapped files there and a scrape through
any worker adds up all of them.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from .api.registry import address_in, client_ip
from .celery import app as celery_app

logger = logging.getLogger("smarty_main")

REQUESTS = Counter(
    "smarty_requests",
    "Requests answered, by API, method, the API's error code (0: success) and HTTP status.",
    ["api", "method", "error", "status"],
)
LATENCY = Histogram(
    "smarty_request_duration_seconds",
    "Time from the request reaching the application to its answer, by API method and error code.",
    ["api", "method", "error"],
    buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUERIES = Histogram(
    "smarty_request_db_queries",
    "Database queries made while answering one request, by API method.",
    ["api", "method"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89),
)
CACHE_LOOKUPS = Counter(
    "smarty_cache_lookups",
    "Values looked up through smarty.cache: tier local (this process) or shared (Redis), hit or miss.",
    ["tier", "result"],
)
# Bound once: a lookup costs one increment, no label resolution.
CACHE_LOCAL_HIT = CACHE_LOOKUPS.labels("local", "hit")
CACHE_SHARED_HIT = CACHE_LOOKUPS.labels("shared", "hit")
CACHE_MISS = CACHE_LOOKUPS.labels("shared", "miss")

# Scrape-time collectors: callables returning metric families, registered by the apps.
COLLECTORS: list[Callable[[], Iterable[Metric]]] = []


def register_collector(collect: Callable[[], Iterable[Metric]]) -> None:
    if collect not in COLLECTORS:
        COLLECTORS.append(collect)


def observe_request(*, api: str, method: str, error: str, status: int, seconds: float, queries: int) -> None:
    """One answered request (called by the middleware)."""
    REQUESTS.labels(api, method, error, str(status)).inc()
    LATENCY.labels(api, method, error).observe(seconds)
    QUERIES.labels(api, method).observe(queries)


def celery_queue_lengths() -> Iterable[Metric]:
    """Messages waiting in each Celery queue (the broker asked once per scrape)."""
    broker = celery_app.conf.broker_url or ""
    if not broker or broker.startswith("memory") or celery_app.conf.task_always_eager:
        return []
    family = GaugeMetricFamily("smarty_celery_queue_length", "Messages waiting in a Celery queue.", labels=["queue"])
    names = settings.SMARTY_METRICS_CELERY_QUEUES or [celery_app.conf.task_default_queue]
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.SMARTY_METRICS_BROKER_TIMEOUT)
        channel = conn.default_channel
        for name in names:
            try:
                declared = channel.queue_declare(queue=name, passive=True)
            except Exception:  # noqa: BLE001 - a queue not declared yet holds nothing
                family.add_metric([name], 0)
                # A failed passive declare closes an AMQP channel: take a fresh one.
                channel = conn.channel()
                continue
            family.add_metric([name], declared.message_count)
    return [family]


class _Scrape:
    """What one scrape shows: the counters (this process's, or all workers' in multiprocess
    mode) and what the registered collectors read now."""

    def collect(self) -> Iterable[Metric]:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            merged = CollectorRegistry()
            multiprocess.MultiProcessCollector(merged)
            yield from merged.collect()
        else:
            yield from REGISTRY.collect()
        for collect in COLLECTORS:
            try:
                yield from collect()
            except Exception:  # noqa: BLE001 - one unavailable source must not hide the rest
                logger.warning(
                    "METRICS_COLLECTOR_FAILED",
                    exc_info=True,
                    extra={"event": "METRICS_COLLECTOR_FAILED", "context": {"collector": collect.__name__}},
                )


def render_metrics() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Scrape())
    return generate_latest(registry)


def allowed(request: HttpRequest) -> bool:
    """Callers from SMARTY_METRICS_ALLOWED_IPS, or with `Authorization: Bearer
    <SMARTY_METRICS_TOKEN>` when a token is set."""
    token = settings.SMARTY_METRICS_TOKEN
    if token:
        scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    return address_in(client_ip(request), settings.SMARTY_METRICS_ALLOWED_IPS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not settings.SMARTY_METRICS_ENABLED:
        return HttpResponse("Not found\n", status=404, content_type="text/plain")
    if not allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
