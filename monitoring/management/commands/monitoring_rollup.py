"""smarty_manage monitoring_rollup [--hours=N]: flush the buffered viewing events and session
touches, close finished sessions, recompute the last N hours' hourly and daily rollups, write the login
counts and apply the retention (cron, or the Celery beat tasks flush_views/flush_session_touches/rollup_views)."""

from __future__ import annotations

from typing import Any

from accounts.services.sessions import session_touches_flush
from monitoring.recording import buffer_flush
from monitoring.services import rollup_views
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Roll up viewing statistics per hour and day and apply the retention."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--hours", type=int, default=2, help="hourly buckets to recompute (default 2)")

    def run(self, **options: Any) -> str:
        moved = buffer_flush()
        touched = session_touches_flush()
        result = rollup_views(hours=max(options["hours"], 0))
        return f"moved {moved}, touched {touched}, " + ", ".join(f"{k} {v}" for k, v in result.items())
