"""Admin VOD sections: operator scoping, poster upload with sized copies, and where a video
is visible."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from tests.admin.conftest import form_data, grant, login, make_user
from vod import services
from vod.models import Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(operator):
    user = make_user("staff1", client=operator.client)
    grant(user, "*operator*")
    return user


def test_staff_see_only_their_operators_library(staff, operator, other_operator):
    mine = services.video_create(client=operator.client, name="Mine", tariff_ids=[operator.tariff.pk])
    theirs = services.video_create(client=other_operator.client, name="Theirs")
    http = login(staff)
    page = http.get(reverse("admin:vod_video_changelist")).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert http.get(reverse("admin:vod_video_change", args=[theirs.pk])).status_code in (302, 404)
    change = http.get(reverse("admin:vod_video_change", args=[mine.pk])).content.decode()
    assert f"Basic (#{operator.tariff.pk})" in change
    for name in ("actor", "videogenre", "selection", "seance", "videoprovider", "targetbanner", "videofile"):
        assert http.get(reverse(f"admin:vod_{name}_changelist")).status_code == 200, name


def test_a_poster_upload_writes_sized_copies_below_media_root(staff, operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    video = services.video_create(client=operator.client, name="Film")
    http = login(staff)
    url = reverse("admin:vod_video_change", args=[video.pk])
    data = form_data(http, url)
    buffer = io.BytesIO()
    Image.new("RGB", (600, 900), (10, 120, 200)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "poster.png"
    data["poster_upload"] = buffer
    response = http.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    video.refresh_from_db()
    assert video.poster.startswith(f"vod/{operator.client.pk}/poster/")
    stored = Path(tmp_path, video.poster)
    assert stored.exists() and stored.with_name(stored.stem + "_400x600.jpg").exists()


def test_a_fake_image_is_refused_in_the_form(staff, operator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    video = services.video_create(client=operator.client, name="Film")
    http = login(staff)
    url = reverse("admin:vod_video_change", args=[video.pk])
    data = form_data(http, url)
    fake = io.BytesIO(b"<?php echo 1; ?>")
    fake.name = "poster.png"
    data["poster_upload"] = fake
    response = http.post(url, data)
    assert response.status_code == 200 and "not a valid image" in response.content.decode()
    assert Video.objects.get(pk=video.pk).poster == "" and not any(tmp_path.rglob("*"))


def _spy(monkeypatch, *names: str) -> list[str]:
    """Record which vod.services functions the admin calls (the originals still run)."""
    calls: list[str] = []
    for name in names:
        original = getattr(services, name)

        def wrapper(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(services, name, wrapper)
    return calls


def test_the_admin_saves_a_video_and_its_inline_rows_through_the_services(staff, operator, monkeypatch):
    calls = _spy(monkeypatch, "video_create", "video_modify", "season_create", "season_delete", "video_file_create")
    http = login(staff)
    url = reverse("admin:vod_video_add")
    data = form_data(http, url)
    data.update(
        {
            "name": "Admin Film",
            "tariffs": [operator.tariff.pk],
            "seasons-TOTAL_FORMS": "1",
            "seasons-0-name": "Season 1",
            "seasons-0-number": "1",
            "seasons-0-sort_order": "0",
            "files-TOTAL_FORMS": "1",
            "files-0-name": "HD",
            "files-0-filename": "films/admin.mp4",
            "files-0-quality": "2",
            "files-0-format": "hls",
            "files-0-duration": "60",
            "files-0-sort_order": "0",
        }
    )
    data = {k: v for k, v in data.items() if not k.startswith("files-0-episode")}
    response = http.post(url, data)
    assert response.status_code == 302, [f.errors for f in [response.context["adminform"].form]] + [
        fs.errors for fs in response.context["inline_admin_formsets"] for fs in [fs.formset]
    ]
    video = Video.objects.get(name="Admin Film")
    assert video.client_id == operator.client.pk
    assert list(video.tariffs.values_list("pk", flat=True)) == [operator.tariff.pk]
    assert [s.name for s in video.seasons.all()] == ["Season 1"]
    assert [f.filename for f in video.files.all()] == ["films/admin.mp4"]
    assert calls == ["video_create", "season_create", "video_file_create"]

    change = reverse("admin:vod_video_change", args=[video.pk])
    data = form_data(http, change)
    data["seasons-0-DELETE"] = "on"
    data.setdefault("files-0-sort_order", "1")
    data["name"] = "Admin Film 2"
    response = http.post(change, data)
    assert response.status_code == 302, [
        fs.errors for fs in response.context["inline_admin_formsets"] for fs in [fs.formset]
    ] + [response.context["adminform"].form.errors]
    video.refresh_from_db()
    assert video.name == "Admin Film 2" and not video.seasons.exists()
    assert calls[3:] == ["video_modify", "season_delete"]
