"""Session group: session/list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Session
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_session_list_answers_the_operators_live_sessions_with_their_online_state(
    billing_client, operator, other_operator
):
    device = f.AccountDeviceFactory(account=operator.account, device_uid="AA:BB")
    f.SessionFactory(account=operator.account, device=device, ip_address="10.0.0.5")
    idle = f.SessionFactory(account=operator.inactive_account)
    Session.objects.filter(pk=idle.pk).update(last_active=timezone.now() - dt.timedelta(hours=1))
    expired = f.SessionFactory(account=operator.account)
    Session.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    f.SessionFactory(account=other_operator.account)
    body = billing_client.call("session/list", {})
    assert body["error"] == 0 and body["error_message"] == ""
    assert body["sessions"] == [
        {"account": int(operator.account.abonement), "ip": "10.0.0.5", "uid": "AA:BB", "online": 1},
        {"account": int(operator.inactive_account.abonement), "ip": "", "uid": "", "online": 0},
    ]
