"""Subscribers > Dealer API access: a dealer's Dealers API key and allowed networks."""

from __future__ import annotations

from django.contrib import admin

from smarty.admin import OperatorScopedAdmin

from .models import DealerApiAccess
from .services import dealer_api_access_save


@admin.register(DealerApiAccess)
class DealerApiAccessAdmin(OperatorScopedAdmin):
    client_field = "dealer__client"
    client_from = "dealer"
    list_display = ("dealer", "enabled", "allowed_subnets")
    search_fields = ("dealer__name",)

    def save_model(self, request, obj, form, change):
        dealer_api_access_save(access=obj)
