"""Library images: an upload is checked (a real image by Pillow, within the byte and pixel
limits), stored below MEDIA_ROOT/vod/<operator>/<kind>/ under a name derived from its content,
and resized copies are written beside it (`<name>_<w>x<h>.jpg`). A stored value is either that
relative path or an absolute URL given by an import (used as is, in every size)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageFilter, UnidentifiedImageError


class ImageError(ValueError):
    """Not an image we accept (reason in the message)."""


def sizes(kind: str) -> dict[str, tuple[int, int]]:
    return dict(settings.SMARTY_VOD_IMAGE_SIZES.get(kind, {}))


def _root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def image_store(*, client_id: int, kind: str, data: bytes) -> str:
    """Check and store an image with its sized copies; the path below MEDIA_ROOT."""
    if len(data) > settings.SMARTY_VOD_MAX_IMAGE_BYTES:
        raise ImageError(f"larger than {settings.SMARTY_VOD_MAX_IMAGE_BYTES} bytes")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if width * height > settings.SMARTY_VOD_MAX_IMAGE_PIXELS:
                raise ImageError(f"more than {settings.SMARTY_VOD_MAX_IMAGE_PIXELS} pixels")
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError("not a valid image") from exc
    if kind not in settings.SMARTY_VOD_IMAGE_SIZES:
        raise ImageError(f"unknown image kind {kind!r}")
    digest = hashlib.sha256(data).hexdigest()[:24]
    relative = Path("vod") / str(int(client_id)) / kind / f"{digest}.jpg"
    target = (_root() / relative).resolve()
    if _root() not in target.parents:
        raise ImageError("outside the media directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    rgb = image.convert("RGB")
    rgb.save(target, "JPEG", quality=90)
    for width, height in sizes(kind).values():
        copy = rgb.copy()
        copy.thumbnail((width, height))
        copy.save(target.with_name(f"{digest}_{width}x{height}.jpg"), "JPEG", quality=85)
    if kind == "screenshot":
        blurred = rgb.copy()
        blurred.thumbnail(sizes(kind).get("big", rgb.size))
        blurred.filter(ImageFilter.GaussianBlur(12)).save(target.with_name(f"{digest}_blur.jpg"), "JPEG", quality=80)
    return relative.as_posix()


def image_url(value: str, host: str, *, kind: str = "", size: str = "", blurred: bool = False) -> str:
    """The URL of a stored image (of one of its sizes); URLs from imports as they are."""
    if not value:
        return ""
    if "://" in value:
        return value
    if value.startswith("/"):
        return f"{host}{value}"
    stem, _, ext = value.rpartition(".")
    base = f"{host}{settings.MEDIA_URL.rstrip('/')}/"
    if blurred:
        return f"{base}{stem}_blur.{ext}"
    wanted = sizes(kind).get(size) if kind and size else None
    if wanted:
        return f"{base}{stem}_{wanted[0]}x{wanted[1]}.{ext}"
    return f"{base}{value}"
