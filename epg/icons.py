"""EPG channel icons: download, validation, resized copies, and the cache of which sizes exist.

Icons live below MEDIA_ROOT/<SMARTY_ICONS_DIR>. An icon `name.png` has copies
`name<w>_<h>.png` for every size in SMARTY_DEFAULT_ICON_SIZES and SMARTY_DEFAULT_ICON_SIZE
(seed 3.1.5: the API hands out `<file><width>_<height>.<extension>`). Images are decoded and
re-encoded as PNG (never stored as downloaded), and refused above SMARTY_EPG_MAX_ICON_BYTES or
SMARTY_EPG_MAX_ICON_PIXELS (decompression bombs)."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from PIL import Image, UnidentifiedImageError

from . import fetch
from .parsers.base import EpgError

_CACHE_PREFIX = "epg:icon_sizes:"


class IconError(EpgError):
    """An icon that cannot be downloaded or is not a usable image."""


def icon_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / settings.SMARTY_ICONS_DIR


def icon_sizes() -> list[tuple[int, int]]:
    """SMARTY_DEFAULT_ICON_SIZES plus SMARTY_DEFAULT_ICON_SIZE, without repeats."""
    sizes: list[tuple[int, int]] = []
    for size in [*settings.SMARTY_DEFAULT_ICON_SIZES, settings.SMARTY_DEFAULT_ICON_SIZE]:
        pair = (int(size[0]), int(size[1]))
        if pair not in sizes:
            sizes.append(pair)
    return sizes


def sized_name(name: str, width: int, height: int) -> str:
    """'logo.png', 120, 91 -> 'logo120_91.png'."""
    base, ext = os.path.splitext(name)
    return f"{base}{width}_{height}{ext}"


def download_icon(url: str) -> bytes:
    if not fetch.is_url(url):
        raise IconError(f"not an http(s) URL: {url!r}")
    try:
        return fetch.download_bytes(url, max_bytes=settings.SMARTY_EPG_MAX_ICON_BYTES)
    except EpgError as exc:
        raise IconError(str(exc)) from exc


def _decode(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > settings.SMARTY_EPG_MAX_ICON_PIXELS:
                raise IconError(f"icon is {width}x{height} pixels, more than allowed")
            image.seek(0)
            image.load()
    except IconError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise IconError(f"not a usable image: {exc}") from exc
    except Image.DecompressionBombWarning as exc:
        raise IconError(f"not a usable image: {exc}") from exc
    return image.convert("RGBA")


def _write_png(image: Image.Image, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", suffix=".png", delete=False)
    try:
        with handle:
            image.save(handle, format="PNG", optimize=True)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _resized(image: Image.Image, width: int, height: int) -> Image.Image:
    """The image fitted into width x height, centred on a transparent canvas of exactly that size."""
    scale = min(width / image.width, height / image.height)
    # max(1, ...): a 1500x1 spacer must not shrink to zero pixels
    size = (max(1, min(width, round(image.width * scale))), max(1, min(height, round(image.height * scale))))
    fitted = image.resize(size, Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    return canvas


def store_icon(*, stem: str, data: bytes) -> str:
    """Validate and store an icon with its resized copies; returns the file name (relative to
    the icon directory). The name carries a content hash, so a changed icon gets a new URL."""
    image = _decode(data)
    name = f"{stem}_{hashlib.sha1(data, usedforsecurity=False).hexdigest()[:10]}.png"
    _write_png(image, icon_dir() / name)
    for width, height in icon_sizes():
        _write_png(_resized(image, width, height), icon_dir() / sized_name(name, width, height))
    remember_sizes(name)
    return name


def is_icon_name(name: str) -> bool:
    """A plain file name in the icon directory: the names are stored in the database and an
    edited one must not make the commands read or write elsewhere ("../../x.png")."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name and "\x00" not in name


def complete_sizes(name: str) -> list[tuple[int, int]]:
    """Create the missing resized copies of a stored icon; returns the sizes created."""
    if not is_icon_name(name):
        raise IconError(f"not an icon file name: {name!r}")
    original = icon_dir() / name
    missing = [size for size in icon_sizes() if not (icon_dir() / sized_name(name, *size)).is_file()]
    if not missing or not original.is_file():
        return []
    image = _decode(original.read_bytes())
    for width, height in missing:
        _write_png(_resized(image, width, height), icon_dir() / sized_name(name, width, height))
    return missing


def remember_sizes(name: str) -> list[tuple[int, int]]:
    """Look at the disk once and cache which sizes of the icon exist (recache_icons)."""
    if not is_icon_name(name):
        return []
    found = [size for size in icon_sizes() if (icon_dir() / sized_name(name, *size)).is_file()]
    cache.set(_CACHE_PREFIX + name, found, timeout=None)
    return found


def available_sizes(name: str) -> list[tuple[int, int]]:
    """The sizes of an icon that exist on disk (cached; recache_icons refreshes)."""
    if not name:
        return []
    found = cache.get(_CACHE_PREFIX + name)
    if found is None:
        found = remember_sizes(name)
    return [tuple(size) for size in found]


def icon_file(name: str, width: int | None = None, height: int | None = None) -> str:
    """The file name to hand out for a requested size: the sized copy when it exists, else the
    icon itself (relative to the icon directory)."""
    if name and width and height and (int(width), int(height)) in available_sizes(name):
        return sized_name(name, int(width), int(height))
    return name


def store_sizes(*, name: str, data: bytes, sizes: list[tuple[int, int]]) -> None:
    """Write resized copies of a new image under an existing icon's sized names (the Content
    API's EPG icon upload with skip_main_size): the main icon stays as it is."""
    if not is_icon_name(name):
        raise IconError(f"not an icon file name: {name!r}")
    image = _decode(data)
    for width, height in sizes:
        _write_png(_resized(image, width, height), icon_dir() / sized_name(name, width, height))
    remember_sizes(name)
