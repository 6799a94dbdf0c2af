"""sync_geo_ip2location (seed 2.4.5.2): countries and cities from the ip2location CSV database
(SMARTY_IP2LOCATION_CSV), only when there are none yet (`--force` adds the missing ones)."""

from django.conf import settings
from django.core.management.base import CommandError

from clients.geo_sources import GeoSourceError, ip2location_csv_rows
from clients.services import geo_places_sync
from smarty.commands import SmartyCommand, parse_bool

from ._geo import sync_summary


class Command(SmartyCommand):
    help = "Create countries and cities from the ip2location CSV database when there are none."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--path", default="", help="a CSV instead of SMARTY_IP2LOCATION_CSV")
        parser.add_argument("--force", type=parse_bool, default=False, help="add the missing ones to existing data")

    def run(self, *, path: str, force: bool, **options) -> str:
        path = path or settings.SMARTY_IP2LOCATION_CSV
        try:
            result = geo_places_sync(places=self.progress(ip2location_csv_rows(path), label="ranges"), force=force)
        except (GeoSourceError, OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"sync_geo_ip2location: cannot read {path}: {exc}") from exc
        return sync_summary("sync_geo_ip2location", result)
