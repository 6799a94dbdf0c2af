"""Demo video library for `load_demo`: three films and a two-season series with generated
posters (a gradient and the title, drawn here with Pillow), visible in the demo tariffs and
played through a demo VOD streaming service with tokens."""

from __future__ import annotations

import io

from django.db import transaction
from PIL import Image, ImageDraw

from streaming.models import DataCenter, StreamService

from . import images, services
from .models import Video

DEMO_HOST = "http://streamer.example.com:8080"
FILMS = [
    ("Northern Lights", 2021, (20, 40, 120), (120, 200, 255), "Documentary"),
    ("The Last Tram", 2019, (90, 10, 30), (250, 160, 60), "Drama"),
    ("Paper Planets", 2023, (10, 80, 40), (200, 250, 120), "Animation"),
]
SERIES = ("Harbour Town", 2022, (60, 20, 90), (240, 120, 200))


def poster(title: str, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A 400x600 vertical gradient with the title."""
    width, height = 400, 600
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        mix = y / (height - 1)
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * mix) for a, b in zip(top, bottom, strict=True)))
    draw.rectangle([(20, 480), (380, 560)], fill=(0, 0, 0))
    draw.text((36, 505), title, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def load(client, channels) -> dict:
    """Idempotent: the library is created once (videos are found by ext_id)."""
    tariffs = sorted({t.pk for c in channels for t in c.tariffs.all()})
    with transaction.atomic():
        data_center, _ = DataCenter.objects.get_or_create(
            client=client, name="Demo data center", defaults={"location": "Demo"}
        )
        service, _ = StreamService.objects.update_or_create(
            client=client,
            name="Demo VOD",
            defaults={
                "type": StreamService.Type.FLUSSONIC,
                "data_center": data_center,
                "vod_url_mask": f"{DEMO_HOST}/vod/$cid/index.m3u8?token=$token",
                "serves_live": False,
                "serves_vod": True,
                "enabled": True,
                "is_available": True,
            },
        )
        genres = {}
        for name in ("Documentary", "Drama", "Animation", "Series"):
            genre = Video.genres.field.related_model.objects.filter(client=client, name=name).first()
            genres[name] = genre or services.genre_create(client=client, name=name)
        for index, (title, year, top, bottom, genre) in enumerate(FILMS, start=1):
            if Video.objects.filter(client=client, ext_id=f"demo-film-{index}").exists():
                continue
            path = images.image_store(client_id=client.pk, kind="poster", data=poster(title, top, bottom))
            services.video_create(
                client=client,
                name=title,
                attrs={
                    "ext_id": f"demo-film-{index}",
                    "year": year,
                    "poster": path,
                    "duration": 90,
                    "description": f"{title}: a demo film.",
                    "countries": "Demo Land",
                },
                genre_ids=[genres[genre].pk],
                tariff_ids=tariffs,
                files=[{"name": "HD", "filename": f"demo-film-{index}.mp4", "duration": 5400, "quality": 2}],
            )
        if not Video.objects.filter(client=client, ext_id="demo-series").exists():
            title, year, top, bottom = SERIES
            path = images.image_store(client_id=client.pk, kind="poster", data=poster(title, top, bottom))
            seasons = [
                {
                    "name": f"Season {s}",
                    "episodes": [
                        {
                            "name": f"Episode {e}",
                            "duration": 45,
                            "files": [{"name": "HD", "filename": f"demo-series-s{s}e{e}.mp4", "duration": 2700}],
                        }
                        for e in (1, 2, 3)
                    ],
                }
                for s in (1, 2)
            ]
            services.video_create(
                client=client,
                name=title,
                attrs={"ext_id": "demo-series", "year": year, "poster": path},
                genre_ids=[genres["Series"].pk],
                tariff_ids=tariffs,
                seasons=seasons,
            )
        for tariff_id in tariffs:
            service.tariffs.add(tariff_id)
    return {"vod_videos": Video.objects.filter(client=client).count()}
