"""Compile the project's .po catalogues (LOCALE_PATHS) into .mo files with Python only, for
machines without gettext's msgfmt. `--check` fails when a committed .mo is out of date."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from smarty.commands import SmartyCommand
from smarty.po import compile_mo, parse_po


def catalogues() -> list[Path]:
    found: list[Path] = []
    for base in settings.LOCALE_PATHS:
        found.extend(sorted(Path(base).glob("*/LC_MESSAGES/*.po")))
    return found


class Command(SmartyCommand):
    help = __doc__
    use_lock = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true", help="only verify the .mo files are up to date")

    def run(self, **options: object) -> str:
        stale = []
        written = 0
        for po in catalogues():
            data = compile_mo(parse_po(po.read_text(encoding="utf-8")))
            mo = po.with_suffix(".mo")
            if mo.exists() and mo.read_bytes() == data:
                continue
            if options.get("check"):
                stale.append(str(mo.relative_to(settings.BASE_DIR)))
                continue
            mo.write_bytes(data)
            written += 1
        if stale:
            raise CommandError("out of date, run compile_translations: " + ", ".join(stale))
        return f"{len(catalogues())} catalogues, {written} compiled"
