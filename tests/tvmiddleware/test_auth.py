"""/login/ and /logout/ (reference tvmw/Authorization.md) through HTTP: every login method
and every login error code the reference lists."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import pytest
from django.utils import timezone
from lxml import etree

from accounts.models import Account, AccountDevice, CustomerActionLog, Session
from clients.models import PlayDevice
from tests import factories as f
from tests.conftest import clear_cache

BASE = "/tvmiddleware/api"


def creds(op, **extra):
    return {"client_id": op.client.pk, "api_key": op.client.api_key, **extra}


# --- success ----------------------------------------------------------------------------------


def test_login_by_abonement_and_password_returns_the_documented_fields(tvmw_login, operator, events):
    body = tvmw_login(device_uid="phone-1")
    account, customer = operator.account, operator.customer
    assert len(body["authkey"]) == 32
    assert body["account_id"] == account.pk and body["abonement"] == int(account.abonement)
    assert body["customer_id"] == customer.pk
    assert (body["firstname"], body["lastname"]) == ("Anna", "Ivanova1")
    assert body["meta"] == "{}" and body["currency"] == operator.client.default_currency
    assert body["ip_address"] == "127.0.0.1"
    assert body["device_uid"] == "phone-1"
    assert body["last_channel"] == -1 and body["data_center_id"] == -1 and body["data_centers"] == []
    assert body["activation_days_left"] == -1
    assert body["status_reason"] == "ACTIVE" and body["use_timeshift"] == 0
    assert body["reset_settings"] is False
    assert abs(body["utc_time"] - timezone.now().timestamp()) < 60
    session = Session.objects.get(authkey=body["authkey"])
    assert session.account == account and session.client == operator.client
    ttl = session.expires_at - timezone.now()
    assert dt.timedelta(days=29) < ttl <= dt.timedelta(days=30)
    success = events.of("LOGIN_SUCCESS")
    assert success and success[-1]["login_method"] == "abonement_password"
    assert success[-1]["login_type"] == "additional_device"  # android is a mobile device
    assert success[-1]["params"]["password"] == "***" and success[-1]["params"]["api_key"] == "***"


def test_login_sets_authkey_and_device_uid_cookies_and_the_authkey_cookie_works(client, operator):
    response = client.get(
        f"{BASE}/login/",
        {"abonement": "100001", "password": "1234", "client_id": operator.client.pk, "api_key": "api-key-1"},
    )
    authkey = response.cookies["authkey"].value
    device_uid = response.cookies["device_uid"].value
    assert authkey and device_uid
    status = client.get(f"{BASE}/account/status/").json()  # no authkey param: the cookie is used
    assert status["status"] == 0
    # The device sends no UID again: the cookie's UID is reused, not a new one generated.
    again = client.get(
        f"{BASE}/login/",
        {"abonement": "100001", "password": "1234", "client_id": operator.client.pk, "api_key": "api-key-1"},
    ).json()
    assert again["device_uid"] == device_uid
    assert AccountDevice.objects.filter(account=operator.account).count() == 1


def test_a_device_sending_no_uid_gets_a_generated_one(tvmw_login, operator):
    body = tvmw_login(device_uid=None)
    assert len(body["device_uid"]) == 32
    assert AccountDevice.objects.get(account=operator.account).device_uid == body["device_uid"]


def test_a_basic_device_registers_as_basic_and_logs_the_login_type(tvmw_login, operator, events):
    tvmw_login(device="mag", device_uid="stb-1", device_serial="SN1", brand_name="Sagemcom", device_model="DSI")
    device = AccountDevice.objects.get(account=operator.account)
    assert device.is_basic and device.serial_number == "SN1" and device.play_device.system_name == "mag"
    assert events.of("LOGIN_SUCCESS")[-1]["login_type"] == "basic_device"


def test_login_answers_xml_to_an_xml_device(client, operator):
    response = client.get(
        f"{BASE}/login/",
        {
            "abonement": "100001",
            "password": "1234",
            "client_id": operator.client.pk,
            "api_key": "api-key-1",
            "device": "sagemcom",
            "device_uid": "stb-xml",
        },
    )
    assert response["Content-Type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert root.findtext("error") == "0" and len(root.findtext("authkey")) == 32


def test_a_new_login_of_the_same_device_replaces_its_old_session(tvmw_login, tvmw_call, operator):
    first = tvmw_login(device_uid="same")["authkey"]
    second = tvmw_login(device_uid="same")["authkey"]
    assert first != second
    assert tvmw_call("/account/status/", authkey=first)["status"] == 1
    assert tvmw_call("/account/status/", authkey=second)["status"] == 0


def test_an_unknown_abonement_and_a_wrong_or_missing_password_get_the_same_answer(tvmw_call, operator):
    def answer(**params) -> dict:
        return tvmw_call("/login/", **creds(operator, device_uid="d1", **params))

    wrong_password = answer(abonement=operator.account.abonement, password="9999")
    unknown = answer(abonement="987654", password="9999")
    assert wrong_password == unknown and wrong_password["error"] == 1
    assert answer(abonement=operator.account.abonement) == answer(abonement="987654") == wrong_password


def test_login_by_abonement_only_works_only_when_the_account_allows_it(tvmw_call, operator):
    params = creds(operator, abonement=operator.account.abonement, device_uid="d1")
    body = tvmw_call("/login/", **params)
    assert body["error"] == 1 and "password" in body["error_fields"]
    Account.objects.filter(pk=operator.account.pk).update(allow_login_by_abonement=True)
    assert tvmw_call("/login/", **params)["error"] == 0


def test_login_by_device_uid_only(tvmw_call, tvmw_login, operator, events):
    tvmw_login(device_uid="known-box")
    body = tvmw_call("/login/", **creds(operator, device_uid="known-box"))
    assert body["error"] == 0 and body["account_id"] == operator.account.pk
    assert events.of("LOGIN_SUCCESS")[-1]["login_method"] == "device_uid"
    Account.objects.filter(pk=operator.account.pk).update(allow_login_by_device_uid=False)
    assert tvmw_call("/login/", **creds(operator, device_uid="known-box"))["error"] == 1
    assert tvmw_call("/login/", **creds(operator, device_uid="unknown-box"))["error"] == 1


def test_login_by_ip_subnet_and_ambiguous_ip_is_error_12(tvmw_call, operator, events):
    Account.objects.filter(pk=operator.account.pk).update(allow_login_by_ip=True, subnets="10.20.0.0/24")
    body = tvmw_call("/login/", _ip="10.20.0.7", **creds(operator, device_uid="ipbox"))
    assert body["error"] == 0 and body["account_id"] == operator.account.pk
    assert events.of("LOGIN_SUCCESS")[-1]["login_method"] == "ip"
    assert tvmw_call("/login/", _ip="10.21.0.7", **creds(operator, device_uid="other-box"))["error"] == 1
    other = f.AccountFactory(customer=operator.customer, allow_login_by_ip=True, subnets="10.20.0.0/16")
    assert other.pk
    body = tvmw_call("/login/", _ip="10.20.0.7", **creds(operator, device_uid="third-box"))
    assert body["error"] == 12


def _ip_login(client, operator, remote: str, **headers) -> dict:
    params = creds(operator, device_uid=f"ipbox-{uuid.uuid4().hex}")  # a new box: only the IP can log it in
    return client.get(f"{BASE}/login/", params, REMOTE_ADDR=remote, **headers).json()


def test_a_forwarded_address_from_a_stranger_does_not_log_in_by_ip(client, operator, events):
    Account.objects.filter(pk=operator.account.pk).update(allow_login_by_ip=True, subnets="10.20.0.0/24")
    for headers in ({"HTTP_X_REAL_IP": "10.20.0.7"}, {"HTTP_X_FORWARDED_FOR": "10.20.0.7"}):
        assert _ip_login(client, operator, "203.0.113.9", **headers)["error"] == 1
    assert not Session.objects.exists()


def test_the_trusted_proxy_names_the_caller_and_a_forged_hop_before_it_is_ignored(client, operator, settings):
    Account.objects.filter(pk=operator.account.pk).update(allow_login_by_ip=True, subnets="10.20.0.0/24")
    settings.SMARTY_TRUSTED_PROXIES = ["192.0.2.0/24"]
    # The client wrote the first hop itself; the proxy appended the address it saw.
    forged = {"HTTP_X_FORWARDED_FOR": "10.20.0.7, 198.51.100.4"}
    assert _ip_login(client, operator, "192.0.2.10", **forged)["error"] == 1
    assert _ip_login(client, operator, "192.0.2.10", HTTP_X_FORWARDED_FOR="10.20.0.7, 192.0.2.11")["error"] == 0
    assert _ip_login(client, operator, "192.0.2.10", HTTP_X_REAL_IP="10.20.0.7")["ip_address"] == "10.20.0.7"
    assert _ip_login(client, operator, "127.0.0.1", HTTP_X_REAL_IP="10.20.0.7")["error"] == 1  # no longer trusted


def test_login_cookies_are_http_only_strict_and_secure_when_the_login_was(client, operator):
    params = {"abonement": "100001", "password": "1234", "client_id": operator.client.pk, "api_key": "api-key-1"}
    plain = client.get(f"{BASE}/login/", params).cookies
    secure = client.get(f"{BASE}/login/", params, secure=True).cookies
    for name in ("authkey", "device_uid"):
        assert plain[name]["httponly"] and plain[name]["samesite"] == "Strict" and not plain[name]["secure"]
        assert secure[name]["httponly"] and secure[name]["samesite"] == "Strict" and secure[name]["secure"]


def test_login_writes_the_customer_action_log(tvmw_login, operator, settings):
    tvmw_login()
    row = CustomerActionLog.objects.get(account=operator.account)
    assert row.action == "login" and row.source == "tvmw_api" and row.customer == operator.customer
    settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = False
    tvmw_login(device_uid="other")
    assert CustomerActionLog.objects.filter(account=operator.account).count() == 1


def test_auto_activation_period_starts_at_first_login(tvmw_login, operator, events):
    account = operator.inactive_account
    Account.objects.filter(pk=account.pk).update(auto_activation_period=10)
    body = tvmw_login(account)
    account.refresh_from_db()
    today = timezone.now().date()
    assert account.active and account.status_reason == "ACTIVE"
    assert account.activation_date == today and account.deactivation_date == today + dt.timedelta(days=10)
    assert body["activation_days_left"] == 10
    assert events.of("ACCOUNT_ACTIVATED")
    # Second login: the period is not restarted.
    tvmw_login(account)
    account.refresh_from_db()
    assert account.activation_date == today and len(events.of("ACCOUNT_ACTIVATED")) == 1


def test_an_account_past_its_deactivation_date_is_inactive(tvmw_login, operator):
    Account.objects.filter(pk=operator.account.pk).update(
        deactivation_date=timezone.now().date() - dt.timedelta(days=1)
    )
    tvmw_login(expect_error=2)


def test_reset_block_status_reason_unblocks_a_self_blocked_account(tvmw_login, operator):
    Account.objects.filter(pk=operator.account.pk).update(status_reason="BLOCK")
    assert tvmw_login()["status_reason"] == "BLOCK"
    assert tvmw_login(reset_block_status_reason=1)["status_reason"] == "ACTIVE"


def test_reset_settings_is_delivered_once_to_a_device_that_sends_its_uid(tvmw_login, operator):
    tvmw_login(device_uid="box")
    AccountDevice.objects.filter(device_uid="box").update(reset_settings=True)
    assert tvmw_login(device_uid="box")["reset_settings"] is True
    assert tvmw_login(device_uid="box")["reset_settings"] is False


# --- error codes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abonement", "password", "field"),
    [("100001", "wrong", "password"), ("999999", "1234", "password"), ("", "", None)],
)
def test_unknown_account_or_wrong_password_is_error_1(tvmw_call, operator, events, abonement, password, field):
    body = tvmw_call("/login/", **creds(operator, abonement=abonement, password=password))
    assert body["error"] == 1 and body["error_message"]
    if field:
        assert field in body["error_fields"]
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "account_does_not_exist"
    assert not Session.objects.exists()


def test_inactive_account_is_error_2(tvmw_login, operator, events):
    tvmw_login(operator.inactive_account, expect_error=2)
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "account_is_not_active"


@pytest.mark.parametrize(
    "params",
    [
        {"client_id": "1", "api_key": "wrong"},
        {"client_id": "abc", "api_key": "api-key-1"},
        {"api_key": "api-key-1"},
        {"client_id": "1"},
    ],
)
def test_bad_client_id_or_api_key_is_error_4(tvmw_call, operator, events, params):
    params = {k: (operator.client.pk if v == "1" else v) for k, v in params.items()}
    body = tvmw_call("/login/", abonement="100001", password="1234", **params)
    assert body["error"] == 4
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "client_does_not_exist"


def test_a_disabled_operator_cannot_log_in(tvmw_login, operator):
    operator.client.enabled = False
    operator.client.save()
    tvmw_login(expect_error=4)


def test_basic_device_limit_is_error_5_with_the_devices_and_unbinding_frees_a_slot(tvmw_login, operator, events):
    # The operator's tariff allows 2 basic devices.
    tvmw_login(device="mag", device_uid="stb-1")
    tvmw_login(device="mag", device_uid="stb-2")
    body = tvmw_login(device="mag", device_uid="stb-3", expect_error=5)
    assert [d["device_uid"] for d in body["devices"]] == ["stb-1", "stb-2"]
    first = body["devices"][0]
    assert first["system_name"] == "mag" and first["status"] is True and first["has_active_sessions"] is True
    assert set(first) == {
        "id",
        "system_name",
        "device_uid",
        "brand_name",
        "device_model",
        "status",
        "has_active_sessions",
        "created_at",
    }
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "basic_device_sessions_limit"
    # A bound device still gets in.
    tvmw_login(device="mag", device_uid="stb-1")
    # A wrong unbinding id is error 27 and unbinds nothing.
    tvmw_login(device="mag", device_uid="stb-3", device_id_for_unbinding=999999, expect_error=27)
    assert AccountDevice.objects.filter(account=operator.account).count() == 2
    old_authkey = Session.objects.get(device_id=first["id"]).authkey
    tvmw_login(device="mag", device_uid="stb-3", device_id_for_unbinding=first["id"])
    assert sorted(AccountDevice.objects.filter(account=operator.account).values_list("device_uid", flat=True)) == [
        "stb-2",
        "stb-3",
    ]
    assert events.of("ACCOUNT_DEVICE_REMOVED")[-1] == {"account_id": operator.account.pk, "device_uid": "stb-1"}
    assert not Session.objects.filter(authkey=old_authkey).exists()


def test_the_device_list_of_error_5_is_well_formed_xml_whatever_a_device_sent_as_its_model(
    client, tvmw_login, operator, xml_device
):
    # A control character in a stored device model made the XML answer unreadable.
    tvmw_login(device="mag", device_uid="stb-1", device_model="Box\x01\x0b 2000")
    tvmw_login(device="mag", device_uid="stb-2")
    params = {"abonement": operator.account.abonement, "password": "1234", "device_uid": "stb-3"}
    response = client.get(f"{BASE}/login/", {**creds(operator), **params, "device": xml_device.system_name})
    root = etree.fromstring(response.content)
    assert root.findtext("error") == "5"
    assert [item.findtext("device_model") for item in root.find("devices")] == ["Box 2000", ""]


def test_unbinding_a_device_of_another_account_is_error_27(tvmw_login, operator):
    foreign = f.AccountDeviceFactory(account=operator.account_without_tariff, device_uid="theirs")
    tvmw_login(device="mag", device_uid="mine", device_id_for_unbinding=foreign.pk, expect_error=27)
    assert AccountDevice.objects.filter(pk=foreign.pk).exists()


def test_a_multilogin_account_has_no_device_limit(tvmw_login, operator, events):
    Account.objects.filter(pk=operator.account.pk).update(allow_multiple_login=True)
    for n in range(4):
        tvmw_login(device="mag", device_uid=f"stb-{n}")
    assert events.of("LOGIN_SUCCESS")[-1]["login_type"] == "multilogin"


def test_a_basic_device_bound_to_another_account_is_error_6(tvmw_login, operator, events):
    second = f.AccountFactory(customer=operator.customer, abonement="100009")
    tvmw_login(device="mag", device_uid="stb-shared")
    tvmw_login(second, device="mag", device_uid="stb-shared", expect_error=6)
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "account_deivce_invalid"
    error = events.of("ACCOUNT_DEVICE_ERROR")[-1]
    assert (
        error["device_uid"] == "stb-shared" and error["account"] == second.pk and error["client"] == operator.client.pk
    )


def test_a_disabled_device_cannot_log_in(tvmw_login, operator):
    tvmw_login(device_uid="box")
    AccountDevice.objects.filter(device_uid="box").update(enabled=False)
    tvmw_login(device_uid="box", expect_error=6)


def test_no_tariff_is_error_8(tvmw_login, operator, events):
    tvmw_login(operator.account_without_tariff, expect_error=8)
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "no_tariffs"


def test_a_disabled_tariff_does_not_count(tvmw_login, operator):
    type(operator.tariff).objects.filter(pk=operator.tariff.pk).update(enabled=False)
    tvmw_login(expect_error=8)


def test_login_from_a_forbidden_subnet_is_error_9(tvmw_call, operator):
    Account.objects.filter(pk=operator.account.pk).update(subnets="192.168.1.0/24, 10.0.0.0/8")
    params = creds(operator, abonement="100001", password="1234", device_uid="x")
    assert tvmw_call("/login/", _ip="172.16.0.1", **params)["error"] == 9
    assert tvmw_call("/login/", _ip="10.1.2.3", **params)["error"] == 0


def test_basic_devices_forbidden_by_the_tariffs_is_error_10(tvmw_login, operator):
    type(operator.tariff).objects.filter(pk=operator.tariff.pk).update(basic_sessions_count=0)
    tvmw_login(device="mag", device_uid="stb", expect_error=10)
    tvmw_login(device="android", device_uid="phone")  # additional devices are still fine


def test_device_groups_not_allowed_by_the_tariffs_are_errors_10_and_11(tvmw_login, operator):
    tariff = type(operator.tariff).objects.filter(pk=operator.tariff.pk)
    tariff.update(allowed_device_groups=[PlayDevice.Group.MOBILE])
    tvmw_login(device="mag", device_uid="stb", expect_error=10)
    tvmw_login(device="android", device_uid="phone")
    tariff.update(allowed_device_groups=[PlayDevice.Group.STB])
    tvmw_login(device="android", device_uid="phone2", expect_error=11)


def test_a_device_group_the_account_does_not_allow_is_error_15(tvmw_login, operator):
    Account.objects.filter(pk=operator.account.pk).update(allowed_device_groups=[PlayDevice.Group.STB])
    tvmw_login(device="android", device_uid="phone", expect_error=15)
    tvmw_login(device="mag", device_uid="stb")


def test_too_many_sessions_of_one_device_group_is_error_16(tvmw_login, operator):
    type(operator.tariff).objects.filter(pk=operator.tariff.pk).update(sessions_count=1)
    tvmw_login(device="android", device_uid="phone-1")
    tvmw_login(device="android", device_uid="phone-2", expect_error=16)
    tvmw_login(device="android", device_uid="phone-1")  # the same device logs in again


def test_failed_attempts_per_abonement_are_throttled_with_error_28(tvmw_call, operator, settings, events):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 3
    params = creds(operator, abonement="100001", device_uid="x")
    for _ in range(3):
        assert tvmw_call("/login/", password="guess", **params)["error"] == 1
    assert tvmw_call("/login/", password="1234", **params)["error"] == 28
    assert events.of("LOGIN_ERROR")[-1]["reason"] == "too_many_attempts"
    # Another abonement from the same IP is not blocked by this counter.
    other = creds(operator, abonement=operator.inactive_account.abonement, password="1234", device_uid="y")
    assert tvmw_call("/login/", **other)["error"] == 2


def test_failed_attempts_per_ip_are_throttled_with_error_28(tvmw_call, operator, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_IP = 2
    for abonement in ("1", "2"):
        assert tvmw_call("/login/", _ip="5.5.5.5", **creds(operator, abonement=abonement, password="x"))["error"] == 1
    good = creds(operator, abonement="100001", password="1234", device_uid="x")
    assert tvmw_call("/login/", _ip="5.5.5.5", **good)["error"] == 28
    assert tvmw_call("/login/", _ip="6.6.6.6", **good)["error"] == 0


def test_throttling_counters_live_in_the_shared_cache(tvmw_call, operator, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = 1
    params = creds(operator, abonement="100001", device_uid="x")
    tvmw_call("/login/", password="guess", **params)
    assert tvmw_call("/login/", password="1234", **params)["error"] == 28
    clear_cache()  # what another process sees is the cache: clearing it resets the counters
    assert tvmw_call("/login/", password="1234", **params)["error"] == 0


def test_garbled_numeric_parameters_name_the_parameter(tvmw_call, operator):
    body = tvmw_call("/login/", **creds(operator, abonement="100001", password="1234", device_id_for_unbinding="x"))
    assert body["error"] == 1 and "device_id_for_unbinding" in body["error_fields"]
    body = tvmw_call("/login/", **creds(operator, abonement="100001", password="1234", try_login_by_phone="7"))
    assert body["error"] == 1 and "try_login_by_phone" in body["error_fields"]


def test_login_ext_needs_an_external_api_and_checks_the_client(tvmw_call, operator):
    assert tvmw_call("/login/ext/", **creds(operator, abonement="100001"))["error"] == 7
    assert tvmw_call("/login/ext/", client_id=operator.client.pk, api_key="bad")["error"] == 4


def test_a_password_hashed_the_old_way_still_logs_in_and_is_rehashed(tvmw_login, operator, settings):
    salt = "0123456789abcdef"
    legacy = f"pbkdf2${salt}${hashlib.pbkdf2_hmac('sha256', b'1234', salt.encode(), 5000).hex()}"
    Account.objects.filter(pk=operator.account.pk).update(password=legacy)
    tvmw_login(device_uid="upgraded")
    stored = Account.objects.get(pk=operator.account.pk).password
    assert stored.startswith(f"pbkdf2_sha256${settings.SMARTY_ACCOUNT_PASSWORD_ITERATIONS}$")
    assert Account.objects.get(pk=operator.account.pk).check_password("1234")
    tvmw_login(device_uid="upgraded")


def test_a_wrong_password_does_not_rehash_and_a_malformed_hash_never_matches(tvmw_login, operator):
    salt = "0123456789abcdef"
    legacy = f"pbkdf2${salt}${hashlib.pbkdf2_hmac('sha256', b'1234', salt.encode(), 5000).hex()}"
    Account.objects.filter(pk=operator.account.pk).update(password=legacy)
    tvmw_login(password="4321", expect_error=1)
    assert Account.objects.get(pk=operator.account.pk).password == legacy
    for stored in ("", "1234", "pbkdf2_sha256$0$salt$digest", "pbkdf2_sha256$x$salt$digest", "md5$a$b"):
        Account.objects.filter(pk=operator.account.pk).update(password=stored)
        tvmw_login(password="1234", expect_error=1)


# --- logout and sessions ----------------------------------------------------------------------


def test_logout_ends_the_session_and_a_second_logout_is_403(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    assert tvmw_call("/logout/", authkey=authkey, client_id=operator.client.pk) == {"error": 0, "error_message": ""}
    assert not Session.objects.filter(authkey=authkey).exists()
    assert tvmw_call("/account/status/", authkey=authkey)["status"] == 1
    assert tvmw_call("/logout/", authkey=authkey, client_id=operator.client.pk)["error"] == 403
    assert tvmw_call("/message/list/", authkey=authkey)["error"] == 403


def test_logout_through_the_cookie_clears_it(client, tvmw_login, operator):
    client.get(
        f"{BASE}/login/",
        {"abonement": "100001", "password": "1234", "client_id": operator.client.pk, "api_key": "api-key-1"},
    )
    response = client.get(f"{BASE}/logout/")
    assert response.json()["error"] == 0
    assert response.cookies["authkey"].value == ""


@pytest.mark.parametrize("variant", [str.upper, lambda key: key + " "], ids=["upper case", "trailing space"])
def test_only_the_exact_authkey_opens_the_session_and_it_ends_with_logout(tvmw_login, tvmw_call, operator, variant):
    authkey = tvmw_login()["authkey"]
    # Case-insensitive collations (MariaDB/MySQL) must not make a variant spelling a key of
    # its own, cached apart from the real one and so surviving the logout.
    assert tvmw_call("/message/list/", authkey=variant(authkey))["error"] == 403
    assert tvmw_call("/message/list/", authkey=authkey)["error"] == 0
    assert tvmw_call("/logout/", authkey=authkey)["error"] == 0
    assert tvmw_call("/message/list/", authkey=variant(authkey))["error"] == 403
    assert tvmw_call("/message/list/", authkey=authkey)["error"] == 403


def test_the_authkey_never_reaches_a_log_file(tvmw_login, tvmw_call, operator, written_log):
    authkey = tvmw_login()["authkey"]
    for path in ("/account/status/", "/channel/list/", "/message/list/", "/logout/"):
        assert tvmw_call(path, authkey=authkey, client_id=operator.client.pk)["error"] == 0
    assert "OBJECT_CACHED" in written_log.text and "OBJECT_INVALIDATED" in written_log.text
    assert "LOGIN_SUCCESS" in written_log.text
    assert authkey not in written_log.text
    for secret in ("'password': '1234'", operator.client.api_key):
        assert secret not in written_log.text


def test_an_expired_session_needs_a_new_login(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login()["authkey"]
    assert tvmw_call("/message/list/", authkey=authkey)["error"] == 0
    Session.objects.filter(authkey=authkey).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    Session.objects.get(authkey=authkey).save()  # the admin's way: bumps the cached copy
    assert tvmw_call("/message/list/", authkey=authkey)["error"] == 403
    assert tvmw_call("/account/status/", authkey=authkey)["status"] == 1


def test_a_deleted_account_device_takes_its_sessions_with_it(tvmw_login, tvmw_call, operator):
    authkey = tvmw_login(device_uid="gone")["authkey"]
    AccountDevice.objects.get(device_uid="gone").delete()
    assert tvmw_call("/message/list/", authkey=authkey)["error"] == 403


# --- tenancy ----------------------------------------------------------------------------------


def test_another_operators_abonement_does_not_log_in_with_this_operators_key(tvmw_call, operator, other_operator):
    body = tvmw_call("/login/", **creds(operator, abonement=other_operator.account.abonement, password="1234"))
    assert body["error"] == 1
    body = tvmw_call(
        "/login/",
        client_id=operator.client.pk,
        api_key=other_operator.client.api_key,
        abonement=operator.account.abonement,
        password="1234",
    )
    assert body["error"] == 4


def test_look_alike_abonements_log_into_their_own_operator(tvmw_login, operator, other_operator):
    mine = tvmw_login(device_uid="a")
    theirs = tvmw_login(op=other_operator, device_uid="a")
    assert mine["account_id"] == operator.account.pk and theirs["account_id"] == other_operator.account.pk
    assert mine["lastname"] == "Ivanova1" and theirs["lastname"] == "Ivanova2"


def test_an_authkey_of_another_operator_is_403_with_this_operators_client_id(
    tvmw_login, tvmw_call, other_operator, operator
):
    authkey = tvmw_login(op=other_operator)["authkey"]
    assert tvmw_call("/account/status/", authkey=authkey, client_id=operator.client.pk)["error"] == 403
    assert tvmw_call("/message/list/", authkey=authkey, client_id=operator.client.pk)["error"] == 403
    assert tvmw_call("/logout/", authkey=authkey, client_id=operator.client.pk)["error"] == 403
    assert Session.objects.filter(authkey=authkey).exists()


def test_a_device_uid_of_another_operator_does_not_log_in(tvmw_login, tvmw_call, operator, other_operator):
    tvmw_login(op=other_operator, device_uid="their-box")
    assert tvmw_call("/login/", **creds(operator, device_uid="their-box"))["error"] == 1


def test_the_same_basic_device_uid_may_be_bound_at_two_operators(tvmw_login, operator, other_operator):
    tvmw_login(device="mag", device_uid="stb-x")
    tvmw_login(op=other_operator, device="mag", device_uid="stb-x")


def test_an_authkey_that_cannot_be_created_is_error_3(tvmw_login, operator, monkeypatch):
    taken = tvmw_login(device_uid="first")["authkey"]
    monkeypatch.setattr("accounts.services.sessions.generate_authkey", lambda: taken)
    tvmw_login(device_uid="second", expect_error=3)
    assert not AccountDevice.objects.filter(device_uid="second").exists()  # the login left nothing behind
