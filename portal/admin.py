"""The portal in the admin: the dashboard composer (rows, their order, per device type and
language, slider banners) with a preview of what a device of a chosen type sees;
applications; widget data sources with their last fetch; ad blocks with targeting and counts;
feeds; games; HbbTV providers; child operators of a meta-portal. Every admin is scoped to the
operator (smarty.admin); changes bump the operator's portal generation, so devices see them
on their next request."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from clients.models import PlayDevice
from smarty.admin import OperatorScopedAdmin, OperatorScopedInline, SortOrderAdminMixin, current_client_id

from . import models as m
from . import selectors, tasks
from .invalidation import portal_changed


class PortalAdmin(OperatorScopedAdmin):
    """Bulk moves of the order arrows send no signal: bump the portal generation here too."""

    def rows_changed(self, objs) -> None:
        objs = list(objs)
        super().rows_changed(objs)
        for client_id in sorted({obj.client_id for obj in objs if obj.client_id}):
            portal_changed(client_id)


class SliderBannerInline(OperatorScopedInline):
    model = m.SliderBanner
    extra = 0
    fields = ("deep_link", "images", "sort_order", "enabled")


@admin.register(m.Dashboard)
class DashboardAdmin(SortOrderAdminMixin, PortalAdmin):
    list_display = ("title", "type", "template", "device_types", "lang", "screen", "noauth", "enabled", "id")
    list_display_links = ("title",)
    list_filter = ("type", "enabled", "noauth", "template", "lang")
    search_fields = ("title", "screen")
    filter_horizontal = ("play_devices", "channels")
    inlines = (SliderBannerInline,)
    fieldsets = (
        (None, {"fields": ("client", "title", "description", "type", "cover", "sort_order", "enabled")}),
        (_("Who sees it"), {"fields": ("template", "play_devices", "lang", "screen", "noauth")}),
        (_("What it shows"), {"fields": ("main_menu", "channels", "channel_category", "attributes")}),
    )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("play_devices")

    @admin.display(description=_("device types"))
    def device_types(self, obj: m.Dashboard) -> str:
        return ", ".join(p.system_name for p in obj.play_devices.all()) or "—"

    def get_list_tools(self, request: HttpRequest, cl) -> list[dict]:
        tools = super().get_list_tools(request, cl)
        url = reverse("admin:portal_dashboard_preview", current_app=self.admin_site.name)
        return [{"url": url, "css": "preview", "label": _("Preview")}, *tools]

    def get_urls(self) -> list:
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="portal_dashboard_preview"), *super().get_urls()]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """What a device of the chosen type, template and language gets on its home screen."""
        if not self.has_view_permission(request):
            raise admin.sites.PermissionDenied
        client_id = current_client_id(request)
        devices = PlayDevice.objects.order_by("system_name")
        chosen = devices.filter(system_name=request.GET.get("device", "")).first()
        template, lang = request.GET.get("template", ""), request.GET.get("lang", "")
        noauth = request.GET.get("noauth") == "1"
        rows = []
        if client_id and client_id > 0:
            rows = selectors.dashboard_preview(
                client_id=client_id,
                device_id=chosen.pk if chosen else None,
                template=template,
                lang=lang,
                noauth=noauth,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Home screen preview"),
            "devices": devices,
            "chosen": chosen,
            "template_name": template,
            "lang": lang,
            "noauth": noauth,
            "rows": rows,
            "no_operator": not (client_id and client_id > 0),
        }
        return TemplateResponse(request, "admin/portal/dashboard/preview.html", context)


@admin.register(m.Application)
class ApplicationAdmin(SortOrderAdminMixin, PortalAdmin):
    list_display = ("name", "system_name", "type", "template", "show_in_main_menu", "enabled", "id")
    list_display_links = ("name",)
    list_filter = ("type", "enabled", "show_in_main_menu")
    search_fields = ("name", "system_name")


@admin.register(m.DataSource)
class DataSourceAdmin(PortalAdmin):
    list_display = ("name", "kind", "url", "city", "enabled", "status", "fetched_at", "attempted_at", "error")
    list_filter = ("kind", "status", "enabled")
    search_fields = ("name", "url", "city")
    readonly_fields = ("status", "fetched_at", "attempted_at", "last_error", "data")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("fetch_now",)

    @admin.display(description=_("last error"))
    def error(self, obj: m.DataSource) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Fetch the selected sources now"))
    def fetch_now(self, request: HttpRequest, queryset) -> None:
        """Queued for the worker: a slow source must not hold the admin's request."""
        ids = list(queryset.values_list("pk", flat=True))
        for source_id in ids:
            transaction.on_commit(lambda source_id=source_id: tasks.data_source_fetch.delay(source_id))
        self.message_user(request, _("%(n)d sources queued for fetching.") % {"n": len(ids)}, messages.INFO)


class AdMovieInline(OperatorScopedInline):
    model = m.AdMovie
    extra = 0
    fields = ("name", "url", "width", "duration", "skipoffset", "provider_options", "sort_order")


@admin.register(m.AdBlock)
class AdBlockAdmin(PortalAdmin):
    list_display = ("name", "days", "begin_time", "end_time", "daily_limit", "impressions", "enabled", "id")
    list_display_links = ("name",)
    list_filter = ("enabled", "tariffs", "play_devices")
    search_fields = ("name",)
    filter_horizontal = ("channels", "tariffs", "play_devices")
    readonly_fields = ("impressions",)
    inlines = (AdMovieInline,)
    fieldsets = (
        (None, {"fields": ("client", "name", "enabled", "display_order", "provider", "events", "impressions")}),
        (_("Where"), {"fields": ("all_channels", "channels", "all_videos", "video_ids")}),
        (_("When"), {"fields": ("days", "begin_time", "end_time", "daily_limit")}),
        (_("Targeting"), {"fields": ("tariffs", "play_devices", "countries")}),
    )


class FeedItemInline(OperatorScopedInline):
    model = m.FeedItem
    extra = 0
    fields = ("type", "content_id", "content_name", "genres", "rating", "duration", "poster", "deeplink", "sort_order")


@admin.register(m.Feed)
class FeedAdmin(SortOrderAdminMixin, PortalAdmin):
    list_display = ("name", "auth_required", "is_continue_watching", "enabled", "id")
    list_display_links = ("name",)
    filter_horizontal = ("play_devices",)
    inlines = (FeedItemInline,)


@admin.register(m.Game)
class GameAdmin(SortOrderAdminMixin, PortalAdmin):
    list_display = ("name", "system_name", "scores_total", "enabled", "id")
    list_display_links = ("name",)
    filter_horizontal = ("play_devices",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(scores_count=Count("scores"))

    @admin.display(description=_("games played"), ordering="scores_count")
    def scores_total(self, obj: m.Game) -> int:
        return obj.scores_count


class HbbEventInline(OperatorScopedInline):
    model = m.HbbEvent
    extra = 0
    fields = ("channel", "event_type", "time", "data")


@admin.register(m.HbbProvider)
class HbbProviderAdmin(PortalAdmin):
    list_display = ("name", "type", "url", "accepts_activity", "accepts_errors", "enabled", "id")
    list_display_links = ("name",)
    filter_horizontal = ("channels",)
    inlines = (HbbEventInline,)


@admin.register(m.ChildClient)
class ChildClientAdmin(SortOrderAdminMixin, PortalAdmin):
    list_display = ("child", "uid", "api_url", "redirect_to_portal_url", "id")
    list_display_links = ("child",)
    search_fields = ("child__name", "=uid")
