"""clone_client (seed 2.2.6): copy an operator with all its settings into a new Client."""

from django.core.management.base import CommandError

from clients.models import Client
from clients.services import client_clone
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Clone an operator (settings, device types, tariffs) and optionally its content."

    def add_arguments(self, parser):
        parser.add_argument("--src_client_id", type=int, required=True)
        parser.add_argument("--clone-channels", action="store_true", dest="clone_channels")
        parser.add_argument("--clone-video", action="store_true", dest="clone_video")
        parser.add_argument("--clone-radio", action="store_true", dest="clone_radio")
        parser.add_argument("--clone-cameras", action="store_true", dest="clone_cameras")
        parser.add_argument("--clone-apps", action="store_true", dest="clone_apps")

    def run(self, **options) -> str:
        source = Client.objects.filter(pk=options["src_client_id"]).first()
        if source is None:
            raise CommandError(f"src_client_id={options['src_client_id']} does not exist")
        new, counts = client_clone(
            source=source,
            clone_channels=options["clone_channels"],
            clone_radio=options["clone_radio"],
            clone_cameras=options["clone_cameras"],
            clone_video=options["clone_video"],
            clone_apps=options["clone_apps"],
        )
        lines = [f"client_id={new.pk}", f"api_key={new.api_key}", f"billing_api_key={new.billing_api_key}"]
        lines += [f"{name}={count}" for name, count in counts.items()]
        return "\n".join(lines)
