"""Admin pages: operator scoping, and routing scripts editable by superusers only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from clients.models import ClientUser
from streaming.models import RoutingScript, StreamService

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(world):
    user = User.objects.create_user("op1staff", password="pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="streaming"))
    ClientUser.objects.create(user=user, client=world.op.client)
    return user


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw")


def test_operator_staff_see_only_their_services(client, staff, world, other_world):
    client.force_login(staff)
    page = client.get("/admin/streaming/streamservice/")
    assert page.status_code == 200
    assert world.service.name.encode() in page.content
    assert other_world.service.name.encode() not in page.content
    assert client.get(f"/admin/streaming/streamservice/{other_world.service.pk}/change/").status_code == 404


def test_operator_staff_cannot_add_or_change_routing_scripts(client, staff, world):
    script = RoutingScript.objects.create(client=world.op.client, name="s", code="uri = 'x'")
    client.force_login(staff)
    assert client.get("/admin/streaming/routingscript/add/").status_code == 403
    response = client.post(f"/admin/streaming/routingscript/{script.pk}/change/", {"name": "s", "code": "uri='y'"})
    assert response.status_code == 403
    script.refresh_from_db()
    assert script.code == "uri = 'x'"
    form = client.get(f"/admin/streaming/streamservice/{world.service.pk}/change/").content.decode()
    assert 'name="routing_script"' not in form and 'name="live_url_mask"' in form


def test_superusers_add_scripts_that_compile_in_the_sandbox(client, superuser, world):
    client.force_login(superuser)
    data = {"client": world.op.client.pk, "name": "ok", "code": "uri = 'http://%s' % prefix", "enabled": "on"}
    assert client.post("/admin/streaming/routingscript/add/", data).status_code == 302
    bad = {**data, "name": "bad", "code": "uri = ''.__class__"}
    page = client.post("/admin/streaming/routingscript/add/", bad)
    assert page.status_code == 200 and b"does not compile" in page.content
    assert list(RoutingScript.objects.values_list("name", flat=True)) == ["ok"]


def test_the_check_now_action_probes_the_selected_services(client, superuser, world):
    world.service.check_url = "127.0.0.1:1"
    world.service.save()
    client.force_login(superuser)
    response = client.post(
        "/admin/streaming/streamservice/",
        {"action": "check_now", "_selected_action": [world.service.pk]},
        follow=True,
    )
    assert b"Checked 1: 0 up, 1 down" in response.content
    assert not StreamService.objects.get(pk=world.service.pk).is_available
