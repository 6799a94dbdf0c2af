"""Markers shared by the test modules."""

from __future__ import annotations

import pytest
from django.conf import settings

# Tests of what the project's own Redis backend does (scripts, round trips, the write-behind):
# the Redis pass; not the local-memory cache, nor a Redis Cluster.
ON_REDIS = settings.CACHES["default"]["BACKEND"] == "smarty.cache_backends.GuardedRedisCache" and not bool(
    settings.REDIS_CLUSTER_NODES
)


def on_redis(reason: str) -> pytest.MarkDecorator:
    """Skip unless on the project's Redis backend (the Redis pass); `reason` says what needs it."""
    return pytest.mark.skipif(not ON_REDIS, reason=f"{reason}: the Redis pass")
