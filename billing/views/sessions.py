"""Session group: the operator's current sessions."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.selectors import billing_session_list
from smarty.api import Call

from ..api import endpoint


@endpoint("/session/list/", "SessionList", numbers=("sessions.account",))
def session_list(call: Call) -> dict:
    now = timezone.now()
    online_since = now - timedelta(seconds=settings.BILLING_SESSION_ONLINE_SECONDS)
    sessions = billing_session_list(client=call.client, now=now)
    return {
        "sessions": [
            {
                "account": s.account.abonement,
                "ip": s.ip_address or "",
                "uid": s.device.device_uid if s.device_id else "",
                "online": 1 if s.last_active and s.last_active >= online_since else 0,
            }
            for s in sessions
        ]
    }
