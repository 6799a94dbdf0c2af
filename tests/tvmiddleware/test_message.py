"""Messages (reference tvmw/Message.md) and the message/command services."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from lxml import etree

from accounts.models import Message
from accounts.services.messages import command_create, message_create

BASE = "/tvmiddleware/api"


@pytest.fixture
def authkey(tvmw_login):
    return tvmw_login()["authkey"]


def test_message_list_shows_the_accounts_messages_newest_first(tvmw_call, authkey, operator):
    old = message_create(account=operator.account, subject="Old", text="a")
    Message.objects.filter(pk=old.pk).update(created_at="2024-01-02T03:04:00Z")
    message_create(account=operator.account, subject="New", text="b", urgent=True)
    body = tvmw_call("/message/list/", authkey=authkey)
    assert body["error"] == 0
    assert [m["subject"] for m in body["messages"]] == ["New", "Old"]
    assert body["messages"][1] == {
        "uuid": str(old.uuid),
        "subject": "Old",
        "created_at": "2024-01-02 03:04",
        "urgent": 0,
        "was_read": 0,
    }
    assert body["messages"][0]["urgent"] == 1


def test_message_detail_returns_the_message_and_marks_it_read(tvmw_call, authkey, operator, events):
    message = message_create(account=operator.account, subject="Hi", text="<p>Body</p>", no_confirmation=True)
    Message.objects.filter(pk=message.pk).update(created_at="2024-01-02T03:04:05Z")
    body = tvmw_call("/message/detail/", authkey=authkey, uuid=str(message.uuid))
    assert body == {
        "error": 0,
        "error_message": "",
        "uuid": str(message.uuid),
        "subject": "Hi",
        "text": "<p>Body</p>",
        "no_confirmation": 1,
        "created_at": 1704164645,
        "urgent": 0,
        "was_read": 0,
    }
    assert tvmw_call("/message/detail/", authkey=authkey, uuid=str(message.uuid))["was_read"] == 1
    assert tvmw_call("/message/list/", authkey=authkey)["messages"][0]["was_read"] == 1
    assert events.of("MESSAGE_SEND")[-1]["uuid"] == str(message.uuid)


def test_message_detail_in_xml_gives_the_date_as_text(client, tvmw_login, operator):
    authkey = tvmw_login()["authkey"]
    message = message_create(account=operator.account, subject="Hi", text="x")
    Message.objects.filter(pk=message.pk).update(created_at="2024-01-02T03:04:05Z")
    response = client.get(
        f"{BASE}/message/detail/", {"authkey": authkey, "uuid": str(message.uuid), "device": "sagemcom"}
    )
    root = etree.fromstring(response.content)
    assert root.findtext("created_at") == "2024-01-02 03:04" and root.findtext("subject") == "Hi"


def test_a_message_with_control_characters_still_gives_xml_devices_a_well_formed_answer(client, tvmw_login, operator):
    authkey = tvmw_login()["authkey"]
    # A billing system may send any text; XML 1.0 cannot carry most C0 control characters.
    message = message_create(account=operator.account, subject="Bell\x07 & <b>", text="line\x0bfeed\x1b[0m\tend\n")
    response = client.get(
        f"{BASE}/message/detail/", {"authkey": authkey, "uuid": str(message.uuid), "device": "sagemcom"}
    )
    root = etree.fromstring(response.content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.findtext("error") == "0"
    assert root.findtext("subject") == "Bell & <b>"
    assert root.findtext("text") == "linefeed[0m\tend\n"


def test_a_message_to_delete_after_reading_disappears_once_read(tvmw_call, authkey, operator):
    message = message_create(account=operator.account, subject="Once", text="x", delete_after_reading=True)
    assert tvmw_call("/message/detail/", authkey=authkey, uuid=str(message.uuid))["subject"] == "Once"
    assert tvmw_call("/message/list/", authkey=authkey)["messages"] == []


def test_message_detail_and_delete_with_a_bad_uuid_are_error_1(tvmw_call, authkey):
    for path in ("/message/detail/", "/message/delete/"):
        assert tvmw_call(path, authkey=authkey, uuid="nonsense")["error"] == 1
        assert tvmw_call(path, authkey=authkey, uuid=str(uuid.uuid4()))["error"] == 1
        body = tvmw_call(path, authkey=authkey)
        assert body["error"] == 1 and "uuid" in body["error_fields"]


def test_message_delete_one_and_all(tvmw_call, authkey, operator, events):
    first = message_create(account=operator.account, subject="1", text="x")
    message_create(account=operator.account, subject="2", text="x")
    message_create(account=operator.account, subject="3", text="x")
    assert tvmw_call("/message/delete/", authkey=authkey, uuid=str(first.uuid)) == {"error": 0, "error_message": ""}
    assert {m["subject"] for m in tvmw_call("/message/list/", authkey=authkey)["messages"]} == {"2", "3"}
    assert tvmw_call("/message/delete/", authkey=authkey, uuid=str(first.uuid))["error"] == 1
    assert tvmw_call("/message/delete/", authkey=authkey, uuid="all")["error"] == 0
    assert tvmw_call("/message/list/", authkey=authkey)["messages"] == []
    assert len(events.of("MESSAGE_DELETED")) == 3


def test_deleting_messages_clears_has_new_messages(tvmw_call, authkey, operator):
    message_create(account=operator.account, subject="1", text="x")
    assert tvmw_call("/account/status/", authkey=authkey)["has_new_messages"] == 1
    tvmw_call("/message/delete/", authkey=authkey, uuid="all")
    assert tvmw_call("/account/status/", authkey=authkey)["has_new_messages"] == 0


def test_message_methods_need_a_session(tvmw_call):
    assert tvmw_call("/message/list/", authkey="nope")["error"] == 403
    assert tvmw_call("/message/detail/", authkey="nope", uuid=str(uuid.uuid4()))["error"] == 403


def test_command_create_validates_its_type_and_device(operator, other_operator):
    with pytest.raises(ValidationError):
        command_create(account=operator.account, type=9)
    from tests import factories as f

    foreign = f.AccountDeviceFactory(account=other_operator.account)
    with pytest.raises(ValidationError):
        command_create(account=operator.account, type=2, device=foreign)


def test_another_operators_messages_are_never_visible(tvmw_call, authkey, operator, other_operator):
    theirs = message_create(account=other_operator.account, subject="Theirs", text="x")
    assert tvmw_call("/message/list/", authkey=authkey)["messages"] == []
    assert tvmw_call("/message/detail/", authkey=authkey, uuid=str(theirs.uuid))["error"] == 1
    assert tvmw_call("/message/delete/", authkey=authkey, uuid=str(theirs.uuid))["error"] == 1
    tvmw_call("/message/delete/", authkey=authkey, uuid="all")
    assert not Message.objects.get(pk=theirs.pk).is_deleted
