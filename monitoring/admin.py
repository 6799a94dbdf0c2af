"""Reports: viewing statistics reported by devices (read-only)."""

from __future__ import annotations

from django.contrib import admin

from smarty.admin import CsvExportMixin, DateRangeFilter, OperatorScopedAdmin

from .models import ViewEvent


@admin.register(ViewEvent)
class ViewEventAdmin(CsvExportMixin, OperatorScopedAdmin):
    list_display = ("started_at", "account", "content_type", "content_id", "duration")
    list_filter = ("content_type", ("started_at", DateRangeFilter))
    search_fields = ("account__abonement", "content_id")
    actions = ("export_csv",)
    csv_filename = "viewing"
    csv_columns = (
        ("started_at", "started_at"),
        ("account", "account.abonement"),
        ("content_type", "content_type"),
        ("content_id", "content_id"),
        ("duration", "duration"),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("account")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
