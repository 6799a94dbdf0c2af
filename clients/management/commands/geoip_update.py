"""geoip_update (seed 2.4.5.1): fetch the GeoIP2/GeoLite2 database from SMARTY_GEOIP_DB_SOURCE
(URL or path) into SMARTY_GEOIP_DB, checked before it replaces the one in use."""

from django.conf import settings
from django.core.management.base import CommandError

from clients.geo_sources import mmdb_check
from smarty.commands import SmartyCommand

from ._geo import fetch


class Command(SmartyCommand):
    help = "Fetch the GeoIP2/GeoLite2 database (SMARTY_GEOIP_DB_SOURCE) into SMARTY_GEOIP_DB."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--source", default="", help="URL or path instead of SMARTY_GEOIP_DB_SOURCE")

    def run(self, *, source: str, **options) -> str:
        source = source or settings.SMARTY_GEOIP_DB_SOURCE
        if not source:
            raise CommandError("geoip_update: set SMARTY_GEOIP_DB_SOURCE (a URL or a path) or pass --source")
        if not settings.SMARTY_GEOIP_DB:
            raise CommandError("geoip_update: set SMARTY_GEOIP_DB, the path the database is written to")
        return fetch("geoip_update", source=source, target=settings.SMARTY_GEOIP_DB, suffix=".mmdb", check=mmdb_check)
