"""bench/warm.py: every session's first account/status, made before the measured phases."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import Session
from bench import warm


def test_a_live_session_is_warmed_and_a_dead_one_is_counted_as_an_error(operator):
    live = Session.objects.create(
        client=operator.client,
        account=operator.account,
        authkey="w" * 32,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    rows = [(str(operator.client.pk), live.authkey), (str(operator.client.pk), "x" * 32)]

    assert warm._warm(rows, "android") == (2, 1)
