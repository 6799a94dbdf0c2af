"""Video library (seed 3.2.7.4-3.2.7.5). The models grow with the VOD API issue."""

from __future__ import annotations

from django.db import models

from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.tenancy import ClientOwned


class VideoGenre(ClientOwned, NameTranslations):
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]


class Video(ClientOwned, NameTranslations, DescriptionTranslations):
    genres = models.ManyToManyField(VideoGenre, blank=True)
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="videos")
    year = models.CharField(max_length=16, blank=True, default="")
    poster = models.CharField(max_length=1024, blank=True, default="")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
