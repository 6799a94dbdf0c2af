"""Demo data for `make run`: one operator with channels in categories, a real TV guide (when
the EPG app provides it), a streaming service (when the streaming app provides it), tariffs
and a customer with an active account. Idempotent: a second run reuses what exists."""

from __future__ import annotations

import importlib
import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Account, Customer
from channels.models import Channel, ChannelCategory
from clients.models import Client
from clients.services import client_create, system_objects_ensure, user_create
from tariffs.models import Tariff

DEMO_PREFIX = "demo"
DEMO_ABONEMENT = "100001"
CATEGORIES = ["News", "Sport", "Movies", "Kids"]
CHANNELS = [
    ("News One", "News"),
    ("World News", "News"),
    ("Sport Arena", "Sport"),
    ("Football TV", "Sport"),
    ("Cinema Hits", "Movies"),
    ("Classic Movies", "Movies"),
    ("Series Plus", "Movies"),
    ("Cartoons", "Kids"),
    ("Junior", "Kids"),
    ("Family", "Kids"),
]
# Apps that extend the demo provide `<app>.demo.load(client, channels) -> dict`.
DEMO_EXTENSIONS = ["epg.demo", "streaming.demo", "vod.demo"]


def _credentials_file() -> Path:
    return settings.VAR_DIR / "demo_credentials.json"


def _credentials() -> dict:
    path = _credentials_file()
    if path.exists():
        return json.loads(path.read_text())
    creds = {"admin_password": secrets.token_urlsafe(9), "account_password": f"{secrets.randbelow(900000) + 100000}"}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(creds))
    path.chmod(0o600)
    return creds


@transaction.atomic
def demo_load() -> dict[str, str]:
    """Create (or find) the demo world; returns the key=value facts to print."""
    creds = _credentials()
    system_objects_ensure()
    user_model = get_user_model()
    if not user_model.objects.filter(username="admin").exists():
        user_create(username="admin", password=creds["admin_password"], is_superuser=True, is_admin=True)

    client = Client.objects.filter(domain_prefix=DEMO_PREFIX).first()
    if client is None:
        client = client_create(
            name="Demo TV", api_key=secrets.token_hex(16), domain_prefix=DEMO_PREFIX, email="noc@demo.example"
        )
    basic, _ = Tariff.objects.get_or_create(client=client, name="Basic", defaults={"price": 5, "period": 30})
    premium, _ = Tariff.objects.get_or_create(
        client=client, name="Premium", defaults={"price": 9, "period": 30, "kind": Tariff.Kind.ADDITIONAL}
    )
    categories = {}
    for index, name in enumerate(CATEGORIES):
        categories[name], _ = ChannelCategory.objects.get_or_create(
            client=client, name=name, defaults={"sort_order": index}
        )
    channels = []
    for index, (name, category) in enumerate(CHANNELS):
        channel, created = Channel.objects.get_or_create(
            client=client,
            id_for_stream_service=f"demo{index + 1}",
            defaults={"name": name, "category": categories[category], "sort_order": index, "lcn_number": index + 1},
        )
        if created:
            channel.tariffs.add(premium if category == "Movies" else basic)
        channels.append(channel)

    customer, _ = Customer.objects.get_or_create(
        client=client, ext_id="demo-customer", defaults={"firstname": "Demo", "lastname": "Viewer"}
    )
    customer.tariffs.add(basic, premium)
    account = Account.objects.filter(client=client, abonement=DEMO_ABONEMENT).first()
    if account is None:
        account = Account(client=client, customer=customer, abonement=DEMO_ABONEMENT, allow_login_by_abonement=False)
        account.set_password(creds["account_password"])
        account.save()

    facts = {
        "admin_url": "/admin/",
        "admin_username": "admin",
        "admin_password": creds["admin_password"],
        "client_id": str(client.pk),
        "api_key": client.api_key,
        "billing_api_key": client.billing_api_key,
        "abonement": account.abonement,
        "password": creds["account_password"],
    }
    for module_name in DEMO_EXTENSIONS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        facts.update({k: str(v) for k, v in (module.load(client, channels) or {}).items()})
    return facts
