"""epg_import: import the TV guide of every enabled EPG source, or of one (cron: seed 2.5.19,
`0 5,9,13 * * *`; Celery beat: epg.tasks.epg_import). Exits non-zero when a source failed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from epg.services import epg_import
from smarty.commands import SmartyCommand

from ._sources import resolve_source


class Command(SmartyCommand):
    help = "Import EPG from all enabled sources, or from one (--source_id / --source_name)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--source_id", type=int, help="import only this EpgSource (by id)")
        parser.add_argument("--source_name", help="import only this EpgSource (by name)")
        parser.add_argument(
            "--force", action="store_true", help="import even if the input and the channels did not change"
        )

    def run(self, **options: Any) -> str:
        source = resolve_source(source_id=options["source_id"], source_name=options["source_name"], required=False)
        summary = epg_import(
            sources=[source] if source is not None else None,
            force=options["force"],
            progress=lambda src: lambda items, total: self.progress(items, total, label=src.name),
        )
        failed = [result for result in summary.results if not result.ok]
        for result in failed:
            self.stderr.write(f"{result.source}: {result.status()}")
        if failed:
            # A cron owner (and the log: MANAGEMENT_COMMAND_ERROR) must see a failed import; the
            # guide of a failed source stays as it was.
            raise CommandError(f"epg_import: {summary.line()}")
        return f"epg_import: {summary.line()}"
