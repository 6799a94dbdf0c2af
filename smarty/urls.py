"""URL map: one prefix per API (ARCHITECTURE.md), the admin, the OpenAPI document."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from .metrics import metrics_view
from .openapi import docs_view, schema_view
from .views import favicon, floor, home

urlpatterns = [
    path("", home, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("tvmiddleware/api/", include("tvmiddleware.urls")),
    path("api/schema/", schema_view, name="api-schema"),
    path("api/docs/", docs_view, name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Prometheus asks for /metrics: answer it and /metrics/ without a redirect.
    path("metrics", metrics_view, name="metrics"),
    path("metrics/", metrics_view),
]

# Optional API packages appear here as their apps gain a urls module.
for prefix, module in (
    ("billing/api/", "billing.urls"),
    ("payments/", "billing.callback_urls"),
    ("content/api/", "content.urls"),
    ("dealers/api/", "dealers.urls"),
    ("streaming/api/", "streaming.urls"),
    ("device_monitoring/api/", "tvmiddleware.other_apis.device_monitoring_urls"),
    ("viewstats/api/", "tvmiddleware.other_apis.viewstats_urls"),
    ("drm/api/", "tvmiddleware.other_apis.drm_urls"),
    ("players/<slug:prefix>/", "players.urls"),
):
    try:
        __import__(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        continue
    urlpatterns.append(path(prefix, include(module)))

if settings.SMARTY_BENCH_FLOOR:
    # The benchmark's floor (bench/README.md): only when the benchmark's server turns it on.
    urlpatterns.append(path("bench/floor/", floor, name="bench-floor"))

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
