"""Celery tasks of the billing app (scheduled in smarty/schedules.py)."""

from __future__ import annotations

from celery import shared_task

from billing.services import charge_due
from clients.models import Client


@shared_task(name="billing.tasks.charge_tariffs")
def charge_tariffs(client_id: int | None = None) -> str:
    """The periodic internal billing run (same as `smarty_manage charge_tariffs`): every
    operator, or only `client_id`. An unknown `client_id` charges nobody (never everyone)."""

    client = None
    if client_id is not None:
        client = Client.objects.filter(pk=client_id).first()
        if client is None:
            return f"client {client_id} not found"
    result = charge_due(client=client)
    return f"charged {result.charges}, unpaid {result.unpaid}, debt {len(result.debt)}, restored {len(result.restored)}"
