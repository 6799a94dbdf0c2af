"""Content settings, video library (seed 3.2.7.4-3.2.7.5): genres (ordered, with their maps),
videos with seasons, episodes, assets and credits inline, people, providers, price
categories, selections (ordered, with their items), seances with tickets, banners and
programme blocking. Posters and screenshots are uploaded here (vod.images checks them and
writes the sized copies); each video shows the tariffs it is visible in."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from smarty.admin import OperatorScopedAdmin, OperatorScopedInline, SortOrderAdminMixin, current_client_id

from . import images, imports, selectors, services, tasks
from .models import (
    Actor,
    Episode,
    PriceCategory,
    ProgramBlocking,
    Seance,
    SeanceTicket,
    Season,
    Selection,
    SelectionItem,
    SkipVideoFragment,
    TargetBanner,
    Video,
    VideoActor,
    VideoFile,
    VideoGenre,
    VideoGenreMap,
    VideoProvider,
)


def _langs(*names: str) -> tuple[str, ...]:
    return tuple(f"{n}_lang{i}" for n in names for i in range(1, 6))


NAME_TRANSLATIONS = _langs("name")
DESCRIPTION_TRANSLATIONS = _langs("description")


class ImageUploadForm(forms.ModelForm):
    """Adds file fields for the images of a row; each upload replaces the stored value."""

    uploads: dict[str, str] = {}  # form field -> (model field); kind from `upload_kinds`
    upload_kinds: dict[str, str] = {}

    def clean(self) -> dict:
        data = super().clean()
        for field_name, target in self.uploads.items():
            upload = data.get(field_name)
            if not upload:
                continue
            client_id = getattr(self.instance, "client_id", None) or getattr(self, "smarty_client_id", None)
            if not client_id and data.get("client") is not None:
                client_id = data["client"].pk
            if not client_id:
                self.add_error(field_name, _("Choose the operator first."))
                continue
            try:
                stored = images.image_store(client_id=client_id, kind=self.upload_kinds[field_name], data=upload.read())
            except images.ImageError as exc:
                self.add_error(field_name, str(exc))
                continue
            setattr(self.instance, target, stored)
            data[target] = stored
        return data


class VideoForm(ImageUploadForm):
    poster_upload = forms.FileField(required=False, label=_("Upload a poster"))
    screenshot_upload = forms.FileField(required=False, label=_("Upload a screenshot"))
    uploads = {"poster_upload": "poster", "screenshot_upload": "screenshot"}
    upload_kinds = {"poster_upload": "poster", "screenshot_upload": "screenshot"}

    class Meta:
        model = Video
        fields = "__all__"


class VideoImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or JSON file"), help_text=_("UTF-8; the columns are listed below and in the sample files.")
    )


class ActorForm(ImageUploadForm):
    photo_upload = forms.FileField(required=False, label=_("Upload a photo"))
    uploads = {"photo_upload": "photo"}
    upload_kinds = {"photo_upload": "photo"}

    class Meta:
        model = Actor
        fields = "__all__"


def form_attrs(form: forms.ModelForm, model: type[models.Model]) -> dict[str, Any]:
    """The form's values as the services' `attrs`: plain fields by name, foreign keys as
    `<name>_id`; many-to-many fields and the operator are left to the caller."""
    editable = services.editable_fields(model)
    attrs: dict[str, Any] = {}
    for name in form.fields:
        if name not in form.cleaned_data:
            continue
        value = form.cleaned_data[name]
        if name in editable:
            attrs[name] = value
        elif f"{name}_id" in editable:
            attrs[f"{name}_id"] = value.pk if value is not None else None
    return attrs


def _ids(form: forms.ModelForm, name: str) -> list[int] | None:
    if name not in form.fields or name not in form.cleaned_data:
        return None
    return [obj.pk for obj in form.cleaned_data[name]]


def _adopt(obj: models.Model, saved: models.Model) -> None:
    """Make the admin's unsaved `obj` the row a service saved (the admin redirects to it and
    saves its inlines against it)."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding, obj._state.db = False, saved._state.db


class ServiceInlineSaving:
    """Inline rows saved through vod.services: `inline_services[model]` is (create, modify,
    delete), called as create(parent=..., form=..., attrs=...), modify(obj=..., attrs=...),
    delete(obj=...)."""

    inline_services: dict[type[models.Model], tuple[Callable, Callable, Callable]] = {}

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        found = self.inline_services.get(formset.model)
        if found is None:
            return super().save_formset(request, form, formset, change)
        create, modify, delete = found
        for inline in formset.deleted_forms:
            if inline.instance.pk is not None:
                delete(obj=inline.instance)
        for inline in formset.forms:
            if inline in formset.deleted_forms or not inline.has_changed():
                continue
            attrs = form_attrs(inline, formset.model)
            attrs.pop(f"{formset.fk.name}_id", None)
            if inline.instance.pk is None:
                create(parent=formset.instance, form=inline, attrs=attrs)
            else:
                modify(obj=inline.instance, attrs=attrs)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def _season_create(*, parent: Video, form, attrs: dict) -> None:
    services.season_create(video=parent, name=attrs.pop("name", ""), attrs=attrs)


def _episode_create(*, parent: Video, form, attrs: dict) -> None:
    season = form.cleaned_data.get("season")
    attrs.pop("season_id", None)
    services.episode_create(video=parent, season=season, name=attrs.pop("name", ""), attrs=attrs)


def _file_create(*, parent: Video, form, attrs: dict) -> None:
    episode = form.cleaned_data.get("episode")
    attrs.pop("episode_id", None)
    services.video_file_create(video=parent, episode=episode, attrs=attrs)


def _file_modify(*, obj: VideoFile, attrs: dict) -> None:
    services.video_file_modify(video_file=obj, attrs=attrs)


def _credit_create(*, parent: Video, form, attrs: dict) -> None:
    services.video_credit_save(
        video=parent, actor_id=attrs["actor_id"], role=attrs.get("role", ""), sort_order=attrs.get("sort_order", 0)
    )


def _credit_modify(*, obj: VideoActor, attrs: dict) -> None:
    services.video_credit_save(
        video=obj.video,
        actor_id=attrs.get("actor_id", obj.actor_id),
        role=attrs.get("role", obj.role),
        sort_order=attrs.get("sort_order", obj.sort_order),
        credit=obj,
    )


class VideoGenreMapInline(OperatorScopedInline):
    model = VideoGenreMap
    fields = ("source", "external_name")


@admin.register(VideoGenre)
class VideoGenreAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    list_display = ("name", "is_category", "id")
    list_display_links = ("name",)
    list_filter = ("is_category",)
    search_fields = ("name",)
    inlines = [VideoGenreMapInline]
    fieldsets = (
        (None, {"fields": ("client", "name", "is_category", "ext_id", "icon", "icon_tv", "dashboard_icon")}),
        (_("Translations"), {"classes": ("collapse",), "fields": NAME_TRANSLATIONS}),
    )


class SeasonInline(OperatorScopedInline):
    model = Season
    fields = ("name", "number", "ext_id", "sort_order")


class EpisodeInline(OperatorScopedInline):
    model = Episode
    fields = ("season", "name", "number", "duration", "is_free", "is_planned", "ext_id", "sort_order")


class VideoFileInline(OperatorScopedInline):
    model = VideoFile
    fields = (
        "episode",
        "name",
        "filename",
        "format",
        "quality",
        "duration",
        "is_trailer",
        "drm",
        "ext_id",
        "sort_order",
    )


class VideoActorInline(admin.TabularInline):
    model = VideoActor
    extra = 0
    fields = ("actor", "role", "sort_order")
    autocomplete_fields = ("actor",)


@admin.register(Video)
class VideoAdmin(ServiceInlineSaving, OperatorScopedAdmin):
    """Videos with seasons, episodes, assets and credits inline; every row is saved through
    vod.services (the same doors as the Content API)."""

    form = VideoForm
    inline_services = {
        Season: (
            _season_create,
            lambda *, obj, attrs: services.season_modify(season=obj, attrs=attrs),
            lambda *, obj: services.season_delete(season=obj),
        ),
        Episode: (
            _episode_create,
            lambda *, obj, attrs: services.episode_modify(episode=obj, attrs=attrs),
            lambda *, obj: services.episode_delete(episode=obj),
        ),
        VideoFile: (_file_create, _file_modify, lambda *, obj: services.video_file_delete(video_file=obj)),
        VideoActor: (_credit_create, _credit_modify, lambda *, obj: services.video_credit_delete(credit=obj)),
    }
    relations = {
        "genres": "genre_ids",
        "tariffs": "tariff_ids",
        "stream_services": "stream_service_ids",
        "similar": "similar_ids",
        "package_videos": "package_ids",
    }
    list_display = ("name", "year", "ext_id", "video_source", "enabled", "created_at", "id")
    list_display_links = ("name",)
    list_filter = ("enabled", "video_source", "is_season", "genres", "tariffs", "provider")
    search_fields = ("name", "name_orig", "ext_id", *NAME_TRANSLATIONS)
    filter_horizontal = ("genres", "tariffs", "stream_services", "similar", "package_videos")
    readonly_fields = ("visible_in",)
    inlines = [SeasonInline, EpisodeInline, VideoFileInline, VideoActorInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "client",
                    "name",
                    "name_orig",
                    "ext_id",
                    "year",
                    "countries",
                    "language",
                    "duration",
                    "description",
                    "short_description",
                    "enabled",
                    "sort_order",
                )
            },
        ),
        (
            _("Catalogue"),
            {
                "fields": (
                    "genres",
                    "genres_kinopoisk",
                    "provider",
                    "price_category",
                    "age_rating",
                    "parent_control",
                    "is_season",
                    "is_announcement",
                    "video_source",
                    "uri",
                    "similar",
                    "package_videos",
                    "meta",
                )
            },
        ),
        (_("Ratings"), {"fields": ("kinopoisk_id", "kinopoisk_rating", "imdb_rating", "average_customers_rating")}),
        (
            _("Images"),
            {
                "fields": (
                    "poster",
                    "poster_upload",
                    "screenshot",
                    "screenshot_upload",
                    "logo",
                    "ad_banner",
                    "vertical_poster",
                    "horizontal_poster",
                )
            },
        ),
        (
            _("Visibility"),
            {
                "fields": (
                    "visible_in",
                    "tariffs",
                    "stream_services",
                    "available_everywhere",
                    "available_on",
                    "premiere_date",
                    "published_from",
                    "published_to",
                )
            },
        ),
        (
            _("Translations"),
            {
                "classes": ("collapse",),
                "fields": NAME_TRANSLATIONS
                + DESCRIPTION_TRANSLATIONS
                + _langs("short_description", "countries", "language", "poster", "horizontal_poster"),
            },
        ),
    )

    # --- bulk import (vod.imports; docs/vod.md "Bulk import") ---------------------------------

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="vod_video_import"),
            path("import/sample.<str:fmt>", view(self.import_sample_view), name="vod_video_import_sample"),
            path("import/<str:import_id>/", view(self.import_progress_view), name="vod_video_import_progress"),
            path("import/<str:import_id>/status/", view(self.import_status_view), name="vod_video_import_status"),
            *super().get_urls(),
        ]

    def get_list_tools(self, request: HttpRequest, cl) -> list[dict]:
        tools = list(super().get_list_tools(request, cl))
        if self.has_add_permission(request):
            tools.append({"url": reverse("admin:vod_video_import"), "label": gettext("Import videos"), "css": "import"})
        return tools

    def _import_client_id(self, request: HttpRequest) -> int | None:
        if not self.has_add_permission(request):
            raise PermissionDenied
        client_id = current_client_id(request)
        return client_id if client_id and client_id > 0 else None

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV or JSON file of videos; the run is queued and its page follows it."""
        client_id = self._import_client_id(request)
        form = VideoImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and client_id is None:
            messages.error(request, gettext("Choose an operator in the header selector first."))
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                rows = imports.parse_file(name=upload.name or "", data=upload.read())
            except imports.ImportFileError as exc:
                form.add_error("file", str(exc))
            else:
                import_id = imports.video_import_start(client=client_id, name=upload.name or "", rows=rows)
                tasks.import_videos_enqueue(client_id=client_id, import_id=import_id)
                return HttpResponseRedirect(reverse("admin:vod_video_import_progress", args=[import_id]))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import videos from a CSV or JSON file"),
            "opts": self.opts,
            "form": form,
            "client_id": client_id,
            "columns": imports.COLUMNS,
            "max_rows": settings.SMARTY_VOD_IMPORT_MAX_ROWS,
        }
        return TemplateResponse(request, "admin/vod/video/import.html", context)

    def import_sample_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        """A sample file with the documented columns (two videos: a film and a series)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if fmt == "json":
            body = json.dumps(imports.SAMPLE_ROWS, ensure_ascii=False, indent=2)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
        elif fmt == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            writer = csv.writer(response)
            columns = [c for c in imports.COLUMNS if c not in ("seasons", "episodes")]
            writer.writerow(columns)
            film = imports.SAMPLE_ROWS[0]
            writer.writerow(
                [
                    "|".join(f["filename"] for f in film["files"])
                    if c == "files"
                    else ("" if isinstance(film.get(c), list) else film.get(c, ""))
                    for c in columns
                ]
            )
        else:
            raise Http404(gettext("No such object."))
        response["Content-Disposition"] = f'attachment; filename="videos-sample.{fmt}"'
        return response

    def _import_state(self, request: HttpRequest, import_id: str) -> dict:
        client_id = self._import_client_id(request)
        state = imports.video_import_get(client_id=client_id, import_id=import_id) if client_id else None
        if state is None:
            raise Http404(gettext("No such import (or its report has expired)."))
        return state

    def import_progress_view(self, request: HttpRequest, import_id: str) -> HttpResponse:
        state = self._import_state(request, import_id)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import of %(file)s") % {"file": state["file"] or import_id},
            "opts": self.opts,
            "state": state,
            "status_url": reverse("admin:vod_video_import_status", args=[import_id]),
        }
        return TemplateResponse(request, "admin/vod/video/import_progress.html", context)

    def import_status_view(self, request: HttpRequest, import_id: str) -> JsonResponse:
        """The import's progress and report as JSON (the progress page polls it)."""
        state = self._import_state(request, import_id)
        return JsonResponse(
            {
                **{k: state[k] for k in ("id", "file", "status", "total", "done")},
                "counts": {k: len(state[k]) for k in ("created", "updated", "refused")},
                "created": state["created"],
                "updated": state["updated"],
                "refused": state["refused"],
            }
        )

    def save_model(self, request: HttpRequest, obj: Video, form, change: bool) -> None:
        attrs = form_attrs(form, Video)
        relations = {key: _ids(form, name) for name, key in self.relations.items()}
        # The form checked the fields and offered only the operator's rows to choose from.
        if change:
            services.video_modify(video=obj, attrs=attrs, **relations)
        else:
            name = attrs.pop("name")
            _adopt(obj, services.video_create(client=obj.client_id, name=name, attrs=attrs, **relations))

    def delete_model(self, request: HttpRequest, obj: Video) -> None:
        services.video_delete(video=obj)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # The many-to-many fields were set by the service in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.display(description=_("Visible in tariffs"))
    def visible_in(self, obj: Video) -> str:
        if obj is None or obj.pk is None:
            return "-"
        tariffs = selectors.visible_tariffs_of_video(video=obj)
        if not tariffs:
            return str(_("No tariff: only buyers see it (or everyone, when its price category is free)."))
        return format_html_join(", ", "{} (#{})", ((t.name, t.pk) for t in tariffs))


@admin.register(Actor)
class ActorAdmin(OperatorScopedAdmin):
    form = ActorForm

    def save_model(self, request: HttpRequest, obj: Actor, form, change: bool) -> None:
        attrs = form_attrs(form, Actor)
        if change:
            services.actor_modify(actor=obj, attrs=attrs)
        else:
            _adopt(obj, services.actor_create(client=obj.client_id, name=attrs.pop("name"), attrs=attrs))

    def delete_model(self, request: HttpRequest, obj: Actor) -> None:
        services.actor_delete(actor=obj)

    list_display = ("name", "type", "country", "birthdate", "id")
    list_display_links = ("name",)
    list_filter = ("type", "gender")
    search_fields = ("name", "name_orig", *NAME_TRANSLATIONS)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "client",
                    "name",
                    "name_orig",
                    "type",
                    "gender",
                    "birthdate",
                    "country",
                    "profession",
                    "biography",
                    "movie_db_id",
                    "photo",
                    "photo_upload",
                )
            },
        ),
        (
            _("Translations"),
            {"classes": ("collapse",), "fields": NAME_TRANSLATIONS + _langs("country", "profession", "biography")},
        ),
    )


@admin.register(VideoProvider)
class VideoProviderAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    list_display = ("name", "type", "enabled", "id")
    list_display_links = ("name",)
    search_fields = ("name",)


@admin.register(PriceCategory)
class PriceCategoryAdmin(OperatorScopedAdmin):
    list_display = ("name", "type", "price", "rent_hours", "id")
    list_display_links = ("name",)


class SelectionItemInline(admin.TabularInline):
    model = SelectionItem
    extra = 1
    fields = ("object_id", "sort_order")


@admin.register(Selection)
class SelectionAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    list_display = ("name", "content_type", "kind", "is_hidden", "id")
    list_display_links = ("name",)
    list_filter = ("content_type", "kind", "is_hidden")
    search_fields = ("name",)
    inlines = [SelectionItemInline]


class SeanceTicketInline(OperatorScopedInline):
    model = SeanceTicket
    fields = ("code", "account", "revoked_at")
    raw_id_fields = ("account",)


@admin.register(Seance)
class SeanceAdmin(OperatorScopedAdmin):
    list_display = ("video", "date_start", "date_end", "id")
    raw_id_fields = ("video", "video_file")
    inlines = [SeanceTicketInline]


class SkipVideoFragmentInline(OperatorScopedInline):
    model = SkipVideoFragment
    fields = ("type", "begin_time", "end_time")


@admin.register(VideoFile)
class VideoFileAdmin(OperatorScopedAdmin):
    """The assets of the library (seed 3.2.7.5 "Assets"), with their skippable fragments."""

    list_display = ("name", "video", "episode", "quality", "is_trailer", "id")
    list_display_links = ("name",)
    list_filter = ("quality", "is_trailer", "drm")
    search_fields = ("name", "filename", "ext_id", "video__name")
    raw_id_fields = ("video", "episode")
    inlines = [SkipVideoFragmentInline]


@admin.register(TargetBanner)
class TargetBannerAdmin(SortOrderAdminMixin, OperatorScopedAdmin):
    list_display = ("name", "published_from", "published_to", "enabled", "id")
    list_display_links = ("name",)
    list_filter = ("enabled", "for_birthday")
    filter_horizontal = ("tariffs", "cities")
    raw_id_fields = ("accounts",)


@admin.register(ProgramBlocking)
class ProgramBlockingAdmin(OperatorScopedAdmin):
    list_display = ("program", "end_date", "created_at", "id")
    raw_id_fields = ("program",)
