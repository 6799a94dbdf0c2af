"""Icon files: validation, re-encoding, resized copies on an exact canvas."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from epg import icons


def encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGB", (2133, 1200), "navy"),  # a big JPEG to scale down
        Image.new("P", (100, 100)),  # palette, already small (scaled up)
        Image.new("LA", (1500, 1), (128, 255)),  # a degenerate spacer
    ],
    ids=["jpeg", "palette", "spacer"],
)
def test_icons_are_stored_as_png_with_every_configured_size(image, settings, tmp_path):
    fmt = "JPEG" if image.mode == "RGB" else "PNG"
    name = icons.store_icon(stem="epg1", data=encoded(image, fmt))
    assert name.endswith(".png")
    for width, height in icons.icon_sizes():
        with Image.open(icons.icon_dir() / icons.sized_name(name, width, height)) as copy:
            assert (copy.format, copy.size, copy.mode) == ("PNG", (width, height), "RGBA")
    with Image.open(icons.icon_dir() / name) as original:
        assert original.size == image.size


def test_the_sizes_are_the_seed_sizes_plus_the_default_size(settings):
    settings.SMARTY_DEFAULT_ICON_SIZES = [(500, 500), (120, 91), (40, 40)]
    settings.SMARTY_DEFAULT_ICON_SIZE = (200, 200)
    assert icons.icon_sizes() == [(500, 500), (120, 91), (40, 40), (200, 200)]
    assert icons.sized_name("logo.png", 120, 91) == "logo120_91.png"


def test_a_changed_icon_gets_a_new_file_name():
    first = icons.store_icon(stem="epg1", data=encoded(Image.new("RGB", (10, 10), "red"), "PNG"))
    second = icons.store_icon(stem="epg1", data=encoded(Image.new("RGB", (10, 10), "blue"), "PNG"))
    assert first != second


@pytest.mark.parametrize(
    "data",
    [b"", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"\x89PNG\r\n\x1a\n broken"],
    ids=["empty", "svg", "truncated-png"],
)
def test_data_that_is_not_a_usable_image_is_refused(data):
    with pytest.raises(icons.IconError):
        icons.store_icon(stem="bad", data=data)


def test_an_image_with_too_many_pixels_is_refused_before_decoding(settings):
    settings.SMARTY_EPG_MAX_ICON_PIXELS = 10_000
    with pytest.raises(icons.IconError, match="more than allowed"):
        icons.store_icon(stem="big", data=encoded(Image.new("1", (200, 200)), "PNG"))


def test_icons_are_only_downloaded_over_http(http_server):
    with pytest.raises(icons.IconError, match="not an http"):
        icons.download_icon("file:///etc/passwd")
    assert icons.download_icon(http_server.serve("/a.png", b"x")) == b"x"


def test_icon_downloads_are_capped(http_server, settings):
    settings.SMARTY_EPG_MAX_ICON_BYTES = 100
    with pytest.raises(icons.IconError, match="more than the 100 bytes"):
        icons.download_icon(http_server.serve("/huge.png", b"x" * 1000))
