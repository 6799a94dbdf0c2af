"""Readable names for rows whose model has no `__str__`, so the admin (delete confirmations,
history, messages, inline headers) never shows Django's "Account_tariffs object (2)".

Many-to-many through tables get "<one side> — <other side>" ("100001 — Basic"); other
models get "<verbose name> #<id>" ("Payment #2"). Models that define `__str__` keep it."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils.text import capfirst


def _through_str(self) -> str:
    sides = [field for field in self._meta.fields if field.is_relation and field.many_to_one]
    return " — ".join(str(getattr(self, field.name)) for field in sides[:2])


def _row_str(self) -> str:
    return f"{capfirst(self._meta.verbose_name)} #{self.pk}" if self.pk else str(capfirst(self._meta.verbose_name))


def name_unnamed_models() -> int:
    """Give every model without its own `__str__` a readable one; returns how many."""
    named = 0
    for model in apps.get_models(include_auto_created=True):
        if model.__str__ is not models.Model.__str__:
            continue
        model.__str__ = _through_str if model._meta.auto_created else _row_str
        named += 1
    return named
