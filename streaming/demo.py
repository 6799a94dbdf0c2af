"""Demo data of the streaming app, called by the lead's `load_demo` command: a data center
and a Flussonic-type service with a `$token` mask serving the given channels, granted by
the channels' tariffs, so `channel/url` answers a tokenised URL out of the box."""

from __future__ import annotations

from django.db import transaction

from .models import DataCenter, StreamService

DEMO_HOST = "http://streamer.example.com:8080"


def load(client, channels) -> dict:
    """Idempotent: running it twice leaves one data center and one service."""
    with transaction.atomic():
        data_center, _ = DataCenter.objects.get_or_create(
            client=client, name="Demo data center", defaults={"location": "Demo"}
        )
        service, _ = StreamService.objects.update_or_create(
            client=client,
            name="Demo Flussonic",
            defaults={
                "type": StreamService.Type.FLUSSONIC,
                "data_center": data_center,
                "live_url_mask": f"{DEMO_HOST}/$cid/index.m3u8?token=$token",
                "archive_url_mask": f"{DEMO_HOST}/$cid/video-$flpbt-$flpdur.m3u8?token=$token",
                "archive_preview_url_mask": f"{DEMO_HOST}/$cid/$flpbt-preview.mp4?token=$token",
                "serves_live": True,
                "serves_archive": True,
                "enabled": True,
                "is_available": True,
            },
        )
        tariffs = set()
        for channel in channels:
            tariffs.update(channel.tariffs.all())
        for tariff in tariffs:
            tariff.stream_services.add(service)
    return {"data_center": data_center, "stream_service": service, "tariffs": sorted(t.pk for t in tariffs)}
