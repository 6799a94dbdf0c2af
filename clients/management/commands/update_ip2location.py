"""update_ip2location (seed 2.4.5.2): fetch the ip2location binary database and the CSV
database (for the directory of countries and cities) from their configured URLs or paths."""

from django.conf import settings
from django.core.management.base import CommandError

from clients.geo_sources import ip2location_bin_check, ip2location_csv_check
from smarty.commands import SmartyCommand

from ._geo import fetch


class Command(SmartyCommand):
    help = "Fetch the ip2location BIN and CSV databases (SMARTY_IP2LOCATION_*_SOURCE)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--bin_source", default="", help="URL or path instead of SMARTY_IP2LOCATION_BIN_SOURCE")
        parser.add_argument("--csv_source", default="", help="URL or path instead of SMARTY_IP2LOCATION_CSV_SOURCE")

    def run(self, *, bin_source: str, csv_source: str, **options) -> str:
        bin_source = bin_source or settings.SMARTY_IP2LOCATION_BIN_SOURCE
        csv_source = csv_source or settings.SMARTY_IP2LOCATION_CSV_SOURCE
        if not bin_source and not csv_source:
            raise CommandError(
                "update_ip2location: set SMARTY_IP2LOCATION_BIN_SOURCE and/or SMARTY_IP2LOCATION_CSV_SOURCE"
            )
        done = []
        if bin_source:
            done.append(
                fetch(
                    "ip2location BIN",
                    source=bin_source,
                    target=settings.SMARTY_IP2LOCATION_BIN,
                    suffix=".bin",
                    check=ip2location_bin_check,
                )
            )
        if csv_source:
            done.append(
                fetch(
                    "ip2location CSV",
                    source=csv_source,
                    target=settings.SMARTY_IP2LOCATION_CSV,
                    suffix=".csv",
                    check=ip2location_csv_check,
                )
            )
        return "update_ip2location: " + "; ".join(done)
