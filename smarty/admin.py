"""Admin machinery shared by every app's admin.py: operator scoping and the list features of
the seed's admin guide (3.2.2).

`OperatorScopedAdmin` is the base of every admin of an operator-owned model: staff bound to
an operator see and edit only that operator's rows (lists, forms, foreign-key choices, list
filters); superusers see the operator chosen in the header selector (session key
`admin_client_id`), or all operators when none is chosen. New rows get the current operator
automatically (or the operator of `client_from`, e.g. an account's customer). Objects of
another operator answer 404 on their change, delete and history pages. A dealer's login
sees only rows reachable through `dealer_field`.

Lists get one sort column at a time, a remembered page size (`?per_page=10|25|50|100|250`),
pagination with first/previous/next/last (templates/admin/pagination.html).
`SortOrderAdminMixin` adds the up/down arrows of ordered lists, `CsvExportMixin` a CSV export
of the filtered list, `SummaryStatsMixin` the coloured counters above a list.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .admin_access import (
    SESSION_CLIENT_KEY,
    current_client_id,
    is_operator_owned,
    user_role,
)
from .admin_services import ordered_end_position, ordered_move

# Called with the operator ids of rows saved or deleted through any operator-scoped admin.
# The clients app registers its clients_changed here in its ready(): the core names no
# domain app.
OPERATOR_CHANGED: list[Callable[..., None]] = []

__all__ = [
    "PAGE_SIZES",
    "PER_PAGE_VAR",
    "SESSION_CLIENT_KEY",
    "CsvExportMixin",
    "DateRangeFilter",
    "NotFoundOutsideScopeMixin",
    "OperatorScopedAdmin",
    "OperatorScopedInline",
    "ScopedRelatedFieldListFilter",
    "SmartyChangeList",
    "SortOrderAdminMixin",
    "SummaryStatsMixin",
    "bulk_form_action",
    "current_client_id",
    "related_count",
    "scope_choices",
    "scoped_queryset",
]

PAGE_SIZES = (10, 25, 50, 100, 250)
DEFAULT_PAGE_SIZE = 25
PER_PAGE_VAR = "per_page"
SESSION_PER_PAGE_KEY = "admin_per_page"


# --- scoping helpers -----------------------------------------------------------------------
def _dealer_lookup(model: type[models.Model], site: admin.AdminSite | None) -> str | None:
    model_admin = (site or admin.site)._registry.get(model)
    return getattr(model_admin, "dealer_field", None)


def scoped_queryset(model: type[models.Model], request: HttpRequest, site: admin.AdminSite | None = None):
    """All rows of `model` the request may pick: the current operator's, and for a dealer only
    those reachable through the model admin's `dealer_field` (other models stay operator-wide:
    a dealer still picks tariffs)."""
    return scope_choices(model._default_manager.all(), request, site)


def scope_choices(queryset, request: HttpRequest, site: admin.AdminSite | None = None):
    model = queryset.model
    client_id = current_client_id(request)
    if client_id is not None and is_operator_owned(model):
        queryset = queryset.filter(client_id=client_id)
    role = user_role(request.user)
    if role.is_dealer:
        lookup = _dealer_lookup(model, site)
        if lookup:
            queryset = queryset.filter(**{lookup: role.dealer_id})
    return queryset


def _scope_choices(field, db_field, request, site=None):
    if field is not None and getattr(field, "queryset", None) is not None:
        field.queryset = scope_choices(field.queryset, request, site)
    return field


def related_count(model: type[models.Model], field: str):
    """A correlated COUNT of `model` rows whose `field` points at the outer row, so several
    counts on one list do not multiply each other the way joined COUNTs do."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery

    rows = model._default_manager.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk"))
    return Subquery(rows.values("n"), output_field=IntegerField())


def reverse_model(model: type[models.Model], path: str) -> type[models.Model]:
    """The model at the end of a path of reverse relations, e.g. (Dealer, "customers__accounts")
    -> Account: an app's admin counts rows of the apps above it without importing them."""
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def page_size_for(request: HttpRequest, model: type[models.Model], default: int) -> int:
    """The page size of a list: `?per_page=` (remembered in the session per list), else the
    remembered one, else the admin's default."""
    key = model._meta.label_lower
    remembered = request.session.get(SESSION_PER_PAGE_KEY) or {}
    raw = request.GET.get(PER_PAGE_VAR)
    if raw is not None:
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size in PAGE_SIZES:
            if remembered.get(key) != size:
                request.session[SESSION_PER_PAGE_KEY] = {**remembered, key: size}
            return size
    size = remembered.get(key)
    return size if size in PAGE_SIZES else default


class SmartyChangeList(ChangeList):
    """One sort column at a time (seed 3.2.2), the page size, and a page number beyond the
    last page shows the last page (after a page size change) instead of an error."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(PER_PAGE_VAR, None)
        return lookup_params

    def get_ordering(self, request, queryset):
        if self.params.get(ORDER_VAR):
            self.params[ORDER_VAR] = self.params[ORDER_VAR].split(".")[0]
        return super().get_ordering(request, queryset)

    def get_ordering_field_columns(self):
        columns = super().get_ordering_field_columns()
        if len(columns) > 1:  # a multi-field default ordering: show its leading column only
            first = next(iter(columns))
            return {first: columns[first]}
        return columns

    def get_results(self, request):
        self.list_per_page = page_size_for(request, self.model, self.list_per_page)
        if self.page_num > 1:
            paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
            self.page_num = max(1, min(self.page_num, paginator.num_pages))
        super().get_results(request)


# --- list filters --------------------------------------------------------------------------
class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A related-object filter offering only the current operator's objects."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        queryset = scoped_queryset(related, request, model_admin.admin_site)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset[:500]]


class DateRangeFilter(admin.FieldListFilter):
    """From/to dates (inclusive) on a date or datetime field, combinable with other filters."""

    template = "admin/smarty/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_from = f"{field_path}__date__gte"
        self.lookup_to = f"{field_path}__date__lte"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.value_from = self.used_parameters.get(self.lookup_from)
        self.value_to = self.used_parameters.get(self.lookup_to)
        if isinstance(self.value_from, list):
            self.value_from = self.value_from[-1]
        if isinstance(self.value_to, list):
            self.value_to = self.value_to[-1]

    def expected_parameters(self) -> list[str]:
        return [self.lookup_from, self.lookup_to]

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        lookups = {}
        self.errors = []
        for key in (self.lookup_from, self.lookup_to):
            value = self.used_parameters.get(key)
            if isinstance(value, list):
                value = value[-1]
            if value:
                try:
                    lookups[key] = forms.DateField().clean(value)
                except ValidationError:
                    # Said on the page, never dropped silently (Django would redirect to ?e=1
                    # and show the whole list as if no filter had been asked for).
                    self.errors.append(
                        gettext("“%(value)s” is not a date (YYYY-MM-DD): this bound of “%(title)s” is not applied.")
                        % {"value": value, "title": self.title}
                    )
        for error in self.errors:
            messages.error(request, error)
        return queryset.filter(**lookups) if lookups else queryset

    def choices(self, changelist):
        keep = {k: v for k, v in changelist.params.items() if k not in (self.lookup_from, self.lookup_to, PAGE_VAR)}
        yield {
            "selected": bool(self.value_from or self.value_to),
            "lookup_from": self.lookup_from,
            "lookup_to": self.lookup_to,
            "value_from": self.value_from or "",
            "value_to": self.value_to or "",
            "hidden": sorted(keep.items()),
            "reset_url": changelist.get_query_string(remove=[self.lookup_from, self.lookup_to, PAGE_VAR]),
            "display": _("All"),
            "errors": getattr(self, "errors", []),
        }


# --- forms ---------------------------------------------------------------------------------
class ScopedFormMixin:
    """Keeps a form's object inside one operator: sets the operator (and a dealer's dealer) on
    new rows before validation, so uniqueness per operator is checked as a form error, and
    refuses related objects of another operator. An existing row never changes operator (its
    accounts, devices, payments... would stay behind): the operator field is shown disabled
    and a parent of another operator (`client_from`) is refused like any other relation."""

    smarty_client_id: int | None = None
    smarty_client_from: str | None = None
    smarty_dealer_id: int | None = None
    smarty_dealer_field: str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance._state.adding:
            if is_operator_owned(type(instance)) and not instance.client_id and self.smarty_client_id:
                instance.client_id = self.smarty_client_id
            if "client" in self.fields:  # "All operators": the form asks, in one place
                self.fields["client"].error_messages["required"] = gettext(
                    "Choose the operator this row belongs to (or one in the header selector)."
                )
            if self.smarty_dealer_id and self.smarty_dealer_field == "dealer":
                instance.dealer_id = self.smarty_dealer_id
        elif "client" in self.fields and is_operator_owned(type(instance)):
            self.fields["client"].disabled = True

    def clean(self) -> dict:
        cleaned = super().clean()
        instance = self.instance
        if not is_operator_owned(type(instance)):
            return cleaned
        if instance._state.adding:  # an existing row keeps its operator
            if self.smarty_client_from:
                parent = cleaned.get(self.smarty_client_from)
                if parent is not None:
                    instance.client_id = parent.client_id
            elif cleaned.get("client") is not None:
                instance.client_id = cleaned["client"].pk
        if not instance.client_id and not self.smarty_client_from:
            if "client" in self.fields:  # the operator field carries the error; said once
                if "client" not in self.errors:
                    self.add_error("client", self.fields["client"].error_messages["required"])
                return cleaned
            raise ValidationError(gettext("Choose an operator in the header selector first."))
        for name, value in list(cleaned.items()):
            if name == "client":
                continue
            values = value if isinstance(value, (list, tuple, models.QuerySet)) else [value]
            for item in values:
                if isinstance(item, models.Model) and getattr(item, "client_id", None) not in (
                    None,
                    instance.client_id,
                ):
                    self.add_error(name, gettext("“%(object)s” belongs to another operator.") % {"object": item})
                    break
        return cleaned

    def _get_validation_exclusions(self) -> set:
        exclude = super()._get_validation_exclusions()
        if getattr(self.instance, "client_id", None):
            exclude.discard("client")
        if self.smarty_dealer_id and self.smarty_dealer_field == "dealer":
            exclude.discard("dealer")
        return exclude


class OperatorScopedForm(ScopedFormMixin, forms.ModelForm):
    pass


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices of the current operator (and dealer) only."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return _scope_choices(field, db_field, request, self.admin_site)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        return _scope_choices(field, db_field, request, self.admin_site)


# --- the base admin ------------------------------------------------------------------------
class NotFoundOutsideScopeMixin:
    """Objects outside the admin's queryset (another operator's) answer 404 on their change,
    delete and history pages, instead of Django's redirect with a warning."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(gettext("No such object."))


class OperatorScopedAdmin(NotFoundOutsideScopeMixin, ScopedChoicesMixin, admin.ModelAdmin):
    #: the lookup from this model to its operator id
    client_field = "client"
    #: a foreign key whose operator new rows take (the field is then never shown)
    client_from: str | None = None
    #: the lookup from this model to its dealer; a dealer's login sees nothing without it
    dealer_field: str | None = None
    form = OperatorScopedForm
    list_per_page = DEFAULT_PAGE_SIZE

    # lists
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return SmartyChangeList

    def get_queryset(self, request: HttpRequest):
        qs = super().get_queryset(request)
        client_id = current_client_id(request)
        if client_id is not None:
            qs = qs.filter(**{f"{self.client_field}_id": client_id})
        role = user_role(request.user)
        if role.is_dealer:
            if not self.dealer_field:
                return qs.none()
            qs = qs.filter(**{self.dealer_field: role.dealer_id})
        return qs

    def all_operators(self, request: HttpRequest) -> bool:
        """A superuser looking at every operator at once (no operator selected)."""
        return request.user.is_superuser and current_client_id(request) is None

    def get_list_display(self, request: HttpRequest):
        display = list(super().get_list_display(request))
        if self.all_operators(request) and self.client_field not in display:
            display.append(self.client_field if "__" not in self.client_field else "operator_column")
        return display

    @admin.display(description=_("operator"))
    def operator_column(self, obj: models.Model) -> object:
        """The operator of a row whose operator is reached through a relation (client_field)."""
        for part in self.client_field.split("__"):
            obj = getattr(obj, part, None)
        return obj

    def get_list_filter(self, request: HttpRequest):
        result = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and item != self.client_field and self._is_relation_path(item):
                result.append((item, ScopedRelatedFieldListFilter))
            else:
                result.append(item)
        if self.all_operators(request) and self.client_field not in result:
            result.append(self.client_field)
        return result

    def _is_relation_path(self, lookup: str) -> bool:
        model = self.model
        field = None
        for part in lookup.split("__"):
            try:
                field = model._meta.get_field(part)
            except Exception:  # noqa: BLE001
                return False
            if not field.is_relation:
                return False
            model = field.related_model
        return field is not None and is_operator_owned(field.related_model)

    # forms
    def get_exclude(self, request: HttpRequest, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if self.client_from or not request.user.is_superuser or current_client_id(request) is not None:
            exclude.append(self.client_field)
        if user_role(request.user).is_dealer and self.dealer_field == "dealer":
            exclude.append("dealer")
        return exclude

    def get_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_fields(request, obj))
        hidden = set(self.get_exclude(request, obj) or [])
        return [f for f in fields if f not in hidden]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = set(self.get_exclude(request, obj) or [])
        if not hidden:
            return fieldsets
        result = []
        for name, options in fieldsets:
            fields = [f for f in options.get("fields", ()) if not (isinstance(f, str) and f in hidden)]
            result.append((name, {**options, "fields": fields}))
        return result

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs: Any):
        form = super().get_form(request, obj, change=change, **kwargs)
        client_id = current_client_id(request)
        role = user_role(request.user)
        attrs = {
            "smarty_client_id": client_id if client_id and client_id > 0 else None,
            "smarty_client_from": self.client_from,
            "smarty_dealer_id": role.dealer_id,
            "smarty_dealer_field": self.dealer_field,
        }
        bases = (form,) if issubclass(form, ScopedFormMixin) else (ScopedFormMixin, form)
        return type(form.__name__, bases, attrs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        initial = super().get_changeform_initial_data(request)
        initial.pop(self.client_field, None)  # the operator never comes from a URL
        return initial

    # saving: assign the owner, save, bump the caches that depend on the row
    def assign_owner(self, request: HttpRequest, obj: models.Model, change: bool) -> None:
        if change:
            return
        if self.client_from:
            parent = getattr(obj, self.client_from, None)
            if parent is not None:
                setattr(obj, f"{self.client_field}_id", parent.client_id)
        client_id = current_client_id(request)
        if client_id and client_id > 0 and not getattr(obj, f"{self.client_field}_id", None):
            setattr(obj, f"{self.client_field}_id", client_id)
        role = user_role(request.user)
        if role.is_dealer and self.dealer_field == "dealer":
            obj.dealer_id = role.dealer_id

    def rows_changed(self, objs: Iterable[models.Model]) -> None:
        """Invalidate the caches that depend on rows saved or deleted through this admin,
        beyond what the owning app's signal handlers catch (bulk writes send no signal).
        By default the operators' settings generation, through OPERATOR_CHANGED; admins
        that need more call their app's invalidation functions (docs/architecture.md)."""
        client_ids = sorted({cid for obj in objs if (cid := getattr(obj, "client_id", None))})
        if client_ids:
            for hook in OPERATOR_CHANGED:
                hook(*client_ids)

    def save_model(self, request, obj, form, change):
        self.assign_owner(request, obj, change)
        obj.save()
        self.rows_changed([obj])

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        instances = formset.save(commit=False)
        for instance in instances:
            if is_operator_owned(type(instance)) and not instance.client_id:
                instance.client_id = parent.client_id
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()
        self.rows_changed([parent])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.rows_changed([obj])

    def delete_queryset(self, request, queryset):
        objs = list(queryset)
        super().delete_queryset(request, queryset)
        self.rows_changed(objs)

    # summary counters (SummaryStatsMixin) and extra context for the list template
    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("cl") is not None:
            cl = context["cl"]
            stats = self.summary_stats(request, cl.queryset)
            if stats:
                context["summary_stats"] = stats
            context["page_sizes"] = PAGE_SIZES
            context["list_tools"] = self.get_list_tools(request, cl)
        return response

    def summary_stats(self, request: HttpRequest, queryset) -> list[dict] | None:
        return None

    def get_list_tools(self, request: HttpRequest, cl) -> list[dict]:
        """Extra links above the list: [{"url":..., "label":..., "css":...}]."""
        return []


class OperatorScopedInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline of an operator-owned model: scoped choices; new rows take the parent's
    operator before validation (so per-operator uniqueness is checked in the form)."""

    extra = 0

    def get_formset(self, request: HttpRequest, obj=None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)

        class ScopedFormSet(formset):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                parent_client = getattr(self.instance, "client_id", None)
                if parent_client and is_operator_owned(type(form.instance)) and not form.instance.client_id:
                    form.instance.client_id = parent_client
                return form

        return ScopedFormSet


# --- sort order arrows ---------------------------------------------------------------------
class SortOrderAdminMixin:
    """Up/down arrows moving a row in its operator's custom order (seed 3.2.2 "sort order")."""

    sort_order_field = "sort_order"

    def sort_order_scope(self, obj: models.Model):
        qs = type(obj)._default_manager.all()
        if is_operator_owned(type(obj)):
            qs = qs.filter(client_id=obj.client_id)
        return qs

    @admin.display(description=_("Order"))
    def sort_arrows(self, obj: models.Model) -> str:
        info = (self.opts.app_label, self.opts.model_name)
        up = reverse(f"admin:{info[0]}_{info[1]}_move", args=[obj.pk, "up"], current_app=self.admin_site.name)
        down = reverse(f"admin:{info[0]}_{info[1]}_move", args=[obj.pk, "down"], current_app=self.admin_site.name)
        return format_html(
            '<span class="smarty-sort">'
            '<button type="submit" class="smarty-sort-up" formaction="{}" formmethod="post" title="{}">'
            "&#9650;</button>"
            '<button type="submit" class="smarty-sort-down" formaction="{}" formmethod="post" title="{}">'
            "&#9660;</button>"
            "</span>",
            up,
            gettext("Move up"),
            down,
            gettext("Move down"),
        )

    def get_list_display(self, request: HttpRequest):
        display = list(super().get_list_display(request))
        if "sort_arrows" not in display and self.has_change_permission(request):
            display.insert(0, "sort_arrows")
        return display

    def get_list_display_links(self, request: HttpRequest, list_display):
        links = super().get_list_display_links(request, list_display)
        if links and "sort_arrows" in links:
            # Buttons cannot sit inside the row's link: link the next column instead.
            others = [name for name in list_display if name not in ("sort_arrows", "action_checkbox")]
            links = [name for name in links if name != "sort_arrows"] or others[:1]
        return links

    def get_urls(self) -> list:
        opts = self.opts
        return [
            path(
                "<path:object_id>/move/<str:direction>/",
                self.admin_site.admin_view(self.move_view),
                name=f"{opts.app_label}_{opts.model_name}_move",
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        if not change and self.sort_order_field not in getattr(form, "changed_data", ()):
            # Nobody chose a position: the new row goes to the end of its operator's order.
            self.assign_owner(request, obj, change)
            setattr(obj, self.sort_order_field, ordered_end_position(scope=self.sort_order_scope(obj)))
        super().save_model(request, obj, form, change)

    def move_view(self, request: HttpRequest, object_id: str, direction: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if direction not in ("up", "down"):
            raise Http404("Unknown direction.")
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("No such object."))
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        ordered_move(
            obj=obj,
            direction=direction,
            scope=self.sort_order_scope(obj),
            field=self.sort_order_field,
            on_change=lambda: self.rows_changed([obj]),
        )
        return HttpResponseRedirect(_back_to_list(request, self))


def _back_to_list(request: HttpRequest, model_admin: admin.ModelAdmin) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return referer
    opts = model_admin.opts
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=model_admin.admin_site.name)


# --- CSV export ----------------------------------------------------------------------------
class _Echo:
    def write(self, value: str) -> str:
        return value


class CsvExportMixin:
    """CSV export of the filtered list (a link above the list keeps its filters, search and
    order) and an action exporting the selected rows. `csv_columns`: (header, accessor)
    pairs, the accessor an attribute path ("customer.lastname") or a callable of the row."""

    csv_columns: tuple[tuple[str, str | Callable[[Any], Any]], ...] = ()
    csv_filename = "export"
    #: many-to-many relations the columns read (one query per chunk, not per row)
    csv_prefetch: tuple[str, ...] = ()

    def get_urls(self) -> list:
        opts = self.opts
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            cl = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            opts = self.opts
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist", current_app=self.admin_site.name)
                + "?e=1"
            )
        return self.csv_response(cl.queryset)

    @admin.action(description=_("Export selected to CSV"))
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        return self.csv_response(queryset)

    def csv_rows(self, queryset) -> Iterator[list]:
        yield [str(header) for header, _accessor in self.csv_columns]
        if self.csv_prefetch:
            queryset = queryset.prefetch_related(*self.csv_prefetch)
        for obj in queryset.iterator(chunk_size=2000):
            yield [_csv_value(_resolve(obj, accessor)) for _header, accessor in self.csv_columns]

    def csv_response(self, queryset) -> StreamingHttpResponse:
        writer = csv.writer(_Echo())
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in self.csv_rows(queryset)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}-{stamp}.csv"'
        return response

    def get_list_tools(self, request: HttpRequest, cl) -> list[dict]:
        tools = list(super().get_list_tools(request, cl))
        opts = self.opts
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_export", current_app=self.admin_site.name)
        query = request.GET.urlencode()
        tools.append({"url": f"{url}?{query}" if query else url, "label": gettext("Export CSV"), "css": "export"})
        return tools


def _resolve(obj: Any, accessor: str | Callable[[Any], Any]) -> Any:
    if callable(accessor):
        return accessor(obj)
    value = obj
    for part in accessor.split("."):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value() if callable(value) else value


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if hasattr(value, "isoformat"):
        if getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value)
        return value.isoformat()
    text = str(value)
    # A cell starting like a formula is run by spreadsheets: neutralise it.
    if text[:1] in ("=", "+", "-", "@") and not _is_number(text):
        text = "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- summary counters ----------------------------------------------------------------------
class SummaryStatsMixin:
    """The coloured counters above a list (seed 3.2.2): total (blue), active (green), inactive
    (red), online (green), offline (grey). `stats_active_q` / `stats_online_q` say what active
    and online mean for the model; counts are over the filtered list."""

    def stats_active_q(self) -> models.Q | None:
        return None

    def stats_online_q(self, since) -> models.Q | None:
        return None

    def summary_stats(self, request: HttpRequest, queryset) -> list[dict] | None:
        from django.conf import settings
        from django.db.models import Count, Exists, OuterRef

        since = timezone.now() - dt.timedelta(minutes=settings.SMARTY_ADMIN_ONLINE_MINUTES)
        active_q = self.stats_active_q()
        online_q = self.stats_online_q(since)
        inner = self.model._default_manager.filter(pk=OuterRef("pk"))
        qs = queryset.order_by()
        annotations = {}
        if active_q is not None:
            annotations["_is_active"] = Exists(inner.filter(active_q))
        if online_q is not None:
            annotations["_is_online"] = Exists(inner.filter(online_q))
        aggregates = {"total": Count("pk")}
        if active_q is not None:
            aggregates["active"] = Count("pk", filter=models.Q(_is_active=True))
        if online_q is not None:
            aggregates["online"] = Count("pk", filter=models.Q(_is_online=True))
        counts = qs.annotate(**annotations).aggregate(**aggregates)
        total = counts["total"]
        stats = [{"key": "total", "label": gettext("Total"), "value": total}]
        if active_q is not None:
            stats += [
                {"key": "active", "label": gettext("Active"), "value": counts["active"]},
                {"key": "inactive", "label": gettext("Inactive"), "value": total - counts["active"]},
            ]
        if online_q is not None:
            stats += [
                {"key": "online", "label": gettext("Online"), "value": counts["online"]},
                {"key": "offline", "label": gettext("Offline"), "value": total - counts["online"]},
            ]
        for item in stats:
            item["display"] = localize(item["value"])
        return stats


# --- bulk actions with a form (assign a tariff, send a message... to the selected rows) -------
def bulk_form_action(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset,
    *,
    form_class: type[forms.Form],
    title: str,
    perform: Callable[[Any, dict], bool],
    form_kwargs: dict | None = None,
) -> HttpResponse | None:
    """An admin action that asks for parameters first: the first POST (from the list) shows
    `form_class` for the selected rows, the second (`apply`) calls `perform(row, cleaned_data)`
    for each row, which returns whether it changed anything and raises ValidationError for a
    row it refuses. The rows are the action's queryset, so another operator's ids never
    arrive here. A message reports changed, unchanged and refused rows; None goes back to the
    list."""
    form_kwargs = form_kwargs or {}
    if "apply" in request.POST:
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            changed = unchanged = 0
            refused: list[str] = []
            for row in queryset:
                try:
                    if perform(row, form.cleaned_data):
                        changed += 1
                    else:
                        unchanged += 1
                except ValidationError as exc:
                    refused.append(f"{row}: {' '.join(exc.messages)}")
            summary = gettext("%(title)s: %(changed)d changed, %(unchanged)d already so.") % {
                "title": title,
                "changed": changed,
                "unchanged": unchanged,
            }
            model_admin.message_user(request, summary, messages.SUCCESS if changed or not refused else messages.WARNING)
            if refused:
                model_admin.message_user(
                    request, gettext("Refused: %(rows)s") % {"rows": "; ".join(refused[:20])}, messages.ERROR
                )
            return None
    else:
        form = form_class(**form_kwargs)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "opts": model_admin.opts,
        "form": form,
        "rows": list(queryset[:50]),
        "count": queryset.count(),
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "admin/smarty/bulk_action.html", context)
