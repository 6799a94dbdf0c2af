"""Device Monitoring API over HTTP (reference device-monitoring.md): the STB health agent's
pushes, its command list and the admin-panel password; reports are filed under the
operator of the account the uid is bound to, never another."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.contrib.auth.hashers import check_password

from monitoring.models import DevicePassword, DeviceReport, ProvisioningCommand
from tests import factories as f

IDENT = {"mac": "A1:B2:C3:D4:E5:F6", "uid": "box-1", "type": "stb"}
PING = {**IDENT, "sent": 10, "received": 9, "lost": 1, "min_time": 3, "max_time": 20, "avg_time": 7, "error_code": 0}


@pytest.fixture
def box(operator):
    return f.AccountDeviceFactory(account=operator.account, device_uid="box-1")


def test_a_ping_is_stored_under_the_devices_operator(dm_post, box, operator, other_operator):
    f.AccountDeviceFactory(account=other_operator.account, device_uid="box-2")
    assert dm_post("/ping/push/", PING) == {"error": 0, "error_message": ""}
    report = DeviceReport.objects.get()
    assert (report.kind, report.uid, report.client_id) == ("ping", "box-1", operator.client.pk)
    assert report.payload["lost"] == 1 and report.payload["avg_time"] == 7
    assert not DeviceReport.objects.filter(client=other_operator.client).exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"uid": None}, "uid"),
        ({"mac": ""}, "mac"),
        ({"sent": "many"}, "sent"),
        ({"received": 11}, "received"),
        ({"avg_time": None}, "avg_time"),
        ({"error_code": True}, "error_code"),
    ],
)
def test_a_bad_ping_answers_1_and_stores_nothing(db, dm_post, change, field):
    body = {k: v for k, v in {**PING, **change}.items() if v is not None}
    answer = dm_post("/ping/push/", body)
    assert answer["error"] == 1 and field in answer["error_message"]
    assert not DeviceReport.objects.exists()


def test_malformed_or_oversized_bodies_answer_1(db, dm_post, client, settings):
    assert dm_post("/ping/push/", "{not json", raw=True)["error"] == 1
    assert dm_post("/ping/push/", "[1, 2]", raw=True)["error"] == 1
    settings.SMARTY_DEVICE_MONITORING_MAX_BODY = 100
    assert dm_post("/ping/push/", {**PING, "pad": "x" * 200})["error"] == 1
    assert client.get("/device_monitoring/api/ping/push/").json()["error"] == 1
    assert not DeviceReport.objects.exists()


def test_a_speed_test_is_stored(dm_post, box):
    body = {**IDENT, "min_time": 1.5, "max_time": 80.25, "avg_time": 40, "error_code": 0}
    assert dm_post("/speedtest/push/", body)["error"] == 0
    assert DeviceReport.objects.get(kind="speedtest").payload["max_time"] == 80.25
    assert dm_post("/speedtest/push/", {**body, "max_time": "fast"})["error"] == 1


def test_metrics_are_stored_and_bounded(dm_post, box, settings):
    body = {
        **IDENT,
        "channel": {"id": 5, "name": "News", "url": "http://x/1.m3u8"},
        "metrics": [{"cpu": {"la": 0.5, "t": 60}, "mem": {"t": 1024, "u": 512}, "video": {"cc-errors": 2}}],
    }
    assert dm_post("/metric/push/", body)["error"] == 0
    payload = DeviceReport.objects.get(kind="metrics").payload
    assert payload["metrics"][0]["video"] == {"cc-errors": 2}
    assert payload["channel"]["name"] == "News"
    assert dm_post("/metric/push/", {**IDENT})["error"] == 1
    assert dm_post("/metric/push/", {**body, "metrics": [{"cpu": "hot"}]})["error"] == 1
    assert dm_post("/metric/push/", {**body, "channel": {"id": "x"}})["error"] == 1
    settings.SMARTY_DEVICE_MONITORING_MAX_METRICS = 2
    answer = dm_post("/metric/push/", {**body, "metrics": [{}] * 3})
    assert answer["error"] == 1 and "at most 2" in answer["error_message"]
    assert DeviceReport.objects.count() == 1


SYSTEM_INFO = {
    **IDENT,
    "vendor": "Redbox",
    "model": "Mini 3",
    "fw": "01012018",
    "os": "Android 7.0",
    "cpu": [{"name": "H3", "freq": "1.2", "cores": 4}],
    "ram": "512",
    "flash": "8192",
    "netif": [{"name": "eth0", "speed": "100", "link": True, "ip": "10.0.0.2", "mac": "XX"}],
    "uptime": 345322,
    "apps": [{"name": "Youtube", "appid": "com.youtube", "ver": "5.32", "is_system_app": False}],
}


def test_system_info_takes_the_client_id_or_the_devices_operator(dm_post, operator, other_operator):
    assert dm_post("/system_info/push/", {**SYSTEM_INFO, "client_id": other_operator.client.pk})["error"] == 0
    report = DeviceReport.objects.get()
    assert report.client_id == other_operator.client.pk
    assert report.payload["cpu"] == [{"name": "H3", "freq": 1.2, "cores": 4}]
    assert report.payload["apps"][0]["appid"] == "com.youtube"
    assert dm_post("/system_info/push/", {**SYSTEM_INFO, "client_id": 999999})["error"] == 1
    assert dm_post("/system_info/push/", {**SYSTEM_INFO, "cpu": [{"name": "H3"}]})["error"] == 1
    assert DeviceReport.objects.count() == 1


def test_the_command_list_needs_system_info_first(dm_post, box):
    body = {"uid": "box-1", "ro_build_display_id": "x", "ro_build_version_incremental": "1"}
    assert dm_post("/command/list/", body)["error"] == 3
    assert dm_post("/command/list/", {"uid": "box-1"})["error"] == 1


def test_the_command_list_hands_out_own_commands_once_and_the_operators_mass_commands(
    dm_post, box, operator, other_operator
):
    dm_post("/system_info/push/", SYSTEM_INFO)
    ProvisioningCommand.objects.create(client=operator.client, name="install_file", param={"url": "/a.apk"})
    ProvisioningCommand.objects.create(client=other_operator.client, name="reboot")
    ProvisioningCommand.objects.create(uid="box-1", name="ping", param={"ping_count": 3, "timeout": 5})
    body = {"uid": "box-1", "ro_build_display_id": "x", "ro_build_version_incremental": "1"}
    answer = dm_post("/command/list/", body)
    assert answer["error"] == 0 and answer["error_message"] == ""
    assert answer["command"] == [
        {"name": "install_file", "is_mass_command": 1, "param": {"url": "/a.apk"}},
        {"name": "ping", "is_mass_command": 0, "param": {"ping_count": 3, "timeout": 5}},
    ]
    again = dm_post("/command/list/", body)
    assert [c["name"] for c in again["command"]] == ["install_file"]


def test_a_password_is_returned_encrypted_with_the_devices_key(db, dm_post):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    answer = dm_post("/password/generate/", {"uid": "box-1", "public_key": pem})
    assert answer["error"] == 0
    password = private.decrypt(base64.b64decode(answer["password"]), padding.PKCS1v15()).decode()
    assert password.isdigit() and len(password) == 8
    stored = DevicePassword.objects.get(uid="box-1")
    assert stored.password != password and check_password(password, stored.password)


def test_a_bad_key_answers_2_and_a_missing_one_1(db, dm_post):
    assert dm_post("/password/generate/", {"uid": "box-1"})["error"] == 1
    assert dm_post("/password/generate/", {"uid": "box-1", "public_key": "ssh-rsa AAAA"})["error"] == 1
    bad = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"
    assert dm_post("/password/generate/", {"uid": "box-1", "public_key": bad})["error"] == 2
    assert not DevicePassword.objects.exists()
