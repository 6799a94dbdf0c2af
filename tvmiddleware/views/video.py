"""Video on demand (reference tvmw/Video.md): the catalogue, details, episodes, playback
addresses, the account's marks, favourites and lists, purchases and subscriptions.

Catalogue and account state come from two cached values (vod.selectors), so a warm
`video/list` or `video/detail` reads only the session; `video/url` adds the stream token."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse

from billing import services as billing_services
from billing.services import BillingError
from monitoring.recording import viewing_started
from smarty.api import ApiError, Call, Flag, Number, NumberList, String
from smarty.logging import log_event, mask_secret
from streaming import routing
from streaming import services as streaming
from streaming.selectors import routing_channels
from tariffs import services as tariff_services
from tariffs.selectors import account_tariff_ids, video_tariff_list, video_tariff_subscription_get
from vod import services
from vod.selectors import PriceCategoryType, VideoSource, video_for_purchase_get, video_get

from .live_common import COMMON_PARAMS, NOAUTH_PARAMS, page_slice
from .vod_common import VodViewer, actor_item, file_item, price_category_type, video_item, vod_method, vod_viewer

BAD_PARAMS = 1
LIST_BAD_SET = 2
URL_NOT_FOUND = 1
URL_PROVIDER_ERROR = 2
URL_DEVICE_FORBIDDEN = 3
URL_PLANNED_EPISODE = 4
ACTION_FAILED = 1
ACTION_NO_MONEY = 2
ACTION_ALREADY_BOUGHT = 3
ACTION_DEVICE_FORBIDDEN = 4
ACTION_NOT_FOUND = 5
SETTINGS_NOT_FOUND = 1
SETTINGS_BAD_FAVORITED = 2
RATING_BAD = 1
LISTING_NOT_FOUND = 1
SUBSCRIPTION_BAD_FLAG = 1
SUBSCRIPTION_NOT_FOUND = 1
# Purchases are listed among the subscriptions with their id shifted past any tariff id.
PURCHASE_SUBSCRIPTION_BASE = 1_000_000_000
MAX_LIMIT = 100
ONLY_FLAGS = ("get_purchased", "viewed_only", "favorited_only", "is_viewing", "history_only")
ORDERS = (
    "id",
    "created_at",
    "updated_at",
    "premiere_date",
    "year",
    "name",
    "average_customers_rating",
    "kinopoisk_rating",
    "imdb_rating",
    "view_datetime",
    "add_favorited_time",
    "number_of_ratings",
)

LIST_FILTERS = [
    Number("limit", default=20, lo=1, hi=MAX_LIMIT),
    Number("page", default=1, lo=1),
    Number("gid"),
    Number("cgid"),
    Number("aid"),
    Flag("new"),
    Flag("premiere"),
    Flag("source_internal", default=1),
    Flag("source_external", default=1),
    NumberList("source_type", lo=1, hi=3),
    Number("package", choices=(0, 1)),
    Number("season", choices=(0, 1)),
    Number("announcement", choices=(0, 1)),
    NumberList("year", lo=0, hi=9999),
    Number("year_from", lo=0, hi=9999),
    Number("year_to", lo=0, hi=9999),
    Number("kinopoisk_rating_from", lo=0, hi=10),
    Number("kinopoisk_rating_to", lo=0, hi=10),
    String("country", max_length=255),
    NumberList("genre"),
    NumberList("genre_any"),
    NumberList("tariff"),
    NumberList("exclude_tariff_id"),
    String("provider", max_length=255),
    Number("provider_id"),
    Number("video_provider_id"),
    String("order", choices=(*ORDERS, *(f"-{o}" for o in ORDERS))),
    String("search", max_length=255),
]
ACCOUNT_FILTERS = [Flag(name) for name in ONLY_FLAGS]


# --- video/list -----------------------------------------------------------------------------


def _matching(v: VodViewer, p: dict) -> Callable[[dict], bool]:
    """video/list's filters as one test of a row, made once per request: what the parameters
    ask is worked out here, not again for each of the library's videos, and a filter the
    request does not use is not checked at all."""
    checks: list[Callable[[dict], bool]] = []
    wanted_all = set(p["genre"]) | {g for g in (p["gid"], p["cgid"]) if g is not None}
    if wanted_all:
        checks.append(lambda row: wanted_all.issubset(row["genre_ids"]))
    if p["genre_any"]:
        any_of = set(p["genre_any"])
        checks.append(lambda row: not any_of.isdisjoint(row["genre_ids"]))
    if p["aid"] is not None:
        aid = p["aid"]
        checks.append(lambda row: aid in row["actor_ids"])
    sources = set(p["source_type"])
    if not sources:
        sources = {3}
        if p["source_internal"]:
            sources.add(1)
        if p["source_external"]:
            sources.add(2)
    checks.append(lambda row: row["video_source"] in sources)
    for name, key in (("package", "is_package"), ("season", "is_season"), ("announcement", "is_announcement")):
        if p[name] is not None:
            wanted, column = bool(p[name]), key
            checks.append(lambda row, wanted=wanted, column=column: bool(row[column]) == wanted)
    if p["year"]:
        years = p["year"]
        checks.append(lambda row: (row["year"] or 0) in years)
    if p["year_from"] is not None:
        year_from = p["year_from"]
        checks.append(lambda row: (row["year"] or 0) >= year_from)
    if p["year_to"] is not None:
        year_to = p["year_to"]
        checks.append(lambda row: (row["year"] or 0) <= year_to)
    if p["kinopoisk_rating_from"] is not None:
        rating_from = p["kinopoisk_rating_from"]
        checks.append(lambda row: row["kinopoisk_rating"] >= rating_from)
    if p["kinopoisk_rating_to"] is not None:
        rating_to = p["kinopoisk_rating_to"]
        checks.append(lambda row: row["kinopoisk_rating"] <= rating_to)
    if p["country"]:
        countries = {c.strip().lower() for c in p["country"].split(",") if c.strip()}
        checks.append(lambda row: not countries.isdisjoint(_countries(row)))
    if p["tariff"]:
        tariffs = set(p["tariff"])
        checks.append(lambda row: bool(row["tariff_ids"] & tariffs))
    if p["exclude_tariff_id"]:
        excluded = set(p["exclude_tariff_id"])
        checks.append(lambda row: not row["tariff_ids"] & excluded)
    provider_id = p["video_provider_id"] if p["video_provider_id"] is not None else p["provider_id"]
    if provider_id is not None:
        checks.append(lambda row: row["provider_id"] == provider_id)
    elif p["provider"]:
        names = {pr["id"]: pr["name"].lower() for pr in v.lib["providers"]}
        provider = p["provider"].strip().lower()
        checks.append(lambda row: names.get(row["provider_id"]) == provider)
    if p["new"]:
        since = v.now - settings.TVMIDDLEWARE_VIDEO_NEW_DAYS * 86400
        checks.append(lambda row: row["created_at"] >= since)
    if p["premiere"]:
        if settings.TVMIDDLEWARE_VIDEO_PREMIERE_YEARS:
            first_year = dt.datetime.fromtimestamp(v.now, dt.UTC).year - settings.TVMIDDLEWARE_VIDEO_PREMIERE_YEARS
            checks.append(lambda row: (row["year"] or 0) >= first_year)
        else:
            since_premiere = v.now - settings.TVMIDDLEWARE_VIDEO_PREMIERE_DAYS * 86400
            checks.append(lambda row: row["premiere_date"] is not None and row["premiere_date"] >= since_premiere)
    if p["search"]:
        needle = p["search"].strip().lower()
        checks.append(
            lambda row: any(
                needle in (n or "").lower()
                for n in (row["name"], row["name_orig"], *(row[f"name_lang{i}"] for i in range(1, 6)))
            )
        )
    if any(p.get(name) for name in ONLY_FLAGS):
        checks.append(lambda row: _account_filter(v, row, p))
    return lambda row: all(check(row) for check in checks)


def _countries(row: dict) -> set[str]:
    return {
        c.strip().lower()
        for i in (0, 1, 2, 3, 4, 5)
        for c in (row["countries" if not i else f"countries_lang{i}"] or "").split(",")
    }


def _account_filter(v: VodViewer, row: dict, p: dict) -> bool:
    mine = v.state.videos.get(row["id"], {})
    if p.get("get_purchased") and not v.state.purchased(row["id"], v.now):
        return False
    if p.get("viewed_only") and not mine.get("is_viewed"):
        return False
    if p.get("favorited_only") and not mine.get("is_favorited"):
        return False
    if p.get("is_viewing") and not mine.get("is_viewing"):
        return False
    return not (p.get("history_only") and not (mine.get("is_viewed") or mine.get("is_viewing")))


def _sort(v: VodViewer, rows: list[dict], order: str | None) -> list[dict]:
    if not order:
        return rows
    name = order.lstrip("-")
    reverse = order.startswith("-")
    state = v.state.videos
    keys = {
        "id": lambda r: r["id"],
        "created_at": lambda r: (r["content_updated_at"] or 0, r["id"]),
        "updated_at": lambda r: (r["created_at"] or 0, r["id"]),
        "premiere_date": lambda r: (r["premiere_date"] or 0, r["id"]),
        "year": lambda r: (r["year"] or 0, r["id"]),
        "name": lambda r: (v.t(r, "name").lower(), r["id"]),
        "average_customers_rating": lambda r: (r["average_customers_rating"], r["id"]),
        "kinopoisk_rating": lambda r: (r["kinopoisk_rating"], r["id"]),
        "imdb_rating": lambda r: (r["imdb_rating"], r["id"]),
        "view_datetime": lambda r: (state.get(r["id"], {}).get("viewed_at") or 0, r["id"]),
        "add_favorited_time": lambda r: (state.get(r["id"], {}).get("favorited_at") or 0, r["id"]),
        "number_of_ratings": lambda r: (r["number_of_ratings"], r["id"]),
    }
    return sorted(rows, key=keys[name], reverse=reverse)


def _video_list(call: Call) -> dict:
    p = call.params
    if sum(1 for name in ONLY_FLAGS if p.get(name)) > 1:
        raise ApiError(LIST_BAD_SET, "Invalid set of parameters: " + ", ".join(ONLY_FLAGS) + " exclude each other")
    v = vod_viewer(call)
    keep = _matching(v, p)
    rows = _sort(v, [r for r in v.videos() if keep(r)], p["order"])
    page = page_slice(call, rows, code=BAD_PARAMS)
    return {"videos": [video_item(v, r) for r in page], "count": len(rows)}


@vod_method(
    "/video/list/",
    "VideoList",
    params=[*LIST_FILTERS, *ACCOUNT_FILTERS, *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def video_list(call: Call) -> dict:
    return _video_list(call)


@vod_method(
    "/noauth/video/list/",
    "NoAuthVideoList",
    params=[*LIST_FILTERS, *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_video_list(call: Call) -> dict:
    return _video_list(call)


# --- video/detail ---------------------------------------------------------------------------

ACTOR_ORDERS = ("name", "birthdate", "film_count", "-name", "-birthdate", "-film_count")
DETAIL_PARAMS = [
    Number("vid", required=True),
    String("actors_order", choices=ACTOR_ORDERS),
    String("type", default="actor", choices=("actor", "director", "all")),
]


def _access(v: VodViewer, row: dict) -> bool:
    """May the viewer play the video's assets (not only see it in the catalogue)?"""
    if v.account is None:
        return False
    if price_category_type(v, row) == PriceCategoryType.FREE:
        return True
    category = v.lib["price_categories"].get(row["price_category_id"])
    if category is not None and category["type"] == PriceCategoryType.PURCHASE:
        return v.state.purchased(row["id"], v.now)
    return bool(row["tariff_ids"] & (v.audience.tariff_ids or frozenset()) & v.lib["video_tariffs"]) or (
        v.state.purchased(row["id"], v.now)
    )


def _actions(v: VodViewer, row: dict) -> list[dict]:
    seasons = {s["id"]: s for s in row["seasons"]}
    episodes = {e["id"]: e for e in row["episodes"]}
    can_play = _access(v, row)
    actions = []
    for f in row["files"]:
        if not (f["is_trailer"] or can_play):
            continue
        episode = episodes.get(f["episode_id"])
        season = seasons.get(episode["season_id"]) if episode else None
        position, viewed = v.state.files.get(f["id"], (0, False))
        actions.append(
            {
                "action": "get_trailer_url" if f["is_trailer"] else "get_video_url",
                "caption": v.t(f, "name"),
                "price": 0,
                "cost": 0,
                "activation_price": 0,
                "url": "",
                "video_id": str(row["id"]),
                "file_id": str(f["id"]),
                "episode_id": str(f["episode_id"] or ""),
                "duration": str(f["duration"] // 60),
                "quality": f["quality"],
                "subscription_id": 0,
                "option_id": 0,
                "tariff_id": 0,
                "is_viewed": int(viewed),
                "periodical": 0,
                "promo_image_url": v.image(f["promo_image"], "preview", "small"),
                "ext_id": f["ext_id"],
                "season_sort": season["number"] if season else 0,
                "episode_sort": episode["number"] if episode else 0,
            }
        )
    category = v.lib["price_categories"].get(row["price_category_id"])
    if not can_play and category is not None and category["type"] == PriceCategoryType.PURCHASE and v.account:
        actions.append(
            {
                "action": category["action"] or "buy",
                "caption": v.t(category, "name"),
                "price": category["price"],
                "cost": category["price"],
                "activation_price": category["price"],
                "url": "",
                "video_id": str(row["id"]),
                "file_id": "",
                "episode_id": "",
                "duration": str(row["duration"]),
                "quality": 0,
                "subscription_id": 0,
                "option_id": 0,
                "tariff_id": 0,
                "is_viewed": 0,
                "periodical": 0,
                "promo_image_url": "",
                "ext_id": "",
                "season_sort": 0,
                "episode_sort": 0,
            }
        )
    return actions


def _actors_info(v: VodViewer, row: dict, order: str | None, kind: str) -> list[dict]:
    people = [v.lib["actors"][a] for a in row["actor_ids"] if a in v.lib["actors"]]
    if kind != "all":
        people = [a for a in people if a["type"] == kind]
    if order:
        field = order.lstrip("-")
        key = {
            "name": lambda a: v.t(a, "name").lower(),
            "birthdate": lambda a: a["birthdate"] or "",
            "film_count": lambda a: a["film_count"],
        }[field]
        people.sort(key=key, reverse=order.startswith("-"))
    return [actor_item(v, a) for a in people]


def _video_detail(call: Call) -> dict:
    p = call.params
    v = vod_viewer(call)
    row = v.video(p["vid"])
    if row is None:
        raise ApiError(BAD_PARAMS, "vid: video not found", {"vid": "not found"})
    mine = v.state.videos.get(row["id"], {})
    item = video_item(v, row)
    last_file = next((f for f in row["files"] if f["id"] == mine.get("position_file_id")), None)
    last_episode = next((e for e in row["episodes"] if last_file and e["id"] == last_file["episode_id"]), None)
    item.update(
        {
            "actions": _actions(v, row),
            "logo": v.image(row["logo"], "banner"),
            "vertical_poster": v.image(row["vertical_poster"], "poster"),
            "package_videos": [{"id": i} for i in row["package_ids"]],
            "customer_rating": mine.get("rating") or 0,
            "position_season_id": (last_episode or {}).get("season_id") or 0,
            "actors_info": _actors_info(v, row, p["actors_order"], p["type"]),
            "reviews": [],
            "seasons": [{"id": s["id"], "name": v.t(s, "name"), "number": s["number"]} for s in row["seasons"]],
            "ext_id": row["ext_id"],
            "ads_available": 0,
            "episode_count": len(row["episodes"]) if row["is_season"] else 1,
            "is_similar_exist": int(bool(row["similar_ids"])),
            "meta": json.dumps(row["meta"] or {}, ensure_ascii=False),
        }
    )
    for key in ("has_subscription", "is_viewed", "is_purchased", "price_category_type", "files"):
        item.pop(key, None)
    return item


@vod_method(
    "/video/detail/",
    "VideoDetail",
    params=[
        *DETAIL_PARAMS,
        Flag("external_api_request", default=1),
        Number("external_api_goods_id"),
        Flag("show_reviews"),
        *COMMON_PARAMS,
    ],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def video_detail(call: Call) -> dict:
    return _video_detail(call)


@vod_method(
    "/noauth/video/detail/",
    "NoAuthVideoDetail",
    params=[*DETAIL_PARAMS, *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_video_detail(call: Call) -> dict:
    return _video_detail(call)


# --- episodes -------------------------------------------------------------------------------


def _episode(v: VodViewer, row: dict, e: dict, *, with_files: bool) -> dict:
    item = {
        "id": e["id"],
        "name": v.t(e, "name"),
        "number": e["number"],
        "description": v.t(e, "description"),
        "duration": e["duration"],
        "preview_url": v.image(e["preview"], "preview", "small"),
        "video_id": row["id"],
        "is_planned": int(e["is_planned"]),
        "is_free": int(e["is_free"]),
    }
    if with_files:
        item["files"] = [file_item(v, f) for f in row["files"] if f["episode_id"] == e["id"]]
    return item


def _season(v: VodViewer, season_id: int) -> tuple[dict, dict]:
    for row in v.videos():
        for s in row["seasons"]:
            if s["id"] == season_id:
                return row, s
    raise ApiError(BAD_PARAMS, "season_id: season not found", {"season_id": "not found"})


@vod_method(
    "/video/episode/list/",
    "VideoEpisodeList",
    params=[Number("season_id", required=True), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def video_episode_list(call: Call) -> dict:
    v = vod_viewer(call)
    row, season = _season(v, call.params["season_id"])
    episodes = [_episode(v, row, e, with_files=True) for e in row["episodes"] if e["season_id"] == season["id"]]
    return {"episodes": episodes, "season_number": season["number"]}


@vod_method(
    "/noauth/video/episode/list/",
    "NoAuthVideoEpisodeList",
    params=[Number("season_id", required=True), *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_video_episode_list(call: Call) -> dict:
    v = vod_viewer(call)
    row, season = _season(v, call.params["season_id"])
    episodes = [_episode(v, row, e, with_files=False) for e in row["episodes"] if e["season_id"] == season["id"]]
    return {"episodes": episodes, "season_number": season["number"]}


@vod_method(
    "/video/episode/detail/",
    "VideoEpisodeDetail",
    params=[Number("episode_id", required=True), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def video_episode_detail(call: Call) -> dict:
    v = vod_viewer(call)
    for row in v.videos():
        for e in row["episodes"]:
            if e["id"] == call.params["episode_id"]:
                item = _episode(v, row, e, with_files=True)
                item.pop("id")
                return item
    raise ApiError(BAD_PARAMS, "episode_id: episode not found", {"episode_id": "not found"})


# --- video/url ------------------------------------------------------------------------------

# The content type video/url records its viewing under (monitoring: "live", "pvr" are channels).
VIDEO_VIEWING = "video"

URL_PARAMS = [
    Number("vid", required=True),
    Flag("redirect", default=1),
    NumberList("exclude_service_id"),
    String("audio_pid", default=""),
    String("text_pid", default=""),
    String("video_pid", default=""),
]


def _stream_viewer(call: Call, v: VodViewer) -> routing.Viewer:
    account = v.account
    return routing.Viewer(
        account_id=account.pk if account is not None else 0,
        abonement=account.abonement if account is not None else "",
        data_center_id=account.data_center_id if account is not None else None,
        tariff_ids=v.audience.tariff_ids or frozenset(),
        device_group=v.play_device.device_group if v.play_device is not None else None,
        device=v.play_device.system_name if v.play_device is not None else call.params.get("device", ""),
        device_uid=call.params.get("device_uid") or "",
        ip=call.ip,
    )


def _play(call: Call, v: VodViewer, row: dict, f: dict) -> HttpResponse | dict:
    p = call.params
    if row["available_on"] and (v.play_device is None or v.play_device.pk not in row["available_on"]):
        raise ApiError(URL_DEVICE_FORBIDDEN, "This device type may not play this video")
    episode = next((e for e in row["episodes"] if e["id"] == f["episode_id"]), None)
    if episode is not None and episode["is_planned"]:
        raise ApiError(URL_PLANNED_EPISODE, "The episode is planned and cannot be played yet")
    source = f["filename"] or row["uri"]
    if row["video_source"] == VideoSource.ARCHIVE and row["channel_id"] and not source:
        return _play_recording(call, v, row, f)
    if "://" in source:
        uri, service_id, token = source, 0, ""
    elif v.account is None:
        # Stream tokens belong to an account: without a session only public addresses play.
        raise ApiError(URL_PROVIDER_ERROR, "Only a trailer with a public address plays without a session")
    else:
        content = routing.ContentInfo(
            id=f["id"], cid=source, prefix=str(row["id"]), service_ids=row["stream_service_ids"]
        )
        try:
            result = streaming.stream_url_build(
                client_id=v.client_id,
                kind=routing.VOD,
                content=content,
                viewer=_stream_viewer(call, v),
                exclude=p["exclude_service_id"],
            )
        except streaming.StreamingError as exc:
            raise ApiError(URL_NOT_FOUND, str(exc) or "No streaming service", {"vid": "no streaming service"}) from exc
        uri, service_id, token = result.uri, result.stream_service_id, result.token
    return _answer(call, v, row, f, uri, service_id, token)


def _answer(call: Call, v: VodViewer, row: dict, f: dict, uri: str, service_id: int, token: str) -> HttpResponse | dict:
    p = call.params
    log_event(
        "smarty_content_requests",
        "CONTENT_REQUEST_SUCCESS",
        url=call.request.path,
        params=call.log_params(),
        uri=mask_secret(uri, token) if token else uri,
        stream_service_id=service_id,
        content_id=f["id"],
        account_id=v.account.pk if v.account is not None else None,
    )
    if v.account is not None and not f["is_trailer"]:
        # Viewing statistics like channel/url: buffered in the cache, no database write.
        viewing_started(
            client_id=v.client_id,
            account_id=v.account.pk,
            content_type=VIDEO_VIEWING,
            content_id=row["id"],
            device=v.play_device.system_name if v.play_device is not None else (p.get("device") or ""),
            device_uid=p.get("device_uid") or "",
        )
    if p["redirect"]:
        response = HttpResponse(status=302)
        response["Location"] = uri
        return response
    return {
        "uri": uri,
        "stream_service_id": service_id,
        "ext_id": f["ext_id"] or row["ext_id"],
        "ext_partner_id": "",
        "skip_video_fragments": [
            {"type": s["type"], "begin_time": s["begin_time"], "end_time": s["end_time"]} for s in f["skip_fragments"]
        ],
        "audio_tracks": [
            {
                "index": t.get("index", n),
                "is_active": int(n == 0),
                "lang": t.get("lang", ""),
                "display_name": t.get("display_name", ""),
            }
            for n, t in enumerate(f["audio_tracks"] or [])
        ],
        "subtitles": [
            {
                "index": s.get("index", n),
                "type": s.get("type", "srt"),
                "lang": s.get("lang", ""),
                "url": s.get("url", ""),
                "display_name": s.get("display_name", ""),
            }
            for n, s in enumerate(f["subtitles"] or [])
        ],
        "video_qualities": [],
    }


def _play_recording(call: Call, v: VodViewer, row: dict, f: dict) -> HttpResponse | dict:
    """A video made from an archive recording (make_vodpvr) plays the channel's archive."""
    channel = routing_channels(v.client_id).get(row["channel_id"])
    begin, end = (row["meta"] or {}).get("begin"), (row["meta"] or {}).get("end")
    if channel is None or v.account is None or not begin or not end:
        raise ApiError(URL_NOT_FOUND, "vid: the recording is not available", {"vid": "not available"})
    try:
        result = streaming.stream_url_build(
            client_id=v.client_id,
            kind=routing.ARCHIVE,
            content=channel,
            viewer=_stream_viewer(call, v),
            exclude=call.params["exclude_service_id"],
            channel_id=channel.id,
            start=dt.datetime.fromtimestamp(begin, dt.UTC),
            duration=end - begin,
        )
    except streaming.StreamingError as exc:
        raise ApiError(URL_NOT_FOUND, str(exc) or "No streaming service", {"vid": "no streaming service"}) from exc
    return _answer(call, v, row, f, result.uri, result.stream_service_id, result.token)


def _file(row: dict | None, vfid: int | None, *, trailers_only: bool = False) -> dict:
    if row is None:
        raise ApiError(URL_NOT_FOUND, "vid: video not found", {"vid": "not found"})
    files = [f for f in row["files"] if f["is_trailer"] or not trailers_only]
    if vfid is None:
        files = [f for f in files if not f["is_trailer"]] or files
        if files:
            return files[0]
    for f in files:
        if f["id"] == vfid:
            return f
    raise ApiError(URL_NOT_FOUND, "vfid: asset not found", {"vfid": "not found"})


@vod_method(
    "/video/url/",
    "VideoUrl",
    params=[*URL_PARAMS, Number("vfid"), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def video_url(call: Call) -> HttpResponse | dict:
    v = vod_viewer(call)
    row = v.video(call.params["vid"])
    f = _file(row, call.params["vfid"])
    if not f["is_trailer"] and not _access(v, row):
        episode = next((e for e in row["episodes"] if e["id"] == f["episode_id"]), None)
        if not (episode and episode["is_free"]):
            raise ApiError(URL_NOT_FOUND, "vid: no access to this video", {"vid": "no access"})
    return _play(call, v, row, f)


@vod_method(
    "/noauth/video/url/",
    "NoAuthVideoUrl",
    params=[*URL_PARAMS, Number("vfid", required=True), *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_video_url(call: Call) -> HttpResponse | dict:
    v = vod_viewer(call)
    row = v.video(call.params["vid"])
    return _play(call, v, row, _file(row, call.params["vfid"], trailers_only=True))


# --- account's marks, favourites, lists -----------------------------------------------------


def _visible_or(v: VodViewer, vid: int, code: int) -> dict:
    row = v.video(vid)
    if row is None:
        raise ApiError(code, "vid: video not found", {"vid": "not found"})
    return row


@vod_method(
    "/video/rating/set/",
    "VideoRatingSet",
    params=[Number("vid", required=True), Number("rating", required=True, choices=tuple(range(1, 11))), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=RATING_BAD,
)
def video_rating_set(call: Call) -> dict:
    v = vod_viewer(call)
    row = _visible_or(v, call.params["vid"], RATING_BAD)
    video = video_get(client=v.client_id, video_id=row["id"])
    if video is None:
        raise ApiError(RATING_BAD, "vid: video not found", {"vid": "not found"})
    average = services.video_rating_set(account=v.account, video=video, rating=call.params["rating"])
    return {"average_rating": average}


@vod_method(
    "/video/settings/set/",
    "VideoSettingsSet",
    params=[Number("vid", required=True), String("is_favorited"), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=SETTINGS_NOT_FOUND,
)
def video_settings_set(call: Call) -> dict:
    v = vod_viewer(call)
    raw = call.params["is_favorited"]
    if raw is not None and raw not in ("0", "1"):
        raise ApiError(SETTINGS_BAD_FAVORITED, "is_favorited: 0 or 1", {"is_favorited": "0 or 1"})
    row = _visible_or(v, call.params["vid"], SETTINGS_NOT_FOUND)
    if raw is not None:
        services.account_video_favorite_set(account=v.account, video_ids={row["id"]: raw == "1"})
    return {}


@vod_method(
    "/video/similar/",
    "VideoSimilar",
    params=[
        Number("vid", required=True),
        Number("page", default=1, lo=1),
        Number("limit", default=10, lo=1),
        *COMMON_PARAMS,
    ],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def video_similar(call: Call) -> dict:
    v = vod_viewer(call)
    row = _visible_or(v, call.params["vid"], BAD_PARAMS)
    similar = [v.video(i) for i in row["similar_ids"]]
    rows = [r for r in similar if r is not None]
    return {"videos": [video_item(v, r) for r in page_slice(call, rows, code=BAD_PARAMS)], "count": len(rows)}


@vod_method(
    "/video/listing/delete/",
    "VideoListingDelete",
    error_message=False,
    params=[
        NumberList("vid", required=True),
        String("listing", required=True, choices=("is_viewing", "viewed_only", "history_only")),
        *COMMON_PARAMS,
    ],
    auth=["session"],
    param_error_code=LISTING_NOT_FOUND,
)
def video_listing_delete(call: Call) -> dict:
    v = vod_viewer(call)
    try:
        services.account_video_listing_delete(
            account=v.account, video_ids=call.params["vid"], listing=call.params["listing"]
        )
    except services.NotFoundError as exc:
        raise ApiError(LISTING_NOT_FOUND, str(exc), {"vid": "not found"}) from exc
    return {}


# --- purchases and subscriptions ------------------------------------------------------------


@vod_method(
    "/video/action/",
    "VideoAction",
    params=[
        Number("vid", required=True),
        String("action", required=True, max_length=64),
        Number("external_api_goods_id"),
        *COMMON_PARAMS,
    ],
    auth=["session"],
    param_error_code=ACTION_FAILED,
)
def video_action(call: Call) -> dict:
    v = vod_viewer(call)
    row = v.video(call.params["vid"])
    if row is None:
        raise ApiError(ACTION_NOT_FOUND, "vid: video not found", {"vid": "not found"})
    if row["available_on"] and (v.play_device is None or v.play_device.pk not in row["available_on"]):
        raise ApiError(ACTION_DEVICE_FORBIDDEN, "This device type may not buy this video")
    offered = {a["action"] for a in _actions(v, row)}
    if v.state.purchased(row["id"], v.now):
        raise ApiError(ACTION_ALREADY_BOUGHT, "The video is already bought")
    if call.params["action"] not in offered or call.params["action"] in ("get_video_url", "get_trailer_url"):
        raise ApiError(ACTION_FAILED, "action: not offered for this video", {"action": "not offered"})
    video = video_for_purchase_get(client=v.client_id, video_id=row["id"])
    if video is None:
        raise ApiError(ACTION_NOT_FOUND, "vid: video not found", {"vid": "not found"})
    try:
        billing_services.video_buy(account=v.account, video=video)
    except services.NotEnoughMoneyError as exc:
        raise ApiError(ACTION_NO_MONEY, "Not enough money on the balance") from exc
    except (BillingError, services.VodError) as exc:
        raise ApiError(ACTION_FAILED, str(exc) or "The purchase failed") from exc
    return {}


@vod_method(
    "/video/subscription/list/",
    "VideoSubscriptionList",
    params=[String("is_purchased"), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=SUBSCRIPTION_BAD_FLAG,
)
def video_subscription_list(call: Call) -> dict:
    raw = call.params["is_purchased"]
    if raw is not None and raw not in ("0", "1"):
        raise ApiError(SUBSCRIPTION_BAD_FLAG, "is_purchased: 0 or 1", {"is_purchased": "0 or 1"})
    v = vod_viewer(call)
    mine = account_tariff_ids(v.account)
    tariffs = video_tariff_list(client=v.client_id)
    items = [
        {
            "id": t.pk,
            "ext_id": t.ext_id,
            "name": v.t(vars(t), "name"),
            "description": v.t(vars(t), "description"),
            "price": t.price,
            "sort": t.sort_order,
            "is_purchased": t.pk in mine,
        }
        for t in tariffs
        if not t.hidden or t.pk in mine
    ]
    for purchase in v.state.purchases:
        row = v.lib["videos"].get(purchase["video_id"])
        if row is None or (purchase["until"] is not None and purchase["until"] <= v.now):
            continue
        items.append(
            {
                "id": PURCHASE_SUBSCRIPTION_BASE + purchase["id"],
                "ext_id": row["ext_id"],
                "name": v.t(row, "name"),
                "description": v.t(row, "short_description"),
                "price": purchase["price"],
                "sort": 0,
                "is_purchased": True,
            }
        )
    if raw is not None:
        items = [i for i in items if i["is_purchased"] == (raw == "1")]
    return {"subscriptions": items}


@vod_method(
    "/video/subscription/cancel/",
    "VideoSubscriptionCancel",
    params=[Number("subscription", required=True), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=SUBSCRIPTION_NOT_FOUND,
)
def video_subscription_cancel(call: Call) -> dict:
    v = vod_viewer(call)
    ident = call.params["subscription"]
    if ident > PURCHASE_SUBSCRIPTION_BASE:
        try:
            services.video_purchase_cancel(customer=v.account.customer, purchase_id=ident - PURCHASE_SUBSCRIPTION_BASE)
        except services.PurchaseNotFoundError as exc:
            raise ApiError(SUBSCRIPTION_NOT_FOUND, "subscription: not found", {"subscription": "not found"}) from exc
        return {}
    subscription = video_tariff_subscription_get(client=v.client_id, customer_id=v.account.customer_id, tariff_id=ident)
    if subscription is None:
        raise ApiError(SUBSCRIPTION_NOT_FOUND, "subscription: tariff not found", {"subscription": "not found"})
    tariff_services.tariff_subscription_delete(subscription=subscription)
    return {}
