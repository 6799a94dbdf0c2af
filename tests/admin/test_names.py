"""No row is shown as Django's "X object (2)": every model, through tables included, has a
readable name."""

import re

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from accounts.models import Account, AccountDevice, Session
from tests import factories as f

RAW = re.compile(r"\bobject \(\d+\)")


def test_every_model_has_a_readable_name():
    for model in apps.get_models(include_auto_created=True):
        assert model.__str__ is not models.Model.__str__, model._meta.label
        row = model(pk=2)
        try:
            text = str(row)
        except Exception:  # noqa: BLE001 - a __str__ reading an unset relation: it has its own
            continue
        assert not RAW.search(text), model._meta.label


@pytest.mark.django_db
def test_account_page_and_delete_confirmation_name_devices_sessions_and_tariffs(admin_client, operator):
    account = operator.account
    tariff = f.TariffFactory(client=account.client, name="Gold")
    account.tariffs.add(tariff)
    device = AccountDevice.objects.create(client=account.client, account=account, device_uid="uid-42", brand_name="LG")
    f.SessionFactory(account=account, device=device)
    page = admin_client.get(reverse("admin:accounts_account_delete", args=[account.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert not RAW.search(text), RAW.search(text)
    assert "LG (uid-42)" in text and f"{account.abonement} — Gold" in text
    assert f"Session of {account.abonement} since" in text
    assert Session.objects.filter(account=account).exists() and Account.objects.filter(pk=account.pk).exists()
