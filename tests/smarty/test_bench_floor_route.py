"""The benchmark's floor view is not a production URL: it exists only with SMARTY_BENCH_FLOOR."""

import importlib

from django.test import override_settings
from django.urls import clear_url_caches, resolve
from django.urls.exceptions import Resolver404

import smarty.urls


def _reload_urls():
    clear_url_caches()
    return importlib.reload(smarty.urls)


def test_floor_route_only_when_the_bench_setting_enables_it(client):
    try:
        with override_settings(SMARTY_BENCH_FLOOR=False):
            module = _reload_urls()
            with override_settings(ROOT_URLCONF=module):
                try:
                    resolve("/bench/floor/")
                    raise AssertionError("/bench/floor/ is routed without SMARTY_BENCH_FLOOR")
                except Resolver404:
                    pass
        with override_settings(SMARTY_BENCH_FLOOR=True):
            module = _reload_urls()
            with override_settings(ROOT_URLCONF=module):
                response = client.get("/bench/floor/")
                assert response.status_code == 200
                assert response.content == b'{"error":0}'
    finally:
        _reload_urls()
