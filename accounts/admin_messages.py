"""Subscribers section, messages and commands to devices (seed 3.2.8.4) and bulk mail with
$firstname/$lastname (3.2.8.4.1). Imported by accounts/admin.py."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smarty.admin import DateRangeFilter, OperatorScopedAdmin, current_client_id
from tariffs.models import Tariff

from .invalidation import accounts_changed
from .models import DeviceCommand, Message
from .selectors import message_bulk_recipients
from .services import messages as services


class BulkMessageForm(forms.Form):
    subject = forms.CharField(label=_("subject"), max_length=255, required=False)
    text = forms.CharField(
        label=_("text"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        help_text=_("$firstname and $lastname are replaced with each subscriber's names."),
    )
    urgent = forms.BooleanField(label=_("urgent"), required=False)
    no_confirmation = forms.BooleanField(label=_("no confirmation"), required=False)
    active_from = forms.DateField(
        label=_("last activity from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    active_to = forms.DateField(
        label=_("last activity to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tariffs = forms.ModelMultipleChoiceField(
        label=_("tariff packages"),
        queryset=Tariff.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None selected: any package."),
    )
    only_active = forms.BooleanField(label=_("active accounts only"), required=False, initial=True)

    def __init__(self, *args, client_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tariffs"].queryset = Tariff.objects.filter(client_id=client_id).order_by("sort_order", "id")

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("active_from"), cleaned.get("active_to")
        if start and end and start > end:
            self.add_error("active_to", gettext("The end of the period is before its start."))
        return cleaned


class MessageAdminForm(forms.ModelForm):
    class Meta:
        model = Message
        fields = ("account", "subject", "text", "urgent", "no_confirmation")


@admin.register(Message)
class MessageAdmin(OperatorScopedAdmin):
    form = MessageAdminForm
    client_from = "account"
    list_display = ("created_at", "account", "subject", "text_excerpt", "urgent", "is_read", "is_deleted")
    list_filter = ("urgent", "is_read", "is_deleted", ("created_at", DateRangeFilter))
    search_fields = ("account__abonement", "subject", "text")
    autocomplete_fields = ("account",)
    date_hierarchy = None

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("account")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["account", "subject", "text", "urgent", "no_confirmation"]
        return [
            "account",
            "uuid",
            "subject",
            "text",
            "urgent",
            "no_confirmation",
            "is_read",
            "is_deleted",
            "created_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def lookup_allowed(self, lookup, value, request=None):
        if lookup == "account__customer__id__exact":
            return True
        return super().lookup_allowed(lookup, value, request)

    def rows_changed(self, objs) -> None:
        accounts_changed(*sorted({obj.account_id for obj in objs}))

    @admin.display(description=_("text"))
    def text_excerpt(self, obj: Message) -> str:
        return Truncator(obj.text).chars(80)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        saved = services.message_create(
            account=obj.account,
            subject=obj.subject,
            text=obj.text,
            urgent=obj.urgent,
            no_confirmation=obj.no_confirmation,
        )
        obj.pk, obj.uuid, obj.client_id = saved.pk, saved.uuid, saved.client_id
        obj._state.adding = False

    def get_urls(self) -> list:
        return [
            path("bulk/", self.admin_site.admin_view(self.bulk_view), name="accounts_message_bulk"),
            *super().get_urls(),
        ]

    def get_list_tools(self, request, cl):
        tools = super().get_list_tools(request, cl)
        if self.has_add_permission(request):
            tools.append({"url": reverse("admin:accounts_message_bulk"), "label": gettext("Bulk mail"), "css": "bulk"})
        return tools

    def bulk_view(self, request: HttpRequest) -> HttpResponse:
        """Bulk mail (seed 3.2.8.4.1): criteria, a preview of the recipients, then one message
        per account with $firstname/$lastname substituted."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        client_id = current_client_id(request)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Bulk mail"),
            "opts": self.opts,
            "has_view_permission": self.has_view_permission(request),
        }
        if not client_id or client_id < 0:
            context["need_operator"] = True
            return TemplateResponse(request, "admin/accounts/message/bulk.html", context)
        form = BulkMessageForm(request.POST or None, client_id=client_id)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            recipients = message_bulk_recipients(
                client_id=client_id,
                active_from=data["active_from"],
                active_to=data["active_to"],
                tariff_ids=[t.pk for t in data["tariffs"]],
                only_active=data["only_active"],
            )
            if "_send" in request.POST:
                count = services.message_bulk_create(
                    accounts=recipients,
                    subject=data["subject"],
                    text=data["text"],
                    urgent=data["urgent"],
                    no_confirmation=data["no_confirmation"],
                )
                self.message_user(request, gettext("%(count)d messages created.") % {"count": count}, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:accounts_message_changelist"))
            context["recipients_count"] = recipients.count()
            sample = recipients.first()
            if sample is not None:
                context["sample"] = {
                    "account": sample,
                    "subject": services.message_substitute(data["subject"], sample.customer),
                    "text": services.message_substitute(data["text"], sample.customer),
                }
        return TemplateResponse(request, "admin/accounts/message/bulk.html", context)


#: account/status `command.type` values offered by the admin (reference: tvmw/Account.md).
COMMAND_CHOICES = (
    (str(int(services.CommandType.RESTART_APP)), _("restart the application")),
    (str(int(services.CommandType.REBOOT_DEVICE)), _("reboot the device")),
    (str(int(services.CommandType.OTHER)), _("other command")),
)


class DeviceCommandForm(forms.ModelForm):
    type = forms.ChoiceField(label=_("command"), choices=COMMAND_CHOICES)

    class Meta:
        model = DeviceCommand
        fields = ("account", "device", "type", "user_confirmation", "accompanying_text", "deep_link", "image_url")

    def clean(self) -> dict:
        cleaned = super().clean()
        account, device = cleaned.get("account"), cleaned.get("device")
        if account and device and device.account_id != account.pk:
            self.add_error("device", gettext("The device is not registered to this account."))
        return cleaned


@admin.register(DeviceCommand)
class DeviceCommandAdmin(OperatorScopedAdmin):
    form = DeviceCommandForm
    client_from = "account"
    list_display = ("created_at", "account", "device", "command_name", "user_confirmation", "delivered_at")
    list_filter = ("type", ("created_at", DateRangeFilter))
    search_fields = ("account__abonement", "device__device_uid")
    autocomplete_fields = ("account", "device")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("account", "device")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("account", "device", "type", "user_confirmation", "accompanying_text", "deep_link", "image_url")

    def rows_changed(self, objs) -> None:
        accounts_changed(*sorted({obj.account_id for obj in objs}))

    @admin.display(description=_("command"), ordering="type")
    def command_name(self, obj: DeviceCommand) -> str:
        return str(dict(COMMAND_CHOICES).get(obj.type, obj.type))

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        saved = services.command_create(
            account=obj.account,
            device=obj.device,
            type=obj.type,
            user_confirmation=obj.user_confirmation,
            deep_link=obj.deep_link,
            accompanying_text=obj.accompanying_text,
            image_url=obj.image_url,
        )
        obj.pk, obj.client_id = saved.pk, saved.client_id
        obj._state.adding = False
