"""The second CI pass must really run on MariaDB and Redis, not silently on the defaults."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

services = pytest.mark.skipif(os.environ.get("SMARTY_EXPECT_SERVICES") != "1", reason="embedded pass")


@services
def test_the_services_pass_runs_on_mariadb(db):
    assert connection.vendor == "mysql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        assert "mariadb" in cursor.fetchone()[0].lower()


@services
def test_the_services_pass_caches_in_redis():
    assert settings.CACHES["default"]["BACKEND"] == "smarty.cache_backends.GuardedRedisCache"
    from django_redis import get_redis_connection

    cache.set("env-probe", 42)
    assert get_redis_connection("default").ping()
    assert cache.get("env-probe") == 42


def test_the_embedded_pass_uses_sqlite_and_local_memory_unless_told_otherwise(db):
    if os.environ.get("SMARTY_DATABASE_URL"):
        pytest.skip("a database was selected by the environment")
    assert connection.vendor == "sqlite"
    assert "locmem" in settings.CACHES["default"]["BACKEND"]
    assert settings.CELERY_TASK_ALWAYS_EAGER
