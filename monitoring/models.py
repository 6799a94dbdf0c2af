"""Stream monitoring, device monitoring and viewing statistics. The models grow with the
monitoring issue."""

from __future__ import annotations

from django.db import models

from smarty.tenancy import ClientOwned


class ViewEvent(ClientOwned):
    """One viewing interval reported by a device (ViewStats API)."""

    account = models.ForeignKey("accounts.Account", null=True, on_delete=models.SET_NULL)
    content_type = models.CharField(max_length=16)
    content_id = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    duration = models.PositiveIntegerField(default=0)
