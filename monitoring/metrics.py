"""What the monitoring app shows at /metrics (smarty.metrics): devices online per operator and
the guide sources' last import results, read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily, Metric

from epg.selectors import epg_source_import_states

from .selectors import devices_online_per_client


def online_devices() -> Iterable[Metric]:
    family = GaugeMetricFamily(
        "smarty_devices_online",
        "Sessions active within SMARTY_ADMIN_ONLINE_MINUTES, per operator.",
        labels=["client_id"],
    )
    for client_id, count in sorted(devices_online_per_client().items()):
        family.add_metric([str(client_id)], count)
    return [family]


def import_succeeded(status: str) -> bool:
    return status.startswith(("ok", "unchanged"))


def epg_imports() -> Iterable[Metric]:
    ok = GaugeMetricFamily(
        "smarty_epg_import_ok",
        "1 when the guide source's last import succeeded (ok or unchanged input), 0 when it failed.",
        labels=["source"],
    )
    at = GaugeMetricFamily(
        "smarty_epg_import_timestamp_seconds",
        "When the guide source was last imported (Unix time).",
        labels=["source"],
    )
    for row in epg_source_import_states():
        if not row["enabled"] or row["last_import_at"] is None:
            continue
        ok.add_metric([row["name"]], 1 if import_succeeded(row["last_import_status"]) else 0)
        at.add_metric([row["name"]], row["last_import_at"].timestamp())
    return [ok, at]
