"""The EPG in the admin (seed 3.1.5, 3.2.7.3). EPG sources, channels, programmes, categories and
genres are shared by all operators: only superusers change them (service level); staff with
the Django "view" permission may look at them.

Per EPG channel: "Clear EPG" and "Force import" (list actions, and buttons on the channel's
page); programmes are edited one by one in their own admin (a channel has thousands, too many
for an inline); every change bumps the channel's cache generation after commit."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import invalidation, services, tasks
from .models import (
    EpgCategory,
    EpgChannel,
    EpgChannelSource,
    EpgGenre,
    EpgPremiereSource,
    EpgSource,
    EpgSourceCategoryMap,
    EpgSourceGenreMap,
    Premiere,
    Program,
)
from .parsers import available_parsers


class ServiceLevelAdmin(admin.ModelAdmin):
    """Superusers change; other staff only view, and only with the view permission."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        if request.user.is_active and request.user.is_superuser:
            return True
        return super().has_view_permission(request, obj)


class ServiceLevelInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.is_active and request.user.is_superuser


def _save_with_shift(obj, form, change: bool, save) -> None:
    """Save with the old hour shift; the shift service then moves the stored guide with it."""
    if change and "hour_shift" in form.changed_data:
        obj.hour_shift = form.initial["hour_shift"]
    save()


class EpgChannelSourceInline(ServiceLevelInline):
    model = EpgChannelSource
    max_num = 1
    verbose_name = verbose_name_plural = _("channel list (EpgChannelSource)")


@admin.register(EpgSource)
class EpgSourceAdmin(ServiceLevelAdmin):
    list_display = ("name", "parser", "url", "enabled", "priority", "last_import_at", "last_import_status")
    list_filter = ("enabled", "parser")
    search_fields = ("name", "url")
    readonly_fields = ("last_import_at", "last_import_status", "content_hash")
    inlines = [EpgChannelSourceInline]
    actions = ["import_now"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "parser" in form.base_fields:
            form.base_fields["parser"].help_text = _("module in epg/parsers/: %(parsers)s") % {
                "parsers": ", ".join(available_parsers())
            }
        return form

    def save_model(self, request, obj, form, change):
        _save_with_shift(obj, form, change, lambda: super(EpgSourceAdmin, self).save_model(request, obj, form, change))
        if change and "hour_shift" in form.changed_data:
            services.epg_source_set_hour_shift(source=obj, hour_shift=form.cleaned_data["hour_shift"])

    @admin.action(description=_("Import the EPG now (even if unchanged)"))
    def import_now(self, request: HttpRequest, queryset) -> None:
        summary = services.epg_import(sources=list(queryset), force=True)
        level = messages.SUCCESS if all(r.ok for r in summary.results) else messages.WARNING
        self.message_user(request, summary.line(), level)


@admin.register(EpgChannel)
class EpgChannelAdmin(ServiceLevelAdmin):
    list_display = ("name", "source", "ext_id", "hour_shift", "enabled", "programmes_link", "icon")
    list_filter = ("source", "enabled")
    search_fields = ("name", "ext_id")
    readonly_fields = ("content_hash", "created_at")
    actions = ["clear_epg", "force_import"]
    change_form_template = "admin/epg/epgchannel/change_form.html"

    def save_model(self, request, obj, form, change):
        _save_with_shift(obj, form, change, lambda: super(EpgChannelAdmin, self).save_model(request, obj, form, change))
        if change and "hour_shift" in form.changed_data:
            services.epg_channel_set_hour_shift(epg_channel=obj, hour_shift=form.cleaned_data["hour_shift"])
        invalidation.epg_channel_changed(obj.pk)

    @admin.display(description=_("programmes"))
    def programmes_link(self, obj: EpgChannel) -> str:
        url = reverse("admin:epg_program_changelist") + f"?epg_channel__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("programmes"))

    @admin.action(description="Clear EPG")
    def clear_epg(self, request: HttpRequest, queryset) -> None:
        removed = sum(services.epg_channel_clear(epg_channel=channel) for channel in queryset)
        self.message_user(request, f"{removed} programmes removed from {queryset.count()} channels.")

    @admin.action(description="Force import")
    def force_import(self, request: HttpRequest, queryset) -> None:
        ids = list(queryset.exclude(source=None).values_list("pk", flat=True))
        for channel_id in ids:
            transaction.on_commit(lambda cid=channel_id: tasks.epg_channel_force_import.delay(cid))
        self.message_user(request, f"Import started for {len(ids)} channels.")

    def get_urls(self):
        own = [
            path(
                "<int:pk>/clear-epg/",
                self.admin_site.admin_view(self.clear_epg_view),
                name="epg_epgchannel_clear_epg",
            ),
            path(
                "<int:pk>/force-import/",
                self.admin_site.admin_view(self.force_import_view),
                name="epg_epgchannel_force_import",
            ),
        ]
        return own + super().get_urls()

    def _object_action(self, request: HttpRequest, pk: int, action) -> HttpResponseRedirect:
        channel = get_object_or_404(EpgChannel, pk=pk)
        back = reverse("admin:epg_epgchannel_change", args=[pk])
        if request.method != "POST" or not self.has_change_permission(request, channel):
            self.message_user(request, "Not allowed.", messages.ERROR)
            return HttpResponseRedirect(back)
        action(self, request, EpgChannel.objects.filter(pk=pk))
        return HttpResponseRedirect(back)

    def clear_epg_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        return self._object_action(request, pk, EpgChannelAdmin.clear_epg)

    def force_import_view(self, request: HttpRequest, pk: int) -> HttpResponseRedirect:
        return self._object_action(request, pk, EpgChannelAdmin.force_import)


@admin.register(Program)
class ProgramAdmin(ServiceLevelAdmin):
    """Manual EPG editing (seed 3.1.5.2)."""

    list_display = ("name", "epg_channel", "time_begin", "time_end", "category", "is_premiere", "is_blocked")
    list_filter = ("is_premiere", "is_blocked", "category")
    list_select_related = ("epg_channel", "category")
    search_fields = ("name", "epg_channel__name")
    date_hierarchy = "time_begin"
    raw_id_fields = ("epg_channel",)
    filter_horizontal = ("genres",)
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        invalidation.epg_channel_changed(obj.epg_channel_id)
        if change and "epg_channel" in form.changed_data and form.initial.get("epg_channel"):
            invalidation.epg_channel_changed(form.initial["epg_channel"])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        invalidation.epg_channel_changed(form.instance.epg_channel_id)

    def delete_model(self, request, obj):
        channel_id = obj.epg_channel_id
        super().delete_model(request, obj)
        invalidation.epg_channel_changed(channel_id)

    def delete_queryset(self, request, queryset):
        channel_ids = set(queryset.values_list("epg_channel_id", flat=True))
        super().delete_queryset(request, queryset)
        for channel_id in channel_ids:
            invalidation.epg_channel_changed(channel_id)


class CategoryMapInline(ServiceLevelInline):
    model = EpgSourceCategoryMap
    autocomplete_fields = ("source",)


class GenreMapInline(ServiceLevelInline):
    model = EpgSourceGenreMap
    autocomplete_fields = ("source",)


@admin.register(EpgCategory)
class EpgCategoryAdmin(ServiceLevelAdmin):
    list_display = ("name", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("name",)
    inlines = [CategoryMapInline]


@admin.register(EpgGenre)
class EpgGenreAdmin(ServiceLevelAdmin):
    list_display = ("name", "sort_order")
    list_editable = ("sort_order",)
    search_fields = ("name",)
    inlines = [GenreMapInline]


class MappedFilter(admin.SimpleListFilter):
    title = _("mapped")
    parameter_name = "mapped"
    target = "category"

    def lookups(self, request, model_admin):
        return [("no", _("not mapped yet")), ("yes", _("mapped"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(**{f"{self.target}__isnull": True})
        if self.value() == "yes":
            return queryset.filter(**{f"{self.target}__isnull": False})
        return queryset


class GenreMappedFilter(MappedFilter):
    target = "genre"


@admin.register(EpgSourceCategoryMap)
class EpgSourceCategoryMapAdmin(ServiceLevelAdmin):
    """Source category names -> categories; names the importer met unmapped show up empty."""

    list_display = ("source_name", "source", "category")
    list_editable = ("category",)
    list_filter = (MappedFilter, "source")
    search_fields = ("source_name",)


@admin.register(EpgSourceGenreMap)
class EpgSourceGenreMapAdmin(ServiceLevelAdmin):
    list_display = ("source_name", "source", "genre")
    list_editable = ("genre",)
    list_filter = (GenreMappedFilter, "source")
    search_fields = ("source_name",)


@admin.register(EpgPremiereSource)
class EpgPremiereSourceAdmin(ServiceLevelAdmin):
    list_display = ("name", "epg_source", "url", "enabled")
    list_filter = ("enabled",)


@admin.register(Premiere)
class PremiereAdmin(ServiceLevelAdmin):
    list_display = ("name", "epg_channel", "time_begin", "source", "program")
    list_select_related = ("epg_channel", "source")
    raw_id_fields = ("epg_channel", "program")
    date_hierarchy = "time_begin"
    search_fields = ("name",)
