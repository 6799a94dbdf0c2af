"""Self-service section: legal documents with their versions and how many accepted the
current one, and the QR logins still waiting for confirmation."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarty.admin import OperatorScopedAdmin

from .models import LegalDocument, LegalDocumentVersion, QrLogin


class VersionInline(admin.TabularInline):
    """Versions are published, never edited: a changed wording is a new version."""

    model = LegalDocumentVersion
    extra = 1
    fields = ("version", "html_content", "created_at", "acceptances_count")
    readonly_fields = ("created_at", "acceptances_count")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_acceptances=Count("acceptances"))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("acceptances"))
    def acceptances_count(self, obj: LegalDocumentVersion) -> int:
        return getattr(obj, "n_acceptances", 0)


@admin.register(LegalDocument)
class LegalDocumentAdmin(OperatorScopedAdmin):
    list_display = ("name", "document_type", "need_acceptance", "enabled", "current_version", "current_acceptances")
    list_filter = ("document_type", "enabled", "need_acceptance")
    search_fields = ("name",)
    inlines = [VersionInline]
    filter_horizontal = ("tariffs",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("versions")

    def _current(self, obj: LegalDocument) -> LegalDocumentVersion | None:
        versions = list(obj.versions.all())
        return versions[0] if versions else None

    @admin.display(description=_("current version"))
    def current_version(self, obj: LegalDocument) -> str:
        current = self._current(obj)
        return current.version if current else "-"

    @admin.display(description=_("accepted (current version)"))
    def current_acceptances(self, obj: LegalDocument) -> int:
        current = self._current(obj)
        return current.acceptances.count() if current else 0


class PendingFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("pending", _("pending")), ("used", _("used")), ("expired", _("expired")))

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "pending":
            return queryset.filter(used_at__isnull=True, expires_at__gt=now)
        if self.value() == "used":
            return queryset.filter(used_at__isnull=False)
        if self.value() == "expired":
            return queryset.filter(used_at__isnull=True, expires_at__lte=now)
        return queryset


@admin.register(QrLogin)
class QrLoginAdmin(OperatorScopedAdmin):
    """Read-only: QR logins are made by TVs and confirmed by subscribers' devices."""

    list_display = ("created_at", "device_uid", "play_device", "ip_address", "expires_at", "used_at", "account")
    list_filter = (PendingFilter,)
    search_fields = ("device_uid",)
    exclude = ("token", "login_code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
