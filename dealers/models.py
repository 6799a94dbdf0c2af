"""The Dealers API's credentials. The dealer itself is a domain row (clients.Dealer); this
protocol app owns only what authenticates a dealer's system on its wire."""

from __future__ import annotations

from django.db import models

from clients.models import generate_key


class DealerApiAccess(models.Model):
    """A dealer's Dealers API key and the networks its requests may come from (reference
    dealers.md: "api_key ... subnets ... in the dealer's form"; empty: from anywhere)."""

    dealer = models.OneToOneField("clients.Dealer", on_delete=models.CASCADE, related_name="api_access")
    api_key = models.CharField(max_length=64, default=generate_key)
    allowed_subnets = models.TextField(
        blank=True, default="", help_text="networks in CIDR form, one per line or comma-separated; empty: any"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        verbose_name = "dealer API access"
        verbose_name_plural = "dealer API access"

    def __str__(self) -> str:
        return f"API access of {self.dealer}"
