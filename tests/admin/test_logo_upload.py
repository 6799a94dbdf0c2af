"""The channel form's logo upload: a real image is stored below MEDIA_ROOT/icons under a
generated name with every size channel/list hands out; anything else is a form error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from channels.models import Channel
from epg import icons

from .conftest import form_data, login


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def change_url(channel: Channel) -> str:
    return f"/admin/channels/channel/{channel.pk}/change/"


def post_logo(http, channel: Channel, upload: SimpleUploadedFile, **overrides):
    data = form_data(http, change_url(channel), **overrides)
    data["icon_upload"] = upload
    return http.post(change_url(channel), data)


def files_below(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.django_db
def test_an_uploaded_png_is_stored_with_every_size_and_channel_list_returns_them(staff, operator, other_operator):
    channel = operator.channels[0]
    response = post_logo(login(staff), channel, SimpleUploadedFile("logo.png", png(), content_type="image/png"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    channel.refresh_from_db()
    assert channel.icon.startswith(f"channel{operator.client.pk}_") and channel.icon.endswith(".png")
    icon_dir = Path(settings.MEDIA_ROOT) / settings.SMARTY_ICONS_DIR
    assert (icon_dir / channel.icon).is_file()
    for width, height in icons.icon_sizes():
        with Image.open(icon_dir / icons.sized_name(channel.icon, width, height)) as copy:
            assert copy.size == (width, height)
    assert other_operator.channels[0].icon == ""

    http = login(staff)
    http.logout()
    login_body = json.loads(
        http.get(
            "/tvmiddleware/api/login/",
            {
                "abonement": operator.account.abonement,
                "password": "1234",
                "client_id": operator.client.pk,
                "api_key": operator.client.api_key,
                "device": "android",
                "device_uid": "logo-device",
            },
        ).content
    )
    assert login_body["error"] == 0, login_body
    stem = channel.icon.removesuffix(".png")
    for width, height in icons.icon_sizes():
        body = json.loads(
            http.get(
                "/tvmiddleware/api/channel/list/",
                {"authkey": login_body["authkey"], "icon_width": width, "icon_height": height},
            ).content
        )
        by_id = {c["id"]: c for c in body["channels"]}
        url = by_id[channel.pk]["icon"]
        assert url.endswith(f"/{settings.SMARTY_ICONS_DIR}/{stem}{width}_{height}.png"), url
        assert (icon_dir / url.rsplit("/", 1)[1]).is_file()


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_with_a_form_error(staff, operator):
    channel = operator.channels[0]
    before = files_below(Path(settings.MEDIA_ROOT))
    response = post_logo(login(staff), channel, SimpleUploadedFile("logo.png", b"<?php echo 1; ?>"))
    assert response.status_code == 200
    assert "Not an image we accept" in str(response.context["adminform"].form.errors["icon_upload"])
    channel.refresh_from_db()
    assert channel.icon == ""
    assert files_below(Path(settings.MEDIA_ROOT)) == before


@pytest.mark.django_db
def test_an_image_with_too_many_pixels_is_refused_with_a_form_error(staff, operator, settings):
    settings.SMARTY_EPG_MAX_ICON_PIXELS = 100 * 100
    channel = operator.channels[0]
    response = post_logo(login(staff), channel, SimpleUploadedFile("big.png", png(200, 200)))
    assert response.status_code == 200
    assert "pixels" in str(response.context["adminform"].form.errors["icon_upload"])
    channel.refresh_from_db()
    assert channel.icon == ""


@pytest.mark.django_db
def test_a_file_larger_than_the_byte_limit_is_refused_with_a_form_error(staff, operator, settings):
    data = png()
    settings.SMARTY_EPG_MAX_ICON_BYTES = len(data) - 1
    channel = operator.channels[0]
    response = post_logo(login(staff), channel, SimpleUploadedFile("logo.png", data))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["icon_upload"]
    channel.refresh_from_db()
    assert channel.icon == ""


@pytest.mark.django_db
def test_a_path_traversal_file_name_never_decides_where_the_logo_is_written(staff, operator, tmp_path):
    channel = operator.channels[0]
    media = Path(settings.MEDIA_ROOT).resolve()
    outside_before = files_below(media.parent) - files_below(media)
    upload = SimpleUploadedFile("../../../../evil.png", png(), content_type="image/png")
    response = post_logo(login(staff), channel, upload)
    assert response.status_code == 302
    channel.refresh_from_db()
    assert "evil" not in channel.icon and "/" not in channel.icon
    assert files_below(media.parent) - files_below(media) == outside_before
    assert not any(p.name.startswith("evil") for p in files_below(media.parent))


@pytest.mark.django_db
def test_a_typed_icon_path_that_climbs_out_of_the_icon_directory_is_refused(staff, operator):
    channel = operator.channels[0]
    http = login(staff)
    response = http.post(change_url(channel), form_data(http, change_url(channel), icon="../../settings/secret.png"))
    assert response.status_code == 200
    assert "Not an icon file name or URL." in str(response.context["adminform"].form.errors["icon"])
    ok = http.post(change_url(channel), form_data(http, change_url(channel), icon="https://cdn.example/logos/one.png"))
    assert ok.status_code == 302
    channel.refresh_from_db()
    assert channel.icon == "https://cdn.example/logos/one.png"


@pytest.mark.django_db
def test_a_new_channel_can_get_its_logo_on_the_add_form(staff, operator):
    http = login(staff)
    url = "/admin/channels/channel/add/"
    data = form_data(http, url, name="Fresh channel", category=str(operator.category.pk))
    data["icon_upload"] = SimpleUploadedFile("fresh.png", png(30, 30), content_type="image/png")
    response = http.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    channel = Channel.objects.get(client=operator.client, name="Fresh channel")
    assert channel.icon.startswith(f"channel{operator.client.pk}_")
    assert (Path(settings.MEDIA_ROOT) / settings.SMARTY_ICONS_DIR / channel.icon).is_file()
