"""Shared pieces of the geography commands (seed 2.4.5): download progress on a terminal and
the sync summary."""

from __future__ import annotations

import sys

from django.core.management.base import CommandError

from clients.geo_sources import GeoSourceError, geo_file_fetch
from clients.services import GeoSyncResult


def download_progress(label: str):
    """A progress callback drawing bytes fetched on a terminal (nothing when not a terminal)."""
    stream = sys.stderr
    if not stream.isatty():
        return None

    def draw(done: int, total: int | None) -> None:
        shown = f"{done // 1024} KiB" + (f" of {total // 1024} KiB" if total else "")
        stream.write(f"\r{label}: {shown}")
        if total and done >= total:
            stream.write("\n")
        stream.flush()

    return draw


def fetch(name: str, *, source: str, target: str, suffix: str, check) -> str:
    try:
        size = geo_file_fetch(
            source=source, target=target, suffix=suffix, check=check, progress=download_progress(name)
        )
    except GeoSourceError as exc:
        raise CommandError(f"{name}: {exc}") from exc
    return f"{name}: {size} bytes from {source}"


def sync_summary(name: str, result: GeoSyncResult) -> str:
    if result.skipped:
        return f"{name}: countries or cities exist already, nothing added (--force adds the missing ones)"
    return (
        f"{name}: {result.places} networks read, {result.countries_added} countries "
        f"and {result.cities_added} cities added"
    )
