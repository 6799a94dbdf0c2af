"""The portal's home screen (reference tvmw/PortalDashboard.md and the groups around it):
dashboards (rows) and their slider banners, the operator's application catalogue and the data
sources its widgets read, ad blocks with targeting and impression limits, feeds, games and
their scores, HbbTV providers and what devices report of them, viewing positions for the
"continue watching" rows, camera favourites and the child operators of a meta-portal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from smarty.tenancy import ClientOwned

MAIN_MENU_ITEMS = ("tvchannels", "archive", "videocatalog", "cctv", "settings", "profile", "services", "radio")


class Dashboard(ClientOwned):
    """One row (lenta) of the home screen. Which devices see it: the template, device types
    (none: every type) and language (empty: every language) it is composed for."""

    class Type(models.IntegerChoices):
        MAIN_MENU = 0, "Main menu"
        WIDGETS = 1, "Widgets"
        CHANNELS = 2, "TV channels"
        PROGRAMS = 3, "Programmes"
        VIDEOS = 4, "Films"
        SELECTION = 5, "Selection"
        RECENT_CHANNELS = 6, "Recently watched channels"
        RECENT_PROGRAMS = 7, "Recently watched programmes"
        RECENT_VIDEOS = 8, "Recently watched films"
        SLIDER = 9, "Slider"
        PLAYER = 10, "Player"
        GENRES = 11, "Genres"

    title = models.CharField(max_length=255)
    description = models.TextField(blank=True, default="")
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    screen = models.CharField(max_length=64, blank=True, default="", help_text="screen label; empty: the home screen")
    cover = models.CharField(max_length=1024, blank=True, default="", help_text="URL of the row's cover")
    template = models.CharField(max_length=64, blank=True, default="", help_text="UI template; empty: every template")
    play_devices = models.ManyToManyField(
        "clients.PlayDevice", blank=True, related_name="+", help_text="device types; none: every type"
    )
    lang = models.CharField(max_length=8, blank=True, default="", help_text="language code; empty: every language")
    sort_order = models.IntegerField(default=0)
    enabled = models.BooleanField(default=True)
    noauth = models.BooleanField(default=False, help_text="also shown on the screen before login")
    main_menu = models.JSONField(default=list, blank=True, help_text="main menu rows: ordered item names")
    channels = models.ManyToManyField("channels.Channel", blank=True, related_name="+")
    channel_category = models.ForeignKey(
        "channels.ChannelCategory", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attributes = models.JSONField(
        default=dict, blank=True, help_text="further attributes of the type (display_type, genre, year_from...)"
    )

    class Meta:
        ordering = ["sort_order", "id"]
        indexes = [models.Index(fields=["client", "enabled", "sort_order"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not isinstance(self.main_menu, list) or any(not isinstance(i, str) for i in self.main_menu):
            raise ValidationError({"main_menu": "a list of item names"})
        if not isinstance(self.attributes, dict):
            raise ValidationError({"attributes": "a JSON object"})
        if self.channel_category_id and self.client_id and self.channel_category.client_id != self.client_id:
            raise ValidationError({"channel_category": "another operator's category"})


class SliderBanner(ClientOwned):
    """One banner of a slider row: an image per language and where it leads."""

    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="banners")
    deep_link = models.CharField(max_length=1024, blank=True, default="")
    images = models.JSONField(default=dict, blank=True, help_text='{"en": "https://...", "ru": "https://..."}')
    sort_order = models.IntegerField(default=0)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.deep_link or f"banner {self.pk}"

    def clean(self) -> None:
        if not isinstance(self.images, dict) or any(not isinstance(v, str) for v in self.images.values()):
            raise ValidationError({"images": 'an object {"language code": "image URL"}'})
        if self.dashboard_id and self.client_id and self.dashboard.client_id != self.client_id:
            raise ValidationError({"dashboard": "another operator's dashboard"})


class Application(ClientOwned):
    """An entry of the operator's application catalogue (seed: application types)."""

    class Type(models.IntegerChoices):
        WEB = 0, "External web application"
        SCREEN = 1, "Internal screen"
        VOD_LINK = 2, "Link to a VOD section"
        STREAM = 3, "Video stream URL"
        WIDGET = 4, "Screen widget"
        ANDROID_SETTINGS = 5, "Android settings"
        ANDROID_CATALOGUE = 6, "Android application menu"
        ANDROID_APP = 7, "Android application (appId)"
        TV_LINK = 8, "Link to the TV section"
        SYSTEM_APP = 9, "System application (AppID)"

    name = models.CharField(max_length=255)
    system_name = models.CharField(max_length=255, help_text="system name or screen class")
    type = models.PositiveSmallIntegerField(choices=Type.choices, default=Type.WEB)
    url = models.CharField(max_length=1024, blank=True, default="")
    show_in_main_menu = models.BooleanField(default=False)
    css_style = models.CharField(max_length=1024, blank=True, default="")
    icon = models.CharField(max_length=1024, blank=True, default="")
    icon_focus = models.CharField(max_length=1024, blank=True, default="")
    attrs = models.JSONField(default=dict, blank=True, help_text='{"key": "value"}')
    template = models.CharField(max_length=64, blank=True, default="", help_text="UI template; empty: every template")
    sort_order = models.IntegerField(default=0)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.attrs, dict):
            raise ValidationError({"attrs": "a JSON object"})


class DataSource(ClientOwned):
    """Where a widget's data comes from (RSS, weather, exchange rates): fetched on a schedule,
    the last good data kept when a fetch fails."""

    class Kind(models.TextChoices):
        RSS = "rss", "RSS news feed"
        WEATHER = "weather", "Weather"
        EXCHANGE = "exchange", "Exchange rates"

    class Status(models.TextChoices):
        NEVER = "never", "not fetched yet"
        OK = "ok", "ok"
        FAILED = "failed", "failed"

    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=1024, help_text="fetched by the portal_feeds_fetch task")
    city = models.CharField(
        max_length=128, blank=True, default="", help_text="weather: the city id devices ask for; empty: the default"
    )
    currencies = models.CharField(
        max_length=32, blank=True, default="USD,EUR", help_text="exchange rates: the two currency codes shown"
    )
    enabled = models.BooleanField(default=True)
    data = models.JSONField(default=dict, blank=True, editable=False)
    fetched_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="last good fetch")
    attempted_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEVER, editable=False)
    last_error = models.TextField(blank=True, default="", editable=False)

    class Meta:
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["client", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class AdBlock(ClientOwned):
    """An ad block played on channels or films (ads/list), with its targeting: tariffs, device
    types and regions (none: everyone) and a limit of impressions per account and day."""

    name = models.CharField(max_length=255)
    enabled = models.BooleanField(default=True)
    channels = models.ManyToManyField("channels.Channel", blank=True, related_name="+")
    all_channels = models.BooleanField(default=False, help_text="played on every channel")
    video_ids = models.JSONField(default=list, blank=True, help_text="films (ids) the block plays on")
    all_videos = models.BooleanField(default=False, help_text="played on every film")
    days = models.CharField(max_length=32, default="1,2,3,4,5,6,7", help_text="ISO weekdays, 1 = Monday")
    begin_time = models.TimeField(default="00:00:00")
    end_time = models.TimeField(default="23:59:59")
    display_order = models.PositiveSmallIntegerField(choices=[(0, "in order"), (1, "random")], default=0)
    provider = models.PositiveSmallIntegerField(default=0)
    events = models.JSONField(default=list, blank=True, help_text='[{"type": "start", "url": "https://..."}]')
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="+")
    play_devices = models.ManyToManyField("clients.PlayDevice", blank=True, related_name="+")
    countries = models.CharField(max_length=255, blank=True, default="", help_text="ISO codes, comma separated")
    daily_limit = models.PositiveIntegerField(default=0, help_text="impressions per account and day; 0: unlimited")
    impressions = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            days = [int(d) for d in self.days.split(",") if d.strip()]
        except ValueError:
            raise ValidationError({"days": "weekday numbers 1-7, comma separated"}) from None
        if not days or any(not 1 <= d <= 7 for d in days):
            raise ValidationError({"days": "weekday numbers 1-7, comma separated"})
        if not isinstance(self.video_ids, list) or any(not isinstance(v, int) for v in self.video_ids):
            raise ValidationError({"video_ids": "a list of film ids"})


class AdMovie(ClientOwned):
    """A creative of an ad block."""

    block = models.ForeignKey(AdBlock, on_delete=models.CASCADE, related_name="movies")
    name = models.CharField(max_length=255)
    url = models.CharField(max_length=1024)
    width = models.PositiveIntegerField(default=0)
    duration = models.PositiveIntegerField(default=0, help_text="seconds")
    skipoffset = models.PositiveIntegerField(default=0, help_text="seconds before it may be skipped")
    provider_options = models.JSONField(default=list, blank=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class AdImpression(ClientOwned):
    """How many times an account got a block on a day (the daily limit)."""

    block = models.ForeignKey(AdBlock, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["block", "account", "day"], name="uniq_ad_impression_day")]


class Feed(ClientOwned):
    """A curated list of content (feed/list, feed/detail); a "continue watching" feed is
    filled from the account's viewing positions instead."""

    name = models.CharField(max_length=255)
    auth_required = models.BooleanField(default=False)
    is_continue_watching = models.BooleanField(default=False)
    continue_watching_count = models.PositiveIntegerField(default=10)
    play_devices = models.ManyToManyField("clients.PlayDevice", blank=True, related_name="+")
    sort_order = models.IntegerField(default=0)
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class FeedItem(ClientOwned):
    """One entry of a feed."""

    class Type(models.TextChoices):
        VIDEO = "video", "video"
        CHANNEL = "channel", "channel"
        PROGRAM = "program", "program"

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="items")
    type = models.CharField(max_length=8, choices=Type.choices)
    content_id = models.PositiveBigIntegerField()
    content_name = models.CharField(max_length=255)
    genres = models.CharField(max_length=255, blank=True, default="")
    rating = models.PositiveSmallIntegerField(default=0)
    duration = models.PositiveIntegerField(default=0)
    deeplink = models.CharField(max_length=1024, blank=True, default="")
    poster_aspect_ratio = models.CharField(max_length=16, blank=True, default="16:9")
    poster = models.CharField(max_length=1024, blank=True, default="")
    description = models.TextField(blank=True, default="")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]


class Game(ClientOwned):
    """A game of the portal, with its scoreboard."""

    name = models.CharField(max_length=255)
    system_name = models.CharField(max_length=64)
    play_devices = models.ManyToManyField("clients.PlayDevice", blank=True, related_name="+")
    enabled = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["client", "system_name"], name="uniq_game_system_name")]

    def __str__(self) -> str:
        return self.name


class GameScore(ClientOwned):
    """One game played by an account."""

    game = models.ForeignKey(Game, on_delete=models.CASCADE, related_name="scores")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    score = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["game", "-score"]), models.Index(fields=["game", "account", "-created_at"])]


class HbbProvider(ClientOwned):
    """An HbbTV interactive provider (seed: Teletarget, GetShopTV) enabled on channels."""

    type = models.PositiveSmallIntegerField(help_text="provider type as devices name it")
    name = models.CharField(max_length=255)
    url = models.CharField(max_length=1024, blank=True, default="", help_text="IFrame URL")
    channels = models.ManyToManyField("channels.Channel", blank=True, related_name="+")
    accepts_activity = models.BooleanField(default=True, help_text="records activity logs")
    accepts_errors = models.BooleanField(default=True, help_text="records error reports")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class HbbEvent(ClientOwned):
    """An interactive event a provider shows on a channel."""

    provider = models.ForeignKey(HbbProvider, on_delete=models.CASCADE, related_name="events")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(max_length=64)
    time = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["time", "id"]


class HbbRecord(ClientOwned):
    """What a device reported of an interactive (activity log or error), for the statistics."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", "activity"
        ERROR = "error", "error"

    provider = models.ForeignKey(HbbProvider, on_delete=models.CASCADE, related_name="records")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    event_id = models.CharField(max_length=64, blank=True, default="")
    error_info = models.JSONField(null=True, blank=True)
    events = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ContentPosition(ClientOwned):
    """Where an account stopped watching a programme or a film's asset."""

    class Type(models.TextChoices):
        PROGRAM = "program", "programme"
        VIDEO = "video", "film"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    content_type = models.CharField(max_length=8, choices=Type.choices)
    content_id = models.PositiveBigIntegerField()
    asset_id = models.PositiveBigIntegerField(default=0, help_text="0: the content itself")
    position = models.PositiveIntegerField()
    duration = models.PositiveIntegerField(default=0)
    is_viewed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "content_type", "content_id", "asset_id"], name="uniq_content_position"
            )
        ]


class CameraFavorite(ClientOwned):
    """A camera an account marked as favourite (camera/settings/set)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    camera = models.ForeignKey("channels.Camera", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "camera"], name="uniq_camera_favorite")]


class ChildClient(ClientOwned):
    """An operator a meta-portal lets the subscriber choose (portal/client/*): `client` is the
    parent whose api key the portal holds, `child` the operator chosen."""

    child = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    uid = models.PositiveBigIntegerField(help_text="code for a quick search in the meta-widget")
    logo_url = models.CharField(max_length=1024, blank=True, default="")
    api_url = models.CharField(max_length=1024, blank=True, default="", help_text="empty: the same API URL")
    external_client_id = models.BigIntegerField(default=0)
    redirect_to_portal_url = models.CharField(max_length=1024, blank=True, default="")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "child"], name="uniq_child_client"),
            models.UniqueConstraint(fields=["client", "uid"], name="uniq_child_client_uid"),
        ]

    def __str__(self) -> str:
        return f"{self.child_id} (uid {self.uid})"


__all__ = [
    "MAIN_MENU_ITEMS",
    "AdBlock",
    "AdImpression",
    "AdMovie",
    "Application",
    "CameraFavorite",
    "ChildClient",
    "ContentPosition",
    "Dashboard",
    "DataSource",
    "Feed",
    "FeedItem",
    "Game",
    "GameScore",
    "HbbEvent",
    "HbbProvider",
    "HbbRecord",
    "SliderBanner",
]
