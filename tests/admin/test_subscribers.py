"""Subscribers (seed 3.2.8): the account card, accounts and devices saved through the admin
services, messages and commands, bulk mail with $firstname/$lastname, the customer action log."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, AccountDevice, CustomerActionLog, DeviceCommand, Message, Session
from accounts.selectors import account_dep, session_dep
from smarty.cache import generations
from tests import factories as f
from vod.models import VideoGenre

from .conftest import form_data, login


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def messaging_events():
    handler = Collect()
    logger = logging.getLogger("smarty_messaging")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def account_url(account: Account) -> str:
    return reverse("admin:accounts_account_change", args=[account.pk])


# --- accounts ------------------------------------------------------------------------------
def test_the_account_card_summarises_the_account(staff, operator):
    f.SessionFactory(account=operator.account, last_active=timezone.now())
    response = login(staff).get(account_url(operator.account))
    card = response.context["card"]
    assert card["customer"] == operator.customer
    assert card["online"] is True
    assert card["tariffs"] == ["Basic"]
    html = response.content.decode()
    assert 'id="account-card"' in html
    assert f"/admin/accounts/message/add/?account={operator.account.pk}" in html
    assert f"/admin/accounts/devicecommand/add/?account={operator.account.pk}" in html


def test_saving_an_account_hashes_the_new_password_and_logs_the_action(
    staff, operator, django_capture_on_commit_callbacks
):
    client = login(staff)
    url = account_url(operator.account)
    session = f.SessionFactory(account=operator.account)
    before = generations([account_dep(operator.account.pk), session_dep(session.authkey)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(client, url, new_password="9876", active=None))
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = Account.objects.get(pk=operator.account.pk)
    assert account.check_password("9876") and "9876" not in account.password
    assert account.active is False
    rows = CustomerActionLog.objects.filter(account=account, action="account_changed", source="admin", user="staff1")
    assert rows.count() == 1
    assert rows.get().details["password"] == "***" and rows.get().details["active"] is False
    # the account and its cached session are invalidated
    after = generations([account_dep(operator.account.pk), session_dep(session.authkey)])
    assert all(a != b for a, b in zip(before, after, strict=True))


def test_the_action_log_can_be_switched_off(staff, operator, settings):
    settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = False
    client = login(staff)
    url = reverse("admin:accounts_customer_change", args=[operator.customer.pk])
    response = client.post(url, form_data(client, url, firstname="Anya"))
    assert response.status_code == 302
    assert not CustomerActionLog.objects.exists()
    assert client.get(reverse("admin:accounts_customeractionlog_changelist")).status_code == 403


def test_the_action_log_records_tariff_changes_with_their_source(staff, operator):
    client = login(staff)
    extra = f.TariffFactory(client=operator.client, name="Sport")
    url = reverse("admin:accounts_customer_change", args=[operator.customer.pk])
    response = client.post(url, form_data(client, url, tariffs=[str(extra.pk)]))
    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = {(row.action, tuple(row.details["tariffs_ids"])) for row in CustomerActionLog.objects.all()}
    assert ("customer_tariffs_assigned", (extra.pk,)) in rows
    assert ("customer_tariffs_removed", (operator.tariff.pk,)) in rows
    log = client.get(reverse("admin:accounts_customeractionlog_changelist"))
    assert {row.source for row in log.context["cl"].result_list} == {"admin"}
    first = log.context["cl"].result_list[0]
    assert client.get(reverse("admin:accounts_customeractionlog_change", args=[first.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_customeractionlog_add")).status_code == 403


def test_the_action_log_of_another_operator_is_invisible(staff, other_operator):
    row = CustomerActionLog.objects.create(
        client=other_operator.client, customer=other_operator.customer, source="billing_api", action="x"
    )
    client = login(staff)
    assert client.get(reverse("admin:accounts_customeractionlog_change", args=[row.pk])).status_code == 404
    assert list(client.get(reverse("admin:accounts_customeractionlog_changelist")).context["cl"].result_list) == []


def test_an_account_added_without_abonement_gets_one(staff, operator):
    client = login(staff)
    url = reverse("admin:accounts_account_add") + f"?customer={operator.customer.pk}"
    data = form_data(client, url, abonement="")
    assert data["customer"] == str(operator.customer.pk)  # prefilled from the customer card
    response = client.post(reverse("admin:accounts_account_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    account = Account.objects.filter(customer=operator.customer).latest("pk")
    assert account.abonement.isdigit() and len(account.abonement) == 8
    assert CustomerActionLog.objects.filter(account=account, action="account_created").exists()


def test_a_duplicate_abonement_is_a_form_error_not_a_crash(staff, operator, other_operator):
    client = login(staff)
    url = reverse("admin:accounts_account_add")
    response = client.post(url, form_data(client, url, customer=operator.customer.pk, abonement="100002"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    # another operator's abonement is no conflict
    response = client.post(url, form_data(client, url, customer=operator.customer.pk, abonement="200001"))
    assert response.status_code == 302


def test_the_customer_card_offers_adding_an_account(staff, operator):
    html = login(staff).get(reverse("admin:accounts_customer_change", args=[operator.customer.pk])).content.decode()
    assert f"/admin/accounts/account/add/?customer={operator.customer.pk}" in html


# --- devices and sessions ------------------------------------------------------------------
def test_devices_can_be_added_manually_and_take_the_accounts_operator(staff, operator, json_device):
    client = login(staff)
    url = reverse("admin:accounts_accountdevice_add")
    response = client.post(
        url, form_data(client, url, account=operator.account.pk, device_uid="MAC-00-11", play_device=json_device.pk)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    device = AccountDevice.objects.get(device_uid="MAC-00-11")
    assert device.client_id == operator.client.pk
    assert CustomerActionLog.objects.filter(action="account_device_created", account=operator.account).exists()


def test_devices_are_added_on_the_account_card(staff, operator):
    client = login(staff)
    url = account_url(operator.account)
    data = form_data(client, url)
    data.update({"devices-TOTAL_FORMS": "1", "devices-0-device_uid": "card-uid", "devices-0-enabled": "on"})
    data["devices-0-is_basic"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert AccountDevice.objects.get(device_uid="card-uid").client_id == operator.client.pk


def test_ending_sessions_from_the_monitoring_list(staff, operator, other_operator):
    mine = f.SessionFactory(account=operator.account)
    theirs = f.SessionFactory(account=other_operator.account)
    client = login(staff)
    response = client.post(
        reverse("admin:accounts_session_changelist"),
        {"action": "terminate", "_selected_action": [mine.pk, theirs.pk]},
    )
    assert response.status_code == 302
    assert not Session.objects.filter(pk=mine.pk).exists()
    assert Session.objects.filter(pk=theirs.pk).exists()


# --- messages and commands -----------------------------------------------------------------
def test_a_message_to_an_account_logs_created_and_send(
    staff, operator, messaging_events, django_capture_on_commit_callbacks
):
    client = login(staff)
    url = reverse("admin:accounts_message_add") + f"?account={operator.account.pk}"
    data = form_data(client, url, subject="Hello", text="Pay your bill", urgent="on")
    assert data["account"] == str(operator.account.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:accounts_message_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    message = Message.objects.get()
    assert message.client_id == operator.client.pk and message.urgent and message.uuid
    events = [(r.event, r.context) for r in messaging_events]
    assert events[0] == ("MESSAGE_CREATED", {"account": "100001", "subject": "Hello", "text": "Pay your bill"})
    assert events[1][0] == "MESSAGE_SEND" and events[1][1]["uuid"] == str(message.uuid)
    assert client.get(reverse("admin:accounts_message_change", args=[message.pk])).status_code == 200


def test_a_command_goes_to_a_device_of_the_account_only(staff, operator, other_operator):
    client = login(staff)
    own_device = f.AccountDeviceFactory(account=operator.account)
    other_device = f.AccountDeviceFactory(account=operator.account_without_tariff)
    url = reverse("admin:accounts_devicecommand_add")
    response = client.post(url, form_data(client, url, account=operator.account.pk, device=other_device.pk, type="3"))
    assert response.status_code == 200
    assert "device" in response.context["adminform"].form.errors
    response = client.post(url, form_data(client, url, account=operator.account.pk, device=own_device.pk, type="3"))
    assert response.status_code == 302
    command = DeviceCommand.objects.get()
    assert (command.type, command.device_id, command.client_id) == ("3", own_device.pk, operator.client.pk)
    foreign = f.AccountDeviceFactory(account=other_operator.account)
    response = client.post(url, form_data(client, url, account=operator.account.pk, device=foreign.pk, type="2"))
    assert response.status_code == 200 and DeviceCommand.objects.count() == 1


# --- bulk mail -----------------------------------------------------------------------------
def test_bulk_mail_selects_by_activity_and_tariff_and_substitutes_names(
    staff, operator, other_operator, messaging_events
):
    now = timezone.now()
    Account.objects.filter(pk=operator.account.pk).update(last_active=now - dt.timedelta(days=1))
    Account.objects.filter(pk=operator.account_without_tariff.pk).update(last_active=now - dt.timedelta(days=1))
    Account.objects.filter(pk=other_operator.account.pk).update(last_active=now - dt.timedelta(days=1))
    client = login(staff)
    url = reverse("admin:accounts_message_bulk")
    criteria = {
        "subject": "Dear $firstname",
        "text": "Hello $firstname $lastname, price is $5",
        "active_from": (now - dt.timedelta(days=3)).date().isoformat(),
        "active_to": now.date().isoformat(),
        "tariffs": [operator.tariff.pk],
        "only_active": "on",
    }
    preview = client.post(url, {**criteria, "_preview": "1"})
    assert preview.status_code == 200
    assert preview.context["recipients_count"] == 1  # account 100001: active, recent, Basic via its customer
    assert preview.context["sample"]["text"] == "Hello Anna Ivanova1, price is $5"
    assert not Message.objects.exists()

    response = client.post(url, {**criteria, "_send": "1"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.account_id == operator.account.pk
    assert message.subject == "Dear Anna"
    assert message.text == "Hello Anna Ivanova1, price is $5"
    assert [r.event for r in messaging_events][:1] == ["MESSAGE_CREATED"]


def test_bulk_mail_without_criteria_reaches_every_active_account_of_the_operator(staff, operator, other_operator):
    client = login(staff)
    response = client.post(
        reverse("admin:accounts_message_bulk"), {"text": "Maintenance tonight", "only_active": "on", "_send": "1"}
    )
    assert response.status_code == 302
    assert set(Message.objects.values_list("account__abonement", flat=True)) == {"100001", "100002"}


def test_bulk_mail_needs_an_operator_for_superusers(superuser, operator):
    response = login(superuser).get(reverse("admin:accounts_message_bulk"))
    assert response.context["need_operator"] is True


def test_bulk_mail_rejects_a_reversed_period_and_foreign_tariffs(staff, operator, other_operator):
    client = login(staff)
    response = client.post(
        reverse("admin:accounts_message_bulk"),
        {"text": "x", "active_from": "2024-02-01", "active_to": "2024-01-01", "tariffs": [other_operator.tariff.pk]},
    )
    form = response.context["form"]
    assert "active_to" in form.errors and "tariffs" in form.errors


def test_video_genres_have_sort_arrows(staff, operator):
    first = VideoGenre.objects.create(client=operator.client, name="Drama", sort_order=0)
    second = VideoGenre.objects.create(client=operator.client, name="Comedy", sort_order=1)
    client = login(staff)
    assert "smarty-sort-down" in client.get(reverse("admin:vod_videogenre_changelist")).content.decode()
    client.post(reverse("admin:vod_videogenre_move", args=[first.pk, "down"]))
    assert list(VideoGenre.objects.order_by("sort_order").values_list("pk", flat=True)) == [second.pk, first.pk]
