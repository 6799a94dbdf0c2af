"""Demo guide for `load_demo` (make run): a real XMLTV file shipped in epg/demo_data/ (see its
NOTICE.md), imported through the normal importer so the demo channels show programmes.

The file's dates are in the past, so the source uses the file parser's `shift_to_today`
option: each channel's guide is moved by whole days to cover today, and moved again by later
imports (the scheduled epg_import keeps the demo current)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .models import EpgChannel, EpgSource
from .services import epg_channels_import, epg_source_import

DEMO_SOURCE_NAME = "Demo guide (XMLTV file)"
#: relative to the project directory (xmltv_from_file resolves it), so any checkout works
DEMO_FILE = "epg/demo_data/demo-guide.xml.gz"


def load(client: Any, channels: Sequence[Any]) -> dict:
    """Create the demo EPG source and its EPG channels, link the operator's demo channels to
    them (one EPG channel each, round robin when there are more channels), and import.
    Idempotent: running it again reuses the source and channels."""
    source, _ = EpgSource.objects.update_or_create(
        name=DEMO_SOURCE_NAME,
        defaults={
            "parser": "xmltv_from_file",
            "url": DEMO_FILE,
            "enabled": True,
            "options": {"shift_to_today": True},
        },
    )
    epg_channels_import(source=source, force_import=True, parser_handling=True, download_icons=False)
    epg_channels = list(EpgChannel.objects.filter(source=source).order_by("pk"))
    linked = 0
    own = [channel for channel in channels if getattr(channel, "client_id", client.pk) == client.pk]
    for index, channel in enumerate(own):
        if not epg_channels:
            break
        channel.epg_channel = epg_channels[index % len(epg_channels)]
        channel.save(update_fields=["epg_channel"])
        linked += 1
    result = epg_source_import(source=source, force=True)
    return {
        "source_id": source.pk,
        "epg_channels": len(epg_channels),
        "linked_channels": linked,
        "programmes": result.programmes_imported,
        "status": result.status(),
    }
