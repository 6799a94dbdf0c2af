"""epg_channel_import (seed 2.5.2): load the channels of an EPG source from its channel list
(EpgChannelSource) and their icons, with resized copies 500x500, 120x91 and 40x40."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from epg.models import EpgChannel
from epg.parsers.base import EpgError
from epg.services import epg_channels_import
from smarty.commands import SmartyCommand

from ._sources import resolve_source


class Command(SmartyCommand):
    help = "Import the channels (and icons) of an EPG source. --epg_source_id or --epg_source_name is required."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--epg_source_id", type=int, help="the EpgSource to import channels of")
        parser.add_argument("--epg_source_name", help="the EpgSource to import channels of, by name")
        parser.add_argument("--epg_channel_id", type=int, help="only this EpgChannel")
        parser.add_argument("--channel_id", type=int, help="only the EpgChannel of this (operator) Channel")
        parser.add_argument("--reimport_icons", action="store_true", help="download the icons again")
        parser.add_argument(
            "--force_import",
            action="store_true",
            help="load every channel of the source (all other arguments but the source are ignored)",
        )
        parser.add_argument(
            "--force_parser_handling",
            action="store_true",
            help="let the parser handle the import (as TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING=True)",
        )
        parser.add_argument(
            "--force_disable_parser_handling",
            action="store_true",
            help="never let the parser handle the import (as TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING=False)",
        )
        parser.add_argument(
            "--fix_duplicates",
            action="store_true",
            help="merge EPG channels of the source that share an external id",
        )
        parser.add_argument("--verbose", action="store_true", help="report every icon downloaded")

    def run(self, **options: Any) -> str:
        source = resolve_source(
            source_id=options["epg_source_id"], source_name=options["epg_source_name"], required=True
        )
        if options["force_parser_handling"] and options["force_disable_parser_handling"]:
            raise CommandError("--force_parser_handling and --force_disable_parser_handling exclude each other")
        handling = True if options["force_parser_handling"] else None
        if options["force_disable_parser_handling"]:
            handling = False
        force = options["force_import"]
        epg_channel = None if force else self._epg_channel(options, source)
        report = self.stdout.write if options["verbose"] else None
        try:
            result = epg_channels_import(
                source=source,
                epg_channel=epg_channel,
                reimport_icons=options["reimport_icons"] and not force,
                force_import=force,
                parser_handling=handling,
                fix_duplicates=options["fix_duplicates"] and not force,
                report=report,
            )
        except EpgError as exc:
            raise CommandError(str(exc)) from exc
        for error in result.errors if not options["verbose"] else ():
            self.stderr.write(error)
        return f"epg_channel_import: {source.name}: {result.line()}"

    @staticmethod
    def _epg_channel(options: dict, source: Any) -> EpgChannel | None:
        if options["epg_channel_id"] is not None and options["channel_id"] is not None:
            raise CommandError("give --epg_channel_id or --channel_id, not both")
        if options["epg_channel_id"] is not None:
            found = EpgChannel.objects.filter(pk=options["epg_channel_id"], source=source).first()
            if found is None:
                raise CommandError(f"no EPG channel {options['epg_channel_id']} in source {source.name!r}")
            return found
        if options["channel_id"] is not None:
            # Operator channels point at EPG channels (the channels app is above this one):
            # reached through the reverse relation.
            channel_id = options["channel_id"]
            found = EpgChannel.objects.filter(channels__pk=channel_id).first()
            if found is None and not EpgChannel.channels.rel.related_model.objects.filter(pk=channel_id).exists():
                raise CommandError(f"no channel with id {channel_id}")
            if found is None or found.source_id != source.pk:
                raise CommandError(f"channel {channel_id} has no EPG channel in source {source.name!r}")
            return found
        return None
