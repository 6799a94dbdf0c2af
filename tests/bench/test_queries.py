"""bench/queries.py: the query counter's own device and what it leaves behind."""

from __future__ import annotations

from accounts.models import Session
from bench import queries
from tests import factories as f


def test_the_counters_device_is_not_the_loads_and_its_sessions_end_with_it(operator):
    account = operator.account
    dataset = {"operators": [{"client_id": operator.client.pk, "abonement_first": account.abonement}], "password": "x"}
    device = queries.Device(None, dataset)
    assert device.device_uid != f"bench-{account.abonement}"  # the load's device of the account
    load = f.SessionFactory(
        account=account, device=f.AccountDeviceFactory(account=account, device_uid=f"bench-{account.abonement}")
    )
    own_device = f.AccountDeviceFactory(account=account, device_uid=device.device_uid)
    mine = f.SessionFactory(account=account, device=own_device)

    queries.log_out(device)

    assert not Session.objects.filter(pk=mine.pk).exists()
    assert Session.objects.filter(pk=load.pk).exists()  # the next run's dataset still matches
