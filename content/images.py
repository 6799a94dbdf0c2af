"""Images the Content API is given by URL (posters, screenshots, photos, previews, banners):
downloaded with the guide downloader's limits (http/https only, byte cap, timeouts), then
checked and stored by vod.images (a real image by Pillow, byte and pixel limits, below
MEDIA_ROOT only). Downloads happen before any row is written, never inside a transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from epg import fetch
from epg.parsers.base import EpgError
from vod import images


class ImageFetchError(Exception):
    """The URL could not be downloaded."""


def fetch_image(*, client_id: int, kind: str, url: str) -> str:
    """The stored path of the image at `url`. ImageFetchError when it cannot be downloaded,
    vod.images.ImageError when it is not an image we accept."""
    url = url.strip()
    if not fetch.is_url(url):
        raise ImageFetchError(f"not an http(s) URL: {url[:200]}")
    try:
        data = fetch.download_bytes(url, max_bytes=settings.SMARTY_VOD_MAX_IMAGE_BYTES)
    except EpgError as exc:
        raise ImageFetchError(str(exc)) from exc
    return images.image_store(client_id=client_id, kind=kind, data=data)


@dataclass
class Uploads:
    """The images of one request: stored paths by field, and the errors (`upload_errors`)."""

    client_id: int
    stored: dict[str, str] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    def add(self, *, param: str, attr: str, kind: str, url: str | None) -> None:
        if not url:
            return
        try:
            self.stored[attr] = fetch_image(client_id=self.client_id, kind=kind, url=url)
        except (ImageFetchError, images.ImageError) as exc:
            self.errors.append({"field": param, "url": url[:1024], "error": str(exc)})
