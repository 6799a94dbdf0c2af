"""The video rows of the home screen over the VOD library's selectors: the cached catalogue
(`vod.selectors.library`) and the account's cached state, filtered by the library's own
visibility rules (`vod.selectors.visible`). Image URLs are relative to the site (no host)."""

from __future__ import annotations

from smarty.i18n import translated_value
from vod import selectors as vod
from vod.images import image_url

from .selectors import Row

ROW_LIMIT = 50  # films of a filled row

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


def _audience(account, now: int) -> vod.Audience:
    if account is None:
        return vod.Audience(tariff_ids=None, now=now)
    from channels.selectors import viewer_tariff_ids

    return vod.Audience(tariff_ids=viewer_tariff_ids(account, device_group=None, purpose="videos"), now=now)


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _matches(video: dict, attributes: dict) -> bool:
    """The row's composed filters (attributes of a "Films" row; "all" or absent: any)."""
    provider = str(attributes.get("video_provider", "all"))
    if provider != "all" and str(video["provider_id"] or "") != provider:
        return False
    genre = str(attributes.get("genre", "all"))
    if genre != "all" and genre not in {str(g) for g in video["genre_ids"]}:
        return False
    source = str(attributes.get("video_source", "all"))
    if source != "all" and str(video["video_source"]) != source:
        return False
    year_from, year_to = _number(attributes.get("year_from")), _number(attributes.get("year_to"))
    if year_from is not None and (video["year"] or 0) < year_from:
        return False
    if year_to is not None and (video["year"] or 0) > year_to:
        return False
    for key in ("kinopoisk_rating", "imdb_rating"):
        least = _number(attributes.get(key))
        if least is not None and (_number(video[key]) or 0) < least:
            return False
    return True


def _item(video: dict, lib: dict, state: vod.AccountState, lang_index: int, account) -> dict:
    genres = {g["id"]: g for g in lib["genres"]}
    provider = next((p for p in lib["providers"] if p["id"] == video["provider_id"]), None)
    poster = translated_value(video, "poster", lang_index)
    item = {
        "id": video["id"],
        "name": translated_value(video, "name", lang_index),
        "name_orig": video["name_orig"],
        "thumbnail_small": image_url(poster, "", kind="poster", size="small"),
        "thumbnail_big": image_url(poster, "", kind="poster", size="big"),
        "genres": ", ".join(translated_value(genres[g], "name", lang_index) for g in video["genre_ids"] if g in genres),
        "countries": translated_value(video, "countries", lang_index),
        "rating": video["age_rating"],
        "kinopoisk_rating": video["kinopoisk_rating"],
        "imdb_rating": video["imdb_rating"],
        "average_customers_rating": video["average_customers_rating"],
        "description": translated_value(video, "description", lang_index),
        "short_description": translated_value(video, "short_description", lang_index),
        "is_season": int(video["is_season"]),
        "provider": translated_value(provider, "name", lang_index) if provider else "",
        "screenshot_big": image_url(video["screenshot"], "", kind="screenshot", size="big"),
        "horizontal_poster": image_url(translated_value(video, "horizontal_poster", lang_index), "", kind="poster"),
        "vertical_poster": image_url(video["vertical_poster"], "", kind="poster"),
        "ad_banner": image_url(video["ad_banner"], "", kind="banner"),
        "logo": image_url(video["logo"], "", kind="banner"),
        "year": video["year"] or 0,
        "video_provider_id": video["provider_id"] or 0,
    }
    if account is not None:
        mine = state.videos.get(video["id"], {})
        trailer = next((f for f in video["files"] if f["is_trailer"]), None)
        item.update(
            is_favorited=int(bool(mine.get("is_favorited"))),
            position=mine.get("position", 0),
            position_asset_id=mine.get("position_file_id") or 0,
            duration=video["duration"],
            preview_url=trailer["filename"] if trailer else "",
        )
    return item


def dashboard_videos(
    *,
    client_id: int,
    row: Row,
    account,
    lang_index: int,
    tariff_ids: list[int],
    exclude_tariff_ids: list[int],
) -> list[dict]:
    """The films of a "Films" or "Recently watched films" row the viewer may see, each with
    VIDEO_KEYS (and ACCOUNT_VIDEO_KEYS for an account). `tariff_ids`/`exclude_tariff_ids`
    (the noauth variant) keep films of those tariffs / drop films of these."""
    from .models import Dashboard

    lib = vod.library(client_id)
    state = vod.account_state(account)
    audience = _audience(account, vod.now_ts())
    videos = lib["videos"]
    if row.type == Dashboard.Type.RECENT_VIDEOS:
        if account is None:
            return []
        watched = sorted(
            (v for v in state.videos.values() if v["is_viewing"] or v["position"]),
            key=lambda v: -(v["viewed_at"] or 0),
        )
        candidates = [videos[v["video_id"]] for v in watched if v["video_id"] in videos]
    else:
        attributes = row.shaped.get("attributes") or {}
        candidates = [videos[i] for i in lib["order"] if _matches(videos[i], attributes)]
    wanted, unwanted = frozenset(tariff_ids), frozenset(exclude_tariff_ids)
    out = []
    for video in candidates:
        if not vod.visible(video, lib, audience, state):
            continue
        if wanted and not video["tariff_ids"] & wanted:
            continue
        if unwanted and video["tariff_ids"] & unwanted:
            continue
        out.append(_item(video, lib, state, lang_index, account))
        if len(out) >= ROW_LIMIT:
            break
    return out


def video_asset_duration(*, client_id: int, video_id: int, asset_id: int) -> int | None:
    """The duration of a film's asset in seconds (0: unknown), None when the operator has no
    such film or the film no such asset (a file of the film or of one of its episodes)."""
    video = vod.library(client_id)["videos"].get(video_id)
    if video is None:
        return None
    asset = next((f for f in video["files"] if f["id"] == asset_id), None)
    if asset is None:
        return None
    return asset["duration"] or 0


def program_selections(*, client_id: int, program_ids: list[int], lang_index: int) -> dict[int, list[dict]]:
    """programme id -> the operator's shown EPG selections (`Selection` of content type
    "EPG") that hold it, in the library's order: what `portaldashboard/selection/list/last`
    shows of the programmes an account watched. From the cached catalogue."""
    wanted = set(program_ids)
    out: dict[int, list[dict]] = {pid: [] for pid in program_ids}
    for s in vod.library(client_id)["selections"]:
        if s["content_type"] != vod.SelectionContentType.PROGRAM or s["is_hidden"]:
            continue
        shaped = {
            "id": s["id"],
            "name": translated_value(s, "name", lang_index),
            "promo_image": image_url(translated_value(s, "promo_image", lang_index), ""),
        }
        for object_id in s["items"]:
            if object_id in wanted:
                out[object_id].append(shaped)
    return out
