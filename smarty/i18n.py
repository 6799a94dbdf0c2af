"""Multi-language content fields: `name` holds SMARTY_DEFAULT_LANGUAGE and `name_lang1..5`
hold SMARTY_ADDITIONAL_LANGUAGES in order (seed 2.4.13)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

LANG_SLOTS = range(1, 6)


def lang_index(lang: str | None) -> int:
    """0 for the default language (or unknown/empty), N for name_langN."""
    if not lang:
        return 0
    lang = lang.lower()
    if lang == settings.SMARTY_DEFAULT_LANGUAGE.lower():
        return 0
    extra = [code.lower() for code in settings.SMARTY_ADDITIONAL_LANGUAGES]
    return extra.index(lang) + 1 if lang in extra else 0


def translated(obj: object, field: str, lang: str | None) -> str:
    """The field in the requested language, falling back to the default language."""
    index = lang_index(lang)
    if index:
        value = getattr(obj, f"{field}_lang{index}", "")
        if value:
            return value
    return getattr(obj, field) or ""


def translated_value(row: dict, field: str, index: int) -> str:
    """The same for a values() row and a precomputed language index."""
    if index:
        value = row.get(f"{field}_lang{index}")
        if value:
            return value
    return row.get(field) or ""


class NameTranslations(models.Model):
    name = models.CharField(max_length=255)
    name_lang1 = models.CharField(max_length=255, blank=True, default="")
    name_lang2 = models.CharField(max_length=255, blank=True, default="")
    name_lang3 = models.CharField(max_length=255, blank=True, default="")
    name_lang4 = models.CharField(max_length=255, blank=True, default="")
    name_lang5 = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        abstract = True


class DescriptionTranslations(models.Model):
    description = models.TextField(blank=True, default="")
    description_lang1 = models.TextField(blank=True, default="")
    description_lang2 = models.TextField(blank=True, default="")
    description_lang3 = models.TextField(blank=True, default="")
    description_lang4 = models.TextField(blank=True, default="")
    description_lang5 = models.TextField(blank=True, default="")

    class Meta:
        abstract = True
