"""Create or refresh the permission groups of the operator panel (seed 3.2.4.4): for every
navigation section a "<section>: view" group and a "<section>: manage" group (view, create,
edit, delete), holding only permissions operator staff may have. Assign them to staff in
General settings > Users. Safe to run again: groups are brought up to date."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from smarty.admin_access import SECTIONS, operator_actions, section_of
from smarty.commands import SmartyCommand


def section_permissions() -> dict[str, tuple[list[Permission], list[Permission]]]:
    """section slug -> (view permissions, all permissions) operator staff may hold."""
    result: dict[str, tuple[list[Permission], list[Permission]]] = {}
    for model in apps.get_models():
        allowed = operator_actions(model)
        if not allowed:
            continue
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        perms = Permission.objects.filter(content_type=content_type)
        view, manage = result.setdefault(section_of(model), ([], []))
        for perm in perms:
            action = perm.codename.split("_", 1)[0]
            if action not in allowed:
                continue
            manage.append(perm)
            if action == "view":
                view.append(perm)
    return result


class Command(SmartyCommand):
    help = __doc__
    use_lock = False

    def run(self, **options: object) -> str:
        names = {section.slug: section.name for section in SECTIONS}
        created = 0
        with translation.override(settings.LANGUAGE_CODE):
            for slug, (view, manage) in sorted(section_permissions().items()):
                if slug == "service":
                    continue
                for suffix, perms in (("view", view), ("manage", manage)):
                    group, is_new = Group.objects.get_or_create(name=f"{names[slug]}: {suffix}")
                    group.permissions.set(perms)
                    created += is_new
        return f"{created} groups created, {Group.objects.count()} in total"
