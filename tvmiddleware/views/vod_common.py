"""Shared pieces of the video-library methods (Video, Actor, Genre, Selection, Seance,
Provider groups): who is asking (`VodViewer`) and the shapes of videos, assets and people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from accounts.selectors import profile_type_shows_adult
from smarty.api import Call
from smarty.i18n import translated_value
from vod import selectors
from vod.images import image_url

from ..api import tvmw
from .live_common import device_group, host_of, request_lang_index

GENDERS = {0: "", 1: "male", 2: "female"}


def vod_method(path: str, name: str, **options: Any) -> Callable:
    """tvmw.method for the library's methods."""
    return tvmw.method(path, name, **options)


ACTOR_TYPES = {"actor": "Actor", "director": "Director"}


@dataclass
class VodViewer:
    call: Call
    client_id: int
    account: Any
    lang_index: int
    now: int

    @cached_property
    def lib(self) -> dict:
        return selectors.library(self.client_id)

    @cached_property
    def state(self) -> selectors.AccountState:
        return selectors.account_state(self.account)

    @cached_property
    def host(self) -> str:
        return host_of(self.call)

    @cached_property
    def play_device(self) -> Any:
        from clients.selectors import play_device_get

        session = self.call.session
        if session is not None and session.play_device_id:
            return session.play_device
        return play_device_get(self.call.data.get("device", ""))

    @cached_property
    def audience(self) -> selectors.Audience:
        if self.account is None:
            return selectors.Audience(tariff_ids=None, now=self.now)
        from channels.selectors import location_for_ip, viewer_tariff_ids

        location = location_for_ip(client=self.call.client, ip=self.call.ip)
        tariffs = viewer_tariff_ids(
            self.account, device_group=device_group(self.call), location=location, purpose="videos"
        )
        adult = True
        if self.account.profile_type_id:
            adult = profile_type_shows_adult(profile_type_id=self.account.profile_type_id)
        return selectors.Audience(
            tariff_ids=tariffs,
            country_id=location.country_id if location else None,
            city_id=location.city_id if location else None,
            play_device_id=self.play_device.pk if self.play_device is not None else None,
            adult=adult,
            now=self.now,
        )

    def visible(self, row: dict) -> bool:
        return selectors.visible(row, self.lib, self.audience, self.state)

    def videos(self) -> list[dict]:
        return selectors.visible_videos(self.lib, self.audience, self.state)

    def video(self, video_id: int | None) -> dict | None:
        row = self.lib["videos"].get(video_id) if video_id is not None else None
        return row if row is not None and self.visible(row) else None

    @cached_property
    def genres_by_id(self) -> dict[int, dict]:
        return {g["id"]: g for g in self.lib["genres"]}

    @cached_property
    def providers_by_id(self) -> dict[int, dict]:
        by_id: dict[int, dict] = {}
        for provider in self.lib["providers"]:
            by_id.setdefault(provider["id"], provider)  # the first of an id, as a scan finds it
        return by_id

    def t(self, row: dict, name: str) -> str:
        return translated_value(row, name, self.lang_index)

    def image(self, value: str, kind: str = "", size: str = "", blurred: bool = False) -> str:
        return image_url(value, self.host, kind=kind, size=size, blurred=blurred)


def vod_viewer(call: Call) -> VodViewer:
    return VodViewer(
        call=call,
        client_id=call.client.pk,
        account=call.account,
        lang_index=request_lang_index(call),
        now=selectors.now_ts(),
    )


def file_item(v: VodViewer, f: dict) -> dict:
    position, viewed = v.state.files.get(f["id"], (0, False))
    return {
        "id": f["id"],
        "promo_image": v.image(f["promo_image"], "preview", "small"),
        "name": v.t(f, "name"),
        "duration": f["duration"],
        "ext_id": f["ext_id"],
        "position": position,
        "is_viewed": int(viewed),
        "quality": f["quality"],
    }


def _people(v: VodViewer, row: dict, kind: str) -> str:
    actors = v.lib["actors"]
    return ", ".join(v.t(actors[a], "name") for a in row["actor_ids"] if a in actors and actors[a]["type"] == kind)


def actor_item(v: VodViewer, a: dict, *, full: bool = False) -> dict:
    item = {
        "id": a["id"],
        "name": v.t(a, "name"),
        "photo": v.image(a["photo"], "photo"),
        "country": v.t(a, "country"),
        "gender": GENDERS.get(a["gender"], ""),
        "birthdate": a["birthdate"],
        "type": ACTOR_TYPES.get(a["type"], "Actor"),
    }
    if full:
        item.update({"profession": v.t(a, "profession"), "biography": v.t(a, "biography")})
    return item


def price_category_type(v: VodViewer, row: dict) -> int:
    category = v.lib["price_categories"].get(row["price_category_id"])
    return category["type"] if category is not None else 0


def video_item(v: VodViewer, row: dict, *, compact: bool = False) -> dict:
    """A video as video/list, video/similar and selection/detail show it."""
    genres = v.genres_by_id  # once per request, not per video
    mine = v.state.videos.get(row["id"], {})
    provider = v.providers_by_id.get(row["provider_id"])
    item = {
        "id": row["id"],
        "name": v.t(row, "name"),
        "name_orig": row["name_orig"],
        "thumbnail_small": v.image(v.t(row, "poster"), "poster", "small"),
        "thumbnail_big": v.image(v.t(row, "poster"), "poster", "big"),
        "screenshot_big": v.image(row["screenshot"], "screenshot", "big"),
        "screenshot_b_big": v.image(row["screenshot"], "screenshot", blurred=True),
        "ad_banner": v.image(row["ad_banner"], "banner"),
        "description": v.t(row, "description"),
        "short_description": v.t(row, "short_description"),
        "year": row["year"] or 0,
        "video_provider_id": row["provider_id"] or 0,
        "genres": ", ".join(v.t(genres[g], "name") for g in row["genre_ids"] if g in genres),
        "countries": v.t(row, "countries"),
        "genres_kinopoisk": row["genres_kinopoisk"],
        "is_favorited": int(bool(mine.get("is_favorited"))),
        "is_viewed": int(bool(mine.get("is_viewed"))),
        "is_parent_control": int(row["parent_control"]),
        "is_package": int(row["is_package"]),
        "is_season": int(row["is_season"]),
        "is_announcement": int(row["is_announcement"]),
        "has_subscription": int(selectors.has_subscription(row, v.lib, v.audience)),
        "rating": row["age_rating"],
        "kinopoisk_rating": row["kinopoisk_rating"],
        "imdb_rating": row["imdb_rating"],
        "average_customers_rating": row["average_customers_rating"],
        "duration": row["duration"],
        "files": [file_item(v, f) for f in row["files"] if f["episode_id"] is None],
        "provider": v.t(provider, "name") if provider else "",
        "language": v.t(row, "language"),
        "is_purchased": int(v.state.purchased(row["id"], v.now)),
        "position": mine.get("position", 0),
        "position_asset_id": mine.get("position_file_id") or 0,
        "video_source": row["video_source"],
        "price_category_type": price_category_type(v, row),
        "is_4k": int(row["is_4k"]),
        "channel_id": row["channel_id"] or 0,
        "horizontal_poster": v.image(v.t(row, "horizontal_poster"), "poster"),
        "logo": v.image(row["logo"], "banner"),
    }
    if not compact:
        item["actors"] = _people(v, row, "actor")
        item["director"] = _people(v, row, "director") or v.t(row, "director")
    return item
