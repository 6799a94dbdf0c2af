"""Demo data for `make run`: one operator with channels in categories, a real TV guide (when
the EPG app provides it), a streaming service (when the streaming app provides it), tariffs
and a customer with an active account. Idempotent: a second run reuses what exists and leaves
an edited demo alone (the world is only built with the operator). A password is printed only by
the run that set it: when the login is created, or with `reset_password` (new passwords for the
demo admin and the demo account); other runs say how to get one."""

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


NOT_SHOWN = "(shown when it was set; load_demo --reset_password=True sets a new one)"


def _credentials(*, fresh: bool = False) -> dict:
    path = _credentials_file()
    if path.exists() and not fresh:
        return json.loads(path.read_text())
    creds = {"admin_password": secrets.token_urlsafe(9), "account_password": f"{secrets.randbelow(900000) + 100000}"}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(creds))
    path.chmod(0o600)
    return creds


def _demo_world(client: Client, creds: dict) -> list[Channel]:
    """Tariffs, categories, channels and the demo subscriber of a new demo operator."""
    basic = Tariff.objects.create(client=client, name="Basic", price=5, period=30)
    premium = Tariff.objects.create(client=client, name="Premium", price=9, period=30, kind=Tariff.Kind.ADDITIONAL)
    categories = {
        name: ChannelCategory.objects.create(client=client, name=name, sort_order=index)
        for index, name in enumerate(CATEGORIES)
    }
    channels = []
    for index, (name, category) in enumerate(CHANNELS):
        channel = Channel.objects.create(
            client=client,
            id_for_stream_service=f"demo{index + 1}",
            name=name,
            category=categories[category],
            sort_order=index,
            lcn_number=index + 1,
        )
        channel.tariffs.add(premium if category == "Movies" else basic)
        channels.append(channel)
    customer = Customer.objects.create(client=client, ext_id="demo-customer", firstname="Demo", lastname="Viewer")
    customer.tariffs.add(basic, premium)
    account = Account(client=client, customer=customer, abonement=DEMO_ABONEMENT, allow_login_by_abonement=False)
    account.set_password(creds["account_password"])
    account.save()
    return channels


@transaction.atomic
def demo_load(*, reset_password: bool = False) -> dict[str, str]:
    """Create (or find) the demo world; returns the key=value facts to print. A password is
    among them only when this run set it (the login created, or `reset_password`)."""
    creds = _credentials(fresh=reset_password)
    system_objects_ensure()
    user_model = get_user_model()
    admin = user_model.objects.filter(username="admin").first()
    admin_set = account_set = reset_password
    if admin is None:
        admin, _created = user_create(
            username="admin", password=creds["admin_password"], is_superuser=True, is_admin=True
        )
        admin_set = True
    elif reset_password:
        admin.set_password(creds["admin_password"])
        admin.save(update_fields=["password"])

    client = Client.objects.filter(domain_prefix=DEMO_PREFIX).first()
    if client is None:
        client = client_create(
            name="Demo TV", api_key=secrets.token_hex(16), domain_prefix=DEMO_PREFIX, email="noc@demo.example"
        )
        channels = _demo_world(client, creds)
        account_set = True
    else:  # built before: the operator may have edited it since
        channels = list(
            Channel.objects.filter(
                client=client, id_for_stream_service__in=[f"demo{i + 1}" for i in range(len(CHANNELS))]
            ).order_by("pk")
        )
    account = Account.objects.filter(client=client, abonement=DEMO_ABONEMENT).first()
    if account is not None and reset_password:
        account.set_password(creds["account_password"])
        account.save(update_fields=["password"])

    facts = {
        "admin_url": "/admin/",
        "admin_username": "admin",
        "admin_password": creds["admin_password"] if admin_set else NOT_SHOWN,
        "client_id": str(client.pk),
        "api_key": client.api_key,
        "billing_api_key": client.billing_api_key,
        "abonement": account.abonement if account else "(deleted)",
        "password": (creds["account_password"] if account_set else NOT_SHOWN) if account else "(deleted)",
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
