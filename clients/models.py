"""Operators (Client ID), their staff, device types, portal templates and per-operator
device permissions (seed 3.1.1-3.1.4)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from smarty.tenancy import ClientOwned


def generate_key() -> str:
    return secrets.token_hex(16)


class Client(models.Model):
    """An operator. Every operator-owned row points here; API keys authenticate its systems."""

    class GeoLocator(models.TextChoices):
        NONE = "none", "None"
        GEOIP2 = "geoip2", "GeoIP2 / GeoLite2 database"

    class ChannelSort(models.TextChoices):
        """Channel auto-sort of the operator's channel list (seed 3.2.7.2)."""

        CUSTOM = "custom", "custom sorting"
        AUTO = "auto", "automatically (logical channel number)"
        ID = "id", "ID"
        NAME = "name", "title"

    name = models.CharField(max_length=255)
    email = models.EmailField(blank=True, default="")
    domain_prefix = models.SlugField(max_length=64, unique=True, help_text="subdomain of the operator")
    website = models.URLField(blank=True, default="")
    enabled = models.BooleanField(default=True)
    api_key = models.CharField("TVMW API key", max_length=64, default=generate_key)
    billing_api_key = models.CharField(max_length=64, default=generate_key)
    content_api_key = models.CharField(max_length=64, default=generate_key)
    streaming_api_key = models.CharField(max_length=64, default=generate_key)
    dealers_api_key = models.CharField(max_length=64, default=generate_key)
    default_currency = models.CharField(max_length=3, default="USD")
    payment_method = models.CharField(max_length=32, default="internal", help_text="internal or external billing")
    trial_period_days = models.PositiveIntegerField(default=0)
    registration_limit = models.PositiveIntegerField(default=0, help_text="0: unlimited self-registrations")
    contract_number_mask = models.CharField(max_length=64, blank=True, default="", help_text="e.g. IPTV-{id:06d}")
    abonement_length = models.PositiveSmallIntegerField(default=8)
    geo_locator = models.CharField(max_length=16, choices=GeoLocator.choices, default=GeoLocator.NONE)
    timezone = models.CharField(max_length=64, default="UTC")
    channel_sort = models.CharField(
        max_length=8, choices=ChannelSort.choices, default=ChannelSort.CUSTOM, help_text="order of the channel list"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"


class Dealer(ClientOwned):
    """A dealer of an operator (seed 3.2.8.6): sells subscriptions, sees only its customers."""

    name = models.CharField(max_length=255)
    ext_id = models.CharField(max_length=64, blank=True, default="")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class ClientUser(models.Model):
    """Binds an admin login to one operator (operator staff) and sets its role."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="smarty_profile")
    client = models.ForeignKey(Client, null=True, blank=True, on_delete=models.CASCADE, related_name="staff")
    is_admin = models.BooleanField(default=False, help_text="may use the service part of the admin")
    is_monitoring = models.BooleanField(default=False, help_text="device monitoring operator only")
    dealer = models.ForeignKey(Dealer, null=True, blank=True, on_delete=models.SET_NULL, related_name="users")

    def __str__(self) -> str:
        return f"{self.user} @ {self.client_id}"


class PlayDeviceTemplate(models.Model):
    """A portal template (seed 3.1.2): classic, impuls, iridium, focus, futuristic."""

    name = models.CharField(max_length=64)
    system_name = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return self.name


class PlayDevice(models.Model):
    """A device type (seed 3.1.3), recognised by `system_name` in the `device` parameter."""

    class Group(models.IntegerChoices):
        STB = 1, "STB"
        SMART_TV = 2, "Smart TV"
        MOBILE = 3, "Mobile"
        OTHER = 4, "Other"

    class Format(models.TextChoices):
        JSON = "json", "JSON"
        XML = "xml", "XML"

    name = models.CharField(max_length=64)
    system_name = models.SlugField(max_length=64, unique=True)
    device_group = models.PositiveSmallIntegerField(choices=Group.choices, default=Group.OTHER)
    response_format = models.CharField(max_length=4, choices=Format.choices, default=Format.JSON)

    def __str__(self) -> str:
        return self.system_name


class ClientPlayDevice(ClientOwned):
    """A device type allowed for an operator, with its template and per-device settings."""

    play_device = models.ForeignKey(PlayDevice, on_delete=models.CASCADE)
    template = models.ForeignKey(PlayDeviceTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    enabled = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "play_device"], name="uniq_client_play_device")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.play_device}"


class Country(models.Model):
    """A country for geo availability (shared by all operators)."""

    code = models.CharField(max_length=2, unique=True)
    name = models.CharField(max_length=128)

    class Meta:
        verbose_name_plural = "countries"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class City(models.Model):
    country = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="cities")
    name = models.CharField(max_length=128)

    class Meta:
        verbose_name_plural = "cities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
