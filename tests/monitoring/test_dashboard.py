"""The live dashboard in the admin after a simulated hour of viewing: numbers, charts, CSV,
drill-down and "Active sessions", per operator (the other operator's numbers never show)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from tests.admin.conftest import grant, login, make_user

from .simulate import simulate_hour

DASHBOARD = "admin:monitoring_livedashboard_changelist"


@pytest.fixture
def staff(operator):
    user = make_user("staff1", client=operator.client)
    grant(user, "*operator*")
    return user


@pytest.fixture
def watched(operator, other_operator):
    mine = simulate_hour(operator, viewers=6)
    simulate_hour(other_operator, viewers=2)
    return mine


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_dashboard_shows_the_operators_hour(staff, watched, operator):
    response = login(staff).get(reverse(DASHBOARD))
    assert response.status_code == 200
    data = response.context["data"]
    assert data.devices_online == 6
    assert sum(n for _, _, n in data.viewers_now) == 6
    assert {cid for cid, _, _ in data.viewers_now} <= {c.pk for c in operator.channels}
    assert max(v for _, v in data.concurrency) == 6
    assert sum(ok for _, ok, _ in data.logins) == 6 and sum(err for _, _, err in data.logins) == 1
    assert [s["up"] for s in data.servers] == [False]
    assert data.devices == [(watched["device"].system_name, "2.1.0", 6)]
    html = response.content.decode()
    for name in ("viewers_now", "top_channels", "concurrency", "logins", "login_errors", "devices"):
        assert f'data-chart="{name}"' in html
    assert html.count('class="bar"') >= 3
    assert "Operator 2" not in html and "edge-" in html
    assert re.search(r"smarty-down", html)


def test_partial_refresh_returns_only_the_body(staff, watched):
    response = login(staff).get(reverse(DASHBOARD) + "?partial=1&period=7d")
    html = response.content.decode()
    assert 'data-chart="concurrency"' in html and "<html" not in html
    assert response.context["data"].period.key == "7d"


def test_an_unknown_period_falls_back_to_a_day(staff, watched):
    response = login(staff).get(reverse(DASHBOARD) + "?period=1000y")
    assert response.context["data"].period.key == "24h"


def test_the_numbers_export_as_csv(staff, watched, operator):
    client = login(staff)
    rows = _csv(client.get(reverse("admin:monitoring_dashboard_csv", args=["viewers_now"])))
    assert rows[0] == ["channel_id", "channel", "viewers"]
    assert sum(int(r[2]) for r in rows[1:]) == 6
    rows = _csv(client.get(reverse("admin:monitoring_dashboard_csv", args=["top_channels"])))
    assert {r[0] for r in rows[1:]} == {str(c.pk) for c in operator.channels}
    rows = _csv(client.get(reverse("admin:monitoring_dashboard_csv", args=["logins"])))
    assert sum(int(r[1]) for r in rows[1:]) == 6
    assert client.get(reverse("admin:monitoring_dashboard_csv", args=["nothing"])).status_code == 404


def test_drill_down_per_channel_and_account_stays_within_the_operator(staff, watched, operator, other_operator):
    client = login(staff)
    channel = operator.channels[0]
    response = client.get(reverse("admin:monitoring_dashboard_channel", args=[channel.pk]))
    assert response.status_code == 200 and 'data-chart="channel_viewers"' in response.content.decode()
    rows = _csv(client.get(reverse("admin:monitoring_dashboard_channel", args=[channel.pk]) + "?format=csv"))
    assert max(int(r[1]) for r in rows[1:]) >= 1
    account = watched["accounts"][1]
    response = client.get(reverse("admin:monitoring_dashboard_account", args=[account.pk]))
    assert response.status_code == 200
    assert len(response.context["events"]) == 3 and len(response.context["sessions"]) == 1
    for url in (
        reverse("admin:monitoring_dashboard_channel", args=[other_operator.channels[0].pk]),
        reverse("admin:monitoring_dashboard_account", args=[other_operator.account.pk]),
    ):
        assert client.get(url).status_code == 404


def test_active_sessions_lists_who_is_online_with_device_channel_and_version(staff, watched, operator):
    response = login(staff).get(reverse("admin:monitoring_onlinesession_changelist"))
    rows = response.context["rows"]
    assert len(rows) == 6
    assert {r.client_id for r in rows} == {operator.client.pk}
    assert all(r.app_version == "2.1.0" and r.device and r.channel_id for r in rows)
    assert "sim-" in response.content.decode()


def test_a_superuser_without_an_operator_sees_every_operator(db, watched, operator, other_operator):
    root = make_user("root", superuser=True)
    data = login(root).get(reverse(DASHBOARD)).context["data"]
    assert data.devices_online == 8


def test_a_dealer_cannot_open_the_dashboard(operator, watched):
    from clients.models import Dealer

    dealer = Dealer.objects.create(client=operator.client, name="D")
    user = make_user("dealer1", client=operator.client, dealer=dealer)
    client = login(user)
    assert client.get(reverse(DASHBOARD)).status_code in (403, 404)
    assert client.get(reverse("admin:monitoring_dashboard_csv", args=["logins"])).status_code in (403, 404)


def test_a_video_watched_shows_in_top_videos_and_in_active_sessions(staff, watched, operator, other_operator):
    import datetime as dt

    from django.utils import timezone

    from monitoring import recording, services
    from vod import services as vod

    film = vod.video_create(client=operator.client, name="Night Train")
    theirs = vod.video_create(client=other_operator.client, name="Night Train 2")
    now = timezone.now()
    for op, video in ((operator, film), (other_operator, theirs)):
        recording.viewing_started(
            client_id=op.client.pk, account_id=op.account.pk, content_type="video", content_id=video.pk, now=now
        )
    recording.buffer_flush(now=now, include_current=True)
    services.rollup_views(now=now + dt.timedelta(hours=5), hours=6)
    client = login(staff)
    data = client.get(reverse(DASHBOARD)).context["data"]
    assert [(cid, name) for cid, name, _, _ in data.top_videos] == [(str(film.pk), "Night Train")]
    assert 'data-chart="top_videos"' in client.get(reverse(DASHBOARD)).content.decode()
    rows = client.get(reverse("admin:monitoring_onlinesession_changelist")).context["rows"]
    mine = next(r for r in rows if r.account_id == operator.account.pk)
    assert (mine.content_type, mine.video_id, mine.channel_id, mine.watching) == ("video", film.pk, None, "Night Train")
    assert "Night Train 2" not in client.get(reverse("admin:monitoring_onlinesession_changelist")).content.decode()
