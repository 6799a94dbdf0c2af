"""setup_initial_data [--no-sample-data] (seed 2.2.5): system objects and sample settings."""

from django.db import transaction

from clients.models import Client
from clients.services import client_create, system_objects_ensure
from smarty.commands import SmartyCommand

SAMPLE_PREFIX = "sample"


class Command(SmartyCommand):
    help = "Create the system device types and portal templates, and a sample operator."

    def add_arguments(self, parser):
        parser.add_argument("--no-sample-data", action="store_true", help="create only the system objects")

    @transaction.atomic
    def run(self, **options) -> str:
        devices, templates = system_objects_ensure()
        summary = f"device types created={devices} templates created={templates}"
        if not options["no_sample_data"] and not Client.objects.filter(domain_prefix=SAMPLE_PREFIX).exists():
            client = client_create(
                name="Sample operator",
                api_key=Client._meta.get_field("api_key").default(),
                domain_prefix=SAMPLE_PREFIX,
                email="admin@example.com",
            )
            summary += f" sample client_id={client.pk}"
        return summary
