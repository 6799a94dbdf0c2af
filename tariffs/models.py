"""Tariff packages: what they give access to, where, to how many devices, for what price."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.tenancy import ClientOwned

#: The longest period, in days, of a tariff or an automatic activation (ten years): longer
#: ones overflow the date arithmetic of charging and activation.
MAX_PERIOD_DAYS = 3660


class Tariff(ClientOwned, NameTranslations, DescriptionTranslations):
    """A package. Basic tariffs give the main service, additional ones extend it, options are
    add-ons. Access to channels, videos, radio and streaming services is granted by tariffs."""

    class Kind(models.IntegerChoices):
        BASIC = 1, "basic"
        ADDITIONAL = 2, "additional"
        OPTION = 3, "option"

    ext_id = models.CharField(max_length=64, blank=True, default="")
    kind = models.PositiveSmallIntegerField(choices=Kind.choices, default=Kind.BASIC)
    enabled = models.BooleanField(default=True)
    hidden = models.BooleanField(default=False)
    price = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(Decimal("0"))]
    )
    period = models.PositiveIntegerField(default=30, help_text="days", validators=[MaxValueValidator(MAX_PERIOD_DAYS)])
    default_activation_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    assigned_by_default = models.BooleanField(default=False)
    required = models.BooleanField(default=False)
    sessions_count = models.PositiveIntegerField(default=0, help_text="additional devices; 0: unlimited")
    basic_sessions_count = models.PositiveIntegerField(default=1)
    basic_tariff_priority = models.IntegerField(default=0)
    ip_restriction = models.BooleanField(default=False)
    available_for_inactive_accounts = models.BooleanField(default=False)
    available_everywhere = models.BooleanField(default=True)
    countries = models.ManyToManyField("clients.Country", blank=True)
    cities = models.ManyToManyField("clients.City", blank=True)
    allowed_device_groups = models.JSONField(default=list, blank=True, help_text="PlayDevice groups; empty: all")
    display_in_channels_widget = models.BooleanField(default=True)
    used_for_channel_list = models.BooleanField(default=True)
    used_for_video_list = models.BooleanField(default=True)
    used_for_radio_list = models.BooleanField(default=True)
    available_to_unsubscribe = models.BooleanField(default=True)
    players_enabled = models.BooleanField(
        default=False, help_text="opens the M3U/XMLTV, Xtream and Stalker players to the accounts with this tariff"
    )
    stream_services = models.ManyToManyField("streaming.StreamService", blank=True, related_name="tariffs")
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class TariffSubscription(ClientOwned):
    """A paid period of a tariff for a customer (or one of its accounts)."""

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="subscriptions")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="subscriptions")
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    start_date = models.DateTimeField()
    end_date = models.DateTimeField(null=True, blank=True)
    is_periodical = models.BooleanField(default=True)
    price_expiration = models.DateField(null=True, blank=True)
    is_price_overridden = models.BooleanField(default=False)
    is_closed = models.BooleanField(default=False)
    paid_until = models.DateTimeField(null=True, blank=True, help_text="end of the period already charged")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client", "is_closed", "end_date"])]

    def __str__(self) -> str:
        return f"{self.tariff} → {self.account or self.customer}"
