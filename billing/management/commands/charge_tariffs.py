"""smarty_manage charge_tariffs [--client_id=N]: the internal billing's periodic run (cron or
the Celery beat task of the same name). Charges due tariff periods, puts accounts without
funds in DEBT and brings paid ones back, deactivates accounts past their deactivation_date."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from billing.services import charge_due
from clients.models import Client
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Charge due tariff periods of internal-billing operators (DEBT and back)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--client_id", type=int, default=None, help="only this operator")

    def run(self, **options: Any) -> str:
        client = None
        if options["client_id"] is not None:
            client = Client.objects.filter(pk=options["client_id"]).first()
            if client is None:
                raise CommandError(f"client {options['client_id']} not found")
        result = charge_due(client=client)
        return (
            f"charged {result.charges} periods ({result.charged}), unpaid {result.unpaid}, "
            f"DEBT {len(result.debt)}, restored {len(result.restored)}"
        )
