"""Content settings: TV categories and channels with the sort-order arrows and the channel
auto-sort (seed 3.2.7.1-3.2.7.2), radio, cameras."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clients.invalidation import client_content_changed
from clients.models import Client
from epg.models import Program
from smarty.admin import (
    CsvExportMixin,
    OperatorScopedAdmin,
    SortOrderAdminMixin,
    current_client_id,
    related_count,
    scope_choices,
)
from tariffs.models import Tariff

from . import playlist, services
from .models import Camera, CameraCategory, Channel, ChannelCategory, ChannelSort, ProgramReminder, Radio
from .selectors import CHANNEL_ORDERINGS, channel_ordering

TRANSLATIONS = (
    _("Translations"),
    {
        "classes": ("collapse",),
        "fields": ("name_lang1", "name_lang2", "name_lang3", "name_lang4", "name_lang5"),
    },
)


class LiveContentAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    """Live content devices list: the arrows renumber rows with a bulk update, which sends no
    signal, so they bump the operator's content generation themselves (its channel lists)."""

    def rows_changed(self, objs) -> None:
        objs = list(objs)
        super().rows_changed(objs)
        client_content_changed(*sorted({obj.client_id for obj in objs if obj.client_id}))


@admin.register(ChannelCategory)
class ChannelCategoryAdmin(LiveContentAdmin):
    list_display = ("name", "is_adult", "channels_total", "id")
    list_display_links = ("name",)
    list_filter = ("is_adult",)
    search_fields = ("name",)
    fieldsets = ((None, {"fields": ("client", "name", "icon", "is_adult", "sort_order")}), TRANSLATIONS)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(channels_count=related_count(Channel, "category"))

    @admin.display(description=_("channels"), ordering="channels_count")
    def channels_total(self, obj: ChannelCategory) -> int:
        return obj.channels_count or 0


class PlaylistImportForm(forms.Form):
    """A playlist file or pasted text, and the tariff packages the new channels get."""

    file = forms.FileField(label=_("Playlist file (.m3u, .m3u8)"), required=False)
    text = forms.CharField(label=_("or the playlist text"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    tariffs = forms.ModelMultipleChoiceField(
        label=_("Tariff packages of the new channels"), queryset=Tariff.objects.none(), required=False
    )
    MAX_BYTES = 5 * 1024 * 1024

    def __init__(self, *args, request: HttpRequest, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tariffs"].queryset = scope_choices(Tariff.objects.order_by("sort_order", "pk"), request)

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("file")
        text = cleaned.get("text") or ""
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError(gettext("The file is larger than 5 MB."))
            text = upload.read().decode("utf-8", errors="replace")
        if not text.strip():
            raise forms.ValidationError(gettext("Choose a playlist file or paste its text."))
        try:
            cleaned["entries"] = playlist.playlist_parse(text)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc
        cleaned["text"] = text
        return cleaned


class ChannelForm(forms.ModelForm):
    """The channel form with a logo upload: the image is checked and stored with its resized
    copies by channels.services (a typed `icon` stays possible: a URL or a file name)."""

    icon_upload = forms.FileField(
        required=False,
        label=_("Upload a logo"),
        help_text=_("PNG, JPEG, GIF or WebP; stored with every size the devices ask for."),
    )

    class Meta:
        model = Channel
        fields = "__all__"

    def clean_icon(self) -> str:
        value = (self.cleaned_data.get("icon") or "").strip()
        if not services.is_safe_icon_value(value):
            raise ValidationError(gettext("Not an icon file name or URL."))
        return value

    def clean(self) -> dict:
        data = super().clean()
        upload = data.get("icon_upload")
        if not upload:
            return data
        # The uploaded file's name is never used (Django keeps only its last component
        # anyway): the stored name is generated from the operator and the content.
        client_id = self.instance.client_id or (data["client"].pk if data.get("client") else None)
        if not client_id:
            self.add_error("icon_upload", gettext("Choose the operator first."))
            return data
        if upload.size is not None and upload.size > settings.SMARTY_EPG_MAX_ICON_BYTES:
            self.add_error("icon_upload", gettext("The file is too large."))
            return data
        try:
            stored = services.channel_logo_store(client_id=client_id, data=upload.read())
        except services.LogoError as exc:
            self.add_error("icon_upload", gettext("Not an image we accept: %(reason)s") % {"reason": exc})
            return data
        data["icon"] = stored
        self.instance.icon = stored
        return data


@admin.register(Channel)
class ChannelAdmin(CsvExportMixin, LiveContentAdmin):
    form = ChannelForm
    change_list_template = "admin/channels/channel/change_list.html"
    actions = ("export_csv",)
    csv_filename = "channels"
    csv_prefetch = ("tariffs",)
    csv_columns = (
        ("id", "pk"),
        ("name", "name"),
        ("category", "category"),
        ("lcn_number", "lcn_number"),
        ("sort_order", "sort_order"),
        ("enabled", "enabled"),
        ("uri", "uri"),
        ("id_for_stream_service", "id_for_stream_service"),
        ("icon", "icon"),
        ("epg_channel", "epg_channel"),
        ("tariffs", lambda channel: ", ".join(tariff.name for tariff in channel.tariffs.all())),
    )
    list_display = ("name", "category", "lcn_number", "epg_channel", "recording_days", "enabled", "id")
    list_display_links = ("name",)
    list_filter = ("category", "enabled", "tariffs", "stream_services", "parent_control", "show_in_all")
    search_fields = ("name", "=id", "id_for_stream_service", "epg_channel__name")
    filter_horizontal = ("tariffs", "stream_services", "additional_categories")
    list_select_related = ("category", "epg_channel")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "client",
                    "name",
                    "category",
                    "additional_categories",
                    "epg_channel",
                    "icon",
                    "icon_upload",
                    "enabled",
                )
            },
        ),
        (_("Access"), {"fields": ("tariffs", "show_in_all", "parent_control", "display_on_site")}),
        (
            _("Streaming"),
            {
                "fields": (
                    "stream_services",
                    "uri",
                    "url_prefix",
                    "id_for_stream_service",
                    "multicast_address",
                    "secondary_multicast_address",
                    "recording_days",
                    "pause_live_tv_shift",
                    "aspect_ratio",
                )
            },
        ),
        (_("Order"), {"fields": ("lcn_number", "sort_order")}),
        (
            _("Other"),
            {
                "classes": ("collapse",),
                "fields": (
                    "description",
                    "comment",
                    "version",
                    "hbb_channel_pid",
                    "option1",
                    "option2",
                    "option3",
                    "telemeter",
                    "telemeter_account_name",
                    "telemeter_tmsec_name",
                    "telemeter_cat_id",
                    "telemeter_vc_id",
                    "telemeter_vc_version",
                    "mediahills_id",
                    "copyright_holder",
                    "price_category",
                    "meta",
                ),
            },
        ),
        TRANSLATIONS,
    )

    def current_client(self, request: HttpRequest) -> Client | None:
        if not hasattr(request, "_smarty_channel_client"):
            client_id = current_client_id(request)
            request._smarty_channel_client = (
                Client.objects.filter(pk=client_id).first() if client_id and client_id > 0 else None
            )
        return request._smarty_channel_client

    def get_ordering(self, request: HttpRequest):
        return channel_ordering(self.current_client(request))

    def get_list_display(self, request: HttpRequest):
        display = list(super().get_list_display(request))
        client = self.current_client(request)
        if client is None or client.channel_sort != Client.ChannelSort.CUSTOM:
            # The arrows move the custom order, which the list does not show now.
            display = [d for d in display if d != "sort_arrows"]
        return display

    def get_urls(self) -> list:
        return [
            path("auto-sort/", self.admin_site.admin_view(self.auto_sort_view), name="channels_channel_auto_sort"),
            path("import-m3u/", self.admin_site.admin_view(self.import_view), name="channels_channel_import"),
            path("<int:pk>/guide/", self.admin_site.admin_view(self.guide_view), name="channels_channel_guide"),
            *super().get_urls(),
        ]

    def get_list_tools(self, request: HttpRequest, cl) -> list[dict]:
        tools = list(super().get_list_tools(request, cl))
        if self.has_add_permission(request):
            tools.append(
                {"url": reverse("admin:channels_channel_import"), "label": gettext("Import M3U"), "css": "import"}
            )
        return tools

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {})}
        if object_id and str(object_id).isdigit():
            extra_context["guide_url"] = reverse("admin:channels_channel_guide", args=[int(object_id)])
            try:  # the streaming app's page ("Test stream"), where this site has it
                extra_context["probe_url"] = reverse(
                    f"{self.admin_site.name}:streaming_channel_probe", args=[int(object_id)]
                )
            except NoReverseMatch:
                pass
        return super().change_view(request, object_id, form_url, extra_context)

    def guide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The channel's TV guide, one day at a time (?day=YYYY-MM-DD, today by default), the
        programme on air marked; Clear EPG / Force import for those who may change the EPG
        channel (it is shared by the operators that show it)."""
        channel = self.get_object(request, str(pk))
        if channel is None:
            raise Http404(gettext("No such object."))
        if not self.has_view_permission(request, channel):
            raise PermissionDenied
        today = timezone.localdate()
        raw_day = request.GET.get("day", "")
        try:
            day = dt.date.fromisoformat(raw_day) if raw_day else today
        except ValueError:
            messages.error(request, gettext("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw_day})
            day = today
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        end = start + dt.timedelta(days=1)
        now = timezone.now()
        programmes = []
        days = []
        epg_channel = channel.epg_channel
        if epg_channel is not None:
            rows = Program.objects.filter(epg_channel=epg_channel, time_begin__lt=end, time_end__gt=start)
            programmes = [
                {"program": row, "on_air": row.time_begin <= now < row.time_end}
                for row in rows.order_by("time_begin", "pk").only("name", "time_begin", "time_end", "description")
            ]
            window = Program.objects.filter(
                epg_channel=epg_channel,
                time_begin__gte=start - dt.timedelta(days=7),
                time_begin__lt=end + dt.timedelta(days=7),
            )
            with_programmes = {
                timezone.localtime(moment).date() for moment in window.values_list("time_begin", flat=True)
            }
            days = [
                {"day": d, "has": d in with_programmes, "current": d == day}
                for d in (day + dt.timedelta(days=offset) for offset in range(-7, 8))
            ]
        may_change_epg = epg_channel is not None and request.user.has_perm("epg.change_epgchannel")
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("TV guide of %(channel)s") % {"channel": channel.name},
            "opts": self.opts,
            "original": channel,
            "channel": channel,
            "epg_channel": epg_channel,
            "day": day,
            "days": days,
            "programmes": programmes,
            "may_change_epg": may_change_epg,
        }
        return TemplateResponse(request, "admin/channels/channel/guide.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload or paste a playlist, see what it would create (Preview), then Import and
        read the report. Needs an operator: the channels and categories are its."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        client = self.current_client(request)
        form = PlaylistImportForm(request.POST or None, request.FILES or None, request=request)
        report = None
        imported = False
        if request.method == "POST" and client is not None and form.is_valid():
            entries = form.cleaned_data["entries"]
            if "import" in request.POST:
                report = playlist.channels_import_playlist(
                    client=client, entries=entries, tariffs=list(form.cleaned_data["tariffs"])
                )
                imported = True
                client_content_changed(client.pk)
                messages.success(
                    request,
                    gettext("%(created)d channels imported, %(categories)d categories created.")
                    % {"created": report.created, "categories": len(report.categories_created)},
                )
            else:
                report = playlist.playlist_preview(client=client, entries=entries)
                data = request.POST.copy()
                data["text"] = form.cleaned_data["text"]  # an uploaded file is kept for Import
                form = PlaylistImportForm(data, request=request)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import channels from an M3U playlist"),
            "opts": self.opts,
            "form": form,
            "client": client,
            "report": report,
            "imported": imported,
            "statuses": {
                playlist.NEW: gettext("imported") if imported else gettext("new"),
                playlist.EXISTS: gettext("already a channel"),
                playlist.DUPLICATE: gettext("repeated in the playlist"),
                playlist.INVALID: gettext("invalid"),
            },
        }
        return TemplateResponse(request, "admin/channels/channel/import_m3u.html", context)

    def changelist_view(self, request, extra_context=None):
        client = self.current_client(request)
        extra_context = {
            **(extra_context or {}),
            "auto_sort": {
                "url": reverse("admin:channels_channel_auto_sort"),
                "choices": Client.ChannelSort.choices,
                "labels": {
                    Client.ChannelSort.CUSTOM: gettext("Custom sorting"),
                    Client.ChannelSort.AUTO: gettext("Automatically (by EPG number)"),
                    Client.ChannelSort.ID: gettext("By ID"),
                    Client.ChannelSort.NAME: gettext("By title"),
                },
                "current": client.channel_sort if client else None,
                "enabled": client is not None and self.has_change_permission(request),
            },
        }
        return super().changelist_view(request, extra_context)

    def auto_sort_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        client = self.current_client(request)
        mode = request.POST.get("mode", "")
        if client is None:
            messages.error(request, gettext("Choose an operator in the header selector first."))
        elif mode not in CHANNEL_ORDERINGS:
            messages.error(request, gettext("Unknown sort mode."))
        else:
            services.channel_sort_set(client=client, mode=mode)
            messages.success(request, gettext("Channel order changed."))
        return HttpResponseRedirect(reverse("admin:channels_channel_changelist"))


@admin.register(Radio)
class RadioAdmin(LiveContentAdmin):
    list_display = ("name", "uri", "enabled", "id")
    list_display_links = ("name",)
    list_filter = ("enabled", "tariffs")
    search_fields = ("name", "uri")
    filter_horizontal = ("tariffs",)
    fieldsets = (
        (None, {"fields": ("client", "name", "uri", "icon", "tariffs", "enabled", "sort_order")}),
        TRANSLATIONS,
    )


@admin.register(Camera)
class CameraAdmin(LiveContentAdmin):
    list_display = ("name", "city", "category", "account", "enabled", "id")
    list_display_links = ("name",)
    list_filter = ("enabled", "city", "tariffs")
    search_fields = ("name", "city", "category", "account__abonement")
    filter_horizontal = ("tariffs", "stream_services")
    autocomplete_fields = ("account",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "client",
                    "name",
                    "city",
                    "category",
                    "account",
                    "uri",
                    "id_for_stream_service",
                    "stream_services",
                    "tariffs",
                    "epg_channel",
                    "recording_days",
                    "enabled",
                    "sort_order",
                )
            },
        ),
        TRANSLATIONS,
    )


@admin.register(CameraCategory)
class CameraCategoryAdmin(LiveContentAdmin):
    list_display = ("name", "city", "sort_order")
    search_fields = ("name",)


@admin.register(ChannelSort)
class ChannelSortAdmin(LiveContentAdmin):
    """Alternative channel orders offered to devices (channel/sort/list, channel_sort_id)."""

    list_display = ("name", "enabled", "sort_order")
    search_fields = ("name",)


@admin.register(ProgramReminder)
class ProgramReminderAdmin(OperatorScopedAdmin):
    """Subscribers' programme reminders (notification/*): listed and deleted here, set from
    the devices."""

    list_display = ("account", "channel", "program", "program_begin", "timeshift_offset", "created_at")
    list_select_related = ("account", "channel", "program")
    search_fields = ("account__abonement", "channel__name", "program__name")
    raw_id_fields = ("account", "channel", "program")

    @admin.display(description=_("programme start"), ordering="program__time_begin")
    def program_begin(self, obj: ProgramReminder):
        return obj.program.time_begin

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
