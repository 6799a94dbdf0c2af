"""The channel's TV guide in the admin: linked from the channel page, one day at a time, the
programme on air marked, reachable by operator staff, Clear EPG / Force import only for those
who may change the (shared) EPG channel; another operator's channel answers 404."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from tests import factories as f

from .conftest import login


def guide_world(operator):
    epg_channel = f.EpgChannelFactory(source=f.EpgSourceFactory(), name="News EPG")
    channel = operator.channels[0]
    channel.epg_channel = epg_channel
    channel.save()
    now = timezone.now()
    # Earlier on the same day (the guide's days are local days), over before now, even just
    # after midnight.
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    morning = max(now - dt.timedelta(hours=3), day_start)
    f.ProgramFactory(
        epg_channel=epg_channel,
        name="Morning show",
        time_begin=morning,
        time_end=morning + min(dt.timedelta(hours=1), (now - morning) / 2),
    )
    f.ProgramFactory(
        epg_channel=epg_channel,
        name="Live now",
        time_begin=now - dt.timedelta(minutes=10),
        time_end=now + dt.timedelta(minutes=50),
    )
    f.ProgramFactory(
        epg_channel=epg_channel,
        name="In two days",
        time_begin=now + dt.timedelta(days=2),
        time_end=now + dt.timedelta(days=2, hours=1),
    )
    return channel


def test_operator_staff_reach_the_channels_guide_from_its_page(staff, operator, other_operator):
    channel = guide_world(operator)
    http = login(staff)
    guide = reverse("admin:channels_channel_guide", args=[channel.pk])
    assert guide in http.get(reverse("admin:channels_channel_change", args=[channel.pk])).content.decode()
    page = http.get(guide)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Live now" in html and "In two days" not in html
    on_air = [item["program"].name for item in page.context["programmes"] if item["on_air"]]
    assert on_air == ["Live now"] and 'class="smarty-on-air"' in html
    assert "guide-clear-epg" not in html  # staff may not clear a guide other operators show
    later = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    assert "In two days" in http.get(guide, {"day": later}).content.decode()
    days = page.context["days"]
    assert len(days) == 15 and [d["has"] for d in days if d["day"].isoformat() == later] == [True]
    bad = http.get(guide, {"day": "someday"}, follow=True)
    assert bad.status_code == 200 and "“someday” is not a date" in bad.content.decode()
    foreign = other_operator.channels[0]
    assert http.get(reverse("admin:channels_channel_guide", args=[foreign.pk])).status_code == 404


def test_a_superuser_gets_clear_epg_and_force_import_on_the_guide(superuser, operator):
    channel = guide_world(operator)
    html = login(superuser).get(reverse("admin:channels_channel_guide", args=[channel.pk])).content.decode()
    assert reverse("admin:epg_epgchannel_clear_epg", args=[channel.epg_channel_id]) in html
    assert reverse("admin:epg_epgchannel_force_import", args=[channel.epg_channel_id]) in html


def test_a_channel_without_guide_says_so(staff, operator):
    page = login(staff).get(reverse("admin:channels_channel_guide", args=[operator.channels[1].pk]))
    assert page.status_code == 200 and "has no EPG channel" in page.content.decode()
