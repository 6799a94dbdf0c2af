"""The admin site: the seed's navigation sections (3.2.3), the operator selector of the
multiprovider (3.2.1), translated labels, and the Reports section's summary page.

It is installed as Django's default site (smarty.admin_apps.SmartyAdminConfig), so
`django.contrib.admin.site` and every `@admin.register` in the apps use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_access import (
    MODEL_ORDER,
    SECTION_BY_SLUG,
    SECTIONS,
    SESSION_CLIENT_KEY,
    current_client_id,
    model_label,
    section_of,
    user_role,
)


@dataclass
class AdminHooks:
    """What the admin site needs from the domain apps, filled in by their AppConfig.ready()
    (the core imports no domain app, docs/architecture.md): the operator model (clients) and
    the summary report's figures for one operator or all, None (billing)."""

    operator_model: type[models.Model] | None = None
    summary_report: Callable[[int | None], dict] | None = None


HOOKS = AdminHooks()

_OBJECT_URL = re.compile(r"^(?P<list>.*/admin/[\w-]+/[\w-]+/)[^/]+/(change|delete|history)/")


#: The admin's names of models where the seed's guide names them differently from the model.
MODEL_NAMES = {
    "clients.client": (_("operator (Client ID)"), _("operators (Client ID)")),
    "clients.clientplaydevice": (_("device settings"), _("STB settings and applications")),
    "clients.playdevice": (_("device type"), _("device types")),
    "clients.playdevicetemplate": (_("portal template"), _("portal templates")),
    "accounts.customer": (_("subscriber"), _("subscribers")),
    "accounts.accountdevice": (_("device"), _("devices")),
    "accounts.devicecommand": (_("command"), _("commands to devices")),
    "accounts.customeractionlog": (_("subscriber action"), _("subscriber actions")),
    # "Active sessions" is the monitoring page of who is online now; this list is every session.
    "accounts.session": (_("session"), _("sessions")),
    "tariffs.tariff": (_("tariff package"), _("tariff packages")),
    "billing.transaction": (_("financial transaction"), _("financial transactions")),
    "channels.channelcategory": (_("TV category"), _("TV categories")),
    "channels.radio": (_("radio station"), _("radio")),
    "vod.videogenre": (_("VOD genre"), _("VOD genres")),
    "vod.video": (_("movie"), _("movies")),
    "monitoring.viewevent": (_("viewing record"), _("viewing statistics")),
}


def _msgid(value: object) -> str:
    with translation.override(None):  # the untranslated text, whatever the active language
        return str(value)


def translate_model_labels(model) -> None:
    """Route a model's and its fields' verbose names through gettext (lazily), so the admin
    shows them in the interface language, under the guide's names (MODEL_NAMES). Only the
    runtime labels change: migrations read the names given in the model definition."""
    opts = model._meta
    names = MODEL_NAMES.get(opts.label_lower)
    if names:
        opts.verbose_name, opts.verbose_name_plural = names
    for attr in ("verbose_name", "verbose_name_plural"):
        value = getattr(opts, attr)
        if value:
            setattr(opts, attr, _(_msgid(value)))
    for field in opts.get_fields():
        if getattr(field, "auto_created", False):
            continue
        value = getattr(field, "verbose_name", None)
        if value:
            field.verbose_name = _(_msgid(value))
        if getattr(field, "help_text", None):
            field.help_text = _(_msgid(field.help_text))
        if getattr(field, "choices", None):
            field.choices = _translated_choices(field.choices)


def _translated_choices(choices) -> list:
    """Field choices with their labels (and option group names) through gettext, lazily."""
    result = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            result.append((_(_msgid(value)) if isinstance(value, str) else value, _translated_choices(label)))
        else:
            result.append((value, _(_msgid(label)) if label else label))
    return result


def translate_action_labels(admin_class) -> None:
    """Route the descriptions of a ModelAdmin's actions through gettext, as the field names."""
    for action in admin_class.actions or ():
        func = getattr(admin_class, action, None) if isinstance(action, str) else action
        func = getattr(func, "__func__", func)
        description = getattr(func, "short_description", None)
        if isinstance(description, str) and description:
            func.short_description = _(description)


class SmartyAdminSite(admin.AdminSite):
    site_header = _("Smarty administration")
    site_title = _("Smarty")
    index_title = _("Control panel")
    enable_nav_sidebar = True

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        super().register(model_or_iterable, admin_class, **options)
        for model in [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable:
            admin_class = type(self._registry[model])
            translate_model_labels(model)
            translate_action_labels(admin_class)
            for inline in admin_class.inlines or ():
                translate_model_labels(inline.model)

    # --- navigation ---------------------------------------------------------------------
    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        """The seed's sections instead of Django apps. With `app_label` (Django's own per-app
        page, linked from breadcrumbs) the app's models as Django would list them."""
        if app_label:
            return super().get_app_list(request, app_label)
        app_dict = self._build_app_dict(request)
        sections: dict[str, dict] = {}
        for app in app_dict.values():
            for entry in app["models"]:
                slug = section_of(entry["model"])
                entry["name"] = capfirst(entry["model"]._meta.verbose_name_plural)
                section = sections.setdefault(slug, self._section_dict(slug))
                section["models"].append(entry)
        if self._reports_visible(request):
            section = sections.setdefault("reports", self._section_dict("reports"))
            section["models"].append(self._summary_report_entry())
        role = user_role(request.user)
        if not (role.superuser or role.service):
            sections.pop("service", None)  # shared lists operators may read stay off their menu
        order = [s.slug for s in SECTIONS]
        result = [sections[slug] for slug in order if slug in sections]
        for section in result:
            section["models"].sort(
                key=lambda e: (MODEL_ORDER.get(model_label(e["model"]), 999), str(e["name"]))
                if e.get("model")
                else (1000, str(e["name"]))
            )
        return result

    def _section_dict(self, slug: str) -> dict:
        section = SECTION_BY_SLUG[slug]
        return {
            "name": section.name,
            "app_label": f"section-{slug}",
            "app_url": reverse("admin:smarty_section", kwargs={"slug": slug}, current_app=self.name),
            "has_module_perms": True,
            "models": [],
        }

    def _summary_report_entry(self) -> dict:
        return {
            "model": None,
            "name": gettext("Summary report"),
            "object_name": "SummaryReport",
            "perms": {"view": True},
            "admin_url": reverse("admin:smarty_summary_report", current_app=self.name),
            "add_url": None,
            "view_only": True,
        }

    def _reports_visible(self, request: HttpRequest) -> bool:
        user = request.user
        role = user_role(user)
        if role.is_dealer or role.monitoring:
            return False  # operator-wide figures
        return user.is_active and (user.is_superuser or user.has_perm("billing.view_transaction"))

    def section_index(self, request: HttpRequest, slug: str) -> TemplateResponse:
        sections = [s for s in self.get_app_list(request) if s["app_label"] == f"section-{slug}"]
        if not sections:
            raise Http404("The requested admin page does not exist.")
        context = {
            **self.each_context(request),
            "title": sections[0]["name"],
            "subtitle": None,
            "app_list": sections,
            "app_label": f"section-{slug}",
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/app_index.html", context)

    # --- header: the operator selector and the language switch -------------------------
    def each_context(self, request: HttpRequest) -> dict:
        Client = HOOKS.operator_model  # noqa: N806 - a model class
        context = super().each_context(request)
        role = user_role(request.user)
        current = None
        operators: list = []
        if role.superuser:
            operators = list(Client.objects.order_by("name", "id").values("id", "name")[:1000])
            selected = request.session.get(SESSION_CLIENT_KEY)
            current = next((o for o in operators if o["id"] == selected), None)
        elif role.bound:
            current = Client.objects.filter(pk=role.client_id).values("id", "name").first()
        context.update(
            {
                "smarty_role": role,
                "smarty_operators": operators,
                "smarty_current_operator": current,
                "smarty_select_operator_url": reverse("admin:smarty_select_operator", current_app=self.name),
            }
        )
        return context

    def select_operator(self, request: HttpRequest) -> HttpResponse:
        """The multiprovider selector: a superuser picks the operator the panel works on (an
        empty choice: all operators). Staff are bound to theirs and cannot switch."""
        Client = HOOKS.operator_model  # noqa: N806 - a model class
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.is_superuser:
            raise Http404("Only superusers switch operators.")
        raw = request.POST.get("client_id", "").strip()
        if raw:
            try:
                client = Client.objects.get(pk=int(raw))
            except (ValueError, Client.DoesNotExist):
                messages.error(request, gettext("Unknown operator."))
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            request.session[SESSION_CLIENT_KEY] = client.pk
        else:
            request.session.pop(SESSION_CLIENT_KEY, None)
        return HttpResponseRedirect(self._after_switch_url(request))

    def _after_switch_url(self, request: HttpRequest) -> str:
        target = request.POST.get("next", "")
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return reverse("admin:index", current_app=self.name)
        # An object page of the previous operator would be a 404 now: go to its list.
        match = _OBJECT_URL.match(target)
        return match.group("list") if match else target

    # --- Reports --------------------------------------------------------------------------
    def summary_report(self, request: HttpRequest) -> TemplateResponse:
        """Subscribers per tariff and money per month for the current operator."""
        if not self._reports_visible(request) or HOOKS.summary_report is None:
            raise Http404("No access to reports.")
        report = HOOKS.summary_report(current_client_id(request))
        context = {
            **self.each_context(request),
            "title": gettext("Summary report"),
            "subtitle": None,
            **report,
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/smarty/summary_report.html", context)

    def get_urls(self) -> list:
        urls = [
            path("select-operator/", self.admin_view(self.select_operator), name="smarty_select_operator"),
            path("section/<slug:slug>/", self.admin_view(self.section_index), name="smarty_section"),
            path("reports/summary/", self.admin_view(self.summary_report), name="smarty_summary_report"),
        ]
        return urls + super().get_urls()


def section_for_opts(opts) -> dict | None:
    """The section of a model (for breadcrumbs): name and URL."""
    slug = section_of(opts.model)
    try:
        url = reverse("admin:smarty_section", kwargs={"slug": slug})
    except NoReverseMatch:
        return None
    return {"name": SECTION_BY_SLUG[slug].name, "url": url}
