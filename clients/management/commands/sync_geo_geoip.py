"""sync_geo_geoip (seed 2.4.5.1): countries and cities from the GeoIP2 database
(SMARTY_GEOIP_DB), only when there are none yet (`--force` adds the missing ones)."""

from django.conf import settings
from django.core.management.base import CommandError

from clients.geo_sources import GeoSourceError, mmdb_places
from clients.services import geo_places_sync
from smarty.commands import SmartyCommand, parse_bool

from ._geo import sync_summary


class Command(SmartyCommand):
    help = "Create countries and cities from the GeoIP2 database when there are none."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--path", default="", help="a .mmdb instead of SMARTY_GEOIP_DB")
        parser.add_argument("--force", type=parse_bool, default=False, help="add the missing ones to existing data")

    def run(self, *, path: str, force: bool, **options) -> str:
        path = path or settings.SMARTY_GEOIP_DB
        if not path:
            raise CommandError("sync_geo_geoip: set SMARTY_GEOIP_DB (run geoip_update first) or pass --path")
        try:
            result = geo_places_sync(places=self.progress(mmdb_places(path), label="networks"), force=force)
        except GeoSourceError as exc:
            raise CommandError(f"sync_geo_geoip: {exc}") from exc
        return sync_summary("sync_geo_geoip", result)
