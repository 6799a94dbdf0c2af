"""check_stream_services [--client_id N]: probe every enabled streaming service that has a
check address (ping / TCP / HTTP / is_alive as configured), mark it up or down and log
STREAM_SERVICE_CHECKING_SUCCESS / STREAM_SERVICE_CHECKING_ERROR (seed 4.1.11)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from clients.models import Client
from smarty.commands import SmartyCommand
from streaming.services import stream_service_check_all


class Command(SmartyCommand):
    help = "Check the availability of streaming services"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--client_id", type=int, default=None, help="only this operator's services")

    def run(self, **options: Any) -> str:
        client_id = options.get("client_id")
        if client_id is not None and not Client.objects.filter(pk=client_id).exists():
            raise CommandError(f"client {client_id} not found")
        summary = stream_service_check_all(client_id=client_id)
        s = summary
        return f"checked {s.checked} streaming services: {s.up} up, {s.down} down, {s.changed} changed"
