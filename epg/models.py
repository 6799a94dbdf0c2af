"""The TV guide. EPG sources and EPG channels are shared by all operators (service level);
operators' channels point at EPG channels (seed 3.1.5)."""

from __future__ import annotations

from django.db import models

from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.validators import validate_source_location


class EpgSource(models.Model):
    """Where a guide comes from: a parser plugin (epg/parsers/<parser>.py) and its settings."""

    name = models.CharField(max_length=128, unique=True)
    parser = models.CharField(max_length=64, help_text="module name in epg/parsers/")
    url = models.CharField(
        max_length=1024,
        blank=True,
        default="",
        help_text="URL, URL mask (%s) or server path",
        validators=[validate_source_location],
    )
    enabled = models.BooleanField(default=True)
    time_zone = models.CharField(max_length=64, blank=True, default="", help_text="for times without an offset")
    hour_shift = models.IntegerField(default=0)
    priority = models.IntegerField(default=0)
    options = models.JSONField(default=dict, blank=True)
    last_import_at = models.DateTimeField(null=True, blank=True)
    last_import_status = models.CharField(max_length=255, blank=True, default="")
    content_hash = models.CharField(
        max_length=64, blank=True, default="", help_text="of the last fully imported input (unchanged input is skipped)"
    )

    def __str__(self) -> str:
        return self.name


class EpgChannelSource(models.Model):
    """The list of channels a source offers (for epg_channel_import): a URL mask of the list."""

    source = models.OneToOneField(EpgSource, on_delete=models.CASCADE, related_name="channel_source")
    url = models.CharField(max_length=1024, validators=[validate_source_location])


class EpgChannel(NameTranslations):
    """A guide channel, fed by one source under its external id."""

    source = models.ForeignKey(EpgSource, null=True, blank=True, on_delete=models.SET_NULL, related_name="channels")
    ext_id = models.CharField(max_length=255, blank=True, default="", help_text="channel id in the source")
    hour_shift = models.IntegerField(default=0)
    icon = models.CharField(max_length=255, blank=True, default="", help_text="icon file below MEDIA_ROOT/icons")
    icon_url = models.CharField(max_length=1024, blank=True, default="")
    content_hash = models.CharField(max_length=64, blank=True, default="", help_text="of the last imported guide")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["source", "ext_id"])]

    def __str__(self) -> str:
        return self.name


class EpgCategory(NameTranslations):
    """A programme category (film, sport, news...), shared by all operators."""

    icon = models.CharField(max_length=255, blank=True, default="")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "EPG categories"

    def __str__(self) -> str:
        return self.name


class EpgGenre(NameTranslations):
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class EpgSourceCategoryMap(models.Model):
    """A source's category name mapped to a category; unmapped names are recorded empty."""

    source = models.ForeignKey(EpgSource, on_delete=models.CASCADE, related_name="category_maps")
    source_name = models.CharField(max_length=255)
    category = models.ForeignKey(EpgCategory, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_name"], name="uniq_epg_category_map")]


class EpgSourceGenreMap(models.Model):
    source = models.ForeignKey(EpgSource, on_delete=models.CASCADE, related_name="genre_maps")
    source_name = models.CharField(max_length=255)
    genre = models.ForeignKey(EpgGenre, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_name"], name="uniq_epg_genre_map")]


class Program(NameTranslations, DescriptionTranslations):
    """One programme of an EPG channel. Times are UTC."""

    epg_channel = models.ForeignKey(EpgChannel, on_delete=models.CASCADE, related_name="programs")
    time_begin = models.DateTimeField()
    time_end = models.DateTimeField()
    category = models.ForeignKey(EpgCategory, null=True, blank=True, on_delete=models.SET_NULL)
    genres = models.ManyToManyField(EpgGenre, blank=True)
    episode_num = models.CharField(max_length=64, blank=True, default="")
    season = models.IntegerField(null=True, blank=True)
    episode = models.IntegerField(null=True, blank=True)
    age_rating = models.CharField(max_length=16, blank=True, default="")
    year = models.CharField(max_length=16, blank=True, default="")
    country = models.CharField(max_length=128, blank=True, default="")
    preview = models.CharField(max_length=1024, blank=True, default="", help_text="image URL")
    is_premiere = models.BooleanField(default=False)
    is_blocked = models.BooleanField(default=False, help_text="catch-up forbidden")
    meta = models.JSONField(
        default=dict,
        blank=True,
        help_text="extra data for the TVMW `meta` field: extra_name, genres, participants, countries, "
        "year, previews, tags, live",
    )

    class Meta:
        indexes = [models.Index(fields=["epg_channel", "time_begin"]), models.Index(fields=["time_end"])]
        ordering = ["time_begin"]

    def __str__(self) -> str:
        return self.name


class EpgPremiereSource(models.Model):
    """Where premieres come from (a URL of an XMLTV-like premieres list)."""

    name = models.CharField(max_length=128)
    epg_source = models.ForeignKey(
        EpgSource,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="premiere_sources",
        help_text="the EPG source whose channels the premieres are for (channel ids of that source)",
    )
    url = models.CharField(max_length=1024, validators=[validate_source_location])
    enabled = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class Premiere(NameTranslations, DescriptionTranslations):
    """A premiere announced by a premiere source, linked to the programme when it is in the guide."""

    source = models.ForeignKey(EpgPremiereSource, null=True, blank=True, on_delete=models.SET_NULL)
    epg_channel = models.ForeignKey(EpgChannel, on_delete=models.CASCADE, related_name="premieres")
    program = models.ForeignKey(Program, null=True, blank=True, on_delete=models.SET_NULL)
    time_begin = models.DateTimeField()
    image = models.CharField(max_length=1024, blank=True, default="")
