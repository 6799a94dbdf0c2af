"""Weekly bulk work: CSV export of subscribers, accounts, devices and channels; bulk actions on
selected rows (block/unblock, assign/remove a tariff, a message, a device command) through the
domain services, never touching another operator's rows."""

from __future__ import annotations

import csv
import io

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from accounts.models import Account, AccountDevice, CustomerActionLog, DeviceCommand, Message, Session
from tests import factories as f

from .conftest import login

ACCOUNTS = "/admin/accounts/account/"
CUSTOMERS = "/admin/accounts/customer/"


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def act(http, url: str, action: str, ids, **form):
    """The two steps of an action with a form: choose it on the list, then apply the form."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(pk) for pk in ids], "index": "0"}
    first = http.post(url, data)
    if not form:
        return first
    assert first.status_code == 200, first.status_code
    return http.post(url, {**data, **form, "apply": "1"}, follow=True)


def test_csv_exports_hold_the_operators_rows_only(staff, operator, other_operator):
    http = login(staff)
    f.AccountDeviceFactory(account=operator.account, device_uid="mine-uid")
    f.AccountDeviceFactory(account=other_operator.account, device_uid="their-uid")
    subscribers = read_csv(http.get(CUSTOMERS + "export.csv"))
    assert {row["lastname"] for row in subscribers} >= {"Ivanova1"} and "Ivanova2" not in {
        row["lastname"] for row in subscribers
    }
    anna = next(row for row in subscribers if row["lastname"] == "Ivanova1")
    assert anna["tariffs"] == "Basic"
    accounts = read_csv(http.get(ACCOUNTS + "export.csv", {"active__exact": "1"}))
    assert {row["abonement"] for row in accounts} == {"100001", "100002"}  # filtered like the list
    devices = read_csv(http.get("/admin/accounts/accountdevice/export.csv"))
    assert [row["device_uid"] for row in devices] == ["mine-uid"] and devices[0]["abonement"] == "100001"
    channels = read_csv(http.get("/admin/channels/channel/export.csv"))
    assert [row["name"] for row in channels] == ["Channel 0", "Channel 1", "Channel 2"]
    assert all(row["tariffs"] == "Basic" and row["category"] == "News" for row in channels)
    html = http.get(ACCOUNTS).content.decode()
    assert "/admin/accounts/account/export.csv" in html


def test_bulk_tariff_assignment_goes_through_billing_and_skips_other_operators(staff, operator, other_operator):
    gold = f.TariffFactory(client=operator.client, name="Gold")
    http = login(staff)
    targets = [operator.account, operator.account_without_tariff, other_operator.account]
    page = act(http, ACCOUNTS, "assign_tariff", [a.pk for a in targets])
    assert page.status_code == 200
    choices = [str(t) for t in page.context["form"].fields["tariff"].queryset]
    assert "Gold" in choices and len(choices) == 2  # Basic and Gold of this operator only
    done = act(http, ACCOUNTS, "assign_tariff", [a.pk for a in targets], tariff=str(gold.pk))
    assert done.status_code == 200
    assert "2 changed, 0 already so" in done.content.decode()
    assert set(operator.account.tariffs.all()) >= {gold} and gold in operator.account_without_tariff.tariffs.all()
    assert not other_operator.account.tariffs.filter(name="Gold").exists()
    assert CustomerActionLog.objects.filter(
        account=operator.account, action="account_tariffs_assigned", source="admin", user="staff1"
    ).exists()

    again = act(http, ACCOUNTS, "assign_tariff", [operator.account.pk], tariff=str(gold.pk))
    assert "0 changed, 1 already so" in again.content.decode()
    removed = act(http, ACCOUNTS, "remove_tariff", [operator.account.pk], tariff=str(gold.pk))
    assert "1 changed" in removed.content.decode() and gold not in operator.account.tariffs.all()

    # a tariff of another operator is not a choice
    foreign = act(http, ACCOUNTS, "assign_tariff", [operator.account.pk], tariff=str(other_operator.tariff.pk))
    assert foreign.context["form"].errors["tariff"]


def test_a_superuser_cannot_give_one_operators_tariff_to_anothers_subscriber(superuser, operator, other_operator):
    http = login(superuser)
    ids = [operator.customer_without_tariff.pk, other_operator.customer_without_tariff.pk]
    done = act(http, CUSTOMERS, "assign_tariff", ids, tariff=str(operator.tariff.pk))
    text = done.content.decode()
    assert "1 changed" in text and "the tariff belongs to another operator" in text
    assert operator.customer_without_tariff.tariffs.filter(pk=operator.tariff.pk).exists()
    assert not other_operator.customer_without_tariff.tariffs.exists()


def test_block_and_unblock_end_sessions_and_log(staff, operator, other_operator):
    session = f.SessionFactory(account=operator.account)
    http = login(staff)
    act(http, ACCOUNTS, "block_accounts", [operator.account.pk, other_operator.account.pk])
    operator.account.refresh_from_db()
    other_operator.account.refresh_from_db()
    assert not operator.account.active and operator.account.status_reason == Account.StatusReason.BLOCK
    assert other_operator.account.active  # another operator's id is ignored
    assert not Session.objects.filter(pk=session.pk).exists()  # a blocked account's sessions end at once
    act(http, ACCOUNTS, "unblock_accounts", [operator.account.pk])
    operator.account.refresh_from_db()
    assert operator.account.active and operator.account.status_reason == Account.StatusReason.ACTIVE
    log = CustomerActionLog.objects.filter(account=operator.account, action="account_changed", source="admin")
    assert log.count() == 2


def test_a_message_and_a_command_reach_every_selected_account(staff, operator, other_operator):
    http = login(staff)
    ids = [operator.account.pk, operator.account_without_tariff.pk, other_operator.account.pk]
    act(http, ACCOUNTS, "send_message", ids, subject="Maintenance", text="Tonight 2-4", urgent="on")
    sent = Message.objects.filter(subject="Maintenance")
    assert {m.account_id for m in sent} == {operator.account.pk, operator.account_without_tariff.pk}
    assert all(m.urgent and m.text == "Tonight 2-4" for m in sent)
    empty = act(http, ACCOUNTS, "send_message", ids, subject="x", text="")
    assert empty.context["form"].errors["text"] and not Message.objects.filter(subject="x").exists()
    act(http, ACCOUNTS, "send_command", ids, type="3")
    assert {c.account_id for c in DeviceCommand.objects.filter(type="3")} == {
        operator.account.pk,
        operator.account_without_tariff.pk,
    }
    assert not AccountDevice.objects.exists()  # commands go to accounts; no device was invented
