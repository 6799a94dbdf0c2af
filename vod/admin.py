"""Content settings: VOD genres (ordered, seed 3.2.7.4) and movies (3.2.7.5)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from smarty.admin import OperatorScopedAdmin, SortOrderAdminMixin

from .models import Video, VideoGenre

NAME_TRANSLATIONS = ("name_lang1", "name_lang2", "name_lang3", "name_lang4", "name_lang5")
DESCRIPTION_TRANSLATIONS = (
    "description_lang1",
    "description_lang2",
    "description_lang3",
    "description_lang4",
    "description_lang5",
)


@admin.register(VideoGenre)
class VideoGenreAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    list_display = ("name", "id")
    list_display_links = ("name",)
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("client", "name", "sort_order")}),
        (_("Translations"), {"classes": ("collapse",), "fields": NAME_TRANSLATIONS}),
    )


@admin.register(Video)
class VideoAdmin(OperatorScopedAdmin):
    list_display = ("name", "year", "enabled", "created_at", "id")
    list_display_links = ("name",)
    list_filter = ("enabled", "genres", "tariffs")
    search_fields = ("name", "year")
    filter_horizontal = ("genres", "tariffs")
    fieldsets = (
        (None, {"fields": ("client", "name", "year", "poster", "description", "genres", "tariffs", "enabled")}),
        (_("Translations"), {"classes": ("collapse",), "fields": NAME_TRANSLATIONS + DESCRIPTION_TRANSLATIONS}),
    )
