"""cache_channel_list: keep every operator's channel lists warm (the seed's crontab runs it
every minute: `*/1 * * * * smarty_manage cache_channel_list`)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import CommandError

from channels.selectors import warm_client
from clients.models import Client
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Build the cached channel lists, catalogues and now/next snapshots of every operator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--client_id", type=int, help="only this operator")

    def run(self, **options: Any) -> str:
        clients = Client.objects.filter(enabled=True).order_by("id")
        if options.get("client_id") is not None:
            clients = clients.filter(pk=options["client_id"])
            if not clients.exists():
                raise CommandError(f"no enabled operator with id {options['client_id']}")
        ids = list(clients.values_list("id", flat=True))
        now = int(time.time())
        visited = sum(warm_client(client_id, now=now) for client_id in self.progress(ids, len(ids), "operators"))
        return f"cache_channel_list: {visited} cached values for {len(ids)} operator(s)"
