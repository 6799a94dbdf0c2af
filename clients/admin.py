"""Operators, device types, templates, countries (service panel, seed 3.1), the operator's
allowed device types and their settings (General settings, 3.2.4.1), dealers (3.2.8.6),
and admin logins with their permissions (3.2.4.4)."""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smarty.admin import (
    NotFoundOutsideScopeMixin,
    OperatorScopedAdmin,
    current_client_id,
    related_count,
    reverse_model,
    scope_choices,
)
from smarty.admin_access import operator_actions, user_role

from . import services
from .models import (
    City,
    Client,
    ClientPlayDevice,
    ClientUser,
    Country,
    Dealer,
    DealerApiAccess,
    PlayDevice,
    PlayDeviceTemplate,
    PortalSettings,
)
from .selectors import dealer_login

User = get_user_model()


# --- service panel -------------------------------------------------------------------------
@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "domain_prefix", "enabled", "email", "default_currency", "created_at")
    list_display_links = ("id", "name")
    list_filter = ("enabled", "payment_method")
    search_fields = ("=id", "name", "domain_prefix", "email")
    readonly_fields = ("created_at",)
    fieldsets = (
        (None, {"fields": ("name", "email", "domain_prefix", "website", "enabled", "timezone")}),
        (
            _("API keys"),
            {"fields": ("api_key", "billing_api_key", "content_api_key", "streaming_api_key", "dealers_api_key")},
        ),
        (
            _("Billing"),
            {
                "fields": (
                    "default_currency",
                    "payment_method",
                    "trial_period_days",
                    "registration_limit",
                    "contract_number_mask",
                    "abonement_length",
                )
            },
        ),
        (_("Other"), {"fields": ("geo_locator", "channel_sort", "players_enabled", "created_at")}),
    )

    def save_model(self, request, obj, form, change):
        services.client_save(client=obj)


@admin.register(PlayDeviceTemplate)
class PlayDeviceTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "system_name", "description")
    search_fields = ("name", "system_name")

    def save_model(self, request, obj, form, change):
        services.play_device_save(device=obj)


@admin.register(PlayDevice)
class PlayDeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "system_name", "device_group", "response_format")
    list_filter = ("device_group", "response_format")
    search_fields = ("name", "system_name")

    def save_model(self, request, obj, form, change):
        services.play_device_save(device=obj)


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("name", "country")
    list_filter = ("country",)
    search_fields = ("name",)


# --- General settings: allowed device types and their settings -----------------------------
@admin.register(PortalSettings)
class PortalSettingsAdmin(OperatorScopedAdmin):
    """What the operator's apps show (portal/settings/list); one row per operator."""

    list_display = ("client", "show_tvchannels", "show_archive", "show_videocatalog", "show_radio")


@admin.register(ClientPlayDevice)
class ClientPlayDeviceAdmin(OperatorScopedAdmin):
    list_display = ("play_device", "device_group", "template", "enabled")
    list_display_links = ("play_device",)
    list_filter = ("enabled", "template", "play_device__device_group")
    search_fields = ("play_device__name", "play_device__system_name")
    fields = ("client", "play_device", "template", "enabled", "settings")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("play_device", "template")

    def get_readonly_fields(self, request, obj=None):
        # Which device types an operator may use is decided in the service panel (seed 3.1.4).
        return () if request.user.is_superuser or obj is None else ("play_device",)

    @admin.display(description=_("device group"), ordering="play_device__device_group")
    def device_group(self, obj: ClientPlayDevice) -> str:
        return obj.play_device.get_device_group_display()

    def save_model(self, request, obj, form, change):
        self.assign_owner(request, obj, change)
        services.client_play_device_save(allowed=obj)


# --- Subscribers: dealers ------------------------------------------------------------------
class DealerAdminForm(forms.ModelForm):
    username = forms.CharField(
        label=_("username"),
        required=False,
        max_length=150,
        help_text=_("The dealer's login to the admin panel: it sees and creates only its own subscribers."),
    )
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )

    class Meta:
        model = Dealer
        fields = ("client", "name", "ext_id", "enabled")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            login = dealer_login(self.instance)
            if login is not None:
                self.fields["username"].initial = login.get_username()

    def clean(self) -> dict:
        cleaned = super().clean()
        username = cleaned.get("username")
        if not username:
            return cleaned
        user = User.objects.filter(username=username).first()
        if user is None:
            if not cleaned.get("password"):
                self.add_error("password", gettext("A new login needs a password."))
            return cleaned
        profile = getattr(user, "smarty_profile", None)
        if user.is_superuser or profile is None or not self.instance.pk or profile.dealer_id != self.instance.pk:
            self.add_error("username", gettext("This username is taken."))
        return cleaned


@admin.register(Dealer)
class DealerAdmin(OperatorScopedAdmin):
    form = DealerAdminForm
    dealer_field = "pk"
    list_display = ("name", "ext_id", "enabled", "customers_link", "accounts_total", "login", "created_at")
    list_filter = ("enabled",)
    search_fields = ("name", "ext_id")
    fields = ("client", "name", "ext_id", "enabled", "username", "password")

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(
                customers_total=related_count(reverse_model(Dealer, "customer"), "dealer"),
                accounts_count=related_count(reverse_model(Dealer, "customer__accounts"), "customer__dealer"),
                login_name=Subquery(
                    ClientUser.objects.filter(dealer=OuterRef("pk")).order_by("pk").values("user__username")[:1]
                ),
            )
        )

    @admin.display(description=_("customers"), ordering="customers_total")
    def customers_link(self, obj: Dealer) -> str:
        url = reverse("admin:accounts_customer_changelist") + f"?dealer__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.customers_total or 0)

    @admin.display(description=_("accounts"), ordering="accounts_count")
    def accounts_total(self, obj: Dealer) -> int:
        return obj.accounts_count or 0

    @admin.display(description=_("login"), ordering="login_name")
    def login(self, obj: Dealer) -> str:
        return obj.login_name or "—"

    def save_model(self, request, obj, form, change):
        self.assign_owner(request, obj, change)
        try:
            services.dealer_save(
                dealer=obj,
                username=form.cleaned_data.get("username") or "",
                password=form.cleaned_data.get("password") or "",
            )
        except ValidationError as exc:  # raced with another save: the form checked the same
            raise ValidationError(exc.messages) from exc


# --- General settings: admin logins and their permissions (seed 3.2.4.4) -------------------
@lru_cache(maxsize=1)
def _operator_permission_ids() -> frozenset[int]:
    """Permissions operator staff may hold (and grant to other staff of the operator)."""
    allowed = set()
    for perm in Permission.objects.select_related("content_type"):
        model = perm.content_type.model_class()
        action = perm.codename.split("_", 1)[0]
        if model is not None and action in operator_actions(model):
            allowed.add(perm.pk)
    return frozenset(allowed)


def operator_permissions():
    return Permission.objects.filter(pk__in=_operator_permission_ids()).select_related("content_type")


class ClientUserForm(forms.ModelForm):
    class Meta:
        model = ClientUser
        fields = ("client", "dealer", "is_admin", "is_monitoring")

    def clean(self) -> dict:
        cleaned = super().clean()
        dealer = cleaned.get("dealer")
        if "client" in self.fields:
            client_id = cleaned["client"].pk if cleaned.get("client") else None
        else:  # operator staff: the login is bound to their operator on save (choices are scoped)
            client_id = self.instance.client_id or (dealer.client_id if dealer else None)
        if dealer is not None and dealer.client_id != client_id:
            self.add_error("dealer", gettext("The dealer belongs to another operator."))
        return cleaned


class ClientUserInline(admin.StackedInline):
    model = ClientUser
    form = ClientUserForm
    fk_name = "user"
    can_delete = False
    max_num = 1
    verbose_name = _("operator binding")
    verbose_name_plural = _("operator binding")

    def get_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ("client", "dealer", "is_admin", "is_monitoring")
        return ("dealer", "is_monitoring")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "dealer" and field is not None:
            field.queryset = scope_choices(field.queryset, request)
        return field

    # The binding is part of the login: whoever may edit logins edits it.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("auth.view_user")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("auth.change_user") or request.user.has_perm("auth.add_user")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("auth.change_user")

    def has_delete_permission(self, request, obj=None):
        return False


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(NotFoundOutsideScopeMixin, UserAdmin):
    """Admin logins. Superusers manage all of them; operator staff with user permissions
    manage the other logins of their operator and may grant only operator permissions."""

    inlines = (ClientUserInline,)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "operator", "role")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "smarty_profile__client")

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request).select_related("smarty_profile__client", "smarty_profile__dealer")
        role = user_role(request.user)
        if role.superuser:
            client_id = current_client_id(request)
            if client_id is not None:
                qs = qs.filter(Q(smarty_profile__client_id=client_id) | Q(is_superuser=True))
            return qs
        if role.bound:
            return qs.filter(smarty_profile__client_id=role.client_id, is_superuser=False).exclude(pk=request.user.pk)
        return qs.none()

    def get_list_filter(self, request: HttpRequest):
        if request.user.is_superuser:
            return self.list_filter
        return ("is_active", "groups")

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return (
            (None, {"fields": ("username", "password")}),
            (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
            (_("Permissions"), {"fields": ("is_active", "groups", "user_permissions")}),
            (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions" and not request.user.is_superuser:
            kwargs["queryset"] = operator_permissions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("operator"), ordering="smarty_profile__client__name")
    def operator(self, obj) -> str:
        profile = getattr(obj, "smarty_profile", None)
        return str(profile.client) if profile is not None and profile.client_id else "—"

    @admin.display(description=_("role"))
    def role(self, obj) -> str:
        if obj.is_superuser:
            return gettext("superuser")
        profile = getattr(obj, "smarty_profile", None)
        if profile is None:
            return "—"
        if profile.dealer_id:
            return gettext("dealer: %(name)s") % {"name": profile.dealer}
        if profile.is_monitoring:
            return gettext("monitoring")
        return gettext("service staff") if profile.is_admin else gettext("operator staff")

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.is_staff = True
            obj.is_superuser = False
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        role = user_role(request.user)
        if not role.superuser and role.client_id:
            services.staff_user_bind(user=form.instance, client_id=role.client_id)


# --- Subscribers: a dealer's Dealers API key and allowed networks ------------------------------
@admin.register(DealerApiAccess)
class DealerApiAccessAdmin(OperatorScopedAdmin):
    client_field = "dealer__client"
    client_from = "dealer"
    list_display = ("dealer", "enabled", "allowed_subnets")
    search_fields = ("dealer__name",)

    def save_model(self, request, obj, form, change):
        services.dealer_api_access_save(access=obj)
