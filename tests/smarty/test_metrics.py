"""/metrics: the Prometheus text format, parsed with prometheus_client's own parser; who may
read it; what the request, cache, device and guide metrics count."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

import smarty.metrics
from accounts.models import Session
from smarty.cache import cached, dep

from .. import factories as f

ROOT = Path(__file__).resolve().parents[2]


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_per_api_method_and_error_code(client, db):
    before = scrape(client)
    client.get("/tvmiddleware/api/health/check/")
    client.get("/tvmiddleware/api/health/check/")
    refused = client.get("/tvmiddleware/api/account/settings/list/").json()
    assert refused["error"] != 0
    after = scrape(client)

    ok = {"api": "tvmw", "method": "HealthCheck", "error": "0", "status": "200"}
    assert value(after, "smarty_requests_total", **ok) - value(before, "smarty_requests_total", **ok) == 2
    err = {"api": "tvmw", "method": "AccountSettingsList", "error": str(refused["error"]), "status": "200"}
    assert value(after, "smarty_requests_total", **err) - value(before, "smarty_requests_total", **err) == 1

    latency = {"api": "tvmw", "method": "HealthCheck", "error": "0"}
    count = "smarty_request_duration_seconds_count"
    assert value(after, count, **latency) - value(before, count, **latency) == 2
    assert value(after, "smarty_request_duration_seconds_bucket", le="+Inf", **latency) >= 2
    queries = {"api": "tvmw", "method": "AccountSettingsList"}
    assert value(after, "smarty_request_db_queries_count", **queries) >= 1


def test_pages_outside_the_apis_are_counted_by_url_name(client, db):
    before = scrape(client)
    client.get("/admin/login/")
    after = scrape(client)
    labels = {"api": "", "method": "login", "error": "", "status": "200"}
    assert value(after, "smarty_requests_total", **labels) - value(before, "smarty_requests_total", **labels) == 1


def test_metrics_are_refused_to_addresses_not_allowed(client, db, settings):
    settings.SMARTY_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    assert client.get("/metrics/", REMOTE_ADDR="10.1.2.3").status_code == 200
    # A header from a caller that is not a trusted proxy names nobody.
    spoofed = client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert spoofed.status_code == 403
    # Behind the trusted proxy the caller's own address counts, not the proxy's.
    settings.SMARTY_METRICS_ALLOWED_IPS = ["127.0.0.1"]
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="192.0.2.7")
    assert proxied.status_code == 403


def test_a_bearer_token_opens_metrics_from_anywhere(client, db, settings):
    settings.SMARTY_METRICS_ALLOWED_IPS = []
    settings.SMARTY_METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Basic s3cret-token").status_code == 403
    samples = scrape(client, REMOTE_ADDR="192.0.2.7", HTTP_AUTHORIZATION="Bearer s3cret-token")
    refused = {"api": "", "method": "metrics", "error": "", "status": "403"}
    assert value(samples, "smarty_requests_total", **refused) >= 3


def test_metrics_can_be_turned_off(client, db, settings):
    settings.SMARTY_METRICS_ENABLED = False
    assert client.get("/metrics").status_code == 404


def test_cache_lookups_count_misses_and_hits(client, db):
    before = scrape(client)
    for _ in range(3):
        cached("metrics-test", [1], [dep("metrics-test", 1)], lambda: {"x": 1})
    after = scrape(client)
    total = "smarty_cache_lookups_total"
    assert value(after, total, tier="shared", result="miss") - value(before, total, tier="shared", result="miss") == 1
    assert value(after, total, tier="shared", result="hit") - value(before, total, tier="shared", result="hit") == 2


def test_online_devices_are_shown_per_operator(client, operator, other_operator):
    now = timezone.now()
    f.SessionFactory(account=operator.account, last_active=now)
    f.SessionFactory(account=operator.account, last_active=now)
    f.SessionFactory(account=other_operator.account, last_active=now)
    # Idle past the online window, or expired: not online.
    idle = f.SessionFactory(account=other_operator.account)
    Session.objects.filter(pk=idle.pk).update(last_active=now - dt.timedelta(hours=2))  # auto_now_add
    f.SessionFactory(account=other_operator.account, last_active=now, expires_at=now - dt.timedelta(minutes=1))
    samples = scrape(client)
    assert value(samples, "smarty_devices_online", client_id=str(operator.client.pk)) == 2
    assert value(samples, "smarty_devices_online", client_id=str(other_operator.client.pk)) == 1


def test_epg_import_results_are_shown_per_source(client, db):
    at = timezone.now().replace(microsecond=0)
    f.EpgSourceFactory(name="good", last_import_at=at, last_import_status="ok: 3 imported, 0 unchanged, 0 failed")
    f.EpgSourceFactory(name="same", last_import_at=at, last_import_status="unchanged")
    f.EpgSourceFactory(name="broken", last_import_at=at, last_import_status="error: HTTP 404")
    f.EpgSourceFactory(name="partial", last_import_at=at, last_import_status="errors: 1 imported, 2 failed")
    f.EpgSourceFactory(name="never")
    samples = scrape(client)
    assert value(samples, "smarty_epg_import_ok", source="good") == 1
    assert value(samples, "smarty_epg_import_ok", source="same") == 1
    assert value(samples, "smarty_epg_import_ok", source="broken") == 0
    assert value(samples, "smarty_epg_import_ok", source="partial") == 0
    assert ("smarty_epg_import_ok", (("source", "never"),)) not in samples
    assert value(samples, "smarty_epg_import_timestamp_seconds", source="good") == at.timestamp()


def test_a_failing_collector_leaves_the_rest_of_the_scrape(client, db, monkeypatch):
    def broken():
        raise ConnectionError("broker gone")

    monkeypatch.setattr(smarty.metrics, "COLLECTORS", [broken, *smarty.metrics.COLLECTORS])
    samples = scrape(client)
    assert any(name == "smarty_devices_online" or name.startswith("smarty_requests") for name, _ in samples)


def test_celery_queues_are_not_asked_for_with_eager_tasks(client, db):
    assert not any(name == "smarty_celery_queue_length" for name, _ in scrape(client))


WORKER = """
import django, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "settings.test"
django.setup()
from smarty.metrics import observe_request, render_metrics
if sys.argv[1] == "observe":
    observe_request(api="tvmw", method="ChannelList", error="0", status=200, seconds=0.01, queries=3)
else:
    sys.stdout.write(render_metrics().decode())
"""


def test_worker_processes_add_up_in_multiprocess_mode(tmp_path):
    """Under gunicorn each worker counts in its own files; a scrape through any worker shows
    the sum (PROMETHEUS_MULTIPROC_DIR)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER, "observe"], cwd=ROOT, env=env, check=True, timeout=60)
    out = subprocess.run(
        [sys.executable, "-c", WORKER, "render"], cwd=ROOT, env=env, check=True, timeout=60, capture_output=True
    ).stdout.decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(out)
        for s in family.samples
    }
    labels = (("api", "tvmw"), ("error", "0"), ("method", "ChannelList"), ("status", "200"))
    assert samples[("smarty_requests_total", labels)] == 2
    assert samples[("smarty_request_db_queries_sum", (("api", "tvmw"), ("method", "ChannelList")))] == 6
