"""The permission groups of the admin (seed 3.2.4.4): for every navigation section a
"<section>: view" group and a "<section>: manage" group (view, create, edit, delete), holding
only permissions operator staff may have, and a "Service panel: manage" group with the service
models for service staff (`ClientUser.is_admin`). `SmartyPermissionBackend` still applies the
role limits whatever a group holds."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import translation

from smarty.admin_access import OPERATOR_ACTIONS, SECTIONS, is_operator_owned, model_label, operator_actions, section_of

SERVICE = "service"
VIEW_SUFFIX = "view"
MANAGE_SUFFIX = "manage"


@dataclass(frozen=True)
class GroupSpec:
    """One group to ensure: its section, "view" or "manage", and its permissions."""

    section: str
    suffix: str
    permissions: tuple[Permission, ...]

    @property
    def name(self) -> str:
        return group_name(self.section, self.suffix)


def group_name(section: str, suffix: str) -> str:
    """The group's name in the installation's language ("Subscribers: manage")."""
    names = {s.slug: s.name for s in SECTIONS}
    with translation.override(settings.LANGUAGE_CODE):
        return f"{names[section]}: {suffix}"


def _is_service_model(model) -> bool:
    return not is_operator_owned(model) and model_label(model) not in OPERATOR_ACTIONS


def section_permissions() -> dict[str, tuple[list[Permission], list[Permission]]]:
    """section slug -> (view permissions, all permissions). Operator sections hold what
    operator staff may ever have; the service section holds the service models."""
    result: dict[str, tuple[list[Permission], list[Permission]]] = {}
    for model in apps.get_models():
        allowed = operator_actions(model)
        if allowed:
            section = section_of(model)
            if section == SERVICE:
                continue
        elif _is_service_model(model) and section_of(model) == SERVICE:
            section, allowed = SERVICE, frozenset({"view", "add", "change", "delete"})
        else:
            continue
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        view, manage = result.setdefault(section, ([], []))
        for perm in Permission.objects.filter(content_type=content_type):
            action = perm.codename.split("_", 1)[0]
            if action not in allowed:
                continue
            manage.append(perm)
            if action == "view":
                view.append(perm)
    return result


def group_specs() -> list[GroupSpec]:
    """Every group of the admin, operator sections in navigation order, then the service one."""
    perms = section_permissions()
    specs = []
    for section in SECTIONS:
        if section.slug not in perms:
            continue
        view, manage = perms[section.slug]
        suffixes = [(MANAGE_SUFFIX, manage)]
        if section.slug != SERVICE:
            suffixes.insert(0, (VIEW_SUFFIX, view))
        for suffix, chosen in suffixes:
            specs.append(GroupSpec(section=section.slug, suffix=suffix, permissions=tuple(chosen)))
    return specs


@transaction.atomic
def admin_groups_ensure() -> dict[tuple[str, str], Group]:
    """Create or bring up to date every group; returns (section, suffix) -> group."""
    groups = {}
    for spec in group_specs():
        group, _created = Group.objects.get_or_create(name=spec.name)
        group.permissions.set(spec.permissions)
        groups[(spec.section, spec.suffix)] = group
    return groups


def groups_resolve(names: list[str], groups: dict[tuple[str, str], Group]) -> list[Group]:
    """Groups by name ("Billing: view") or by section slug and suffix ("billing:view",
    "subscribers:manage"). Raises LookupError naming an unknown one."""
    by_name = {group.name.casefold(): group for group in groups.values()}
    chosen = []
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        slug, _sep, suffix = name.partition(":")
        group = groups.get((slug.strip().lower(), suffix.strip().lower())) or by_name.get(name.casefold())
        if group is None:
            choices = ", ".join(f"{section}:{suffix}" for section, suffix in groups)
            raise LookupError(f"unknown group {name!r} (choose from {choices})")
        chosen.append(group)
    return chosen


def default_groups(groups: dict[tuple[str, str], Group], *, bound: bool, service: bool, read_only: bool) -> list[Group]:
    """The groups a login of this role gets when none are named: every operator section
    (manage, or view when read-only) for operator staff, and the service panel for service
    staff."""
    suffix = VIEW_SUFFIX if read_only else MANAGE_SUFFIX
    chosen = []
    if bound:
        chosen += [group for (section, sfx), group in groups.items() if section != SERVICE and sfx == suffix]
    if service and not read_only and (SERVICE, MANAGE_SUFFIX) in groups:
        chosen.append(groups[(SERVICE, MANAGE_SUFFIX)])
    return chosen


ACTION_WORDS = (("view", "view"), ("add", "create"), ("change", "edit"), ("delete", "delete"))


def user_access_summary(user) -> list[str]:
    """What a login can do in the admin, one line per section it reaches ("Billing: view,
    create, edit, delete"), as its role and permissions allow."""
    user_model = type(user)
    user = user_model.objects.get(pk=user.pk)  # fresh: no cached role or permissions
    actions_by_section: dict[str, set[str]] = {}
    for model in apps.get_models():
        for action, _word in ACTION_WORDS:
            if user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}"):
                actions_by_section.setdefault(section_of(model), set()).add(action)
    lines = []
    with translation.override(settings.LANGUAGE_CODE):
        for section in SECTIONS:
            actions = actions_by_section.get(section.slug)
            if actions:
                words = ", ".join(word for action, word in ACTION_WORDS if action in actions)
                lines.append(f"{section.name}: {words}")
    return lines
