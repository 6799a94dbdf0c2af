"""create_user (seed 2.2.7): create an admin login, or reset its password, and say what the
login can do. A login bound to an operator (--client_id) manages that operator's panel; with
--is_admin=True also the service panel; --read_only=True narrows it to viewing, --groups to
named sections ("subscribers:manage,billing:view")."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from clients.models import Client
from clients.services import user_create
from smarty.admin_groups import user_access_summary
from smarty.commands import SmartyCommand, parse_bool


class Command(SmartyCommand):
    help = "Create an admin user bound to an operator, or reset a user's password."
    use_lock = False

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--is_admin", type=parse_bool, default=False, help="True/False: service part access")
        parser.add_argument("--client_id", type=int, default=None, help="operator the user belongs to")
        parser.add_argument("--is_superuser", type=parse_bool, default=False)
        parser.add_argument("--monitoring_user", type=parse_bool, default=False)
        parser.add_argument("--reset_password", type=parse_bool, default=False)
        parser.add_argument(
            "--groups",
            default=None,
            help='comma-separated permission groups instead of the role\'s: "section:view" or "section:manage" '
            "(sections: general, monitoring, streaming, billing, content, subscribers, reports, service) "
            "or group names",
        )
        parser.add_argument(
            "--read_only", type=parse_bool, default=False, help="True/False: view-only groups for the operator panel"
        )

    def run(self, **options) -> str:
        client = None
        if options["client_id"] is not None:
            client = Client.objects.filter(pk=options["client_id"]).first()
            if client is None:
                raise CommandError(f"client_id={options['client_id']} does not exist")
        if not options["password"]:
            raise CommandError("--password must not be empty")
        try:
            user, created = user_create(
                username=options["username"],
                password=options["password"],
                is_admin=options["is_admin"],
                is_superuser=options["is_superuser"],
                monitoring_user=options["monitoring_user"],
                client=client,
                reset_password=options["reset_password"],
                groups=options["groups"].split(",") if options["groups"] is not None else None,
                read_only=options["read_only"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        action = "created" if created else "password reset"
        lines = [f"user={user.username} user_id={user.pk} {action}"]
        lines += [f"group={name}" for name in user.groups.order_by("name").values_list("name", flat=True)]
        access = user_access_summary(user)
        lines += [f"can={line}" for line in access]
        if not access:
            lines.append("can=nothing yet: bind the login to an operator (--client_id) or name --groups")
        else:
            lines.append("login=/admin/")
        return "\n".join(lines)
