"""The shared core's one table: the cache epoch (smarty/cache.py, "Lost invalidations")."""

from __future__ import annotations

from django.db import models


class CacheEpoch(models.Model):
    """One row: a counter in every generation key of the shared cache. A write whose
    invalidation could not reach the cache raises it, so every value cached before goes out
    of use in every process within SMARTY_CACHE_EPOCH_SECONDS; the database is the one place
    that cannot miss the news when the cache is down."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "cache epoch"

    def __str__(self) -> str:
        return f"cache epoch {self.value}"
