"""Operators (Client ID), their staff, device types, portal templates and per-operator
device permissions (seed 3.1.1-3.1.4)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    players_enabled = models.BooleanField(
        default=False, help_text="M3U/XMLTV, Xtream and Stalker players for every account (else per tariff)"
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
        # The wire values of the Billing API's allowed_device_groups.
        STB = 0, "STB"
        SMART_TV = 1, "Smart TV"
        MOBILE = 2, _("Mobile")
        OTHER = 3, _("Other")

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


def _new_client_uid() -> str:
    return secrets.token_hex(16)


class PortalSettings(ClientOwned):
    """What the operator's apps show and do (TVMW portal/settings/list). One row per operator;
    a key of the same name in ClientPlayDevice.settings overrides it for one device type."""

    class AuthMode(models.TextChoices):
        PORTAL = "", "portal default"
        PASSWORD = "password", "abonement and password"
        ABONEMENT = "abonement", "abonement only"
        DEVICE_UID = "device_uid", "device UID"
        DEVICE_UID_WO_FALLBACK = "device_uid_wo_fallback", "device UID without fallback"

    show_tvchannels = models.BooleanField(default=True)
    show_categorizedtv = models.BooleanField(default=True)
    show_archive = models.BooleanField(default=True)
    show_videocatalog = models.BooleanField(default=True)
    show_cctv = models.BooleanField(default=False)
    show_radio = models.BooleanField(default=True)
    show_games = models.BooleanField(default=False)
    show_balance = models.BooleanField(default=True)
    show_payment = models.BooleanField(default=True)
    show_info = models.BooleanField(default=True)
    show_settings = models.BooleanField(default=True)
    show_exit = models.BooleanField(default=True)
    custom_api_url = models.CharField(max_length=512, blank=True, default="")
    custom_css_url = models.CharField(max_length=512, blank=True, default="")
    client_logo_url = models.CharField(max_length=512, blank=True, default="")
    client_logo_login_url = models.CharField(max_length=512, blank=True, default="")
    client_logo_loading_url = models.CharField(max_length=512, blank=True, default="")
    login_text = models.TextField(blank=True, default="")
    login_text_lang1 = models.TextField(blank=True, default="")
    login_text_lang2 = models.TextField(blank=True, default="")
    login_text_lang3 = models.TextField(blank=True, default="")
    login_text_lang4 = models.TextField(blank=True, default="")
    login_text_lang5 = models.TextField(blank=True, default="")
    reports_enabled = models.BooleanField(default=False)
    data_autorefresh_enabled = models.BooleanField(default=True)
    standby_timer = models.PositiveIntegerField(default=0, help_text="minutes; 0: off")
    pvr_standby_timer = models.PositiveIntegerField(default=0, help_text="minutes; 0: off")
    redirect_to_portal_url = models.CharField(max_length=512, blank=True, default="")
    auth_mode = models.CharField(max_length=32, choices=AuthMode.choices, blank=True, default=AuthMode.PORTAL)
    mediascope_enabled = models.BooleanField(default=False)
    start_stat_enabled = models.BooleanField(default=False)
    mvision_stat_enabled = models.BooleanField(default=False)
    mvision_server_url = models.CharField(max_length=512, blank=True, default="")
    premier_stat_enabled = models.BooleanField(default=False)
    premier_stat_start_event_url = models.CharField(max_length=512, blank=True, default="")
    premier_stat_heartbeat_event_url = models.CharField(max_length=512, blank=True, default="")
    client_uid = models.CharField(max_length=64, default=_new_client_uid)
    use_new_billing_logic = models.BooleanField(default=False)
    portal_config = models.JSONField(default=dict, blank=True)
    available_country_phone_codes = models.JSONField(
        default=list, blank=True, help_text='[{"country_name": "...", "region_code": "RU", "country_code": "7"}]'
    )
    banner_video = models.JSONField(
        default=dict,
        blank=True,
        help_text="keys: video_id, image_url, video_id_for_child_mode, image_url_for_child_mode",
    )

    class Meta:
        verbose_name_plural = "portal settings"
        constraints = [models.UniqueConstraint(fields=["client"], name="uniq_portal_settings_per_client")]

    def __str__(self) -> str:
        return f"portal settings of {self.client_id}"


class DealerApiAccess(models.Model):
    """A dealer's Dealers API key and the networks its requests may come from (reference
    dealers.md: "api_key ... subnets ... in the dealer's form"; empty: from anywhere)."""

    dealer = models.OneToOneField(Dealer, on_delete=models.CASCADE, related_name="api_access")
    api_key = models.CharField(max_length=64, default=generate_key)
    allowed_subnets = models.TextField(
        blank=True, default="", help_text="networks in CIDR form, one per line or comma-separated; empty: any"
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        db_table = "clients_dealer_api_access"
        verbose_name = "dealer API access"
        verbose_name_plural = "dealer API access"

    def __str__(self) -> str:
        return f"API access of {self.dealer}"
