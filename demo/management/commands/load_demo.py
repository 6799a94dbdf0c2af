"""load_demo: the demo world of `make run`; prints the logins as key=value lines."""

from demo.loader import demo_load
from smarty.commands import SmartyCommand, parse_bool


class Command(SmartyCommand):
    help = "Create the demo operator, channels, guide, tariffs and account (idempotent)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--reset_password",
            type=parse_bool,
            default=False,
            help="give the demo admin and the demo account new passwords and print them",
        )

    def run(self, *, reset_password: bool = False, **options) -> str:
        facts = demo_load(reset_password=reset_password)
        return "\n".join(f"{key}={value}" for key, value in facts.items())
