"""premiere_import: import premieres from every enabled EpgPremiereSource, or from one (seed 3.1.5.4)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from epg.models import EpgPremiereSource
from epg.services import premiere_import_all
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Import premieres from the premiere sources."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--source_id", type=int, help="only this EpgPremiereSource")

    def run(self, **options: Any) -> str:
        sources = None
        if options["source_id"] is not None:
            sources = list(EpgPremiereSource.objects.filter(pk=options["source_id"]).select_related("epg_source"))
            if not sources:
                raise CommandError(f"no premiere source with id {options['source_id']}")
        results = premiere_import_all(premiere_sources=sources)
        errors = [error for result in results for error in result.errors]
        for error in errors:
            self.stderr.write(error)
        return (
            f"premiere_import: {len(results)} sources ({len(errors)} failed), "
            f"{sum(r.premieres for r in results)} premieres, {sum(r.linked for r in results)} linked to programmes"
        )
