"""load_demo: the demo world of `make run`; prints the logins as key=value lines."""

from demo.loader import demo_load
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Create the demo operator, channels, guide, tariffs and account (idempotent)."

    def run(self, **options) -> str:
        facts = demo_load()
        return "\n".join(f"{key}={value}" for key, value in facts.items())
