"""Live content: TV channel categories, channels, radio stations, cameras, and each account's
favourites, hidden channels and own order."""

from __future__ import annotations

from django.db import models

from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.tenancy import ClientOwned


class ChannelCategory(ClientOwned, NameTranslations, DescriptionTranslations):
    """A TV category (seed 3.2.7.1), in the operator's order."""

    sort_order = models.IntegerField(default=0)
    icon = models.CharField(max_length=255, blank=True, default="")
    is_adult = models.BooleanField(default=False)
    color = models.CharField(max_length=16, blank=True, default="", help_text="hex colour, e.g. #ff8800")
    icon_tv = models.CharField(max_length=255, blank=True, default="", help_text="icon for STB and Smart TV")
    dashboard_icon = models.CharField(max_length=255, blank=True, default="", help_text="dashboard icon (STB/TV)")

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


class Radio(ClientOwned, NameTranslations, DescriptionTranslations):
    """A radio station, granted by tariffs like channels."""

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
    camera_category = models.ForeignKey(
        "channels.CameraCategory", null=True, blank=True, on_delete=models.SET_NULL, related_name="cameras"
    )
    geo_city = models.ForeignKey(
        "clients.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="for city lists"
    )
    icon = models.CharField(max_length=255, blank=True, default="", help_text="icon file below MEDIA_ROOT/icons")
    preview_url = models.CharField(max_length=1024, blank=True, default="")
    option1 = models.CharField(max_length=255, blank=True, default="")
    option2 = models.CharField(max_length=255, blank=True, default="")
    option3 = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class CameraCategory(ClientOwned, NameTranslations):
    """A group of cameras (beaches, streets...), optionally in one city (TVMW camera/category/list)."""

    city = models.ForeignKey("clients.City", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "camera categories"

    def __str__(self) -> str:
        return self.name


class ChannelSort(ClientOwned, NameTranslations):
    """An alternative channel order of an operator (TVMW channel/sort/list, `channel_sort_id`).
    Channels missing from `channel_ids` follow in the operator's order."""

    channel_ids = models.JSONField(default=list, blank=True, help_text="channel ids in this order")
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
    is_parent_control = models.BooleanField(null=True, blank=True, help_text="empty: the channel's own setting")
    last_viewed_at = models.DateTimeField(null=True, blank=True, help_text="for channel/list/last")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "channel"], name="uniq_account_channel_setting")]


class ProgramReminder(ClientOwned):
    """A reminder an account set for a programme of one of its operator's channels (TVMW
    notification/*): listed while the programme is to come, and after it while its recording
    can be watched."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="program_reminders")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey("epg.Program", on_delete=models.CASCADE, related_name="+")
    timeshift_offset = models.IntegerField(default=0, help_text="seconds; returned when the channel sets none")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "program"], name="uniq_program_reminder")]
        indexes = [models.Index(fields=["client", "account"])]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.program_id}"
