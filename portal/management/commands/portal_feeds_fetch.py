"""portal_feeds_fetch: fetch the widgets' data sources that are due (Celery beat:
portal.tasks.portal_feeds_fetch)."""

from __future__ import annotations

from typing import Any

from portal.services import data_sources_fetch_due
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Fetch RSS, weather and exchange-rate sources whose interval has passed (--force: all)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--client_id", type=int)
        parser.add_argument("--force", action="store_true")

    def run(self, **options: Any) -> str:
        ok, failed = data_sources_fetch_due(client_id=options["client_id"], force=options["force"])
        return f"portal_feeds_fetch: {ok} fetched, {failed} failed"
