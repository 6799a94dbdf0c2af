"""Programme reminders: /notification/create/, /notification/list/, /notification/delete/
(reference tvmw/Notification.md), and the account's target banners
(/account/targetbanner/list, reference tvmw/Account.md)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from channels.models import ProgramReminder
from tests import factories as f
from vod.models import TargetBanner

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import xml

pytestmark = pytest.mark.django_db

# notifications.* of the reference (program_meta is a JSON string, its keys inside it)
NOTIFICATION_FIELDS = {
    "id",
    "name",
    "url",
    "icon",
    "category_id",
    "timeshift_offset",
    "has_record",
    "max_archive_duration",
    "program_begin_time",
    "program_end_time",
    "program_name",
    "program_description",
    "program_category",
    "program_preview_url",
    "program_id",
    "program_rating",
    "program_meta",
}


def test_a_reminder_set_for_a_coming_programme_is_listed_with_the_documented_fields(api, operator, guide):
    channel = operator.channels[0]
    coming = guide[channel.id][5]  # two hours from now
    assert api("notification/create/", cid=channel.id, pid=coming.id, timeshift_offset=3600) == {
        "error": 0,
        "error_message": "",
    }
    body = api("notification/list/")
    assert body["error"] == 0
    [item] = body["notifications"]
    assert set(item) == NOTIFICATION_FIELDS
    assert item["id"] == channel.id and item["name"] == channel.name
    assert item["program_id"] == coming.id and item["program_name"] == coming.name
    assert item["program_begin_time"] == int(coming.time_begin.timestamp())
    assert item["timeshift_offset"] == 3600 and item["has_record"] == 0
    assert isinstance(json.loads(item["program_meta"]), dict)


def test_setting_the_same_reminder_twice_keeps_one(api, operator, guide):
    channel = operator.channels[0]
    program = guide[channel.id][6]
    api("notification/create/", cid=channel.id, pid=program.id)
    api("notification/create/", cid=channel.id, pid=program.id, timeshift_offset=60)
    assert ProgramReminder.objects.filter(account=operator.account).count() == 1
    assert [n["timeshift_offset"] for n in api("notification/list/")["notifications"]] == [60]


def test_past_programmes_stay_listed_only_while_their_recording_can_be_watched(api, operator, guide):
    recorded, live = operator.channels[0], operator.channels[1]
    recorded.recording_days = 1
    recorded.save()
    past_recorded, past_unrecorded = guide[recorded.id][0], guide[live.id][0]
    for channel, program in ((recorded, past_recorded), (live, past_unrecorded)):
        assert api("notification/create/", cid=channel.id, pid=program.id)["error"] == 0
    items = api("notification/list/")["notifications"]
    assert [(n["program_id"], n["has_record"]) for n in items] == [(past_recorded.id, 1)]
    assert items[0]["max_archive_duration"] == 1


def test_unknown_channel_or_programme_of_another_channel_answers_404(api, operator, guide, other_operator):
    channel, other = operator.channels[0], operator.channels[1]
    assert api("notification/create/", cid=999999, pid=guide[channel.id][4].id)["error"] == 404
    assert api("notification/create/", cid=channel.id, pid=guide[other.id][4].id)["error"] == 404
    assert api("notification/create/", cid=channel.id, pid=999999999)["error"] == 404
    assert api("notification/create/", cid="abc", pid=guide[channel.id][4].id)["error"] == 404
    assert api("notification/create/", cid=channel.id)["error"] == 404
    assert not ProgramReminder.objects.exists()


def test_a_channel_outside_the_accounts_tariffs_cannot_get_a_reminder(api, operator, guide):
    channel = operator.channels[2]
    channel.tariffs.clear()
    assert api("notification/create/", cid=channel.id, pid=guide[channel.id][5].id)["error"] == 404


def test_delete_one_then_all(api, operator, guide):
    a, b = operator.channels[0], operator.channels[1]
    api("notification/create/", cid=a.id, pid=guide[a.id][5].id)
    api("notification/create/", cid=b.id, pid=guide[b.id][6].id)
    assert api("notification/delete/", pid=guide[a.id][5].id) == {"error": 0, "error_message": ""}
    assert [n["program_id"] for n in api("notification/list/")["notifications"]] == [guide[b.id][6].id]
    assert api("notification/delete/", pid="all")["error"] == 0
    assert api("notification/list/")["notifications"] == []


@pytest.mark.parametrize("pid", ["", "-1", "x1", "1.5"])
def test_delete_with_a_bad_pid_answers_1(api, pid):
    assert api("notification/delete/", pid=pid)["error"] == 1


def test_list_with_a_bad_icon_size_answers_1(api):
    assert api("notification/list/", icon_width=0)["error"] == 1
    assert api("notification/list/", icon_height="big")["error"] == 1


def test_the_methods_need_a_session(client, operator):
    for method, params in (
        ("notification/create/", {"cid": 1, "pid": 1}),
        ("notification/list/", {}),
        ("notification/delete/", {"pid": "all"}),
    ):
        response = client.get(f"/tvmiddleware/api/{method}", {"client_id": operator.client.pk, **params})
        assert json.loads(response.content)["error"] == 403


def test_another_operators_reminders_and_ids_stay_out_of_reach(
    api, operator, guide, other_operator, other_guide, other_session
):
    mine, theirs = operator.channels[0], other_operator.channels[0]
    theirs_program = other_guide[theirs.id][5]
    # the other operator's channel and programme ids name nothing here
    assert api("notification/create/", cid=theirs.id, pid=theirs_program.id)["error"] == 404
    assert api("notification/create/", cid=mine.id, pid=theirs_program.id)["error"] == 404
    assert api("notification/create/", _session=other_session, cid=theirs.id, pid=theirs_program.id)["error"] == 0
    api("notification/create/", cid=mine.id, pid=guide[mine.id][5].id)
    assert [n["id"] for n in api("notification/list/")["notifications"]] == [mine.id]
    # deleting "all" here leaves the other operator's reminder
    api("notification/delete/", pid="all")
    assert api("notification/delete/", pid=str(theirs_program.id))["error"] == 0
    assert ProgramReminder.objects.filter(client=other_operator.client).count() == 1
    assert ProgramReminder.objects.filter(client=operator.client).count() == 0


def test_notification_list_answers_xml_for_an_xml_device(client, operator, guide, xml_device):
    session = f.SessionFactory(account=operator.account, play_device=xml_device)
    channel = operator.channels[0]
    ProgramReminder.objects.create(
        client=operator.client, account=operator.account, channel=channel, program=guide[channel.id][5]
    )
    response = client.get(
        "/tvmiddleware/api/notification/list/",
        {"authkey": session.authkey, "client_id": operator.client.pk, "device": xml_device.system_name},
    )
    root = xml(response)
    assert root.findtext(".//error") == "0"
    assert root.findtext(".//program_id") == str(guide[channel.id][5].id)


# --- account/targetbanner/list -----------------------------------------------------------------


def banner(client, name: str, **fields) -> TargetBanner:
    today = timezone.localdate()
    defaults = {
        "published_from": today - dt.timedelta(days=1),
        "published_to": today + dt.timedelta(days=1),
        "image": "",
        "message": f"{name} message",
        "deep_link": f"app://{name}",
    }
    defaults.update(fields)
    return TargetBanner.objects.create(client=client, name=name, **defaults)


def banner_names(body: dict) -> list[str]:
    return [b["name"] for b in body["target_banners"]]


def test_target_banners_aimed_at_the_account_its_tariffs_or_nobody_are_listed(api, operator, other_operator):
    everyone = banner(operator.client, "everyone", sort_order=1)
    for_me = banner(operator.client, "for me", sort_order=2)
    for_me.accounts.add(operator.account)
    for_tariff = banner(operator.client, "for my tariff", sort_order=3, meta={"color": "red"})
    for_tariff.tariffs.add(operator.tariff)
    for_other = banner(operator.client, "for another account", sort_order=4)
    for_other.accounts.add(operator.account_without_tariff)
    banner(operator.client, "disabled", enabled=False)
    banner(operator.client, "expired", published_to=timezone.localdate() - dt.timedelta(days=1))
    banner(operator.client, "birthday", for_birthday=True)
    banner(other_operator.client, "everyone")  # look-alike of the other operator
    body = api("account/targetbanner/list")
    assert body["error"] == 0
    assert banner_names(body) == ["everyone", "for me", "for my tariff"]
    assert body["count"] == 3
    assert set(body["target_banners"][0]) == {"id", "name", "image_url", "message", "deep_link", "meta"}
    assert body["target_banners"][0]["id"] == everyone.pk
    assert json.loads(body["target_banners"][2]["meta"]) == {"color": "red"}


def test_a_birthday_banner_shows_on_the_customers_birthday(api, operator):
    banner(operator.client, "birthday", for_birthday=True)
    assert banner_names(api("account/targetbanner/list")) == []
    operator.customer.birthdate = timezone.localdate().replace(year=1990)
    operator.customer.save()
    assert banner_names(api("account/targetbanner/list")) == ["birthday"]


def test_target_banners_are_paged_and_bad_paging_answers_1(api, operator):
    for n in range(3):
        banner(operator.client, f"b{n}", sort_order=n)
    body = api("account/targetbanner/list", page=2, limit=2)
    assert banner_names(body) == ["b2"] and body["count"] == 3
    assert api("account/targetbanner/list", limit=0)["error"] == 1
    assert api("account/targetbanner/list", page="x")["error"] == 1


def test_target_banners_need_a_session(client, operator):
    body = json.loads(
        client.get("/tvmiddleware/api/account/targetbanner/list", {"client_id": operator.client.pk}).content
    )
    assert body["error"] == 403
