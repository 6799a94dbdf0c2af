"""Billing section: tariff packages (seed 3.2.6.1) and subscriptions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from clients.models import PlayDevice
from smarty.admin import DateRangeFilter, OperatorScopedAdmin, SortOrderAdminMixin, related_count

from . import services
from .invalidation import tariffs_changed
from .models import Tariff, TariffSubscription

M2M_FIELDS = ("countries", "cities", "stream_services")


class TariffAdminForm(forms.ModelForm):
    allowed_device_groups = forms.TypedMultipleChoiceField(
        label=_("allowed device groups"),
        choices=PlayDevice.Group.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None selected: all device groups."),
    )

    class Meta:
        model = Tariff
        fields = "__all__"


@admin.register(Tariff)
class TariffAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    form = TariffAdminForm
    list_display = ("name", "kind", "price", "period", "enabled", "hidden", "subscribers", "ext_id")
    list_display_links = ("name",)
    list_filter = ("kind", "enabled", "hidden", "assigned_by_default")
    search_fields = ("name", "ext_id")
    filter_horizontal = ("countries", "cities", "stream_services")
    fieldsets = (
        (None, {"fields": ("client", "name", "kind", "ext_id", "enabled", "hidden", "sort_order", "description")}),
        (
            _("Price"),
            {"fields": ("price", "period", "default_activation_price", "assigned_by_default", "required")},
        ),
        (
            _("Devices"),
            {"fields": ("basic_sessions_count", "sessions_count", "basic_tariff_priority", "allowed_device_groups")},
        ),
        (
            _("Availability"),
            {
                "fields": (
                    "available_everywhere",
                    "countries",
                    "cities",
                    "ip_restriction",
                    "available_for_inactive_accounts",
                    "available_to_unsubscribe",
                )
            },
        ),
        (
            _("Content"),
            {
                "fields": (
                    "stream_services",
                    "used_for_channel_list",
                    "used_for_video_list",
                    "used_for_radio_list",
                    "display_in_channels_widget",
                    "players_enabled",
                )
            },
        ),
        (
            _("Translations"),
            {
                "classes": ("collapse",),
                "fields": (
                    "name_lang1",
                    "name_lang2",
                    "name_lang3",
                    "name_lang4",
                    "name_lang5",
                    "description_lang1",
                    "description_lang2",
                    "description_lang3",
                    "description_lang4",
                    "description_lang5",
                ),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(
                customers_total=related_count(Tariff.customers.through, "tariff"),
                accounts_total=related_count(Tariff.accounts.through, "tariff"),
            )
        )

    @admin.display(description=_("subscribers"))
    def subscribers(self, obj: Tariff) -> str:
        return f"{obj.customers_total or 0} / {obj.accounts_total or 0}"

    def rows_changed(self, objs) -> None:
        objs = list(objs)
        super().rows_changed(objs)
        tariffs_changed(*sorted({obj.client_id for obj in objs if obj.client_id}))

    def save_model(self, request, obj, form, change):
        self.assign_owner(request, obj, change)
        services.tariff_save(
            tariff=obj, m2m={name: form.cleaned_data[name] for name in M2M_FIELDS if name in form.cleaned_data}
        )

    def delete_model(self, request, obj):
        services.tariff_delete(tariff=obj)

    def delete_queryset(self, request, queryset):
        for tariff in queryset:
            services.tariff_delete(tariff=tariff)


@admin.register(TariffSubscription)
class TariffSubscriptionAdmin(OperatorScopedAdmin):
    client_from = "customer"
    dealer_field = "customer__dealer"
    list_display = ("customer", "account", "tariff", "price", "start_date", "end_date", "is_periodical", "is_closed")
    list_filter = ("tariff", "is_closed", "is_periodical", ("start_date", DateRangeFilter))
    search_fields = ("customer__lastname", "customer__firstname", "account__abonement", "tariff__name")
    autocomplete_fields = ("customer", "account")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("customer", "account", "tariff")

    def rows_changed(self, objs) -> None:
        objs = list(objs)
        super().rows_changed(objs)
        tariffs_changed(*sorted({obj.client_id for obj in objs if obj.client_id}))
