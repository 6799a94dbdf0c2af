"""The video library as the players see it: the films and series the account sees on the
device API (the library's visibility rules: tariffs used for the video list, free price
categories, purchases, geo limits, the profile's adult setting) and playing one of their
files through the streaming app's routing and tokens.

A player has no device type, so videos limited to device types (`available_on`) are not
offered, and recordings of the EPG archive (video source "archive") are left to the device
API.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from accounts.selectors import profile_type_shows_adult
from channels.selectors import location_for_ip, viewer_tariff_ids
from smarty.i18n import translated_value
from smarty.logging import log_event, mask_secret
from streaming import routing, services
from vod import selectors
from vod.images import image_url

from .access import RefusedError, Subscriber, Why

ARCHIVE_SOURCE = 3  # vod.models.Video.Source.ARCHIVE


@dataclass
class Library:
    sub: Subscriber
    host: str

    @cached_property
    def lib(self) -> dict:
        return selectors.library(self.sub.client.pk)

    @cached_property
    def audience(self) -> selectors.Audience:
        account = self.sub.account
        location = location_for_ip(client=self.sub.client, ip=self.sub.ip)
        tariffs = viewer_tariff_ids(account, device_group=None, location=location, purpose="videos")
        adult = True
        if account.profile_type_id:
            adult = profile_type_shows_adult(profile_type_id=account.profile_type_id)
        return selectors.Audience(
            tariff_ids=tariffs,
            country_id=location.country_id if location else None,
            city_id=location.city_id if location else None,
            play_device_id=None,
            adult=adult,
            now=selectors.now_ts(),
        )

    @cached_property
    def videos(self) -> list[dict]:
        state = selectors.account_state(self.sub.account)
        return [
            row
            for row in selectors.visible_videos(self.lib, self.audience, state)
            if not row["available_on"] and row["video_source"] != ARCHIVE_SOURCE and not row["is_package"]
        ]

    def films(self) -> list[dict]:
        return [row for row in self.videos if not row["is_season"] and main_file(row) is not None]

    def series(self) -> list[dict]:
        return [row for row in self.videos if row["is_season"]]

    def video(self, video_id: int | None, *, series: bool) -> dict:
        for row in self.series() if series else self.films():
            if row["id"] == video_id:
                return row
        raise RefusedError(Why.NOT_FOUND, "No such video for this account")

    def genres(self, rows: list[dict]) -> list[dict]:
        """The genres of these videos, in the library's genre order."""
        used = {gid for row in rows for gid in row["genre_ids"]}
        return [g for g in self.lib["genres"] if g["id"] in used]

    def t(self, row: dict, name: str) -> str:
        return translated_value(row, name, self.sub.lang)

    def poster(self, row: dict) -> str:
        return image_url(self.t(row, "poster") or row["vertical_poster"], self.host)

    def genre_names(self, row: dict) -> str:
        """In the library's genre order: the database keeps no order for a video's genres."""
        own = set(row["genre_ids"])
        return ", ".join(self.t(g, "name") for g in self.lib["genres"] if g["id"] in own)

    def people(self, row: dict, kind: str) -> str:
        """Names of the video's actors (kind "actor") or directors, in credit order."""
        actors = self.lib["actors"]
        return ", ".join(
            self.t(actors[a], "name") for a in row["actor_ids"] if a in actors and actors[a]["type"] == kind
        )


def main_file(row: dict) -> dict | None:
    """The film's first file that is not a trailer."""
    return next((f for f in row["files"] if not f["is_trailer"] and f["episode_id"] is None), None)


def episode_files(row: dict) -> list[tuple[dict, dict]]:
    """(episode, its first file) of a series, planned episodes left out."""
    files = {}
    for f in row["files"]:
        if f["episode_id"] is not None and not f["is_trailer"]:
            files.setdefault(f["episode_id"], f)
    return [(e, files[e["id"]]) for e in row["episodes"] if not e["is_planned"] and e["id"] in files]


def extension(f: dict) -> str:
    name = (f["filename"] or "").rsplit("?", 1)[0]
    tail = name.rsplit("/", 1)[-1]
    ext = tail.rsplit(".", 1)[1].lower() if "." in tail else ""
    return ext if ext.isalnum() and len(ext) <= 5 else "mp4"


def file_stream(sub: Subscriber, *, row: dict, f: dict, path: str, device: str = "xtream") -> str:
    """The address of one file of a video the account sees: its own URL, or routed with a
    fresh token (Raises RefusedError(UNAVAILABLE))."""
    source = f["filename"] or row["uri"]
    if not source:
        raise RefusedError(Why.NOT_FOUND, "The video has no file to play")
    if "://" in source:
        uri, token, service_id = source, "", 0
    else:
        content = routing.ContentInfo(
            id=f["id"], cid=source, prefix=str(row["id"]), service_ids=row["stream_service_ids"]
        )
        viewer = routing.Viewer(
            account_id=sub.account.pk,
            abonement=sub.account.abonement,
            data_center_id=sub.account.data_center_id,
            tariff_ids=sub.tariff_ids,
            device=device,
            device_uid=sub.device_uid,
            ip=sub.ip,
        )
        try:
            result = services.stream_url_build(
                client_id=sub.client.pk, kind=routing.VOD, content=content, viewer=viewer
            )
        except services.StreamingError as exc:
            raise RefusedError(Why.UNAVAILABLE, str(exc) or "No streaming service is available") from exc
        uri, token, service_id = result.uri, result.token, result.stream_service_id
    log_event(
        "smarty_content_requests",
        "CONTENT_REQUEST_SUCCESS",
        url=path,
        params={"vid": row["id"], "file": f["id"]},
        uri=mask_secret(uri, token) if token else uri,
        stream_service_id=service_id,
        content_id=f["id"],
        account_id=sub.account.pk,
    )
    return uri
