"""Video library (seed 3.2.7.4-3.2.7.5; Content API Video/Season/Episode/Actor/Selection/Seance/
SkipVideoFragment/TargetBanner/ProgramBlocking; TVMW Video/Actor/Genre/Selection/Seance/Provider).

Images (posters, screenshots, photos, banners) are stored as a path below MEDIA_ROOT (uploaded
and resized by vod.images) or as an absolute URL given by an import; vod.images builds the URLs
of their sizes. Which videos an account sees is decided by its tariffs (`Video.tariffs`, like
channels), the geography of the video and the account's parental settings (vod.selectors)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from accounts.models import ext_id_key
from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.tenancy import ClientOwned


class Quality(models.IntegerChoices):
    """Asset quality codes of the Content API and TVMW."""

    NONE = 0, "not set"
    SD = 1, "SD"
    HD = 2, "HD"
    FHD = 3, "FHD"
    UHD = 4, "UHD"
    Q2K = 5, "2K"
    Q4K = 6, "4K"
    Q8K = 7, "8K"
    P240 = 10, "240p"
    P320 = 11, "320p"
    P480 = 12, "480p"
    P576 = 13, "576p"
    P720 = 14, "720p"
    P1080 = 15, "1080p"


class VideoGenre(ClientOwned, NameTranslations):
    """A VOD genre, or a genre-category (`is_category`) used as a catalogue section."""

    is_category = models.BooleanField(default=False)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    icon = models.CharField(max_length=1024, blank=True, default="", help_text="mobile icon (path or URL)")
    icon_tv = models.CharField(max_length=1024, blank=True, default="", help_text="STB/Smart TV icon")
    dashboard_icon = models.CharField(max_length=1024, blank=True, default="")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class VideoGenreMap(ClientOwned):
    """An external genre name (KinoPoisk, a provider's feed, an EPG genre) mapped to a genre:
    imports assign the genre when they meet the name."""

    source = models.CharField(max_length=32, blank=True, default="", help_text="e.g. kinopoisk, epg")
    external_name = models.CharField(max_length=255)
    genre = models.ForeignKey(VideoGenre, on_delete=models.CASCADE, related_name="maps")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "source", "external_name"], name="uniq_vod_genre_map"),
        ]

    def __str__(self) -> str:
        return f"{self.external_name} -> {self.genre_id}"


class VideoProvider(ClientOwned, NameTranslations):
    """A content provider (a studio, an online cinema) whose videos the operator shows."""

    class Type(models.IntegerChoices):
        NONE = 0, "none"
        MEGOGO = 1, "Megogo"
        START = 3, "START"
        PREMIER = 4, "Premier"
        VIJU = 5, "Viju"

    type = models.PositiveSmallIntegerField(choices=Type.choices, default=Type.NONE)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    icon = models.CharField(max_length=1024, blank=True, default="")
    movie_label_icon = models.CharField(max_length=1024, blank=True, default="")
    movie_label_icon_black_bg = models.CharField(max_length=1024, blank=True, default="")
    movie_label_icon_mobile = models.CharField(max_length=1024, blank=True, default="")
    enabled = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class PriceCategory(ClientOwned, NameTranslations):
    """How a video is paid for: included in a subscription (tariffs), bought/rented one by one,
    or free for everyone who sees the catalogue."""

    class Type(models.IntegerChoices):
        SUBSCRIPTION = 0, "subscription"
        PURCHASE = 1, "purchase"
        FREE = 2, "free"

    type = models.PositiveSmallIntegerField(choices=Type.choices, default=Type.SUBSCRIPTION)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    rent_hours = models.PositiveIntegerField(default=0, help_text="rental length; 0: bought for good")
    action = models.CharField(max_length=64, blank=True, default="buy", help_text="TVMW action name")

    class Meta:
        verbose_name_plural = "price categories"

    def __str__(self) -> str:
        return self.name


class Actor(ClientOwned, NameTranslations):
    """A person of the library: an actor or a director."""

    class Type(models.TextChoices):
        ACTOR = "actor", "Actor"
        DIRECTOR = "director", "Director"

    class Gender(models.IntegerChoices):
        UNKNOWN = 0, "unknown"
        MALE = 1, "male"
        FEMALE = 2, "female"

    type = models.CharField(max_length=16, choices=Type.choices, default=Type.ACTOR)
    name_orig = models.CharField(max_length=255, blank=True, default="")
    gender = models.PositiveSmallIntegerField(choices=Gender.choices, default=Gender.UNKNOWN)
    birthdate = models.DateField(null=True, blank=True)
    country = models.CharField(max_length=255, blank=True, default="")
    country_lang1 = models.CharField(max_length=255, blank=True, default="")
    country_lang2 = models.CharField(max_length=255, blank=True, default="")
    country_lang3 = models.CharField(max_length=255, blank=True, default="")
    country_lang4 = models.CharField(max_length=255, blank=True, default="")
    country_lang5 = models.CharField(max_length=255, blank=True, default="")
    profession = models.CharField(max_length=255, blank=True, default="")
    profession_lang1 = models.CharField(max_length=255, blank=True, default="")
    profession_lang2 = models.CharField(max_length=255, blank=True, default="")
    profession_lang3 = models.CharField(max_length=255, blank=True, default="")
    profession_lang4 = models.CharField(max_length=255, blank=True, default="")
    profession_lang5 = models.CharField(max_length=255, blank=True, default="")
    biography = models.TextField(blank=True, default="")
    biography_lang1 = models.TextField(blank=True, default="")
    biography_lang2 = models.TextField(blank=True, default="")
    biography_lang3 = models.TextField(blank=True, default="")
    biography_lang4 = models.TextField(blank=True, default="")
    biography_lang5 = models.TextField(blank=True, default="")
    movie_db_id = models.PositiveIntegerField(null=True, blank=True)
    photo = models.CharField(max_length=1024, blank=True, default="", help_text="path below MEDIA_ROOT or URL")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["client", "name"])]

    def __str__(self) -> str:
        return self.name


class Video(ClientOwned, NameTranslations, DescriptionTranslations):
    """A film, a series (`is_season`, with seasons and episodes) or a package of videos."""

    class Source(models.IntegerChoices):
        INTERNAL = 1, "internal"
        EXTERNAL = 2, "external provider"
        ARCHIVE = 3, "EPG archive"

    ext_id = models.CharField(max_length=128, blank=True, default="")
    ext_id_key = ext_id_key()
    name_orig = models.CharField(max_length=255, blank=True, default="")
    short_description = models.TextField(blank=True, default="")
    short_description_lang1 = models.TextField(blank=True, default="")
    short_description_lang2 = models.TextField(blank=True, default="")
    short_description_lang3 = models.TextField(blank=True, default="")
    short_description_lang4 = models.TextField(blank=True, default="")
    short_description_lang5 = models.TextField(blank=True, default="")
    year = models.PositiveIntegerField(null=True, blank=True)
    countries = models.CharField(max_length=255, blank=True, default="", help_text="comma-separated")
    countries_lang1 = models.CharField(max_length=255, blank=True, default="")
    countries_lang2 = models.CharField(max_length=255, blank=True, default="")
    countries_lang3 = models.CharField(max_length=255, blank=True, default="")
    countries_lang4 = models.CharField(max_length=255, blank=True, default="")
    countries_lang5 = models.CharField(max_length=255, blank=True, default="")
    director = models.CharField(max_length=255, blank=True, default="", help_text="deprecated free text")
    director_lang1 = models.CharField(max_length=255, blank=True, default="")
    director_lang2 = models.CharField(max_length=255, blank=True, default="")
    director_lang3 = models.CharField(max_length=255, blank=True, default="")
    director_lang4 = models.CharField(max_length=255, blank=True, default="")
    director_lang5 = models.CharField(max_length=255, blank=True, default="")
    language = models.CharField(max_length=64, blank=True, default="")
    language_lang1 = models.CharField(max_length=64, blank=True, default="")
    language_lang2 = models.CharField(max_length=64, blank=True, default="")
    language_lang3 = models.CharField(max_length=64, blank=True, default="")
    language_lang4 = models.CharField(max_length=64, blank=True, default="")
    language_lang5 = models.CharField(max_length=64, blank=True, default="")
    genres = models.ManyToManyField(VideoGenre, blank=True, related_name="videos")
    genres_kinopoisk = models.CharField(max_length=512, blank=True, default="")
    actors = models.ManyToManyField(Actor, blank=True, through="VideoActor", related_name="videos")
    age_rating = models.PositiveSmallIntegerField(default=0, help_text="age limit, e.g. 0, 6, 12, 16, 18")
    parent_control = models.BooleanField(default=False)
    kinopoisk_id = models.PositiveIntegerField(null=True, blank=True)
    kinopoisk_rating = models.FloatField(default=0)
    imdb_rating = models.FloatField(default=0)
    average_customers_rating = models.FloatField(default=0)
    number_of_ratings = models.PositiveIntegerField(default=0)
    duration = models.PositiveIntegerField(default=0, help_text="minutes, for display")
    is_season = models.BooleanField(default=False, help_text="a series")
    is_package = models.BooleanField(default=False)
    is_announcement = models.BooleanField(default=False)
    package_videos = models.ManyToManyField("self", blank=True, symmetrical=False, related_name="packages")
    similar = models.ManyToManyField("self", blank=True, symmetrical=False, related_name="similar_to")
    video_source = models.PositiveSmallIntegerField(choices=Source.choices, default=Source.INTERNAL)
    provider = models.ForeignKey(VideoProvider, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos")
    price_category = models.ForeignKey(
        PriceCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos"
    )
    copyright_holder = models.IntegerField(null=True, blank=True)
    external_api_config = models.IntegerField(null=True, blank=True)
    uri = models.CharField(max_length=1024, blank=True, default="", help_text="static stream URL")
    # Images: a path below MEDIA_ROOT (resized copies beside it) or an absolute URL.
    poster = models.CharField(max_length=255, blank=True, default="")
    poster_lang1 = models.CharField(max_length=255, blank=True, default="")
    poster_lang2 = models.CharField(max_length=255, blank=True, default="")
    poster_lang3 = models.CharField(max_length=255, blank=True, default="")
    poster_lang4 = models.CharField(max_length=255, blank=True, default="")
    poster_lang5 = models.CharField(max_length=255, blank=True, default="")
    screenshot = models.CharField(max_length=255, blank=True, default="")
    logo = models.CharField(max_length=255, blank=True, default="")
    ad_banner = models.CharField(max_length=255, blank=True, default="")
    vertical_poster = models.CharField(max_length=255, blank=True, default="")
    horizontal_poster = models.CharField(max_length=255, blank=True, default="")
    horizontal_poster_lang1 = models.CharField(max_length=255, blank=True, default="")
    horizontal_poster_lang2 = models.CharField(max_length=255, blank=True, default="")
    horizontal_poster_lang3 = models.CharField(max_length=255, blank=True, default="")
    horizontal_poster_lang4 = models.CharField(max_length=255, blank=True, default="")
    horizontal_poster_lang5 = models.CharField(max_length=255, blank=True, default="")
    # Who sees it: tariffs (VOD packages), geography, devices, publication window.
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="videos")
    stream_services = models.ManyToManyField("streaming.StreamService", blank=True, related_name="videos")
    available_everywhere = models.BooleanField(default=True)
    countries_allowed = models.ManyToManyField("clients.Country", blank=True, related_name="+")
    cities_allowed = models.ManyToManyField("clients.City", blank=True, related_name="+")
    available_on = models.JSONField(default=list, blank=True, help_text="PlayDevice ids; empty: all")
    premiere_date = models.DateTimeField(null=True, blank=True)
    published_from = models.DateTimeField(null=True, blank=True)
    published_to = models.DateTimeField(null=True, blank=True)
    # An EPG recording turned into a video (make_vodpvr).
    channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="archive_videos"
    )
    program = models.ForeignKey(
        "epg.Program", null=True, blank=True, on_delete=models.SET_NULL, related_name="archive_videos"
    )
    meta = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    content_updated_at = models.DateTimeField(
        null=True, blank=True, help_text="last episode/season/asset change (order=created_at)"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "ext_id_key"], name="uniq_video_ext_id_key_per_client"),
            models.UniqueConstraint(fields=["client", "program"], name="uniq_archive_video_per_program"),
        ]
        indexes = [
            models.Index(fields=["client", "enabled", "video_source"]),
            models.Index(fields=["client", "name"]),
        ]

    def __str__(self) -> str:
        return self.name


class VideoActor(models.Model):
    """A person's part in a video: the role they play (or directing), in credit order."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="credits")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=255, blank=True, default="")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["video", "actor"], name="uniq_video_actor")]


class Season(ClientOwned, NameTranslations):
    """A season of a series."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveIntegerField(default=1)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class Episode(ClientOwned, NameTranslations, DescriptionTranslations):
    """An episode of a series, in a season or directly under the video."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="episodes")
    season = models.ForeignKey(Season, null=True, blank=True, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveIntegerField(default=1)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    preview = models.CharField(max_length=1024, blank=True, default="", help_text="path below MEDIA_ROOT or URL")
    duration = models.PositiveIntegerField(default=0, help_text="minutes, for display")
    is_free = models.BooleanField(default=False)
    is_planned = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class VideoFile(ClientOwned, NameTranslations):
    """An asset: one playable file of a video (or of an episode), or its trailer. `filename`
    goes into the streaming services' VOD URL masks ($filename), or is played as is when it is
    an absolute URL."""

    class Format(models.TextChoices):
        HLS = "hls", "HLS"
        DASH = "dash", "MPEG-DASH"
        MP4 = "mp4", "MP4"
        OTHER = "other", "other"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="files")
    episode = models.ForeignKey(Episode, null=True, blank=True, on_delete=models.CASCADE, related_name="files")
    ext_id = models.CharField(max_length=128, blank=True, default="")
    filename = models.CharField(max_length=1024, blank=True, default="")
    duration = models.PositiveIntegerField(default=0, help_text="seconds")
    is_trailer = models.BooleanField(default=False)
    quality = models.PositiveSmallIntegerField(choices=Quality.choices, default=Quality.NONE)
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.HLS)
    audio_tracks = models.JSONField(default=list, blank=True, help_text='[{"index", "lang", "display_name"}]')
    subtitles = models.JSONField(
        default=list, blank=True, help_text='[{"index", "type": srt|smi, "lang", "url", "display_name"}]'
    )
    drm = models.BooleanField(default=False)
    promo_image = models.CharField(max_length=1024, blank=True, default="")
    self_skip_fragments_priority = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name or self.filename


class SkipVideoFragment(ClientOwned):
    """A part of an asset the player may skip: intro, recap, credits, advertising."""

    class Type(models.IntegerChoices):
        INTRO = 0, "intro"
        RECAP = 1, "recap"
        CREDITS = 2, "credits"
        ADVERTISING = 3, "advertising"

    video_file = models.ForeignKey(VideoFile, on_delete=models.CASCADE, related_name="skip_fragments")
    type = models.PositiveSmallIntegerField(choices=Type.choices)
    begin_time = models.DecimalField(max_digits=10, decimal_places=3)
    end_time = models.DecimalField(max_digits=10, decimal_places=3)

    class Meta:
        ordering = ["begin_time", "id"]


class Selection(ClientOwned, NameTranslations):
    """A curated collection (a slider) of content of one type, in a set order."""

    class ContentType(models.IntegerChoices):
        CHANNEL = 0, "channels"
        PROGRAM = 1, "EPG"
        VIDEO = 2, "videos"
        CAMERA = 3, "cameras"
        RADIO = 4, "radio"
        AD = 5, "advertising"
        APPLICATION = 6, "applications"

    class Kind(models.IntegerChoices):
        MANUAL = 0, "manual"
        GENERATED = 1, "generated"

    content_type = models.PositiveSmallIntegerField(choices=ContentType.choices, default=ContentType.VIDEO)
    kind = models.PositiveSmallIntegerField(choices=Kind.choices, default=Kind.MANUAL)
    is_hidden = models.BooleanField(default=False)
    promo_image = models.CharField(max_length=1024, blank=True, default="")
    promo_image_lang1 = models.CharField(max_length=1024, blank=True, default="")
    promo_image_lang2 = models.CharField(max_length=1024, blank=True, default="")
    promo_image_lang3 = models.CharField(max_length=1024, blank=True, default="")
    promo_image_lang4 = models.CharField(max_length=1024, blank=True, default="")
    promo_image_lang5 = models.CharField(max_length=1024, blank=True, default="")
    video_provider = models.ForeignKey(
        VideoProvider, null=True, blank=True, on_delete=models.SET_NULL, related_name="selections"
    )
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class SelectionItem(models.Model):
    """One object (of the selection's content type, by id) in a selection."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="items")
    object_id = models.PositiveBigIntegerField()
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["selection", "object_id"], name="uniq_selection_item")]


class Seance(ClientOwned):
    """A scheduled showing of a video; watched with a ticket."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="seances")
    video_file = models.ForeignKey(VideoFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    date_start = models.DateTimeField()
    date_end = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date_start", "id"]
        indexes = [models.Index(fields=["client", "date_end"])]


class SeanceTicket(ClientOwned):
    """A ticket to a seance; bound to the account that first uses it."""

    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="tickets")
    code = models.CharField(max_length=32)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="seance_tickets"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "code"], name="uniq_seance_ticket_code")]


class TargetBanner(ClientOwned):
    """An advertising banner shown to chosen accounts, tariffs or cities in a date window."""

    name = models.CharField(max_length=255)
    image = models.CharField(max_length=1024, blank=True, default="")
    message = models.TextField(blank=True, default="")
    deep_link = models.CharField(max_length=1024, blank=True, default="")
    published_from = models.DateField()
    published_to = models.DateField()
    enabled = models.BooleanField(default=True)
    meta = models.JSONField(default=dict, blank=True)
    accounts = models.ManyToManyField("accounts.Account", blank=True, related_name="target_banners")
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="target_banners")
    cities = models.ManyToManyField("clients.City", blank=True, related_name="+")
    for_birthday = models.BooleanField(default=False)
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ProgramBlocking(ClientOwned):
    """A programme whose recording may not be watched (until `end_date`, or for good)."""

    program = models.ForeignKey("epg.Program", on_delete=models.CASCADE, related_name="blockings")
    end_date = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client", "program"])]


class AccountVideo(ClientOwned):
    """An account's relation to a video: favourite, its rating, where it stopped watching."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="video_settings")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="account_settings")
    is_favorited = models.BooleanField(default=False)
    favorited_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1..10")
    position = models.PositiveIntegerField(default=0, help_text="seconds")
    position_file = models.ForeignKey(VideoFile, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_viewing = models.BooleanField(default=False)
    is_viewed = models.BooleanField(default=False)
    viewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "video"], name="uniq_account_video")]


class AccountVideoFile(ClientOwned):
    """Where an account stopped in one asset, and whether it watched it to the end."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    video_file = models.ForeignKey(VideoFile, on_delete=models.CASCADE, related_name="account_positions")
    position = models.PositiveIntegerField(default=0, help_text="seconds")
    is_viewed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "video_file"], name="uniq_account_video_file")]


class VideoPurchase(ClientOwned):
    """A bought or rented video (TVOD): made by Billing's transaction/create (type 1) or by the
    device's video/action; open while not cancelled and before `available_until`."""

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="video_purchases")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="video_purchases"
    )
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="purchases")
    # Billing taking the transaction back (transaction/delete) takes the purchase back too.
    transaction = models.ForeignKey(
        "billing.Transaction", null=True, blank=True, on_delete=models.CASCADE, related_name="video_purchases"
    )
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    available_until = models.DateTimeField(null=True, blank=True, help_text="end of a rental; empty: for good")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["client", "customer", "video"])]
