"""purge_stream_tokens: delete stream tokens that expired SMARTY_STREAM_TOKEN_KEEP_HOURS ago."""

from __future__ import annotations

from typing import Any

from smarty.commands import SmartyCommand
from streaming.services import stream_token_purge


class Command(SmartyCommand):
    help = "Delete expired stream tokens"

    def run(self, **options: Any) -> str:
        return f"deleted {stream_token_purge()} expired stream tokens"
