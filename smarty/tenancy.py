"""Tenancy: every operator-owned row has a `client` foreign key and `.for_client(client)`."""

from __future__ import annotations

from django.db import models


class ClientQuerySet(models.QuerySet):
    def for_client(self, client) -> ClientQuerySet:
        client_id = getattr(client, "pk", client)
        return self.filter(client_id=client_id)


class ClientOwned(models.Model):
    """Abstract base of operator-owned models."""

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, verbose_name="operator")

    objects = ClientQuerySet.as_manager()

    class Meta:
        abstract = True
