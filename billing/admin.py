"""Billing section: financial transactions with combined filters and CSV export (seed
3.2.6.3), promo codes, gateway payments."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import ADMIN, AccountAdmin, CustomerAdmin, admin_user, tariff_diff
from accounts.models import Account, Customer, CustomerActionLog
from accounts.services import accounts as account_services
from accounts.services import customers as customer_services
from smarty.admin import CsvExportMixin, DateRangeFilter, OperatorScopedAdmin, bulk_form_action, scope_choices
from tariffs.models import Tariff

from . import services, subscribers
from .gateways import GatewayConfigError, GatewayError, UnknownGatewayError
from .models import GatewayAccount, Payment, PaymentEvent, PromoActivation, PromoCode, Refund, Transaction
from .payments import RefundInvalidError, payment_refund, refund_refresh


class TransactionKindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return (("payment", _("Payments")), ("charge", _("Charges")))

    def queryset(self, request, queryset):
        if self.value() == "payment":
            return queryset.filter(amount__gt=0)
        if self.value() == "charge":
            return queryset.filter(amount__lt=0)
        return queryset


class TransactionForm(forms.ModelForm):
    class Meta:
        model = Transaction
        fields = ("customer", "amount", "transaction_type", "tariff", "ext_id", "processed", "comment")


@admin.register(Transaction)
class TransactionAdmin(CsvExportMixin, OperatorScopedAdmin):
    form = TransactionForm
    client_from = "customer"
    dealer_field = "customer__dealer"
    list_display = (
        "id",
        "created_at",
        "customer",
        "amount",
        "kind",
        "transaction_type",
        "tariff",
        "processed",
        "ext_id",
        "comment_excerpt",
    )
    list_display_links = ("id", "created_at")
    list_filter = (
        TransactionKindFilter,
        "processed",
        "transaction_type",
        "tariff",
        "customer__dealer",
        ("created_at", DateRangeFilter),
    )
    search_fields = ("=id", "ext_id", "comment", "customer__lastname", "customer__firstname", "customer__ext_id")
    autocomplete_fields = ("customer",)
    actions = ("export_csv",)
    csv_filename = "transactions"
    csv_columns = (
        ("id", "pk"),
        ("created_at", "created_at"),
        ("customer_id", "customer_id"),
        ("customer", lambda t: str(t.customer)),
        ("customer_ext_id", "customer.ext_id"),
        ("amount", "amount"),
        ("transaction_type", "transaction_type"),
        ("tariff", lambda t: t.tariff.name if t.tariff_id else ""),
        ("processed", "processed"),
        ("ext_id", "ext_id"),
        ("comment", "comment"),
    )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("customer", "tariff")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("customer", "amount", "transaction_type", "tariff", "ext_id", "processed", "created_at")

    def get_fields(self, request, obj=None):
        fields = ["customer", "amount", "transaction_type", "tariff", "ext_id", "processed", "comment"]
        return fields + ["created_at"] if obj is not None else fields

    @admin.display(description=_("kind"))
    def kind(self, obj: Transaction) -> str:
        return gettext("payment") if obj.amount > 0 else gettext("charge") if obj.amount < 0 else "—"

    @admin.display(description=_("comment"))
    def comment_excerpt(self, obj: Transaction) -> str:
        return Truncator(obj.comment).chars(60)

    def save_model(self, request, obj, form, change):
        if change:  # a transaction's money never changes; its comment may
            services.transaction_comment_set(row=obj, comment=obj.comment)
            return
        # The Billing API's TransactionCreate: the customer locked, the balance moved and,
        # unless marked processed, the internal billing run (a DEBT account comes back).
        saved = services.transaction_create(
            customer=obj.customer,
            amount=obj.amount,
            comment=obj.comment,
            transaction_type=obj.transaction_type,
            tariff=obj.tariff,
            ext_id=obj.ext_id,
            processed=obj.processed,
            source=Transaction.Source.ADMIN,
            action_source=CustomerActionLog.Source.ADMIN,
            user=request.user.get_username(),
        )
        obj.pk, obj.client_id, obj.created_at = saved.pk, saved.client_id, saved.created_at
        obj.processed = saved.processed
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.transaction_delete(
            client=obj.client,
            row=obj,
            action_source=CustomerActionLog.Source.ADMIN,
            user=request.user.get_username(),
        )

    def delete_queryset(self, request, queryset):
        for row in queryset.select_related("customer", "client"):
            self.delete_model(request, row)


@admin.register(PromoCode)
class PromoCodeAdmin(OperatorScopedAdmin):
    list_display = ("code", "tariff", "amount", "days", "activations", "max_activations", "valid_until", "created_at")
    list_filter = ("tariff", ("valid_until", DateRangeFilter))
    search_fields = ("code",)
    readonly_fields = ("activations", "created_at")


@admin.register(PromoActivation)
class PromoActivationAdmin(OperatorScopedAdmin):
    dealer_field = "customer__dealer"
    list_display = ("created_at", "promo", "customer", "account")
    list_filter = (("created_at", DateRangeFilter),)
    search_fields = ("promo__code", "customer__lastname", "account__abonement")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class _PaymentHistoryInline(admin.TabularInline):
    """Rows of the payment's history, read-only: whoever may see the payment sees them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("billing.view_payment")


class PaymentEventInline(_PaymentHistoryInline):
    """The payment's state changes, oldest first (read-only)."""

    model = PaymentEvent
    fields = ("created_at", "from_status", "to_status", "reason")
    readonly_fields = fields


class RefundInline(_PaymentHistoryInline):
    """The payment's refunds (made with the "Refund" action, read-only here)."""

    model = Refund
    fields = ("created_at", "amount", "status", "gateway_ref", "reason", "error_message", "transaction")
    readonly_fields = fields


def _refund_failure(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc)


@admin.register(Payment)
class PaymentAdmin(CsvExportMixin, OperatorScopedAdmin):
    dealer_field = "customer__dealer"
    inlines = (PaymentEventInline, RefundInline)
    list_display = ("id", "created_at", "customer", "gateway", "amount", "status", "gateway_ref", "transaction")
    list_filter = ("status", "gateway", ("created_at", DateRangeFilter))
    search_fields = ("=id", "gateway_ref", "customer__lastname")
    actions = ("export_csv", "refund_payments")

    @admin.action(description=_("Refund the selected paid payments (what is left of each)"), permissions=["refund"])
    def refund_payments(self, request: HttpRequest, queryset) -> None:
        done = 0
        for payment in queryset:
            try:
                refund = payment_refund(payment=payment, reason=f"admin {request.user.get_username()}")
            except (ValidationError, RefundInvalidError, UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
                self.message_user(
                    request, gettext("Payment %(id)s: %(error)s") % {"id": payment.pk, "error": _refund_failure(exc)},
                    messages.ERROR,
                )  # fmt: skip
                continue
            done += refund.status != Refund.Status.CANCELED
        if done:
            self.message_user(request, gettext("%(count)d refund(s) made or pending.") % {"count": done})

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("billing.add_refund")

    csv_filename = "payments"
    csv_columns = (
        ("id", "pk"),
        ("created_at", "created_at"),
        ("customer_id", "customer_id"),
        ("gateway", "gateway"),
        ("amount", "amount"),
        ("status", "status"),
        ("gateway_ref", "gateway_ref"),
        ("transaction_id", "transaction_id"),
    )

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("customer")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- subscribers: the customer and account cards save through billing.subscribers ----------
# The cards are the accounts app's (accounts/admin.py); billing registers them, because giving a
# customer or an account tariffs is billing's step: the same charge as the Billing API's.


class BulkTariffForm(forms.Form):
    """The tariff package a bulk action gives or takes (the current operator's)."""

    tariff = forms.ModelChoiceField(label=_("Tariff package"), queryset=Tariff.objects.none())

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        tariffs = Tariff.objects.order_by("client_id", "sort_order", "pk")
        self.fields["tariff"].queryset = scope_choices(tariffs, request)


def _same_operator(row, tariff: Tariff) -> None:
    if tariff.client_id != row.client_id:
        raise ValidationError(gettext("the tariff belongs to another operator"))


class BulkTariffActions:
    """Assign / remove a tariff package on the selected rows through billing.subscribers (the
    same door, action log and charge as the card and the Billing API)."""

    assign_service = None
    remove_service = None
    row_argument = ""

    def _bulk_tariff(self, request, queryset, *, service, title: str):
        user = admin_user(request)

        def perform(row, data) -> bool:
            _same_operator(row, data["tariff"])
            return bool(service(**{self.row_argument: row}, tariffs=[data["tariff"]], source=ADMIN, user=user))

        return bulk_form_action(
            self,
            request,
            queryset,
            form_class=BulkTariffForm,
            form_kwargs={"request": request},
            title=title,
            perform=perform,
        )

    @admin.action(description=_("Assign a tariff package to the selected rows"), permissions=["change"])
    def assign_tariff(self, request, queryset):
        return self._bulk_tariff(
            request, queryset, service=type(self).assign_service, title=gettext("Assign a tariff package")
        )

    @admin.action(description=_("Remove a tariff package from the selected rows"), permissions=["change"])
    def remove_tariff(self, request, queryset):
        return self._bulk_tariff(
            request, queryset, service=type(self).remove_service, title=gettext("Remove a tariff package")
        )


@admin.register(Customer)
class SubscriberCustomerAdmin(BulkTariffActions, CustomerAdmin):
    actions = (*CustomerAdmin.actions, "assign_tariff", "remove_tariff")
    assign_service = staticmethod(subscribers.customer_tariff_assign)
    remove_service = staticmethod(subscribers.customer_tariff_remove)
    row_argument = "customer"

    def save_model(self, request, obj, form, change):
        """The Billing API's CustomerCreate/CustomerModify and tariff assignment: the same
        services, the same action log and the same charge."""
        self.assign_owner(request, obj, change)
        fields = [n for n in form.changed_data if n in customer_services.CUSTOMER_FIELDS]
        data = {name: getattr(obj, name) for name in fields}
        tariffs = form.cleaned_data.get("tariffs") if "tariffs" in form.cleaned_data else None
        user = admin_user(request)
        if not change:
            data = {n: getattr(obj, n) for n in customer_services.CUSTOMER_FIELDS}
            saved = subscribers.customer_create(
                client=obj.client,
                data=data,
                tariffs=list(tariffs or ()),
                assign_default_tariffs=False,
                source=ADMIN,
                user=user,
            )
            obj.pk, obj.created_at, obj.updated_at = saved.pk, saved.created_at, saved.updated_at
            obj._state.adding = False
            return
        with transaction.atomic():
            customer_services.customer_modify(customer=obj, data=data, source=ADMIN, user=user)
            if tariffs is not None:
                added, removed = tariff_diff(set(obj.tariffs.values_list("id", flat=True)), tariffs)
                if removed:
                    subscribers.customer_tariff_remove(
                        customer=obj, tariffs=Tariff.objects.filter(pk__in=removed), source=ADMIN, user=user
                    )
                if added:
                    subscribers.customer_tariff_assign(customer=obj, tariffs=added, source=ADMIN, user=user)


@admin.register(Account)
class SubscriberAccountAdmin(BulkTariffActions, AccountAdmin):
    actions = (*AccountAdmin.actions, "assign_tariff", "remove_tariff")
    assign_service = staticmethod(subscribers.account_tariff_assign)
    remove_service = staticmethod(subscribers.account_tariff_remove)
    row_argument = "account"

    def save_model(self, request, obj, form, change):
        """The Billing API's AccountCreate/AccountModify and tariff assignment: the same
        services, the same action log and the same charge."""
        self.assign_owner(request, obj, change)
        allowed = account_services.ACCOUNT_FIELDS | account_services.ACCOUNT_CARD_FIELDS
        password = form.cleaned_data.get("new_password") or None
        tariffs = form.cleaned_data.get("tariffs") if "tariffs" in form.cleaned_data else None
        user = admin_user(request)
        if not change:
            data = {n: getattr(obj, n) for n in account_services.ACCOUNT_FIELDS}
            saved = subscribers.account_create(
                customer=obj.customer,
                abonement=obj.abonement or None,
                password=password,
                data=data,
                tariffs=list(tariffs or ()),
                source=ADMIN,
                user=user,
            )
            obj.pk, obj.abonement, obj.client_id = saved.pk, saved.abonement, saved.client_id
            obj._state.adding = False
            return
        data = {name: getattr(obj, name) for name in form.changed_data if name in allowed}
        with transaction.atomic():
            account_services.account_modify(account=obj, data=data, password=password, source=ADMIN, user=user)
            if tariffs is not None:
                added, removed = tariff_diff(set(obj.tariffs.values_list("id", flat=True)), tariffs)
                if removed:
                    subscribers.account_tariff_remove(
                        account=obj, tariffs=Tariff.objects.filter(pk__in=removed), source=ADMIN, user=user
                    )
                if added:
                    subscribers.account_tariff_assign(account=obj, tariffs=added, source=ADMIN, user=user)


class GatewayAccountForm(forms.ModelForm):
    """The secret key is write-only: never shown back; left empty, the stored one stays."""

    secret_key = forms.CharField(
        label=_("secret key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored, never shown. Leave empty to keep the current key."),
    )
    api_url = forms.URLField(label=_("API URL"), required=False, assume_scheme="https")
    return_url = forms.URLField(label=_("return URL"), required=False, assume_scheme="https")

    class Meta:
        model = GatewayAccount
        fields = (
            "gateway",
            "enabled",
            "shop_id",
            "secret_key",
            "api_url",
            "return_url",
            "currency",
            "save_cards",
            "vat_code",
        )

    def clean_secret_key(self) -> str:
        value = self.cleaned_data.get("secret_key") or ""
        if not value and self.instance.pk:
            return GatewayAccount.objects.values_list("secret_key", flat=True).get(pk=self.instance.pk)
        return value


@admin.register(GatewayAccount)
class GatewayAccountAdmin(OperatorScopedAdmin):
    """An operator's payment gateway accounts (YooKassa shop id and secret key...)."""

    form = GatewayAccountForm
    list_display = ("gateway", "enabled", "shop_id", "has_secret", "api_url", "created_at")
    list_filter = ("gateway", "enabled")

    @admin.display(description=_("secret key set"), boolean=True)
    def has_secret(self, obj: GatewayAccount) -> bool:
        return bool(obj.secret_key)


@admin.register(Refund)
class RefundAdmin(OperatorScopedAdmin):
    """Refunds of gateway payments: made from the payments list; a pending one can be asked
    again ("Ask the gateway...")."""

    dealer_field = "payment__customer__dealer"
    list_display = ("id", "created_at", "payment", "amount", "status", "gateway_ref", "reason", "transaction")
    list_filter = ("status", ("created_at", DateRangeFilter))
    search_fields = ("=id", "=payment__id", "gateway_ref")
    list_select_related = ("payment",)
    actions = ("refresh_refunds",)

    @admin.action(description=_("Ask the gateway how the selected pending refunds ended"))
    def refresh_refunds(self, request: HttpRequest, queryset) -> None:
        for refund in queryset.filter(status=Refund.Status.PENDING).select_related("payment"):
            try:
                refund_refresh(refund=refund)
            except (UnknownGatewayError, GatewayConfigError, GatewayError) as exc:
                self.message_user(request, f"{refund.pk}: {exc}", messages.ERROR)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
