"""Account group of the Billing API over HTTP: accounts, their tariffs, devices, cameras,
messages and authkey/delete."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from accounts.models import Account, AccountDevice, Message, Session
from billing import errors
from channels.models import Camera
from clients.models import PlayDeviceTemplate
from tests import factories as f

pytestmark = pytest.mark.django_db

E = errors


# --- account/create ------------------------------------------------------------------------------


def test_account_create_generates_abonement_and_numeric_password_and_stores_only_a_hash(billing_client, operator):
    body = billing_client.call("account/create", {"customer_id": operator.customer.pk})
    assert body["error"] == 0 and set(body) >= {"account_id", "abonement", "password", "error_fields"}
    account = Account.objects.get(pk=body["account_id"])
    assert account.abonement == body["abonement"] and account.abonement.isdigit()
    assert len(account.abonement) == operator.client.abonement_length
    assert body["password"].isdigit() and 0 <= int(body["password"]) <= 999_999
    assert body["password"] not in account.password and account.check_password(body["password"])
    assert account.client_id == operator.client.pk and account.customer_id == operator.customer.pk


def test_account_passwords_are_stored_as_salted_pbkdf2_with_the_configured_iterations(
    billing_client, operator, settings
):
    settings.SMARTY_ACCOUNT_PASSWORD_ITERATIONS = 2345
    body = billing_client.call("account/create", {"customer_id": operator.customer.pk, "password": "271828"})
    stored = Account.objects.get(pk=body["account_id"]).password
    algorithm, iterations, salt, digest = stored.split("$")
    assert (algorithm, iterations, len(salt)) == ("pbkdf2_sha256", "2345", 32)
    assert digest == hashlib.pbkdf2_hmac("sha256", b"271828", salt.encode(), 2345).hex()
    other = billing_client.call("account/create", {"customer_id": operator.customer.pk, "password": "271828"})
    assert Account.objects.get(pk=other["account_id"]).password.split("$")[2] != salt  # a salt per account


def test_the_production_iteration_count_is_not_lowered():
    from settings import base

    assert base.SMARTY_ACCOUNT_PASSWORD_ITERATIONS >= 100_000


def test_account_create_takes_the_given_abonement_password_and_fields(billing_client, operator):
    body = billing_client.call(
        "account/create",
        {
            "ext_id": "",
            "customer_id": operator.customer.pk,
            "abonement": "5550001",
            "password": "42",
            "account_ext_id": "acc-1",
            "active": 0,
            "status_reason": "WAIT",
            "auto_activation_period": 7,
            "extension_date": "2030-01-02",
            "allow_login_by_abonement": 1,
            "allow_login_by_device_uid": 0,
            "parent_code": "0000",
            "allowed_device_groups": [0, 3],
            "subnets": "10.0.0.0/8;192.168.1.1",
            "option2": "x",
        },
    )
    assert body["error"] == 0 and body["abonement"] == "5550001" and body["password"] == "42"
    account = Account.objects.get(pk=body["account_id"])
    assert account.ext_id == "acc-1" and not account.active and account.status_reason == "WAIT"
    assert account.auto_activation_period == 7 and account.extension_date == dt.date(2030, 1, 2)
    assert account.allow_login_by_abonement and not account.allow_login_by_device_uid
    assert account.parent_code == "0000" and account.option2 == "x"
    assert account.allowed_device_groups == [0, 3]
    assert account.subnets == "10.0.0.0/8,192.168.1.1/32"


def test_account_create_finds_the_customer_by_ext_id(billing_client, operator):
    operator.customer.ext_id = "cust-7"
    operator.customer.save()
    body = billing_client.call("account/create", {"ext_id": "cust-7"})
    assert Account.objects.get(pk=body["account_id"]).customer_id == operator.customer.pk


@pytest.mark.parametrize("params", [{}, {"customer_id": 99999}, {"ext_id": "nobody"}])
def test_account_create_answers_1_when_the_customer_is_unknown(billing_client, params):
    body = billing_client.call("account/create", params)
    assert body["error"] == E.AccountCreate.CUSTOMER_NOT_FOUND and body["error_fields"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("password", "1000000"),
        ("password", "abc"),
        ("active", "2"),
        ("extension_date", "02.01.2030"),
        ("activation_date", "2030-02-30"),
        ("auto_activation_period", "-1"),
        ("allowed_device_groups", "7"),
        ("subnets", "10.0.0.300/8"),
        ("parent_code", "12ab"),
        ("abonement", "12ab"),
        ("data_center", "999999"),
        ("template", "no-such-template"),
        ("preferred_timeshift_offset", "x"),
        ("status_reason", "X" * 40),
    ],
)
def test_account_create_answers_2_naming_the_invalid_field(billing_client, operator, field, value):
    body = billing_client.call("account/create", {"customer_id": operator.customer.pk, field: value})
    assert body["error"] == E.AccountCreate.INVALID, body
    assert field in body["error_fields"] and field in body["error_message"]
    assert Account.objects.filter(customer=operator.customer).count() == 2  # nothing written


def test_account_create_accepts_any_short_status_reason_and_a_known_template(billing_client, operator):
    PlayDeviceTemplate.objects.create(name="Focus", system_name="focus")
    body = billing_client.call(
        "account/create", {"customer_id": operator.customer.pk, "status_reason": "PROMO", "template": "focus"}
    )
    account = Account.objects.get(pk=body["account_id"])
    assert account.status_reason == "PROMO" and account.template == "focus"


def test_account_create_answers_3_for_a_taken_account_ext_id_or_abonement(billing_client, operator):
    first = billing_client.call("account/create", {"customer_id": operator.customer.pk, "account_ext_id": "a-1"})
    assert first["error"] == 0
    again = billing_client.call("account/create", {"customer_id": operator.customer.pk, "account_ext_id": "a-1"})
    assert again["error"] == E.AccountCreate.CREATE_FAILED and "account_ext_id" in again["error_fields"]
    taken = billing_client.call(
        "account/create", {"customer_id": operator.customer.pk, "abonement": operator.account.abonement}
    )
    assert taken["error"] == E.AccountCreate.CREATE_FAILED and "abonement" in taken["error_fields"]


def test_the_same_abonement_and_ext_id_may_exist_at_another_operator(billing_client, other_operator, operator):
    other_operator.account.ext_id = "shared"
    other_operator.account.save()
    body = billing_client.call(
        "account/create",
        {
            "customer_id": operator.customer.pk,
            "abonement": other_operator.account.abonement,
            "account_ext_id": "shared",
        },
    )
    assert body["error"] == 0 and body["abonement"] == other_operator.account.abonement


def test_generated_abonements_are_redrawn_when_taken(billing_client, operator, monkeypatch):
    from accounts.services import accounts as account_services

    draws = iter([operator.account.abonement, operator.account.abonement, "77777777"])
    monkeypatch.setattr(account_services, "generate_abonement", lambda client: next(draws))
    body = billing_client.call("account/create", {"customer_id": operator.customer.pk})
    assert body["abonement"] == "77777777"


# --- account/info and account/list --------------------------------------------------------------


def test_account_info_answers_every_reference_field(billing_client, operator):
    play = f.PlayDeviceFactory(system_name="android")
    device = f.AccountDeviceFactory(account=operator.account, play_device=play, serial_number="SN1")
    operator.account.tariffs.add(f.TariffFactory(client=operator.client))
    operator.account.subnets = "10.0.0.0/8,192.168.0.0/16"
    operator.account.allowed_device_groups = [0, 2]
    operator.account.save()
    body = billing_client.call("account/info", {"abonement": operator.account.abonement})
    assert body["error"] == 0
    for field in (
        "id abonement active last_active created_at status_reason auto_activation_period extension_date "
        "activation_date deactivation_date allow_multiple_login allow_login_by_abonement "
        "allow_login_by_device_uid allow_login_by_ip parent_code use_timeshift preferred_timeshift_offset "
        "devices tariffs customer_id subnets subscriptions allowed_device_groups"
    ).split():
        assert field in body, field
    assert body["id"] == operator.account.pk and body["customer_id"] == operator.customer.pk
    assert body["devices"] == [
        {
            "id": device.pk,
            "system_name": "android",
            "device_uid": device.device_uid,
            "serial_number": "SN1",
            "created_at": device.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "is_basic": 1,
        }
    ]
    assert body["subnets"] == "10.0.0.0/8;192.168.0.0/16"
    assert body["allowed_device_groups"] == [0, 2]
    assert body["tariffs"] == [t.pk for t in operator.account.tariffs.all()]
    assert body["created_at"] == operator.account.created_at.date().isoformat()


@pytest.mark.parametrize("params", [{}, {"account_id": 999999}, {"abonement": "000"}, {"account_id": "x"}])
def test_account_info_answers_1_for_an_unknown_account(billing_client, params):
    body = billing_client.call("account/info", params)
    assert body["error"] == E.AccountInfo.NOT_FOUND and body["error_fields"]


def test_account_list_filters_by_status_reason_device_and_regexp(billing_client, operator, other_operator):
    f.AccountDeviceFactory(account=operator.account, play_device=f.PlayDeviceFactory(system_name="android"))
    body = billing_client.call("account/list", {}, method="get")
    ids = [a["id"] for a in body["accounts"]]
    assert ids == [operator.account.pk, operator.account_without_tariff.pk, operator.inactive_account.pk]
    assert other_operator.account.pk not in ids
    assert [a["id"] for a in billing_client.call("account/list", {"status": 0}, method="get")["accounts"]] == [
        operator.inactive_account.pk
    ]
    assert [a["id"] for a in billing_client.call("account/list", {"status_reason": "INACTIVE"})["accounts"]] == [
        operator.inactive_account.pk
    ]
    assert [a["id"] for a in billing_client.call("account/list", {"device": "android"})["accounts"]] == [
        operator.account.pk
    ]
    assert [a["id"] for a in billing_client.call("account/list", {"abonement_regexp": "2$"})["accounts"]] == [
        operator.account_without_tariff.pk
    ]


def test_account_list_pages_at_most_100(billing_client, operator):
    for n in range(3):
        f.AccountFactory(customer=operator.customer, abonement=f"90000{n}")
    first = billing_client.call("account/list", {"limit": 2, "page": 1})["accounts"]
    second = billing_client.call("account/list", {"limit": 2, "page": 2})["accounts"]
    assert len(first) == 2 and len(second) == 2 and not {a["id"] for a in first} & {a["id"] for a in second}
    assert len(billing_client.call("account/list", {"limit": 5000})["accounts"]) == 6


@pytest.mark.parametrize(("field", "value"), [("abonement_regexp", "(["), ("limit", "0"), ("page", "x")])
def test_account_list_answers_minus_1_naming_a_malformed_filter(billing_client, field, value):
    body = billing_client.call("account/list", {field: value}, method="get")
    assert body["error"] == E.UNKNOWN and field in body["error_fields"]


# --- account/modify -------------------------------------------------------------------------------


def test_account_modify_changes_only_the_given_fields(billing_client, operator):
    account = operator.account
    account.allow_login_by_device_uid = True
    account.option1 = "keep"
    account.save()
    body = billing_client.call("account/modify", {"account_id": account.pk, "option3": "new", "use_timeshift": 1})
    assert body == {"error": 0, "error_message": "", "error_fields": {}}
    account.refresh_from_db()
    assert account.option3 == "new" and account.use_timeshift
    assert account.allow_login_by_device_uid and account.option1 == "keep" and account.active


def test_account_modify_changes_the_password_only_when_one_is_given(billing_client, operator):
    billing_client.call("account/modify", {"account_id": operator.account.pk, "password": ""})
    operator.account.refresh_from_db()
    assert operator.account.check_password("1234")
    billing_client.call("account/modify", {"account_id": operator.account.pk, "password": "s3cret"})
    operator.account.refresh_from_db()
    assert operator.account.check_password("s3cret") and not operator.account.check_password("1234")


def test_account_modify_clears_a_date_and_a_string_given_empty(billing_client, operator):
    operator.account.extension_date = dt.date(2030, 1, 1)
    operator.account.option1 = "x"
    operator.account.save()
    billing_client.call("account/modify", {"account_id": operator.account.pk, "extension_date": "", "option1": ""})
    operator.account.refresh_from_db()
    assert operator.account.extension_date is None and operator.account.option1 == ""


def test_account_modify_deactivation_ends_the_sessions(billing_client, operator):
    f.SessionFactory(account=operator.account)
    billing_client.call("account/modify", {"account_id": operator.account.pk, "active": 0})
    operator.account.refresh_from_db()
    assert not operator.account.active and operator.account.status_reason == "INACTIVE"
    assert not Session.objects.filter(account=operator.account).exists()


def test_account_modify_reset_device_settings_flags_every_device(billing_client, operator):
    devices = [f.AccountDeviceFactory(account=operator.account) for _ in range(2)]
    billing_client.call("account/modify", {"account_id": operator.account.pk, "reset_device_settings": 1})
    assert all(AccountDevice.objects.get(pk=d.pk).reset_settings for d in devices)


def test_account_modify_answers_2_for_a_taken_ext_id_or_invalid_value(billing_client, operator):
    operator.account_without_tariff.ext_id = "taken"
    operator.account_without_tariff.save()
    body = billing_client.call("account/modify", {"account_id": operator.account.pk, "account_ext_id": "taken"})
    assert body["error"] == E.AccountModify.INVALID and "account_ext_id" in body["error_fields"]
    body = billing_client.call("account/modify", {"account_id": operator.account.pk, "deactivation_date": "soon"})
    assert body["error"] == E.AccountModify.INVALID and "deactivation_date" in body["error_fields"]


def test_account_modify_answers_1_for_an_unknown_account(billing_client):
    assert billing_client.call("account/modify", {"abonement": "404"})["error"] == E.AccountModify.NOT_FOUND


# --- delete, activate, deactivate ----------------------------------------------------------------


def test_account_delete_removes_the_account_with_its_sessions(billing_client, operator):
    f.SessionFactory(account=operator.account)
    assert billing_client.call("account/delete", {"abonement": operator.account.abonement})["error"] == 0
    assert not Account.objects.filter(pk=operator.account.pk).exists()
    assert not Session.objects.filter(account_id=operator.account.pk).exists()
    assert billing_client.call("account/delete", {"account_id": operator.account.pk})["error"] == 1


def test_account_deactivate_and_activate(billing_client, operator, events):
    session = f.SessionFactory(account=operator.account)
    assert billing_client.call("account/deactivate", {"account_id": operator.account.pk})["error"] == 0
    operator.account.refresh_from_db()
    assert not operator.account.active and operator.account.status_reason == "INACTIVE"
    assert not Session.objects.filter(pk=session.pk).exists()
    body = billing_client.call("account/activate", {"abonement": operator.account.abonement, "notify_external_api": 1})
    assert body == {"error": 0, "error_message": ""}
    operator.account.refresh_from_db()
    assert operator.account.active and operator.account.status_reason == "ACTIVE"
    [activated] = events.of("ACCOUNT_ACTIVATED")
    assert activated["params"]["abonement"] == operator.account.abonement and activated["activation_result"]


@pytest.mark.parametrize("path", ["account/activate", "account/deactivate", "account/delete"])
def test_account_status_methods_answer_1_for_an_unknown_account(billing_client, path):
    assert billing_client.call(path, {"account_id": 987654})["error"] == 1
    assert billing_client.call(path, {})["error"] == 1


# --- account tariffs ------------------------------------------------------------------------------


def test_account_tariff_assign_and_remove_act_on_the_account_only(billing_client, operator):
    extra = f.TariffFactory(client=operator.client, ext_id="EXT-9")
    body = billing_client.call("account/tariff/assign", {"account_id": operator.account.pk, "tariff_id": extra.pk})
    assert body == {"error": 0, "error_message": ""}
    assert list(operator.account.tariffs.all()) == [extra]
    assert extra not in operator.customer.tariffs.all()
    body = billing_client.call(
        "account/tariff/remove", {"abonement": operator.account.abonement, "tariff_ext_id": "EXT-9"}
    )
    assert body["error"] == 0 and not operator.account.tariffs.exists()


def test_account_tariff_methods_answer_their_not_found_codes(billing_client, operator, other_operator):
    for path in ("account/tariff/assign", "account/tariff/remove"):
        assert billing_client.call(path, {"account_id": 999999, "tariff_id": operator.tariff.pk})["error"] == 1
        for ref in ({"tariff_id": other_operator.tariff.pk}, {"vtariff_id": 1}, {"tariff_ext_id": "nope"}, {}):
            assert billing_client.call(path, {"account_id": operator.account.pk, **ref})["error"] == 2


def test_assigning_a_disabled_tariff_to_an_account_answers_3(billing_client, operator):
    disabled = f.TariffFactory(client=operator.client, enabled=False)
    body = billing_client.call("account/tariff/assign", {"account_id": operator.account.pk, "tariff_id": disabled.pk})
    assert body["error"] == E.AccountTariffAssign.FAILED and not operator.account.tariffs.exists()


# --- devices ------------------------------------------------------------------------------------------


@pytest.fixture
def android(operator, json_device):
    return json_device


def test_account_device_create_binds_a_basic_device_by_system_name(billing_client, operator, android):
    body = billing_client.call(
        "account/device/create",
        {
            "account_id": operator.account.pk,
            "device_uid": "AA:BB:CC:00:11:22",
            "system_name": "android",
            "serial_number": "SN-1",
            "brand_name": "Acme",
            "device_model": "X1",
            "diagonal": "55",
        },
    )
    assert body["error"] == 0 and body["error_fields"] == {}
    device = AccountDevice.objects.get(device_uid="AA:BB:CC:00:11:22")
    assert device.account == operator.account and device.play_device == android and device.is_basic
    assert (device.serial_number, device.brand_name, device.device_model, device.diagonal) == (
        "SN-1",
        "Acme",
        "X1",
        "55",
    )


def test_account_device_create_by_client_play_device_id(billing_client, operator, android):
    from clients.models import ClientPlayDevice

    cpd = ClientPlayDevice.objects.get(client=operator.client, play_device=android)
    body = billing_client.call(
        "account/device/create",
        {"abonement": operator.account.abonement, "device_uid": "uid-x", "client_play_device_id": cpd.pk},
    )
    assert body["error"] == 0 and AccountDevice.objects.get(device_uid="uid-x").play_device == android


def test_account_device_create_answers_each_documented_code(billing_client, operator, other_operator, android):
    from clients.models import ClientPlayDevice

    def create(**params):
        return billing_client.call("account/device/create", {"account_id": operator.account.pk, **params})["error"]

    assert billing_client.call("account/device/create", {"account_id": 999999, "device_uid": "u"})["error"] == 1
    assert create(device_uid="u", system_name="nokia") == 2
    foreign = ClientPlayDevice.objects.get(client=other_operator.client, play_device=android)
    assert create(device_uid="u", client_play_device_id=foreign.pk) == 2
    assert create(system_name="android") == 3
    assert create(device_uid="u", system_name="android", sort_by="random") == 3
    assert create(device_uid="u", system_name="android", diagonal="x" * 40) == 3
    assert create(device_uid="u") == 6
    assert create(device_uid="u", system_name="android") == 0
    assert create(device_uid="u", system_name="android") == 4
    other_account = billing_client.call(
        "account/device/create",
        {"account_id": operator.inactive_account.pk, "device_uid": "u", "system_name": "android"},
    )
    assert other_account["error"] == 4


def test_account_device_modify_changes_the_given_fields(billing_client, operator):
    device = f.AccountDeviceFactory(account=operator.account, serial_number="old", brand_name="keep")
    body = billing_client.call(
        "account/device/modify", {"device_uid": device.device_uid, "serial_number": "new", "reset_settings": 1}
    )
    assert body["error"] == 0
    device.refresh_from_db()
    assert device.serial_number == "new" and device.brand_name == "keep" and device.reset_settings
    body = billing_client.call("account/device/modify", {"device_id": device.pk, "diagonal": "9" * 20})
    assert body["error"] == E.AccountDeviceModify.INVALID and "diagonal" in body["error_fields"]
    assert billing_client.call("account/device/modify", {"device_id": 999999})["error"] == 1
    assert billing_client.call("account/device/modify", {})["error"] == 1


def test_account_device_delete_unbinds_and_ends_its_sessions(billing_client, operator, events):
    device = f.AccountDeviceFactory(account=operator.account)
    session = f.SessionFactory(account=operator.account, device=device)
    other_session = f.SessionFactory(account=operator.account)
    assert billing_client.call("account/device/delete", {"device_id": device.pk})["error"] == 0
    assert not AccountDevice.objects.filter(pk=device.pk).exists()
    assert not Session.objects.filter(pk=session.pk).exists() and Session.objects.filter(pk=other_session.pk).exists()
    assert events.of("ACCOUNT_DEVICE_REMOVED") == [{"account_id": operator.account.pk, "device_uid": device.device_uid}]
    assert billing_client.call("account/device/delete", {"device_uid": device.device_uid})["error"] == 1


# --- cameras --------------------------------------------------------------------------------------


def test_account_camera_create_and_delete(billing_client, operator):
    cams = [Camera.objects.create(client=operator.client, name=f"Cam {n}") for n in range(2)]
    ids = ",".join(str(c.pk) for c in cams)
    assert (
        billing_client.call("account/camera/create", {"account_id": operator.account.pk, "camera_id": ids})["error"]
        == 0
    )
    assert set(operator.account.cameras.all()) == set(cams)
    body = billing_client.call("account/camera/delete", {"account_id": operator.account.pk, "camera_id": cams[0].pk})
    assert body["error"] == 0 and list(operator.account.cameras.all()) == [cams[1]]


def test_account_camera_methods_answer_their_codes(billing_client, operator, other_operator):
    cam = Camera.objects.create(client=operator.client, name="Cam")
    foreign = Camera.objects.create(client=other_operator.client, name="Cam")
    for path in ("account/camera/create", "account/camera/delete"):
        assert billing_client.call(path, {"account_id": operator.account.pk})["error"] == 1
        assert billing_client.call(path, {"account_id": operator.account.pk, "camera_id": "x"})["error"] == 1
        assert billing_client.call(path, {"account_id": 999999, "camera_id": cam.pk})["error"] == 2
        assert billing_client.call(path, {"account_id": operator.account.pk, "camera_id": foreign.pk})["error"] == 3
    assert (
        billing_client.call("account/camera/delete", {"account_id": operator.account.pk, "camera_id": cam.pk})["error"]
        == 3
    )
    cam.account = operator.account_without_tariff
    cam.save()
    assert (
        billing_client.call("account/camera/create", {"account_id": operator.account.pk, "camera_id": cam.pk})["error"]
        == 1
    )


def test_a_camera_moved_to_another_account_leaves_the_first_accounts_devices_at_once(billing_client, operator, client):
    """The camera list and the camera URL are cached: moving a camera must refresh both."""
    cam = Camera.objects.create(client=operator.client, name="Door", uri="http://cam.test/door")
    first, second = operator.account, operator.account_without_tariff
    sessions = {a.pk: f.SessionFactory(account=a) for a in (first, second)}

    def sees(account) -> tuple[bool, bool]:
        params = {"authkey": sessions[account.pk].authkey, "client_id": operator.client.pk}
        listed = client.get("/tvmiddleware/api/camera/list/", params).json()["cameras"]
        url = client.get("/tvmiddleware/api/camera/url/", {**params, "cid": cam.pk, "redirect": 0}).json()
        return cam.pk in {c["id"] for c in listed}, url["error"] == 0

    assert billing_client.call("account/camera/create", {"account_id": first.pk, "camera_id": cam.pk})["error"] == 0
    assert sees(first) == (True, True) and sees(second) == (False, False)
    assert billing_client.call("account/camera/delete", {"account_id": first.pk, "camera_id": cam.pk})["error"] == 0
    assert billing_client.call("account/camera/create", {"account_id": second.pk, "camera_id": cam.pk})["error"] == 0
    assert sees(first) == (False, False)
    assert sees(second) == (True, True)


# --- messages -------------------------------------------------------------------------------------


def test_account_message_create_queues_a_message_for_the_screens(billing_client, operator, events):
    body = billing_client.call(
        "account/message/create",
        {"abonement": operator.account.abonement, "subject": "Hi", "text": "Pay your bill", "urgent": 0},
    )
    assert body == {"error": 0, "error_message": "", "error_fields": {}}
    message = Message.objects.get(account=operator.account)
    assert (message.subject, message.text, message.urgent, message.delete_after_reading) == (
        "Hi",
        "Pay your bill",
        False,
        True,
    )
    assert events.of("MESSAGE_CREATED")[0]["text"] == "Pay your bill"


@pytest.mark.parametrize(
    "params",
    [{"text": ""}, {"text": "x", "send_message_by_sms": 1}, {"text": "x", "send_message_to_tv_screen": 0}],
)
def test_account_message_create_answers_2_for_what_it_cannot_deliver(billing_client, operator, params):
    body = billing_client.call("account/message/create", {"account_id": operator.account.pk, **params})
    assert body["error"] == E.AccountMessageCreate.INVALID and body["error_fields"]
    assert not Message.objects.exists()


def test_account_message_create_answers_1_for_an_unknown_account(billing_client):
    assert billing_client.call("account/message/create", {"account_id": 999999, "text": "x"})["error"] == 1


# --- authkey/delete ---------------------------------------------------------------------------------


def test_authkey_delete_by_id_or_key(billing_client, operator):
    first, second = f.SessionFactory(account=operator.account), f.SessionFactory(account=operator.account)
    assert billing_client.call("authkey/delete", {"authkey_id": first.pk}) == {"error": 0, "error_message": ""}
    assert billing_client.call("authkey/delete", {"authkey_key": second.authkey})["error"] == 0
    assert not Session.objects.exists()


def test_authkey_delete_answers_1_without_a_key_and_2_for_an_unknown_one(billing_client, other_operator):
    foreign = f.SessionFactory(account=other_operator.account)
    assert billing_client.call("authkey/delete", {})["error"] == 1
    assert billing_client.call("authkey/delete", {"authkey_id": "abc"})["error"] == 1
    assert billing_client.call("authkey/delete", {"authkey_key": "nope"})["error"] == 2
    assert billing_client.call("authkey/delete", {"authkey_id": foreign.pk})["error"] == 2
    assert Session.objects.filter(pk=foreign.pk).exists()
