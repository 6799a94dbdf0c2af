"""The geography commands (seed 2.4.5): geoip_update and update_ip2location fetch their
databases from a URL (a local test server here) or a path, checked before they replace the
file in use; sync_geo_geoip and sync_geo_ip2location create countries and cities only when
there are none (or with --force).

Data: the MaxMind test databases in tests/data/geoip (Apache-2.0 or MIT, see the licence
files there). The ip2location sample is made here: the CSV format (DB5 column order) for
countries and cities, and a minimal BIN whose header follows the documented layout (type,
columns, year, month, day, then the IPv4/IPv6 counts and base addresses) for the fetch."""

from __future__ import annotations

import contextlib
import functools
import http.server
import io
import struct
import tarfile
import threading
import zipfile
from collections import defaultdict
from pathlib import Path

import maxminddb
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clients.models import City, Country
from clients.selectors import geo_locate

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data" / "geoip"
CITY_DB = DATA / "GeoIP2-City-Test.mmdb"
PORTS = range(8401, 8500)

# ip_from, ip_to, country_code, country_name, region_name, city_name, latitude, longitude
IP2LOCATION_CSV = """\
"0","16777215","-","-","-","-","0.000000","0.000000"
"16777216","16777471","AU","Australia","Queensland","Brisbane","-27.467940","153.028090"
"16777472","16778239","CN","China","Fujian","Fuzhou","26.061390","119.306110"
"16778240","16779263","AU","Australia","Victoria","Melbourne","-37.814000","144.963320"
"16779264","16781311","CN","China","Guangdong","Guangzhou","23.116670","113.250000"
"16781312","16785407","JP","Japan","Tokyo","Tokyo","35.689500","139.691710"
"16785408","16793599","CN","China","Guangdong","Guangzhou","23.116670","113.250000"
"""


def ip2location_bin() -> bytes:
    """A BIN database header (DB5: 8 columns, built 2026-12-01) and one IPv4 row."""
    header = struct.pack("<BBBBBIIII", 5, 8, 26, 12, 1, 1, 65, 0, 0)
    return header.ljust(64, b"\0") + struct.pack("<I", 16777216) + b"\0" * 28


def mmdb_expected() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Countries and cities as the MaxMind reader sees them, independently of the command."""
    countries, cities = {}, defaultdict(set)
    with maxminddb.open_database(str(CITY_DB)) as reader:
        for _network, record in reader:
            country = (record or {}).get("country") or {}
            if country.get("iso_code"):
                countries.setdefault(country["iso_code"], country["names"]["en"])  # the first name met
                city = ((record or {}).get("city") or {}).get("names", {}).get("en")
                if city:
                    cities[country["iso_code"]].add(city)
    return countries, cities


@contextlib.contextmanager
def serving(directory: Path):
    """A local HTTP server of `directory` on a free port of this worktree's range."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *args: None
    server = None
    for port in PORTS:
        try:
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
            break
        except OSError:
            continue
    assert server is not None, "no free port"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(name: str, **options) -> str:
    out = io.StringIO()
    call_command(name, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def geo_settings(settings, tmp_path):
    settings.SMARTY_GEOIP_DB = str(tmp_path / "geo" / "GeoIP2-City.mmdb")
    settings.SMARTY_IP2LOCATION_BIN = str(tmp_path / "geo" / "ip2location.bin")
    settings.SMARTY_IP2LOCATION_CSV = str(tmp_path / "geo" / "ip2location.csv")
    return settings


def test_geoip_update_fetches_a_tar_gz_from_the_configured_url_and_the_locator_reads_it(geo_settings, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    with tarfile.open(served / "GeoIP2-City.tar.gz", "w:gz") as bundle:
        bundle.add(CITY_DB, arcname="GeoIP2-City_20261201/GeoIP2-City.mmdb")
    with serving(served) as base:
        geo_settings.SMARTY_GEOIP_DB_SOURCE = f"{base}/GeoIP2-City.tar.gz"
        summary = run("geoip_update")
    assert summary.startswith(f"geoip_update: {CITY_DB.stat().st_size} bytes from http://127.0.0.1:")
    assert Path(geo_settings.SMARTY_GEOIP_DB).read_bytes() == CITY_DB.read_bytes()
    assert geo_locate("2.2.3.1") == {"country_code": "GB", "country_name": "United Kingdom", "city_name": "Boxford"}


def test_geoip_update_reads_a_local_path(geo_settings):
    assert "geoip_update:" in run("geoip_update", source=str(CITY_DB))
    assert Path(geo_settings.SMARTY_GEOIP_DB).read_bytes() == CITY_DB.read_bytes()


def test_geoip_update_keeps_the_database_in_use_when_the_download_is_not_a_database(geo_settings, tmp_path):
    target = Path(geo_settings.SMARTY_GEOIP_DB)
    target.parent.mkdir(parents=True)
    target.write_bytes(CITY_DB.read_bytes())
    served = tmp_path / "served"
    served.mkdir()
    (served / "broken.mmdb").write_bytes(b"<html>login required</html>")
    with serving(served) as base:
        with pytest.raises(CommandError, match="not a readable MaxMind database"):
            run("geoip_update", source=f"{base}/broken.mmdb")
        with pytest.raises(CommandError, match="cannot download"):
            run("geoip_update", source=f"{base}/missing.mmdb")
    assert target.read_bytes() == CITY_DB.read_bytes()
    assert [p.name for p in target.parent.iterdir()] == [target.name]


def test_geoip_update_without_a_source_says_what_to_set(geo_settings):
    geo_settings.SMARTY_GEOIP_DB_SOURCE = ""
    with pytest.raises(CommandError, match="SMARTY_GEOIP_DB_SOURCE"):
        run("geoip_update")


def test_sync_geo_geoip_creates_the_databases_countries_and_cities(geo_settings):
    countries, cities = mmdb_expected()
    summary = run("sync_geo_geoip", path=str(CITY_DB))
    assert dict(Country.objects.values_list("code", "name")) == countries
    stored = defaultdict(set)
    for code, name in City.objects.values_list("country__code", "name"):
        stored[code].add(name)
    assert stored == cities
    city_count = sum(len(names) for names in cities.values())
    assert f"{len(countries)} countries and {city_count} cities added" in summary
    assert "GB" in countries and "Boxford" in cities["GB"]


def test_sync_geo_geoip_leaves_existing_countries_alone_unless_forced(geo_settings):
    Country.objects.create(code="GB", name="Britain")
    summary = run("sync_geo_geoip", path=str(CITY_DB))
    assert "nothing added" in summary
    assert list(Country.objects.values_list("name", flat=True)) == ["Britain"]
    run("sync_geo_geoip", path=str(CITY_DB), force=True)
    countries, _cities = mmdb_expected()
    assert Country.objects.count() == len(countries)
    assert Country.objects.get(code="GB").name == "Britain"  # forced: added, never renamed
    assert City.objects.filter(country__code="GB", name="Boxford").count() == 1
    again = run("sync_geo_geoip", path=str(CITY_DB), force=True)
    assert "0 countries and 0 cities added" in again


def test_update_ip2location_fetches_the_bin_and_the_zipped_csv_and_sync_creates_places(geo_settings, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "IP2LOCATION-LITE-DB5.BIN").write_bytes(ip2location_bin())
    with zipfile.ZipFile(served / "IP2LOCATION-LITE-DB5.CSV.zip", "w") as bundle:
        bundle.writestr("README_LITE.TXT", "sample")
        bundle.writestr("IP2LOCATION-LITE-DB5.CSV", IP2LOCATION_CSV)
    with serving(served) as base:
        geo_settings.SMARTY_IP2LOCATION_BIN_SOURCE = f"{base}/IP2LOCATION-LITE-DB5.BIN"
        geo_settings.SMARTY_IP2LOCATION_CSV_SOURCE = f"{base}/IP2LOCATION-LITE-DB5.CSV.zip"
        summary = run("update_ip2location")
    assert "ip2location BIN: 96 bytes" in summary and "ip2location CSV:" in summary
    assert Path(geo_settings.SMARTY_IP2LOCATION_BIN).read_bytes() == ip2location_bin()
    assert Path(geo_settings.SMARTY_IP2LOCATION_CSV).read_text() == IP2LOCATION_CSV
    summary = run("sync_geo_ip2location")
    assert dict(Country.objects.values_list("code", "name")) == {"AU": "Australia", "CN": "China", "JP": "Japan"}
    assert sorted(City.objects.values_list("country__code", "name")) == [
        ("AU", "Brisbane"),
        ("AU", "Melbourne"),
        ("CN", "Fuzhou"),
        ("CN", "Guangzhou"),
        ("JP", "Tokyo"),
    ]
    assert summary.strip() == "sync_geo_ip2location: 6 networks read, 3 countries and 5 cities added"
    assert "nothing added" in run("sync_geo_ip2location")


def test_update_ip2location_refuses_a_file_that_is_not_a_bin_database(geo_settings, tmp_path):
    bad = tmp_path / "page.html"
    bad.write_bytes(b"<html>" + b" " * 100)
    with pytest.raises(CommandError, match="not an ip2location BIN database"):
        run("update_ip2location", bin_source=str(bad))
    assert not Path(geo_settings.SMARTY_IP2LOCATION_BIN).exists()


def test_sync_geo_ip2location_refuses_a_malformed_csv_and_writes_nothing(geo_settings, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(IP2LOCATION_CSV + "not,a,range,row\n")
    with pytest.raises(CommandError, match="line 8"):
        run("sync_geo_ip2location", path=str(bad))
    assert not Country.objects.exists() and not City.objects.exists()
