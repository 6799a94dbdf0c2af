"""recache_icons (seed 2.5.14): check every EPG channel icon for the sizes in
SMARTY_DEFAULT_ICON_SIZE and SMARTY_DEFAULT_ICON_SIZES, create missing copies, cache which exist."""

from __future__ import annotations

from typing import Any

from epg.services import icons_recache
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Check and cache the existing sizes of all EPG channel icons."

    def run(self, **options: Any) -> str:
        return f"recache_icons: {icons_recache().line()}"
