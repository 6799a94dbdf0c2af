"""The library's write services: one transaction per video with its assets and episodes,
operator checks on every related id, ext_id unique per operator; image uploads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from vod import images, services
from vod.models import Episode, Season, Video, VideoFile

pytestmark = pytest.mark.django_db


def test_a_series_is_created_with_its_seasons_episodes_and_files(operator):
    video = services.video_create(
        client=operator.client,
        name="Show",
        seasons=[{"name": "S1", "episodes": [{"name": "E1", "files": [{"name": "HD", "filename": "a.mp4"}]}]}],
        files=[{"name": "Trailer", "filename": "t.mp4", "is_trailer": True}],
    )
    assert Video.objects.get(pk=video.pk).is_season
    assert Season.objects.filter(video=video).count() == 1
    assert Episode.objects.get(video=video).files.get().filename == "a.mp4"


def test_nothing_is_half_created_when_an_episode_is_invalid(operator):
    with pytest.raises((ValidationError, services.UnknownFieldError)):
        services.video_create(
            client=operator.client,
            name="Show",
            seasons=[{"name": "S1", "episodes": [{"name": "E1"}, {"name": "E2", "colour": "red"}]}],
        )
    assert not Video.objects.exists() and not Episode.objects.exists() and not Season.objects.exists()


def test_another_operators_ids_are_refused_and_nothing_is_written(operator, other_operator):
    genre = services.genre_create(client=other_operator.client, name="Drama")
    with pytest.raises(services.NotFoundError) as exc:
        services.video_create(client=operator.client, name="Film", genre_ids=[genre.pk])
    assert exc.value.field == "genres"
    with pytest.raises(services.NotFoundError):
        services.video_create(client=operator.client, name="Film", tariff_ids=[other_operator.tariff.pk])
    assert not Video.objects.filter(client=operator.client).exists()


def test_ext_id_is_unique_per_operator(operator, other_operator):
    services.video_create(client=operator.client, name="A", attrs={"ext_id": "x1"})
    services.video_create(client=other_operator.client, name="A", attrs={"ext_id": "x1"})
    with pytest.raises(services.ExtIdTakenError):
        services.video_create(client=operator.client, name="B", attrs={"ext_id": "x1"})
    services.video_create(client=operator.client, name="C")
    services.video_create(client=operator.client, name="D")
    assert Video.objects.filter(client=operator.client).count() == 3


def test_sort_after_places_an_asset_after_another(operator):
    video = services.video_create(
        client=operator.client, name="Film", files=[{"name": "one"}, {"name": "two"}, {"name": "three"}]
    )
    first = VideoFile.objects.get(name="one")
    services.video_file_create(video=video, attrs={"name": "after one"}, sort_after=first.pk)
    assert list(VideoFile.objects.filter(video=video).order_by("sort_order").values_list("name", flat=True)) == [
        "one",
        "after one",
        "two",
        "three",
    ]


def _png(width: int = 300, height: int = 450) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_poster_upload_is_stored_with_its_sizes_below_media_root(operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    path = images.image_store(client_id=operator.client.pk, kind="poster", data=_png())
    assert path.startswith(f"vod/{operator.client.pk}/poster/")
    stored = Path(tmp_path, path)
    assert stored.exists()
    small = stored.with_name(stored.stem + "_160x240.jpg")
    assert Image.open(small).size == (160, 240)
    url = images.image_url(path, "http://h", kind="poster", size="small")
    assert url == f"http://h/media/{path[:-4]}_160x240.jpg"


@pytest.mark.parametrize("data", [b"not an image", b"\x89PNG\r\n\x1a\n" + b"0" * 50])
def test_only_real_images_are_accepted(operator, settings, tmp_path, data):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(images.ImageError):
        images.image_store(client_id=operator.client.pk, kind="poster", data=data)
    assert not any(tmp_path.rglob("*.jpg"))


def test_size_and_pixel_limits(operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SMARTY_VOD_MAX_IMAGE_PIXELS = 100 * 100
    with pytest.raises(images.ImageError, match="pixels"):
        images.image_store(client_id=operator.client.pk, kind="poster", data=_png(200, 200))
    settings.SMARTY_VOD_MAX_IMAGE_BYTES = 10
    with pytest.raises(images.ImageError, match="bytes"):
        images.image_store(client_id=operator.client.pk, kind="poster", data=_png(20, 20))
