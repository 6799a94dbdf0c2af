"""The devices' health reports and provisioning commands in the admin, and the one "Active
sessions" page: each operator's staff see their own devices only, a command is saved through
monitoring.services and handed to the device by CommandList."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from monitoring import services
from monitoring.models import DeviceReport, ProvisioningCommand
from tests import factories as f
from tests.admin.conftest import grant, login, make_user

REPORTS = "admin:monitoring_devicereport_changelist"
COMMANDS = "admin:monitoring_provisioningcommand_changelist"
BUILD = {"ro_build_display_id": "x", "ro_build_version_incremental": "1"}


@pytest.fixture
def staff(operator):
    user = make_user("staff1", client=operator.client)
    grant(user, "*operator*")
    return user


@pytest.fixture
def reports(operator, other_operator):
    """A ping and a system info of a device of each operator, uids alike but for the prefix."""
    made = {}
    for op, prefix in ((operator, "mine"), (other_operator, "theirs")):
        f.AccountDeviceFactory(account=op.account, device_uid=f"{prefix}-box")
        made[prefix] = [
            services.device_report_save(
                kind=DeviceReport.Kind.PING,
                uid=f"{prefix}-box",
                mac="00:11:22:33:44:55",
                device_type="stb",
                payload={"sent": 10, "received": 9, "lost": 1, "avg_time": 12.5},
            ),
            services.device_report_save(
                kind=DeviceReport.Kind.SYSTEM_INFO,
                uid=f"{prefix}-box",
                mac="00:11:22:33:44:55",
                device_type="stb",
                payload={"ro_build_display_id": f"fw-{prefix}"},
            ),
        ]
    return made


def test_staff_see_their_operators_device_reports_only(staff, reports):
    response = login(staff).get(reverse(REPORTS))
    assert response.status_code == 200
    html = response.content.decode()
    assert "mine-box" in html and "9/10 received, 1 lost" in html and "fw-mine" in html
    assert "theirs-box" not in html and "fw-theirs" not in html


def test_a_report_opens_with_its_payload_and_another_operators_is_not_found(staff, reports):
    client = login(staff)
    mine = reports["mine"][0]
    response = client.get(reverse("admin:monitoring_devicereport_change", args=[mine.pk]))
    assert response.status_code == 200
    assert "&quot;received&quot;: 9" in response.content.decode()
    theirs = reports["theirs"][0]
    assert client.get(reverse("admin:monitoring_devicereport_change", args=[theirs.pk])).status_code in (302, 404)


def test_reports_filter_by_kind(staff, reports):
    response = login(staff).get(reverse(REPORTS) + "?kind=system_info")
    assert [r.kind for r in response.context["cl"].result_list] == ["system_info"]


def test_a_command_made_in_the_admin_reaches_the_device(staff, reports, operator, client):
    admin_client = login(staff)
    response = admin_client.post(
        reverse("admin:monitoring_provisioningcommand_add"),
        {"name": "reboot", "uid": "mine-box", "param": json.dumps({"timeout": 5})},
    )
    assert response.status_code == 302, response.content[:2000]
    command = ProvisioningCommand.objects.get()
    assert (command.client_id, command.uid, command.param) == (operator.client.pk, "mine-box", {"timeout": 5})
    answer = client.post(
        "/device_monitoring/api/command/list/",
        json.dumps({"uid": "mine-box", **BUILD}),
        content_type="application/json",
    ).json()
    assert [c["name"] for c in answer["command"]] == ["reboot"]
    other = client.post(
        "/device_monitoring/api/command/list/",
        json.dumps({"uid": "theirs-box", **BUILD}),
        content_type="application/json",
    ).json()
    assert other["command"] == []
    listing = admin_client.get(reverse(COMMANDS)).content.decode()
    assert "reboot" in listing


def test_the_other_operators_commands_are_not_listed(staff, other_operator):
    services.provisioning_command_create(client_id=other_operator.client.pk, name="upgrade", uid="theirs-box")
    response = login(staff).get(reverse(COMMANDS))
    assert list(response.context["cl"].result_list) == []


def test_active_sessions_is_one_page_and_the_session_list_is_every_session(staff):
    from django.contrib import admin

    from accounts.models import Session
    from monitoring.models import OnlineSession

    names = [str(m._meta.verbose_name_plural).lower() for m in admin.site._registry if issubclass(m, Session)]
    assert sorted(names) == ["active sessions (online now)", "sessions"]
    assert str(OnlineSession._meta.verbose_name_plural) == "active sessions (online now)"
