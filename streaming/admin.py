"""Admin pages of "Setup streaming" (seed 3.2.5): data centers, streaming services, routing
scripts (superusers only: they are code), technical work and issued stream tokens."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from channels.models import Channel
from smarty.admin import OperatorScopedAdmin, scoped_queryset

from . import services
from .models import DataCenter, Maintenance, RoutingScript, StreamService, StreamToken
from .sandbox import check_routing_script


@admin.register(DataCenter)
class DataCenterAdmin(OperatorScopedAdmin):
    list_display = ("name", "location", "enabled")
    list_filter = ("enabled",)
    search_fields = ("name", "location")


class RoutingScriptForm(forms.ModelForm):
    class Meta:
        model = RoutingScript
        fields = "__all__"
        widgets = {"code": forms.Textarea(attrs={"rows": 24, "cols": 100, "style": "font-family: monospace"})}

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        problem = check_routing_script(code)
        if problem:
            raise forms.ValidationError(f"The script does not compile in the sandbox: {problem}")
        return code


@admin.register(RoutingScript)
class RoutingScriptAdmin(OperatorScopedAdmin):
    """Scripts run operator code on every stream request: only superusers (service admins)
    may add, change or delete them; operator staff may look."""

    form = RoutingScriptForm
    list_display = ("name", "enabled")
    list_filter = ("enabled",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_superuser


@admin.register(StreamService)
class StreamServiceAdmin(OperatorScopedAdmin):
    list_display = (
        "name",
        "type",
        "data_center",
        "enabled",
        "is_available",
        "current_load",
        "max_load",
        "priority",
        "weight",
        "checked_at",
    )
    list_filter = ("type", "enabled", "is_available", "data_center")
    search_fields = ("name", "live_url_mask")
    actions = ("check_now",)
    fieldsets = (
        (_("Basic settings"), {"fields": ("client", "name", "type", "data_center", "enabled", "priority", "weight")}),
        (
            _("URL masks (docs/streaming.md lists the variables)"),
            {
                "fields": (
                    ("serves_live", "live_url_mask"),
                    ("serves_archive", "archive_url_mask"),
                    ("serves_vod", "vod_url_mask"),
                    "archive_preview_url_mask",
                )
            },
        ),
        (_("Routing"), {"fields": ("allowed_device_groups", "max_load", "current_load", "routing_script")}),
        (
            _("Tokens"),
            {
                "fields": (
                    "token_ttl",
                    "session_ttl",
                    "token_bind_to_content",
                    "token_bind_to_ip",
                    "max_sessions_per_account",
                )
            },
        ),
        (
            _("Availability"),
            {
                "fields": (
                    "check_url",
                    ("check_ping", "check_tcp", "check_http", "check_is_alive"),
                    "is_available",
                    "checked_at",
                    "check_message",
                )
            },
        ),
    )

    def get_fieldsets(self, request: HttpRequest, obj=None):
        excluded = set(self.get_exclude(request, obj))
        return [
            (title, {**opts, "fields": tuple(f for f in opts["fields"] if f not in excluded)})
            for title, opts in self.fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ["checked_at", "check_message"]
        if not request.user.is_superuser:
            readonly.append("routing_script")  # choosing code to run is a service admin's call
        return readonly

    def get_urls(self) -> list:
        return [
            path(
                "probe-channel/<int:channel_id>/",
                self.admin_site.admin_view(self.channel_probe_view),
                name="streaming_channel_probe",
            ),
            *super().get_urls(),
        ]

    def channel_probe_view(self, request: HttpRequest, channel_id: int) -> HttpResponse:
        """ "Test stream" of a channel's page: route it as channel/url does and fetch the URL
        (services.channel_stream_probe, bounded by SMARTY_STREAM_PROBE_TIMEOUT). Any login
        that may see the channel may test it; another operator's channel answers 404."""
        if not request.user.has_perm("channels.view_channel"):
            raise PermissionDenied
        channel = scoped_queryset(Channel, request, self.admin_site).filter(pk=channel_id).first()
        if channel is None:
            raise Http404(gettext("No such object."))
        probe = services.channel_stream_probe(channel=channel)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Test stream of %(channel)s") % {"channel": channel.name},
            "opts": Channel._meta,
            "original": channel,
            "channel": channel,
            "probe": probe,
            "timeout": settings.SMARTY_STREAM_PROBE_TIMEOUT,
            "channel_url": reverse(f"{self.admin_site.name}:channels_channel_change", args=[channel.pk]),
        }
        return TemplateResponse(request, "admin/streaming/channel_probe.html", context)

    @admin.action(description="Check availability now")
    def check_now(self, request: HttpRequest, queryset) -> None:
        summary = services.stream_service_check_all(service_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            f"Checked {summary.checked}: {summary.up} up, {summary.down} down (services without a check "
            "address are not probed).",
            messages.INFO,
        )


class MaintenanceForm(forms.ModelForm):
    class Meta:
        model = Maintenance
        fields = "__all__"

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "must be after the start")
        return data


@admin.register(Maintenance)
class MaintenanceAdmin(OperatorScopedAdmin):
    form = MaintenanceForm
    list_display = ("__str__", "start_time", "end_time", "restrict_live", "restrict_archive", "restrict_vod")
    list_filter = ("restrict_live", "restrict_archive", "restrict_vod")
    filter_horizontal = ("channels", "stream_services")
    date_hierarchy = "start_time"


@admin.register(StreamToken)
class StreamTokenAdmin(OperatorScopedAdmin):
    """Token claims made while the cache was down, for support: read only."""

    list_display = ("token", "account", "stream_service", "content_type", "content_id", "expires_at", "used_at")
    list_filter = ("content_type",)
    search_fields = ("token", "account__abonement")
    list_select_related = ("account", "stream_service")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
