"""make_vodpvr (seed 2.5.20): videos for the recorded programmes of archived channels, kept
in step with the guide; they play the channel's archive."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests import factories as f
from vod.models import Video

pytestmark = pytest.mark.django_db


def _guide(channel, hours):
    epg = f.EpgChannelFactory(name=f"EPG {channel.name}")
    channel.epg_channel = epg
    channel.recording_days = 1
    channel.save()
    start = timezone.now().replace(minute=0, second=0, microsecond=0)
    return [
        f.ProgramFactory(
            epg_channel=epg,
            name=f"Show {h}",
            time_begin=start + dt.timedelta(hours=h),
            time_end=start + dt.timedelta(hours=h + 1),
        )
        for h in hours
    ]


def test_make_vodpvr_creates_updates_and_removes_archive_videos(operator, other_operator, api):
    programs = _guide(operator.channels[0], range(-30, 2))
    _guide(other_operator.channels[0], range(-3, 0))
    call_command("make_vodpvr", client_id=operator.client.pk)
    videos = Video.objects.filter(client=operator.client, video_source=Video.Source.ARCHIVE)
    # Within the day of archive and already over: hours -24 .. -1.
    assert videos.count() == 23
    assert not Video.objects.filter(client=other_operator.client).exists()
    assert set(videos.values_list("channel_id", flat=True)) == {operator.channels[0].pk}
    renamed = programs[-3]
    renamed.name = "Renamed"
    renamed.save()
    programs[-4].delete()
    call_command("make_vodpvr", client_id=operator.client.pk)
    assert videos.count() == 22
    assert videos.filter(name="Renamed").exists()
    body = api("video/list/", source_type=3, limit=100)
    assert body["count"] == 22 and body["videos"][0]["video_source"] == 3
    assert body["videos"][0]["channel_id"] == operator.channels[0].pk


def test_an_archive_video_plays_the_channels_recording(operator, api):
    service = f.StreamServiceFactory(
        client=operator.client,
        data_center=f.DataCenterFactory(client=operator.client),
        archive_url_mask="http://arc.test/$cid/video-$flpbt-$flpdur.m3u8?token=$token",
    )
    operator.tariff.stream_services.add(service)
    _guide(operator.channels[0], range(-2, 0))
    call_command("make_vodpvr", client_id=operator.client.pk)
    video = Video.objects.filter(client=operator.client).order_by("-id").first()
    body = api("video/url/", vid=video.pk, redirect=0)
    assert body["error"] == 0, body
    begin = video.meta["begin"]
    cid = operator.channels[0].id_for_stream_service or operator.channels[0].pk
    assert body["uri"].startswith(f"http://arc.test/{cid}/video-{begin}-3600.m3u8?token=")


def test_make_vodpvr_needs_a_known_operator():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("make_vodpvr", client_id=999999)
