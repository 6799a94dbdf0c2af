"""The portal in the admin: the composer saves a row that devices see on their next request,
the preview shows what a device of a type gets, data sources show their last fetch, ad blocks
their counts; staff see only their operator's rows."""

from __future__ import annotations

import pytest

from clients.models import PlayDevice
from portal.models import AdBlock, Dashboard, DataSource, Game, GameScore
from tests.admin.conftest import grant, login, make_user


@pytest.fixture
def staff(operator):
    user = make_user("portal-staff", client=operator.client)
    grant(user, "*operator*")
    return login(user)


def test_a_row_composed_in_the_admin_shows_on_the_device_next_request(staff, operator, tvmw_call, authkey):
    tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")  # warm the cache
    response = staff.post(
        "/admin/portal/dashboard/add/",
        {
            "title": "Top news",
            "description": "",
            "type": Dashboard.Type.CHANNELS,
            "cover": "",
            "sort_order": 0,
            "enabled": "on",
            "template": "",
            "lang": "",
            "screen": "",
            "main_menu": "[]",
            "attributes": '{"display_type": "grid"}',
            "channels": [operator.channels[1].pk],
            "banners-TOTAL_FORMS": 0,
            "banners-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = Dashboard.objects.get(title="Top news")
    assert row.client_id == operator.client.pk
    body = tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")
    assert [r["title"] for r in body["portaldashboards"]] == ["Top news"]
    assert body["portaldashboards"][0]["attributes"]["display_type"] == "grid"
    channels = tvmw_call("/portaldashboard/channel/list/", authkey=authkey, portal_dashboard_id=row.pk)
    assert [c["id"] for c in channels["channels"]] == [operator.channels[1].pk]


def test_preview_shows_what_a_device_type_sees(staff, operator, other_operator):
    Dashboard.objects.create(client=operator.client, title="Menu", type=0, main_menu=["tvchannels"])
    phone_only = Dashboard.objects.create(client=operator.client, title="Phones only", type=2)
    phone_only.play_devices.set([PlayDevice.objects.get(system_name="android")])
    Dashboard.objects.create(client=other_operator.client, title="Their row", type=0)
    page = staff.get("/admin/portal/dashboard/preview/?device=sagemcom").content.decode()
    assert "Menu" in page and "tvchannels" in page and "Phones only" not in page and "Their row" not in page
    page = staff.get("/admin/portal/dashboard/preview/?device=android").content.decode()
    assert "Phones only" in page and "Channel 0" in page
    assert "Preview" in staff.get("/admin/portal/dashboard/").content.decode()


def test_lists_show_fetch_status_counts_and_only_the_operators_rows(staff, operator, other_operator):
    DataSource.objects.create(client=operator.client, name="Mine", kind="rss", url="http://127.0.0.1:9/a")
    DataSource.objects.create(client=other_operator.client, name="Theirs", kind="rss", url="http://127.0.0.1:9/b")
    DataSource.objects.filter(name="Mine").update(status="failed", last_error="HTTP 500")
    page = staff.get("/admin/portal/datasource/").content.decode()
    assert "Mine" in page and "HTTP 500" in page and "Theirs" not in page
    AdBlock.objects.create(client=operator.client, name="Spot block", impressions=17)
    assert "17" in staff.get("/admin/portal/adblock/").content.decode()
    game = Game.objects.create(client=operator.client, name="Snake", system_name="snake")
    GameScore.objects.create(client=operator.client, game=game, account=operator.account, score=3)
    assert "Snake" in staff.get("/admin/portal/game/").content.decode()
    theirs = Game.objects.create(client=other_operator.client, name="Their game", system_name="snake")
    assert staff.get(f"/admin/portal/game/{theirs.pk}/change/").status_code in (302, 404)


def test_fetch_now_action_fetches_the_chosen_source(staff, operator, django_capture_on_commit_callbacks):
    source = DataSource.objects.create(client=operator.client, name="Down", kind="rss", url="http://127.0.0.1:9/x")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            "/admin/portal/datasource/", {"action": "fetch_now", "_selected_action": [source.pk]}, follow=True
        )
    assert "queued" in response.content.decode()
    source.refresh_from_db()
    # Nothing listens on port 9: the attempt is recorded as a failure.
    assert source.status == "failed" and source.attempted_at is not None
