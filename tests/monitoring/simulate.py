"""An hour of viewing for the dashboard tests: accounts with online sessions zapping
between the operator's channels (through the recording buffer), logins, a streaming server
down, then the flush and the rollups as the scheduled tasks would run them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from monitoring import recording, services
from tests import factories as f


def simulate_hour(op, *, viewers: int = 6, now: dt.datetime | None = None) -> dict:
    """`viewers` accounts of `op` watch for the last hour (account i starts on channel
    i % 3 and zaps every 20 minutes); returns what was simulated."""
    now = now or timezone.now()
    start = now - dt.timedelta(hours=1)
    device = f.PlayDeviceFactory(system_name=f"stb-{op.client.pk}")
    accounts = [op.account] + [
        f.AccountFactory(customer=op.customer, abonement=f"{op.client.pk}9{n:04d}") for n in range(viewers - 1)
    ]
    for index, account in enumerate(accounts):
        box = f.AccountDeviceFactory(
            account=account, device_uid=f"sim-{op.client.pk}-{index}", app_build_version="2.1.0", play_device=device
        )
        f.SessionFactory(account=account, device=box, play_device=device, last_active=now, ip_address="10.0.0.1")
        for step in range(3):
            channel = op.channels[(index + step) % len(op.channels)]
            recording.viewing_started(
                client_id=op.client.pk,
                account_id=account.pk,
                content_type="live",
                content_id=channel.pk,
                device=device.system_name,
                device_uid=box.device_uid,
                now=start + dt.timedelta(minutes=20 * step + index),
            )
        services.login_counted(client_id=op.client.pk, ok=True, now=start + dt.timedelta(minutes=index))
    services.login_counted(client_id=op.client.pk, ok=False, now=start)
    f.StreamServiceFactory(client=op.client, name=f"edge-{op.client.pk}-down", is_available=False)
    recording.buffer_flush(now=now, include_current=True)
    services.rollup_views(now=now, hours=2)
    return {"accounts": accounts, "device": device, "start": start}
