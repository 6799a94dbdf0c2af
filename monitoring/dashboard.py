"""The operator's live dashboard: the numbers (`dashboard_data`), their charts and their CSV
form. The admin views in monitoring/admin.py only parse the period and render these."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.utils import timezone

from . import charts, selectors

PERIODS = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30)}
DEFAULT_PERIOD = "24h"


@dataclass
class Period:
    key: str
    start: dt.datetime
    end: dt.datetime


def period_from(value: str | None, now: dt.datetime | None = None) -> Period:
    """One of PERIODS (anything else: the default), ending after the current hour."""
    key = value if value in PERIODS else DEFAULT_PERIOD
    now = now or timezone.now()
    end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return Period(key, end - PERIODS[key], end)


def _hour_label(moment: dt.datetime, period: Period) -> str:
    local = timezone.localtime(moment)
    return local.strftime("%H:%M") if period.key == "24h" else local.strftime("%d.%m %H")


@dataclass
class Dashboard:
    period: Period
    devices_online: int
    viewers_now: list = field(default_factory=list)
    top_channels: list = field(default_factory=list)
    top_videos: list = field(default_factory=list)
    concurrency: list = field(default_factory=list)
    logins: list = field(default_factory=list)
    servers: list = field(default_factory=list)
    devices: list = field(default_factory=list)
    sessions: list = field(default_factory=list)

    @property
    def watching(self) -> int:
        """Accounts watching a live channel now."""
        return sum(n for _, _, n in self.viewers_now)

    # --- tables behind the charts (the CSV export writes the same rows) ---
    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        return {
            "viewers_now": (["channel_id", "channel", "viewers"], [list(r) for r in self.viewers_now]),
            "top_channels": (
                ["content_id", "name", "hours_watched", "sessions"],
                [list(r) for r in self.top_channels],
            ),
            "top_videos": (
                ["content_id", "name", "hours_watched", "sessions"],
                [list(r) for r in self.top_videos],
            ),
            "concurrency": (["hour", "viewers"], [[h.isoformat(), v] for h, v in self.concurrency]),
            "logins": (["hour", "logins", "errors"], [[h.isoformat(), ok, err] for h, ok, err in self.logins]),
            "servers": (
                ["id", "name", "up", "load", "max_load", "checked_at"],
                [
                    [s["id"], s["name"], int(s["up"]), s["load"], s["max_load"], s["checked_at"] or ""]
                    for s in self.servers
                ],
            ),
            "devices": (["device", "app_version", "online"], [list(r) for r in self.devices]),
        }

    def charts(self) -> dict[str, str]:
        p = self.period
        return {
            "viewers_now": charts.bar_chart(
                "viewers_now", "Viewers per channel now", [(name, n) for _, name, n in self.viewers_now[:12]]
            ),
            "top_channels": charts.bar_chart(
                "top_channels", "Top channels (hours watched)", [(name, h) for _, name, h, _ in self.top_channels]
            ),
            "top_videos": charts.bar_chart(
                "top_videos", "Top videos (hours watched)", [(name, h) for _, name, h, _ in self.top_videos]
            ),
            "concurrency": charts.line_chart(
                "concurrency", "Viewers per hour", [(_hour_label(h, p), v) for h, v in self.concurrency]
            ),
            "logins": charts.line_chart(
                "logins", "Logins per hour", [(_hour_label(h, p), ok) for h, ok, _ in self.logins]
            ),
            "login_errors": charts.line_chart(
                "login_errors", "Login errors per hour", [(_hour_label(h, p), err) for h, _, err in self.logins]
            ),
            "devices": charts.bar_chart(
                "devices",
                "Devices online by type and app version",
                [(f"{d} {v}".strip(), n) for d, v, n in self.devices[:12]],
            ),
        }


def dashboard_data(client_id: int | None, period: Period, *, now: dt.datetime | None = None) -> Dashboard:
    return Dashboard(
        period=period,
        devices_online=selectors.devices_online(client_id, now),
        viewers_now=selectors.viewers_per_channel_now(client_id, now),
        top_channels=selectors.top_content(client_id, start=period.start, end=period.end),
        top_videos=selectors.top_content(
            client_id, start=period.start, end=period.end, content_types=(selectors.VIDEO,)
        ),
        concurrency=selectors.viewers_per_hour(client_id, start=period.start, end=period.end),
        logins=selectors.logins_per_hour(client_id, start=period.start, end=period.end),
        servers=selectors.streaming_servers(client_id),
        devices=selectors.devices_by_type(client_id, now),
    )


def csv_of(dashboard: Dashboard, table: str) -> str | None:
    """One table as CSV text, or None for an unknown table name."""
    found = dashboard.tables().get(table)
    if found is None:
        return None
    header, rows = found
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["'" + c if isinstance(c, str) and c[:1] in ("=", "+", "-", "@") else c for c in row])
    return out.getvalue()
