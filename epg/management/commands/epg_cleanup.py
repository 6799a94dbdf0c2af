"""epg_cleanup: delete programmes that ended longer ago than SMARTY_EPG_RETENTION_DAYS
(Celery beat: epg.tasks.epg_cleanup)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from epg.parsers.base import EpgError
from epg.services import epg_cleanup
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Delete old programmes (older than --days, default SMARTY_EPG_RETENTION_DAYS)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--days", type=int, help=f"keep this many days (default {settings.SMARTY_EPG_RETENTION_DAYS})"
        )

    def run(self, **options: Any) -> str:
        try:
            removed = epg_cleanup(days=options["days"])
        except EpgError as exc:
            raise CommandError(str(exc)) from exc
        return f"epg_cleanup: {removed} programmes removed"
