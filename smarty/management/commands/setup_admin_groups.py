"""Create or refresh the permission groups of the admin (seed 3.2.4.4): for every navigation
section a "<section>: view" group and a "<section>: manage" group, holding only permissions
operator staff may have, and "Service panel: manage" for service staff. Assign them to staff in
General settings > Users (`create_user` assigns them too). Safe to run again: groups are brought
up to date."""

from __future__ import annotations

from django.contrib.auth.models import Group

from smarty.admin_groups import admin_groups_ensure
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = __doc__
    use_lock = False

    def run(self, **options: object) -> str:
        before = Group.objects.count()
        admin_groups_ensure()
        total = Group.objects.count()
        return f"{total - before} groups created, {total} in total"
