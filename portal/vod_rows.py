"""The video rows of the home screen, behind one function: the VOD library is built on
another branch. Until it lands every video row answers an empty list in the documented shape;
when it does, `dashboard_videos` is the one place to point at the VOD selectors."""

from __future__ import annotations

from .selectors import Row

VIDEO_KEYS = (
    "id",
    "name",
    "name_orig",
    "thumbnail_small",
    "thumbnail_big",
    "genres",
    "countries",
    "rating",
    "kinopoisk_rating",
    "imdb_rating",
    "average_customers_rating",
    "description",
    "short_description",
    "is_season",
    "provider",
    "screenshot_big",
    "horizontal_poster",
    "vertical_poster",
    "ad_banner",
    "logo",
    "year",
    "video_provider_id",
)
# Fields the signed-in method adds to each film.
ACCOUNT_VIDEO_KEYS = ("is_favorited", "position", "position_asset_id", "duration", "preview_url")


def dashboard_videos(
    *,
    client_id: int,
    row: Row,
    account,
    lang_index: int,
    tariff_ids: list[int],
    exclude_tariff_ids: list[int],
) -> list[dict]:
    """The films of a "Films" or "Recently watched films" row, each with VIDEO_KEYS (and
    ACCOUNT_VIDEO_KEYS for an account). No VOD library yet: none."""
    return []


def video_asset_duration(*, client_id: int, video_id: int, asset_id: int) -> int | None:
    """The duration of a film's asset in seconds (0: unknown), None when the operator has no
    such film. Until the VOD library lands, films have no assets: any asset of an existing
    film is accepted with an unknown duration."""
    from vod.models import Video

    return 0 if Video.objects.for_client(client_id).filter(pk=video_id).exists() else None
