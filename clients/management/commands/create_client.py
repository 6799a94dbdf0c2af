"""create_client (seed 2.2.8): a new operator; prints its id and keys as key=value lines."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from clients.services import client_create
from smarty.commands import SmartyCommand


class Command(SmartyCommand):
    help = "Create an operator (Client ID). Missing API keys other than --api_key are generated."
    use_lock = False

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="operator name")
        parser.add_argument("--api_key", required=True, help="TVMW API key")
        parser.add_argument("--domain_prefix", required=True, help="operator subdomain")
        parser.add_argument("--email", required=True)
        for key in ("billing", "content", "streaming", "dealers"):
            parser.add_argument(f"--{key}_api_key", default=None, help=f"{key.title()} API key (generated if absent)")

    def run(self, **options) -> str:
        try:
            client = client_create(
                name=options["name"],
                api_key=options["api_key"],
                domain_prefix=options["domain_prefix"],
                email=options["email"],
                billing_api_key=options["billing_api_key"],
                content_api_key=options["content_api_key"],
                streaming_api_key=options["streaming_api_key"],
                dealers_api_key=options["dealers_api_key"],
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        return "\n".join(
            [
                f"client_id={client.pk}",
                f"api_key={client.api_key}",
                f"billing_api_key={client.billing_api_key}",
                f"content_api_key={client.content_api_key}",
                f"streaming_api_key={client.streaming_api_key}",
                f"dealers_api_key={client.dealers_api_key}",
            ]
        )


def _describe(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
