"""Subscribers section of the admin (seed 3.2.8): customers, accounts (the account card),
devices, sessions, messages and commands, bulk mail, the customer action log."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.models import PlayDevice
from smarty.admin import (
    CsvExportMixin,
    DateRangeFilter,
    OperatorScopedAdmin,
    OperatorScopedInline,
    ScopedRelatedFieldListFilter,
    SummaryStatsMixin,
    bulk_form_action,
    related_count,
    reverse_model,
    scope_choices,
)
from tariffs.models import Tariff
from tariffs.selectors import account_tariff_ids

from .models import (
    Account,
    AccountDevice,
    Customer,
    CustomerActionLog,
    DeviceCommand,
    Message,
    ProfileType,
    Session,
)
from .services import accounts as account_services
from .services import customers as customer_services
from .services import messages as message_services
from .services.players import account_playlist_token_reset


def online_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.SMARTY_ADMIN_ONLINE_MINUTES)


def _online_sessions(since: dt.datetime, prefix: str = "sessions__") -> Q:
    return Q(**{f"{prefix}last_active__gte": since, f"{prefix}expires_at__gt": timezone.now()})


ADMIN = CustomerActionLog.Source.ADMIN


def admin_user(request: HttpRequest) -> str:
    return request.user.get_username()


def _service_errors(form: forms.ModelForm, validate, instance) -> None:
    """Run a domain service's validation on the form's instance and show what it refuses as
    the form's errors (the same checks every other door applies)."""
    try:
        validate(instance)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)


def tariff_diff(before: set[int], tariffs) -> tuple[list, list]:
    """The tariffs the form adds and the ids it removes."""
    after = {t.pk: t for t in tariffs}
    return [t for pk, t in after.items() if pk not in before], [pk for pk in before if pk not in after]


def _save_related_without_m2m(model_admin, request, form, formsets, change) -> None:
    # Tariffs went through the services in save_model; only the inlines are left.
    for formset in formsets:
        model_admin.save_formset(request, form, formset, change=change)


def formset_changed(formset, device: AccountDevice) -> list[str] | None:
    """The fields an inline form changed on `device`; None for a new device."""
    if device._state.adding:
        return None
    return next((f.changed_data for f in formset.forms if f.instance is device), [])


def device_save(device: AccountDevice, *, changed: list[str] | None, user: str) -> AccountDevice:
    """A device added or edited by hand: the Billing API's AccountDeviceCreate/Modify services."""
    fields = account_services.DEVICE_FIELDS
    if changed is None:
        return account_services.account_device_create(
            account=device.account,
            device_uid=device.device_uid,
            play_device=device.play_device,
            is_basic=device.is_basic,
            data={name: getattr(device, name) for name in fields},
            source=ADMIN,
            user=user,
        )
    names = [n for n in changed if n in fields | account_services.DEVICE_IDENTITY_FIELDS]
    stored = AccountDevice.objects.select_related("account__customer").get(pk=device.pk)
    account_services.account_device_modify(
        device=stored, data={name: getattr(device, name) for name in names}, source=ADMIN, user=user
    )
    return stored


def _link(url_name: str, query: str, label: str, css: str = "") -> str:
    return format_html(
        '<a class="smarty-related-link {}" href="{}?{}">{}</a>', css, reverse(f"admin:{url_name}"), query, label
    )


class OnlineFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "online"
    online_q = staticmethod(lambda since: _online_sessions(since))

    def lookups(self, request, model_admin):
        return (("1", _("Online")), ("0", _("Offline")))

    def queryset(self, request, queryset):
        if self.value() not in ("0", "1"):
            return queryset
        inner = queryset.model._default_manager.filter(pk=OuterRef("pk")).filter(self.online_q(online_since()))
        return queryset.filter(Exists(inner)) if self.value() == "1" else queryset.exclude(Exists(inner))


class CustomerOnlineFilter(OnlineFilter):
    online_q = staticmethod(lambda since: _online_sessions(since, "accounts__sessions__"))


class DeviceOnlineFilter(OnlineFilter):
    online_q = staticmethod(lambda since: Q(last_active__gte=since) | _online_sessions(since))


class CustomerTariffFilter(ScopedRelatedFieldListFilter):
    """ "By tariffs" on subscribers: a subscriber holds a tariff of its own or through any of
    its accounts (seed 3.2.8.1); "None" is a subscriber holding none either way."""

    def queryset(self, request, queryset):
        ids = self.used_parameters.get(self.lookup_kwarg)
        empty = self.used_parameters.get(self.lookup_kwarg_isnull)
        if isinstance(ids, str):
            ids = [ids]
        own = Customer.tariffs.through.objects.filter(customer_id=OuterRef("pk"))
        via_accounts = Account.tariffs.through.objects.filter(account__customer_id=OuterRef("pk"))
        if ids:
            try:
                ids = [int(value) for value in ids]
            except (TypeError, ValueError) as exc:
                raise IncorrectLookupParameters(exc) from exc
            return queryset.filter(
                Exists(own.filter(tariff_id__in=ids)) | Exists(via_accounts.filter(tariff_id__in=ids))
            )
        if empty is not None:
            value = empty[-1] if isinstance(empty, list) else empty  # Django made it a bool
            held = Exists(own) | Exists(via_accounts)
            return queryset.exclude(held) if value is True else queryset.filter(held)
        return queryset


def _csv_tariffs(obj) -> str:
    return ", ".join(tariff.name for tariff in obj.tariffs.all())


# --- customers -----------------------------------------------------------------------------
class CustomerAccountInline(OperatorScopedInline):
    model = Account
    fields = ("abonement", "active", "status_reason", "last_active")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("accounts")

    def has_add_permission(self, request, obj=None):
        return False


class CustomerAdmin(CsvExportMixin, SummaryStatsMixin, OperatorScopedAdmin):
    """The customer card. Registered by billing/admin.py, whose save runs the internal
    billing's charge (billing.subscribers), as every door that gives tariffs does."""

    dealer_field = "dealer"
    actions = ("export_csv",)
    csv_filename = "subscribers"
    csv_prefetch = ("tariffs",)
    csv_columns = (
        ("id", "pk"),
        ("firstname", "firstname"),
        ("middlename", "middlename"),
        ("lastname", "lastname"),
        ("company_name", "company_name"),
        ("contract_number", "contract_number"),
        ("ext_id", "ext_id"),
        ("email", "email"),
        ("mobile_phone_number", "mobile_phone_number"),
        ("balance", "balance"),
        ("dealer", "dealer"),
        ("tariffs", _csv_tariffs),
        ("created_at", "created_at"),
    )
    list_display = (
        "id",
        "display_name",
        "contract_number",
        "balance",
        "accounts_link",
        "payments_link",
        "messages_link",
        "dealer",
        "created_at",
    )
    list_display_links = ("id", "display_name")
    search_fields = (
        "=id",
        "firstname",
        "lastname",
        "middlename",
        "company_name",
        "ext_id",
        "contract_number",
        "email",
        "mobile_phone_number",
        "accounts__abonement",
    )
    list_filter = (
        "dealer",
        ("tariffs", CustomerTariffFilter),
        CustomerOnlineFilter,
        ("created_at", DateRangeFilter),
    )
    filter_horizontal = ("tariffs",)
    readonly_fields = ("balance", "created_at", "updated_at")
    inlines = (CustomerAccountInline,)
    fieldsets = (
        (None, {"fields": ("client", "firstname", "middlename", "lastname", "company_name", "birthdate", "dealer")}),
        (_("Contract"), {"fields": ("contract_number", "ext_id", "balance", "comment")}),
        (
            _("Contacts"),
            {
                "fields": (
                    "email",
                    "mobile_phone_number",
                    "phone_number_1",
                    "phone_number_2",
                    "fax_phone_number",
                    "send_sms",
                    "send_sms_messages",
                    "send_email_messages",
                )
            },
        ),
        (_("Tariffs"), {"fields": ("tariffs",)}),
        (
            _("Postal address"),
            {
                "classes": ("collapse",),
                "fields": (
                    "postal_address_country",
                    "postal_address_city",
                    "postal_address_zip",
                    "postal_address_street",
                    "postal_address_bld",
                    "postal_address_apt",
                ),
            },
        ),
        (
            _("Billing address"),
            {
                "classes": ("collapse",),
                "fields": (
                    "billing_address_zip",
                    "billing_address_street",
                    "billing_address_bld",
                    "billing_address_apt",
                ),
            },
        ),
        (
            _("Passport"),
            {
                "classes": ("collapse",),
                "fields": ("passport_series", "passport_number", "passport_issue_date", "passport_issued_by"),
            },
        ),
        (
            _("Bank account"),
            {
                "classes": ("collapse",),
                "fields": (
                    "bank_account_owner_name",
                    "bank_account_bank_name",
                    "bank_account_number",
                    "bank_account_iban",
                    "bank_account_bic",
                    "bank_account_blz",
                ),
            },
        ),
        (
            _("Options"),
            {
                "classes": ("collapse",),
                "fields": ("autopayment_enabled", "custom_billing_api", "meta", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("dealer")
            .annotate(
                accounts_count=related_count(Account, "customer"),
                payments_count=related_count(reverse_model(Customer, "transactions"), "customer"),
                messages_count=related_count(Message, "account__customer"),
            )
        )

    @admin.display(description=_("name"), ordering="lastname")
    def display_name(self, obj: Customer) -> str:
        name = " ".join(p for p in (obj.lastname, obj.firstname, obj.middlename) if p)
        return name or obj.company_name or f"#{obj.pk}"

    @admin.display(description=_("Accounts"), ordering="accounts_count")
    def accounts_link(self, obj: Customer) -> str:
        return _link(
            "accounts_account_changelist", f"customer__id__exact={obj.pk}", str(obj.accounts_count or 0), "accounts"
        )

    @admin.display(description=_("Payments"), ordering="payments_count")
    def payments_link(self, obj: Customer) -> str:
        return _link(
            "billing_transaction_changelist", f"customer__id__exact={obj.pk}", str(obj.payments_count or 0), "payments"
        )

    @admin.display(description=_("Messages"), ordering="messages_count")
    def messages_link(self, obj: Customer) -> str:
        return _link(
            "accounts_message_changelist",
            f"account__customer__id__exact={obj.pk}",
            str(obj.messages_count or 0),
            "messages",
        )

    def stats_active_q(self) -> Q:
        return Q(accounts__active=True)

    def stats_online_q(self, since: dt.datetime) -> Q:
        return _online_sessions(since, "accounts__sessions__")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class CustomerServiceForm(form):
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.instance.client_id:
                    _service_errors(self, customer_services.customer_validate, self.instance)

        return CustomerServiceForm

    def save_related(self, request, form, formsets, change):
        _save_related_without_m2m(self, request, form, formsets, change)

    def delete_model(self, request, obj):
        customer_services.customer_delete(customer=obj, source=ADMIN, user=admin_user(request))

    def delete_queryset(self, request, queryset):
        for customer in queryset:
            self.delete_model(request, customer)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.admin_site._registry[Account].has_add_permission(request):
            context["add_account_url"] = reverse("admin:accounts_account_add") + f"?customer={obj.pk}"
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- accounts: the account card ----------------------------------------------------------
class AccountAdminForm(forms.ModelForm):
    new_password = forms.CharField(
        label=_("new password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )
    allowed_device_groups = forms.TypedMultipleChoiceField(
        label=_("allowed device groups"),
        choices=PlayDevice.Group.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None selected: all device groups."),
    )

    class Meta:
        model = Account
        exclude = ("password",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "abonement" in self.fields:
            self.fields["abonement"].required = False
            self.fields["abonement"].help_text = gettext("Leave empty to generate one.")


class AccountDeviceInline(OperatorScopedInline):
    model = AccountDevice
    fields = ("device_uid", "play_device", "serial_number", "is_basic", "enabled", "last_active")
    readonly_fields = ("last_active",)
    verbose_name_plural = _("devices")


class AccountSessionInline(OperatorScopedInline):
    model = Session
    fields = ("play_device", "ip_address", "created_at", "last_active", "expires_at")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = _("sessions")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BulkMessageForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=255, required=False)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    urgent = forms.BooleanField(label=_("Urgent"), required=False)


class BulkCommandForm(forms.Form):
    type = forms.ChoiceField(label=_("Command"), choices=())
    accompanying_text = forms.CharField(label=_("Accompanying text"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = admin_messages.COMMAND_CHOICES


class AccountAdmin(CsvExportMixin, SummaryStatsMixin, OperatorScopedAdmin):
    """The account card. Registered by billing/admin.py (see CustomerAdmin)."""

    actions = (
        "export_csv",
        "block_accounts",
        "unblock_accounts",
        "send_message",
        "send_command",
        "reset_playlist_token",
    )
    csv_filename = "accounts"
    csv_prefetch = ("tariffs",)
    csv_columns = (
        ("id", "pk"),
        ("abonement", "abonement"),
        ("ext_id", "ext_id"),
        ("customer_id", "customer_id"),
        ("customer", "customer"),
        ("active", "active"),
        ("status_reason", "status_reason"),
        ("tariffs", _csv_tariffs),
        ("last_active", "last_active"),
        ("created_at", "created_at"),
    )

    def _set_active(self, request, queryset, *, active: bool, reason: str) -> int:
        user = admin_user(request)
        return sum(
            account_services.account_set_status(
                account=account, active=active, status_reason=reason, source=ADMIN, user=user
            )
            for account in queryset
        )

    @admin.action(description=_("Block the selected accounts"), permissions=["change"])
    def block_accounts(self, request, queryset):
        changed = self._set_active(request, queryset, active=False, reason=Account.StatusReason.BLOCK)
        self.message_user(request, gettext("%(count)d accounts blocked.") % {"count": changed})

    @admin.action(description=_("Unblock the selected accounts"), permissions=["change"])
    def unblock_accounts(self, request, queryset):
        changed = self._set_active(request, queryset, active=True, reason=Account.StatusReason.ACTIVE)
        self.message_user(request, gettext("%(count)d accounts unblocked.") % {"count": changed})

    @admin.action(description=_("Send a message to the selected accounts"), permissions=["change"])
    def send_message(self, request, queryset):
        def perform(account, data) -> bool:
            message_services.message_create(
                account=account, subject=data["subject"], text=data["text"], urgent=data["urgent"]
            )
            return True

        return bulk_form_action(
            self, request, queryset, form_class=BulkMessageForm, title=gettext("Send a message"), perform=perform
        )

    @admin.action(description=_("Send a command to the selected accounts' devices"), permissions=["change"])
    def send_command(self, request, queryset):
        def perform(account, data) -> bool:
            message_services.command_create(
                account=account, type=int(data["type"]), accompanying_text=data["accompanying_text"]
            )
            return True

        return bulk_form_action(
            self, request, queryset, form_class=BulkCommandForm, title=gettext("Send a command"), perform=perform
        )

    form = AccountAdminForm
    client_from = "customer"
    dealer_field = "customer__dealer"
    change_form_template = "admin/accounts/account/change_form.html"
    list_display = (
        "abonement",
        "customer_link",
        "active",
        "status_reason",
        "online_badge",
        "devices_count",
        "last_active",
        "created_at",
    )
    list_filter = (
        "active",
        "status_reason",
        "tariffs",
        "customer__dealer",
        OnlineFilter,
        ("created_at", DateRangeFilter),
    )
    search_fields = ("abonement", "ext_id", "customer__firstname", "customer__lastname", "customer__company_name")
    autocomplete_fields = ("customer",)
    filter_horizontal = ("tariffs",)
    readonly_fields = ("last_active", "created_at", "updated_at", "playlist_token")
    inlines = (AccountDeviceInline, AccountSessionInline)
    fieldsets = (
        (None, {"fields": ("customer", "abonement", "new_password", "ext_id", "active", "status_reason")}),
        (
            _("Login"),
            {
                "fields": (
                    "allow_multiple_login",
                    "allow_login_by_abonement",
                    "allow_login_by_device_uid",
                    "allow_login_by_ip",
                    "subnets",
                )
            },
        ),
        (_("Tariffs"), {"fields": ("tariffs",)}),
        (
            _("Dates"),
            {"fields": ("activation_date", "deactivation_date", "extension_date", "auto_activation_period")},
        ),
        (
            _("Playback"),
            {
                "fields": (
                    "data_center",
                    "allowed_device_groups",
                    "use_timeshift",
                    "preferred_timeshift_offset",
                    "parent_code",
                    "template",
                    "playlist_token",
                )
            },
        ),
        (
            _("Options"),
            {
                "classes": ("collapse",),
                "fields": ("option1", "option2", "option3", "settings", "last_active", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .select_related("customer")
            .annotate(
                devices_total=related_count(AccountDevice, "account"),
                is_online=Exists(
                    Session.objects.filter(
                        account=OuterRef("pk"), last_active__gte=online_since(), expires_at__gt=timezone.now()
                    )
                ),
            )
        )

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        raw = initial.get("customer")
        if raw:
            try:
                visible = scope_choices(Customer.objects.filter(pk=int(raw)), request).exists()
            except (TypeError, ValueError):
                visible = False
            if not visible:
                initial.pop("customer")
        return initial

    @admin.display(description=_("customer"), ordering="customer__lastname")
    def customer_link(self, obj: Account) -> str:
        url = reverse("admin:accounts_customer_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer)

    @admin.display(description=_("online"), ordering="is_online")
    def online_badge(self, obj: Account) -> str:
        if obj.is_online:
            return format_html('<span class="smarty-badge smarty-badge-online">{}</span>', gettext("Online"))
        return format_html('<span class="smarty-badge smarty-badge-offline">{}</span>', gettext("Offline"))

    @admin.display(description=_("devices"), ordering="devices_total")
    def devices_count(self, obj: Account) -> str:
        return _link("accounts_accountdevice_changelist", f"account__id__exact={obj.pk}", str(obj.devices_total or 0))

    def stats_active_q(self) -> Q:
        return Q(active=True)

    @admin.action(description=_("Reset the playlist token (M3U/XMLTV addresses)"), permissions=["change"])
    def reset_playlist_token(self, request: HttpRequest, queryset) -> None:
        accounts = list(queryset)
        for account in accounts:
            account_playlist_token_reset(account=account)
        self.message_user(
            request, gettext("%(count)d playlist tokens reset.") % {"count": len(accounts)}, messages.SUCCESS
        )

    def stats_online_q(self, since: dt.datetime) -> Q:
        return _online_sessions(since)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class AccountServiceForm(form):
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.instance.customer_id:
                    if not self.instance.abonement:  # to be generated: any digits pass
                        self.instance.abonement = "0"
                        _service_errors(self, account_services.account_validate, self.instance)
                        self.instance.abonement = ""
                    else:
                        _service_errors(self, account_services.account_validate, self.instance)

        return AccountServiceForm

    def save_related(self, request, form, formsets, change):
        _save_related_without_m2m(self, request, form, formsets, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not AccountDevice:
            return super().save_formset(request, form, formset, change)
        for device in formset.save(commit=False):
            device.account = form.instance
            device_save(device, changed=formset_changed(formset, device), user=admin_user(request))
        for device in formset.deleted_objects:
            account_services.account_device_delete(device=device, source=ADMIN, user=admin_user(request))
        return None

    def delete_model(self, request, obj):
        account_services.account_delete(account=obj, source=ADMIN, user=admin_user(request))

    def delete_queryset(self, request, queryset):
        for account in queryset:
            self.delete_model(request, account)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        account = self.get_object(request, object_id)
        if account is not None:
            extra_context["card"] = self.account_card(request, account)
        return super().change_view(request, object_id, form_url, extra_context)

    def account_card(self, request: HttpRequest, account: Account) -> dict:
        """The summary at the top of the account card."""
        tariff_ids = account_tariff_ids(account)
        site = self.admin_site
        card = {
            "customer": account.customer,
            "customer_url": reverse("admin:accounts_customer_change", args=[account.customer_id]),
            "balance": account.customer.balance,
            "online": account.is_online,
            "last_active": account.last_active,
            "tariffs": list(Tariff.objects.filter(pk__in=tariff_ids).values_list("name", flat=True)),
            "devices": account.devices_total or 0,
            "links": [],
        }
        links = card["links"]
        if site._registry[Message].has_add_permission(request):
            links.append((gettext("Send message"), reverse("admin:accounts_message_add") + f"?account={account.pk}"))
        if site._registry[DeviceCommand].has_add_permission(request):
            links.append(
                (gettext("Send command"), reverse("admin:accounts_devicecommand_add") + f"?account={account.pk}")
            )
        if site._registry[Message].has_view_permission(request):
            links.append(
                (
                    gettext("Messages"),
                    reverse("admin:accounts_message_changelist") + f"?account__id__exact={account.pk}",
                )
            )
        log_admin = site._registry.get(CustomerActionLog)
        if log_admin is not None and log_admin.has_view_permission(request):
            links.append(
                (
                    gettext("Action log"),
                    reverse("admin:accounts_customeractionlog_changelist") + f"?account__id__exact={account.pk}",
                )
            )
        return card


# --- devices and sessions ------------------------------------------------------------------
@admin.register(AccountDevice)
class AccountDeviceAdmin(CsvExportMixin, SummaryStatsMixin, OperatorScopedAdmin):
    client_from = "account"
    actions = ("export_csv",)
    csv_filename = "devices"
    csv_columns = (
        ("id", "pk"),
        ("device_uid", "device_uid"),
        ("abonement", "account.abonement"),
        ("device_type", "play_device"),
        ("serial_number", "serial_number"),
        ("brand_name", "brand_name"),
        ("device_model", "device_model"),
        ("app_build_version", "app_build_version"),
        ("is_basic", "is_basic"),
        ("enabled", "enabled"),
        ("last_active", "last_active"),
        ("created_at", "created_at"),
    )
    ordering = ("-last_active", "-pk")  # a stable order for the pages
    dealer_field = "account__customer__dealer"
    list_display = (
        "device_uid",
        "account",
        "play_device",
        "brand_name",
        "device_model",
        "is_basic",
        "enabled",
        "online_badge",
        "last_active",
        "created_at",
    )
    list_filter = ("play_device", "enabled", "is_basic", DeviceOnlineFilter, ("created_at", DateRangeFilter))
    search_fields = ("device_uid", "serial_number", "account__abonement", "brand_name", "device_model")
    autocomplete_fields = ("account",)
    readonly_fields = ("last_active", "created_at")
    fields = (
        "account",
        "device_uid",
        "play_device",
        "serial_number",
        "brand_name",
        "device_model",
        "diagonal",
        "app_build_version",
        "is_basic",
        "enabled",
        "reset_settings",
        "last_active",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest):
        since = online_since()
        return (
            super()
            .get_queryset(request)
            .select_related("account", "play_device")
            .annotate(
                is_online=Exists(
                    Session.objects.filter(device=OuterRef("pk"), last_active__gte=since, expires_at__gt=timezone.now())
                )
            )
        )

    @admin.display(description=_("online"), ordering="is_online")
    def online_badge(self, obj: AccountDevice) -> str:
        since = online_since()
        online = obj.is_online or bool(obj.last_active and obj.last_active >= since)
        css, label = ("online", gettext("Online")) if online else ("offline", gettext("Offline"))
        return format_html('<span class="smarty-badge smarty-badge-{}">{}</span>', css, label)

    def stats_active_q(self) -> Q:
        return Q(enabled=True)

    def stats_online_q(self, since: dt.datetime) -> Q:
        return Q(last_active__gte=since) | _online_sessions(since)

    def save_model(self, request, obj, form, change):
        device_save(obj, changed=form.changed_data if change else None, user=admin_user(request))

    def delete_model(self, request, obj):
        account_services.account_device_delete(device=obj, source=ADMIN, user=admin_user(request))

    def delete_queryset(self, request, queryset):
        for device in queryset:
            self.delete_model(request, device)


@admin.register(Session)
class SessionAdmin(OperatorScopedAdmin):
    list_display = ("account", "play_device", "ip_address", "lang", "created_at", "last_active", "expires_at")
    list_filter = ("play_device", ("last_active", DateRangeFilter))
    search_fields = ("account__abonement", "ip_address", "=authkey")
    actions = ("terminate",)
    readonly_fields = (
        "account",
        "device",
        "play_device",
        "ip_address",
        "user_agent",
        "lang",
        "created_at",
        "last_active",
    )
    exclude = ("authkey",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("account", "play_device")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("End the selected sessions"), permissions=["delete"])
    def terminate(self, request: HttpRequest, queryset) -> None:
        count = account_services.sessions_delete(sessions=queryset)
        self.message_user(request, gettext("%(count)d sessions ended.") % {"count": count}, messages.SUCCESS)

    def delete_model(self, request, obj):
        account_services.sessions_delete(sessions=Session.objects.filter(pk=obj.pk))


# --- customer action log -------------------------------------------------------------------
@admin.register(CustomerActionLog)
class CustomerActionLogAdmin(OperatorScopedAdmin):
    list_display = ("created_at", "customer", "account", "source", "action", "details_short", "user")
    list_filter = ("source", "action", ("created_at", DateRangeFilter))
    search_fields = ("customer__lastname", "customer__firstname", "account__abonement", "action", "user")

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in ("account__id__exact", "customer__id__exact") or super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("customer", "account")

    @admin.display(description=_("details"))
    def details_short(self, obj: CustomerActionLog) -> str:
        return Truncator(", ".join(f"{k}={v}" for k, v in (obj.details or {}).items())).chars(100)

    def has_module_permission(self, request):
        return settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


# Messages, commands and bulk mail live in their own module (registered on import).
from . import admin_messages  # noqa: E402


@admin.register(ProfileType)
class ProfileTypeAdmin(OperatorScopedAdmin):
    """Kinds of account profiles devices offer (profile/list)."""

    list_display = ("name", "is_default", "show_adult_content", "sort_order")
    search_fields = ("name",)
