"""The files of the geography locators: fetching a database from a configured URL or local path
into its place, and reading countries and cities out of it.

- GeoIP2/GeoLite2 (`.mmdb`, or a `.tar.gz` holding one, as MaxMind distributes it), read with
  maxminddb: every network's `country` and `city` records.
- ip2location: the binary database (`.BIN`, or a `.zip` holding one) is fetched as it is; the
  CSV database (`.CSV`/`.zip`, the DB3/DB5/DB9/DB11 column order: ip_from, ip_to,
  country_code, country_name, region_name, city_name, ...) gives countries and cities.

A file is written next to its target and moved into place only once it has been read back
whole: a failed download never leaves half a database where the locator reads it.
"""

from __future__ import annotations

import csv
import os
import shutil
import tarfile
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

# Chunks of a download; `progress(done, total)` is called after each.
CHUNK = 64 * 1024
TIMEOUT = 60

Progress = Callable[[int, int | None], None]


class GeoSourceError(Exception):
    """The source cannot be read or is not a database of the expected kind."""


def _download(source: str, into: Path, progress: Progress | None) -> None:
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=TIMEOUT) as response, open(into, "wb") as out:  # noqa: S310 - http(s) only
                total = int(response.headers.get("Content-Length") or 0) or None
                done = 0
                while chunk := response.read(CHUNK):
                    out.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        except (OSError, ValueError) as exc:
            raise GeoSourceError(f"cannot download {source}: {exc}") from exc
        return
    if "://" in source:
        raise GeoSourceError(f"{source}: only http(s) URLs and local paths are read")
    try:
        shutil.copyfile(source, into)
    except OSError as exc:
        raise GeoSourceError(f"cannot read {source}: {exc}") from exc
    if progress:
        size = into.stat().st_size
        progress(size, size)


def _unpack(archive: Path, suffix: str, into: Path) -> None:
    """The first member named *suffix (case-insensitive) of a .zip or .tar.gz, else the file as
    it is."""
    suffix = suffix.lower()
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as bundle:
            names = [n for n in bundle.namelist() if n.lower().endswith(suffix)]
            if not names:
                raise GeoSourceError(f"the archive holds no {suffix} file")
            with bundle.open(names[0]) as member, open(into, "wb") as out:
                shutil.copyfileobj(member, out)
        return
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as bundle:
            members = [m for m in bundle.getmembers() if m.isfile() and m.name.lower().endswith(suffix)]
            if not members:
                raise GeoSourceError(f"the archive holds no {suffix} file")
            with bundle.extractfile(members[0]) as member, open(into, "wb") as out:
                shutil.copyfileobj(member, out)
        return
    shutil.copyfile(archive, into)


def geo_file_fetch(
    *, source: str, target: str, suffix: str, check: Callable[[Path], None], progress: Progress | None = None
) -> int:
    """Fetch `source` (URL or path; a .zip/.tar.gz is unpacked), check it with `check` (raises
    GeoSourceError), move it to `target`; returns its size in bytes."""
    if not source:
        raise GeoSourceError("no source configured")
    if not target:
        raise GeoSourceError("no target path configured")
    destination = Path(target)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".geo-") as work:
        raw, ready = Path(work) / "download", Path(work) / "ready"
        _download(source, raw, progress)
        try:
            _unpack(raw, suffix, ready)
        except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
            raise GeoSourceError(f"cannot unpack {source}: {exc}") from exc
        check(ready)
        size = ready.stat().st_size
        os.replace(ready, destination)
    return size


def mmdb_check(path: Path) -> None:
    import maxminddb

    try:
        with maxminddb.open_database(str(path)) as reader:
            kind = reader.metadata().database_type
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise GeoSourceError(f"not a readable MaxMind database: {exc}") from exc
    if "City" not in kind and "Country" not in kind:
        raise GeoSourceError(f"a {kind} database has no countries")


def ip2location_bin_check(path: Path) -> None:
    """The BIN header: database type (1..), column count, year/month/day, then the IPv4 count;
    a file shorter than the header or with impossible values is refused."""
    header = path.read_bytes()[:64]
    if len(header) < 64:
        raise GeoSourceError("not an ip2location BIN database (too short)")
    db_type, columns, year, month, day = header[:5]
    if not (1 <= db_type <= 30 and 1 <= columns <= 30 and 1 <= month <= 12 and 1 <= day <= 31):
        raise GeoSourceError("not an ip2location BIN database (bad header)")


def ip2location_csv_check(path: Path) -> None:
    rows = ip2location_csv_rows(path)
    try:
        next(rows, None)
    except (csv.Error, UnicodeDecodeError, GeoSourceError) as exc:
        raise GeoSourceError(f"not an ip2location CSV database: {exc}") from exc


# --- countries and cities out of the databases ------------------------------------------------


def mmdb_places(path: str) -> Iterator[tuple[str, str, str]]:
    """(country code, country name, city name or "") of each network of a GeoIP2 database."""
    import maxminddb

    try:
        reader = maxminddb.open_database(path)
    except (OSError, ValueError, maxminddb.InvalidDatabaseError) as exc:
        raise GeoSourceError(f"cannot read {path}: {exc}") from exc
    with reader:
        for _network, record in reader:
            country = (record or {}).get("country") or {}
            code = country.get("iso_code")
            if not code:
                continue
            city = ((record or {}).get("city") or {}).get("names", {}).get("en", "")
            yield code, country.get("names", {}).get("en", code), city


def ip2location_csv_rows(path: Path | str) -> Iterator[tuple[str, str, str]]:
    """(country code, country name, city name or "") of each range of an ip2location CSV
    database; "-" (no country) is skipped."""
    with open(path, encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), 1):
            if len(row) < 4 or not row[0].isdigit():
                raise GeoSourceError(f"line {number}: expected ip_from, ip_to, country_code, country_name, ...")
            code, name = row[2].strip(), row[3].strip()
            if code in {"", "-"}:
                continue
            yield code, name or code, (row[5].strip() if len(row) > 5 and row[5].strip() != "-" else "")
