"""Monitoring in the admin: the live dashboard (charts, CSV, drill-down per channel and per
account), "Active sessions" (who is online now), the raw viewing statistics report, the
devices' health reports and the provisioning commands.

Every page reads the current operator (all operators for a superuser who selected none);
the one write, a provisioning command, goes through monitoring.services."""

from __future__ import annotations

import json

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smarty.admin import CsvExportMixin, DateRangeFilter, OperatorScopedAdmin
from smarty.admin_access import current_client_id

from . import charts, dashboard, selectors, services
from .models import DeviceReport, LiveDashboard, OnlineSession, ProvisioningCommand, ViewEvent


class ReadOnlyPage(OperatorScopedAdmin):
    """An admin entry that is a page, not a list of editable rows."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def page(self, request: HttpRequest, template: str, title: str, **context) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "subtitle": None,
            **context,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, context)


@admin.register(LiveDashboard)
class LiveDashboardAdmin(ReadOnlyPage):
    """Devices online, viewers per channel now, top channels, viewers and logins per hour,
    streaming servers and devices by type; refreshed in place every minute."""

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("export/<slug:table>.csv", view(self.export_csv), name="monitoring_dashboard_csv"),
            path("channel/<int:channel_id>/", view(self.channel_view), name="monitoring_dashboard_channel"),
            path("account/<int:account_id>/", view(self.account_view), name="monitoring_dashboard_account"),
            *super().get_urls(),
        ]

    def _data(self, request: HttpRequest) -> dashboard.Dashboard:
        if not self.has_view_permission(request):
            raise Http404
        period = dashboard.period_from(request.GET.get("period"))
        return dashboard.dashboard_data(current_client_id(request), period)

    change_list_template = "admin/monitoring/dashboard.html"
    list_display = ("started_at", "account", "content_type", "content_id", "duration", "device", "source")
    list_filter = ("content_type",)
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        data = self._data(request)
        context = {
            "data": data,
            "charts": data.charts(),
            "periods": list(dashboard.PERIODS),
            "generated_at": timezone.now(),
        }
        if request.GET.get("partial"):
            return self.page(request, "admin/monitoring/dashboard_body.html", gettext("Live dashboard"), **context)
        # period and partial are the page's own parameters, not list filters
        request.GET = request.GET.copy()
        request.GET.pop("period", None)
        return super().changelist_view(request, extra_context={**context, **(extra_context or {})})

    def export_csv(self, request: HttpRequest, table: str) -> HttpResponse:
        text = dashboard.csv_of(self._data(request), table)
        if text is None:
            raise Http404
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{table}.csv"'
        return response

    def channel_view(self, request: HttpRequest, channel_id: int) -> HttpResponse:
        from channels.models import Channel

        if not self.has_view_permission(request):
            raise Http404
        client_id = current_client_id(request)
        channels = Channel.objects.filter(pk=channel_id)
        channel = (channels if client_id is None else channels.filter(client_id=client_id)).first()
        if channel is None:
            raise Http404
        period = dashboard.period_from(request.GET.get("period"))
        hours = selectors.viewers_per_hour(
            channel.client_id, start=period.start, end=period.end, content_id=str(channel.pk)
        )
        now = dict((cid, n) for cid, _, n in selectors.viewers_per_channel_now(channel.client_id)).get(channel.pk, 0)
        if request.GET.get("format") == "csv":
            return _csv(["hour", "viewers"], [[h.isoformat(), v] for h, v in hours], f"channel-{channel.pk}")
        chart = charts.line_chart(
            "channel_viewers",
            gettext("Viewers per hour"),
            [(dashboard._hour_label(h, period), v) for h, v in hours],
        )
        return self.page(
            request,
            "admin/monitoring/channel.html",
            channel.name,
            channel=channel,
            viewers_now=now,
            chart=chart,
            period=period,
            periods=list(dashboard.PERIODS),
        )

    def account_view(self, request: HttpRequest, account_id: int) -> HttpResponse:
        from accounts.models import Account

        if not self.has_view_permission(request):
            raise Http404
        client_id = current_client_id(request)
        accounts = Account.objects.filter(pk=account_id)
        account = (accounts if client_id is None else accounts.filter(client_id=client_id)).first()
        if account is None:
            raise Http404
        period = dashboard.period_from(request.GET.get("period"))
        events = selectors.account_viewing(account.client_id, account.pk, start=period.start, end=period.end)
        if request.GET.get("format") == "csv":
            rows = [[e.started_at.isoformat(), e.content_type, e.content_id, e.duration, e.device] for e in events]
            return _csv(
                ["started_at", "content_type", "content_id", "seconds", "device"], rows, f"account-{account.pk}"
            )
        return self.page(
            request,
            "admin/monitoring/account.html",
            account.abonement,
            account=account,
            sessions=selectors.active_sessions(account.client_id, account_id=account.pk),
            events=events,
            period=period,
            periods=list(dashboard.PERIODS),
        )


def _csv(header: list[str], rows: list[list], name: str) -> HttpResponse:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@admin.register(OnlineSession)
class OnlineSessionAdmin(ReadOnlyPage):
    """Who is online now: device type, uid, app version and the channel last started."""

    change_list_template = "admin/monitoring/active_sessions.html"
    list_display = ("account", "play_device", "ip_address", "last_active")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(pk__in=selectors.online_sessions(None).values("pk"))
            .select_related("account", "play_device")
        )

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_permission(request):
            raise Http404
        rows = selectors.active_sessions(current_client_id(request))
        return super().changelist_view(request, extra_context={"rows": rows, **(extra_context or {})})


@admin.register(ViewEvent)
class ViewEventAdmin(CsvExportMixin, OperatorScopedAdmin):
    list_display = ("started_at", "account", "content_type", "content_id", "duration", "device", "source")
    list_filter = ("content_type", "source", ("started_at", DateRangeFilter))
    search_fields = ("account__abonement", "content_id")
    actions = ("export_csv",)
    csv_filename = "viewing"
    csv_columns = (
        ("started_at", "started_at"),
        ("account", "account.abonement"),
        ("content_type", "content_type"),
        ("content_id", "content_id"),
        ("duration", "duration"),
        ("device", "device"),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _report_summary(report: DeviceReport) -> str:
    """One line of what the report says, by kind (the payload as the agent sent it)."""
    p = report.payload or {}
    if report.kind == DeviceReport.Kind.PING:
        return f"{p.get('received')}/{p.get('sent')} received, {p.get('lost')} lost, avg {p.get('avg_time')} ms"
    if report.kind == DeviceReport.Kind.SPEEDTEST:
        return f"min {p.get('min_time')}, avg {p.get('avg_time')}, max {p.get('max_time')}"
    if report.kind == DeviceReport.Kind.METRICS:
        return gettext("%(n)s metrics") % {"n": len(p.get("metrics") or [])}
    firmware = p.get("ro_build_display_id") or p.get("firmware") or ""
    return f"{firmware} {p.get('app_version') or ''}".strip() or "-"


@admin.register(DeviceReport)
class DeviceReportAdmin(OperatorScopedAdmin):
    """What the devices' health agent pushed (Device Monitoring API): pings, metrics, speed
    tests and system information, newest first; read only. A device bound to no account yet
    has no operator: only a superuser without a selected operator sees its reports."""

    list_display = ("created_at", "kind", "uid", "mac", "device_type", "summary")
    list_filter = ("kind", ("created_at", DateRangeFilter))
    search_fields = ("=uid", "mac")
    fields = ("created_at", "kind", "uid", "mac", "device_type", "payload_text")
    readonly_fields = fields
    ordering = ("-created_at",)
    date_hierarchy = None

    @admin.display(description=_("report"))
    def summary(self, obj: DeviceReport) -> str:
        return _report_summary(obj)

    @admin.display(description=_("payload"))
    def payload_text(self, obj: DeviceReport):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False, sort_keys=True))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProvisioningCommand)
class ProvisioningCommandAdmin(OperatorScopedAdmin):
    """Commands for the devices' health agent (CommandList): for one device uid, or for every
    device of the operator when the uid is empty. Saved through monitoring.services."""

    list_display = ("created_at", "name", "uid", "delivered_at")
    list_filter = ("name",)
    search_fields = ("=uid", "name")
    fields = ("name", "uid", "param")

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        created = services.provisioning_command_create(
            client_id=obj.client_id, name=obj.name, uid=obj.uid, param=obj.param
        )
        obj.pk, obj.created_at = created.pk, created.created_at
