"""Live content: TV channel categories, channels, radio stations, cameras, and each account's
favourites, hidden channels and own order."""

from __future__ import annotations

from django.db import models

from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.tenancy import ClientOwned


class ChannelCategory(ClientOwned, NameTranslations):
    """A TV category (seed 3.2.7.1), in the operator's order."""

    sort_order = models.IntegerField(default=0)
    icon = models.CharField(max_length=255, blank=True, default="")
    is_adult = models.BooleanField(default=False)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "channel categories"

    def __str__(self) -> str:
        return self.name


class Channel(ClientOwned, NameTranslations, DescriptionTranslations):
    """A TV channel of an operator; all fields of the Content API's ChannelCreate."""

    category = models.ForeignKey(
        ChannelCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="channels"
    )
    additional_categories = models.ManyToManyField(ChannelCategory, blank=True, related_name="extra_channels")
    epg_channel = models.ForeignKey(
        "epg.EpgChannel", null=True, blank=True, on_delete=models.SET_NULL, related_name="channels"
    )
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="channels")
    stream_services = models.ManyToManyField("streaming.StreamService", blank=True, related_name="channels")
    uri = models.CharField(max_length=1024, blank=True, default="", help_text="static stream URL (static routing)")
    url_prefix = models.CharField(max_length=255, blank=True, default="", help_text="$prefix in URL masks")
    id_for_stream_service = models.CharField(max_length=255, blank=True, default="", help_text="$cid in URL masks")
    multicast_address = models.CharField(max_length=255, blank=True, default="")
    secondary_multicast_address = models.CharField(max_length=255, blank=True, default="")
    hbb_channel_pid = models.CharField(max_length=64, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    version = models.CharField(max_length=64, blank=True, default="")
    option1 = models.CharField(max_length=255, blank=True, default="")
    option2 = models.CharField(max_length=255, blank=True, default="")
    option3 = models.CharField(max_length=255, blank=True, default="")
    telemeter = models.IntegerField(null=True, blank=True)
    telemeter_account_name = models.CharField(max_length=255, blank=True, default="")
    telemeter_tmsec_name = models.CharField(max_length=255, blank=True, default="")
    telemeter_cat_id = models.CharField(max_length=255, blank=True, default="")
    telemeter_vc_id = models.CharField(max_length=255, blank=True, default="")
    telemeter_vc_version = models.CharField(max_length=255, blank=True, default="")
    mediahills_id = models.IntegerField(default=0)
    pause_live_tv_shift = models.IntegerField(default=0)
    lcn_number = models.IntegerField(default=0, help_text="logical channel number")
    recording_days = models.PositiveIntegerField(default=0, help_text="catch-up depth in days")
    aspect_ratio = models.IntegerField(default=0)
    show_in_all = models.BooleanField(default=True)
    parent_control = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    display_on_site = models.BooleanField(default=True)
    copyright_holder = models.IntegerField(null=True, blank=True)
    price_category = models.IntegerField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    icon = models.CharField(max_length=255, blank=True, default="", help_text="icon file below MEDIA_ROOT/icons")
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["client", "enabled", "sort_order"])]

    def __str__(self) -> str:
        return self.name


class Radio(ClientOwned, NameTranslations):
    uri = models.CharField(max_length=1024)
    icon = models.CharField(max_length=255, blank=True, default="")
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="radios")
    enabled = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Camera(ClientOwned, NameTranslations):
    """A surveillance camera (CCTV) offered to subscribers or bound to one account."""

    uri = models.CharField(max_length=1024, blank=True, default="")
    id_for_stream_service = models.CharField(max_length=255, blank=True, default="")
    city = models.CharField(max_length=128, blank=True, default="")
    category = models.CharField(max_length=128, blank=True, default="")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="cameras"
    )
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="cameras")
    stream_services = models.ManyToManyField("streaming.StreamService", blank=True, related_name="cameras")
    epg_channel = models.ForeignKey("epg.EpgChannel", null=True, blank=True, on_delete=models.SET_NULL)
    recording_days = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class AccountChannelSetting(ClientOwned):
    """An account's own view of a channel: favourite, hidden, position in its own order."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="channel_settings")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="account_settings")
    is_favorite = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    sort_order = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "channel"], name="uniq_account_channel_setting")]
