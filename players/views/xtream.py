"""The Xtream Codes player API (docs/players.md): `player_api.php` and its actions, `get.php`
(M3U), `xmltv.php` and the `/live/`, `/timeshift/` stream paths. Usernames are abonements.

Field names and types are those the players read: ids of streams are numbers, category ids
and timestamps in user_info are strings, EPG titles and descriptions are base64. A refused
login is `{"user_info": {"auth": 0}}` on player_api.php and HTTP 401 elsewhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from epg.selectors import programs_between
from smarty.api import Number, String, parse_params
from smarty.api.errors import ApiError
from tariffs.selectors import account_basic_device_limit
from vod.images import image_url

from .. import formats
from ..access import RefusedError, Subscriber, Why, by_password, log_path, operator
from ..channels import PlayerChannel, subscriber_categories, subscriber_channels
from ..streams import channel_stream, redirect
from ..vod import Library, episode_files, extension, file_stream, main_file
from .common import door, plain_refusal
from .playlist import guide_response

OUTPUT_FORMATS = ["m3u8", "ts"]
SHORT_EPG_DEFAULT = 4


def api_refusal(request: HttpRequest, exc: RefusedError) -> HttpResponse:
    """Xtream players read a refused login from `user_info.auth`; other refusals keep the
    HTTP status a panel gives."""
    if exc.why in {Why.CREDENTIALS, Why.INACTIVE, Why.FORBIDDEN, Why.THROTTLED, Why.LIMIT}:
        return JsonResponse({"user_info": {"auth": 0, "status": _STATUS.get(exc.why, ""), "message": exc.message}})
    return plain_refusal(request, exc)


_STATUS = {Why.INACTIVE: "Expired", Why.FORBIDDEN: "Disabled", Why.THROTTLED: "Banned", Why.LIMIT: "Banned"}


def _params(request: HttpRequest, declared: list) -> dict:
    try:
        return parse_params(request.GET, declared, error_code=400)
    except ApiError as exc:
        raise RefusedError(Why.BAD_REQUEST, exc.message) from None


def _login(request: HttpRequest, prefix: str, username: str, password: str) -> Subscriber:
    return by_password(request, operator(prefix), abonement=username, password=password, kind="xtream")


def _host(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _zone(client) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(client.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _local(ts: int, zone: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(ts, zone).strftime("%Y-%m-%d %H:%M:%S")


# --- user and server info --------------------------------------------------------------------


def _user_info(sub: Subscriber, username: str, password: str) -> dict:
    account = sub.account
    expires = account.deactivation_date
    exp_date = (
        str(int(dt.datetime.combine(expires, dt.time(23, 59, 59), tzinfo=_zone(sub.client)).timestamp()))
        if expires
        else None
    )
    return {
        "username": username,
        "password": password,
        "message": "",
        "auth": 1,
        "status": "Active",
        "exp_date": exp_date,
        "is_trial": "0",
        "active_cons": "0",
        "created_at": str(int(account.created_at.timestamp())),
        "max_connections": str(account_basic_device_limit(account)),
        "allowed_output_formats": OUTPUT_FORMATS,
    }


def _server_info(request: HttpRequest, client) -> dict:
    host = request.get_host()
    name, _, port = host.partition(":")
    secure = request.is_secure()
    now = int(time.time())
    return {
        "url": name,
        "port": port or ("443" if secure else "80"),
        "https_port": port if secure and port else "443",
        "server_protocol": "https" if secure else "http",
        "rtmp_port": "0",
        "timezone": client.timezone or "UTC",
        "timestamp_now": now,
        "time_now": _local(now, _zone(client)),
        "process": True,
    }


# --- live ------------------------------------------------------------------------------------


def _live_categories(sub: Subscriber, request: HttpRequest, p: dict) -> list[dict]:
    channels = subscriber_channels(sub, host=_host(request))
    return [
        {"category_id": str(c.id), "category_name": c.name, "parent_id": 0}
        for c in subscriber_categories(sub, channels)
    ]


def _live_stream(channel: PlayerChannel) -> dict:
    return {
        "num": channel.number,
        "name": channel.name,
        "stream_type": "live",
        "stream_id": channel.id,
        "stream_icon": channel.logo,
        "epg_channel_id": channel.tvg_id if channel.epg_channel_id else None,
        "added": "0",
        "is_adult": "1" if channel.adult else "0",
        "category_id": str(channel.category_id) if channel.category_id else None,
        "category_ids": [channel.category_id] if channel.category_id else [],
        "custom_sid": "",
        "tv_archive": 1 if channel.archive_days else 0,
        "direct_source": "",
        "tv_archive_duration": channel.archive_days,
    }


def _live_streams(sub: Subscriber, request: HttpRequest, p: dict) -> list[dict]:
    channels = subscriber_channels(sub, host=_host(request))
    wanted = p["category_id"]
    return [_live_stream(c) for c in channels if wanted is None or c.category_id == wanted]


# --- guide -----------------------------------------------------------------------------------


def _channel_of(sub: Subscriber, request: HttpRequest, stream_id: int | None) -> PlayerChannel:
    if stream_id is None:
        raise RefusedError(Why.BAD_REQUEST, "stream_id is required")
    for channel in subscriber_channels(sub, host=_host(request)):
        if channel.id == stream_id:
            return channel
    raise RefusedError(Why.NOT_FOUND, "No such stream for this account")


def _b64(text: str) -> str:
    return base64.b64encode((text or "").encode()).decode()


def _listing(row: dict, channel: PlayerChannel, sub: Subscriber, zone: dt.tzinfo) -> dict:
    lang = sub.lang
    title = (lang and row.get(f"name_lang{lang}")) or row["name"]
    desc = (lang and row.get(f"description_lang{lang}")) or row.get("description") or ""
    return {
        "id": str(row["id"]),
        "epg_id": str(channel.epg_channel_id),
        "title": _b64(title),
        "lang": "",
        "start": _local(row["b"], zone),
        "end": _local(row["e"], zone),
        "description": _b64(desc),
        "channel_id": channel.tvg_id,
        "start_timestamp": str(row["b"]),
        "stop_timestamp": str(row["e"]),
    }


def _short_epg(sub: Subscriber, request: HttpRequest, p: dict) -> dict:
    channel = _channel_of(sub, request, p["stream_id"])
    limit = p["limit"] or SHORT_EPG_DEFAULT
    if not channel.epg_channel_id:
        return {"epg_listings": []}
    now = int(time.time())
    rows = [r for r in programs_between(channel.epg_channel_id, now, now + 2 * 86400) if r["e"] > now][:limit]
    zone = _zone(sub.client)
    return {"epg_listings": [_listing(r, channel, sub, zone) for r in rows]}


def _simple_data_table(sub: Subscriber, request: HttpRequest, p: dict) -> dict:
    channel = _channel_of(sub, request, p["stream_id"])
    if not channel.epg_channel_id:
        return {"epg_listings": []}
    now = int(time.time())
    days = formats.guide_days(now)
    rows = programs_between(channel.epg_channel_id, days[0], days[-1] + 86400)
    zone = _zone(sub.client)
    archive_from = now - channel.archive_days * 86400
    listings = []
    for row in rows:
        item = _listing(row, channel, sub, zone)
        item["now_playing"] = 1 if row["b"] <= now < row["e"] else 0
        item["has_archive"] = 1 if channel.archive_days and archive_from <= row["b"] and row["e"] <= now else 0
        listings.append(item)
    return {"epg_listings": listings}


# --- video library ---------------------------------------------------------------------------


def _rating(row: dict) -> tuple[str, float]:
    value = float(row["kinopoisk_rating"] or row["imdb_rating"] or 0)
    return (f"{value:g}" if value else "", round(value / 2, 1))


def _categories(library: Library, rows: list[dict]) -> list[dict]:
    return [
        {"category_id": str(g["id"]), "category_name": library.t(g, "name"), "parent_id": 0}
        for g in library.genres(rows)
    ]


def _category_of(row: dict) -> str | None:
    return str(row["genre_ids"][0]) if row["genre_ids"] else None


def _vod_categories(sub: Subscriber, request: HttpRequest, p: dict) -> list[dict]:
    library = Library(sub, _host(request))
    return _categories(library, library.films())


def _vod_stream(library: Library, number: int, row: dict) -> dict:
    rating, rating_5 = _rating(row)
    return {
        "num": number,
        "name": library.t(row, "name"),
        "stream_type": "movie",
        "stream_id": row["id"],
        "stream_icon": library.poster(row),
        "rating": rating,
        "rating_5based": rating_5,
        "added": str(row["created_at"] or 0),
        "is_adult": "1" if row["parent_control"] or row["age_rating"] >= 18 else "0",
        "category_id": _category_of(row),
        "category_ids": list(row["genre_ids"]),
        "container_extension": extension(main_file(row)),
        "custom_sid": "",
        "direct_source": "",
    }


def _vod_streams(sub: Subscriber, request: HttpRequest, p: dict) -> list[dict]:
    library = Library(sub, _host(request))
    wanted = p["category_id"]
    rows = [r for r in library.films() if wanted is None or wanted in r["genre_ids"]]
    return [_vod_stream(library, n, row) for n, row in enumerate(rows, start=1)]


def _duration(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _video_info(library: Library, row: dict, seconds: int) -> dict:
    rating, rating_5 = _rating(row)
    poster = library.poster(row)
    return {
        "name": library.t(row, "name"),
        "o_name": row["name_orig"],
        "movie_image": poster,
        "cover_big": poster,
        "plot": library.t(row, "description"),
        "description": library.t(row, "description"),
        "cast": library.people(row, "actor"),
        "actors": library.people(row, "actor"),
        "director": library.people(row, "director") or library.t(row, "director"),
        "genre": library.genre_names(row),
        "country": library.t(row, "countries"),
        "releasedate": str(row["year"]) if row["year"] else "",
        "rating": rating,
        "rating_5based": rating_5,
        "duration_secs": seconds,
        "duration": _duration(seconds),
        "age": str(row["age_rating"] or ""),
        "backdrop_path": [image_url(row["screenshot"], library.host)] if row["screenshot"] else [],
        "youtube_trailer": "",
        "tmdb_id": "",
    }


def _vod_info(sub: Subscriber, request: HttpRequest, p: dict) -> dict:
    library = Library(sub, _host(request))
    row = library.video(p["vod_id"], series=False)
    f = main_file(row)
    seconds = f["duration"] or (row["duration"] or 0) * 60
    return {
        "info": _video_info(library, row, seconds),
        "movie_data": {
            "stream_id": row["id"],
            "name": library.t(row, "name"),
            "added": str(row["created_at"] or 0),
            "category_id": _category_of(row),
            "category_ids": list(row["genre_ids"]),
            "container_extension": extension(f),
            "custom_sid": "",
            "direct_source": "",
        },
    }


def _series_categories(sub: Subscriber, request: HttpRequest, p: dict) -> list[dict]:
    library = Library(sub, _host(request))
    return _categories(library, library.series())


def _series_item(library: Library, number: int, row: dict) -> dict:
    info = _video_info(library, row, (row["duration"] or 0) * 60)
    return {
        "num": number,
        "name": info["name"],
        "series_id": row["id"],
        "cover": info["movie_image"],
        "plot": info["plot"],
        "cast": info["cast"],
        "director": info["director"],
        "genre": info["genre"],
        "releaseDate": info["releasedate"],
        "last_modified": str(row["content_updated_at"] or 0),
        "rating": info["rating"],
        "rating_5based": info["rating_5based"],
        "backdrop_path": info["backdrop_path"],
        "youtube_trailer": "",
        "episode_run_time": str(row["duration"] or ""),
        "category_id": _category_of(row),
        "category_ids": list(row["genre_ids"]),
    }


def _series(sub: Subscriber, request: HttpRequest, p: dict) -> list[dict]:
    library = Library(sub, _host(request))
    wanted = p["category_id"]
    rows = [r for r in library.series() if wanted is None or wanted in r["genre_ids"]]
    return [_series_item(library, n, row) for n, row in enumerate(rows, start=1)]


def _series_info(sub: Subscriber, request: HttpRequest, p: dict) -> dict:
    library = Library(sub, _host(request))
    row = library.video(p["series_id"], series=True)
    numbers = {s["id"]: s["number"] or n for n, s in enumerate(row["seasons"], start=1)}
    episodes: dict[str, list[dict]] = {}
    for n, (episode, f) in enumerate(episode_files(row), start=1):
        season = numbers.get(episode["season_id"], 1)
        seconds = f["duration"] or (episode["duration"] or 0)
        episodes.setdefault(str(season), []).append(
            {
                "id": str(f["id"]),
                "episode_num": episode["number"] or n,
                "title": library.t(episode, "name"),
                "container_extension": extension(f),
                "info": {
                    "duration_secs": seconds,
                    "duration": _duration(seconds),
                    "movie_image": image_url(episode["preview"], library.host),
                    "plot": library.t(episode, "description"),
                },
                "custom_sid": "",
                "added": str(row["created_at"] or 0),
                "season": season,
                "direct_source": "",
            }
        )
    seasons = [
        {
            "id": s["id"],
            "season_number": numbers[s["id"]],
            "name": library.t(s, "name"),
            "episode_count": len(episodes.get(str(numbers[s["id"]]), [])),
            "cover": library.poster(row),
            "air_date": "",
            "overview": "",
        }
        for s in row["seasons"]
    ]
    return {"seasons": seasons, "info": _series_item(library, 1, row), "episodes": episodes}


ACTIONS: dict[str, Callable[[Subscriber, HttpRequest, dict], object]] = {
    "get_live_categories": _live_categories,
    "get_live_streams": _live_streams,
    "get_short_epg": _short_epg,
    "get_simple_data_table": _simple_data_table,
    "get_vod_categories": _vod_categories,
    "get_vod_streams": _vod_streams,
    "get_vod_info": _vod_info,
    "get_series_categories": _series_categories,
    "get_series": _series,
    "get_series_info": _series_info,
}

API_PARAMS = [
    String("username", max_length=32),
    String("password", max_length=128),
    String("action", max_length=64),
    Number("category_id", lo=0),
    Number("stream_id", lo=0),
    Number("vod_id", lo=0),
    Number("series_id", lo=0),
    Number("limit", lo=1, hi=1000),
]


@require_GET
@door(api_refusal)
def player_api_view(request: HttpRequest, prefix: str) -> HttpResponse:
    p = _params(request, API_PARAMS)
    action = p["action"] or ""
    handler = ACTIONS.get(action) if action else None
    if action and handler is None:
        raise RefusedError(Why.BAD_REQUEST, f"Unknown action {action}")
    username, password = p["username"] or "", p["password"] or ""
    sub = _login(request, prefix, username, password)
    if handler is None:
        return JsonResponse(
            {"user_info": _user_info(sub, username, password), "server_info": _server_info(request, sub.client)}
        )
    return JsonResponse(handler(sub, request, p), safe=False)


# --- M3U, XMLTV, streams ---------------------------------------------------------------------

GET_PARAMS = [
    String("username", max_length=32),
    String("password", max_length=128),
    String("type", default="m3u_plus", choices=("m3u", "m3u_plus")),
    String("output", default="ts", choices=("ts", "m3u8", "hls", "mpegts")),
]


def _stream_path(request: HttpRequest, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"players:{name}", kwargs=kwargs))


@require_GET
@door(plain_refusal)
def get_view(request: HttpRequest, prefix: str) -> HttpResponse:
    p = _params(request, GET_PARAMS)
    username, password = p["username"] or "", p["password"] or ""
    sub = _login(request, prefix, username, password)
    ext = "m3u8" if p["output"] in ("m3u8", "hls") else "ts"
    channels = subscriber_channels(sub, host=_host(request))
    guide = _stream_path(request, "xtream_xmltv", prefix=prefix) + f"?username={username}&password={password}"

    def live(channel: PlayerChannel) -> str:
        kwargs = {"prefix": prefix, "username": username, "password": password, "stream_id": channel.id, "ext": ext}
        return _stream_path(request, "xtream_live", **kwargs)

    if p["type"] == "m3u":
        lines = ["#EXTM3U"]
        for channel in channels:
            lines += [f"#EXTINF:-1,{' '.join(channel.name.split())}", live(channel)]
        body = "\n".join(lines) + "\n"
    else:
        body = formats.m3u(channels, guide_url=guide, stream_url=live, catchup_url=None)
    response = HttpResponse(body, content_type="audio/x-mpegurl; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="playlist.m3u"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@door(plain_refusal)
def xmltv_view(request: HttpRequest, prefix: str) -> HttpResponse:
    p = _params(request, GET_PARAMS[:2])
    sub = _login(request, prefix, p["username"] or "", p["password"] or "")
    return guide_response(request, sub, gz_file=False)


@require_GET
@door(plain_refusal)
def live_view(
    request: HttpRequest, prefix: str, username: str, password: str, stream_id: str, ext: str = ""
) -> HttpResponse:
    sub = _login(request, prefix, username, password)
    return redirect(channel_stream(sub, channel_id=int(stream_id), device="xtream", path=log_path(request)))


def parse_timeshift_start(value: str) -> dt.datetime:
    """`YYYY-MM-DD:HH-MM` (the players' form) or with a space or `T`, in the operator's zone
    handled by the caller; naive here."""
    for shape in ("%Y-%m-%d:%H-%M", "%Y-%m-%d:%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"):
        try:
            return dt.datetime.strptime(value, shape)
        except ValueError:
            continue
    raise RefusedError(Why.BAD_REQUEST, "start: expected YYYY-MM-DD:HH-MM")


@require_GET
@door(plain_refusal)
def timeshift_view(
    request: HttpRequest,
    prefix: str,
    username: str,
    password: str,
    duration: str,
    start: str,
    stream_id: str,
    ext: str = "",
) -> HttpResponse:
    sub = _login(request, prefix, username, password)
    duration = int(duration)
    if not 0 < duration <= 7 * 24 * 60:
        raise RefusedError(Why.BAD_REQUEST, "duration: minutes from 1 to 10080")
    begin = parse_timeshift_start(start).replace(tzinfo=_zone(sub.client))
    location = channel_stream(
        sub,
        channel_id=int(stream_id),
        device="xtream",
        path=log_path(request),
        start=begin.astimezone(dt.UTC),
        duration=duration * 60,
    )
    return redirect(location)


@require_GET
@door(plain_refusal)
def movie_view(
    request: HttpRequest, prefix: str, username: str, password: str, stream_id: str, ext: str = ""
) -> HttpResponse:
    sub = _login(request, prefix, username, password)
    row = Library(sub, _host(request)).video(int(stream_id), series=False)
    return redirect(file_stream(sub, row=row, f=main_file(row), path=log_path(request)))


@require_GET
@door(plain_refusal)
def episode_view(
    request: HttpRequest, prefix: str, username: str, password: str, stream_id: str, ext: str = ""
) -> HttpResponse:
    sub = _login(request, prefix, username, password)
    file_id = int(stream_id)
    for row in Library(sub, _host(request)).series():
        for _episode, f in episode_files(row):
            if f["id"] == file_id:
                return redirect(file_stream(sub, row=row, f=f, path=log_path(request)))
    raise RefusedError(Why.NOT_FOUND, "No such episode for this account")
