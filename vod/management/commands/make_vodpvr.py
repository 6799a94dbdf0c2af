"""smarty_manage make_vodpvr --client_id=N (seed 2.5.20): a video for each recorded programme
of the operator's channels that keep an archive, kept in step with the guide (run it from cron
after epg_import)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from clients.models import Client
from smarty.commands import SmartyCommand
from vod.services import archive_videos_sync


class Command(SmartyCommand):
    help = "Create, update and remove the videos of the archive recordings of an operator's channels."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--client_id", type=int, required=True, help="the operator")

    def run(self, **options: Any) -> str:
        client = Client.objects.filter(pk=options["client_id"]).first()
        if client is None:
            raise CommandError(f"client {options['client_id']} not found")
        result = archive_videos_sync(client=client)
        return f"archive videos: created {result.created}, updated {result.updated}, removed {result.removed}"
