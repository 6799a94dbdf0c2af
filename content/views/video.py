"""Video group: VideoCreate, VideoModify, VideoDelete, VideoDetail, VideoList, VideofileCreate,
VideoFileDetail, VideoFileModify; seasons and episodes (reference content.md). Writes go
through vod.services (one transaction each; related ids checked against the operator);
images given by URL are downloaded and stored before (content.images).

What the published clients add: `rating` (the age rating, VideoDetail's `rating`) on
VideoCreate/VideoModify, and dates as a spreadsheet prints them (`2022-01-01 00:00:00`)."""

from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager

from django.utils.dateparse import parse_date, parse_datetime

from clients import selectors as client_selectors
from smarty.api import ApiError, Call, json_loads
from smarty.api.params import Param
from vod import selectors, services
from vod.images import ImageError, image_url
from vod.selectors import QUALITY_4K, Quality

from .. import errors
from ..api import (
    Decimal,
    Flag,
    Id,
    IdList,
    Int,
    Text,
    endpoint,
    given,
    lang_names,
    lang_params,
    one,
    owned,
    page,
    saving,
)
from ..images import ImageFetchError, Uploads, fetch_image

LANGS = range(1, 6)


@contextmanager
def vod_errors(extra: dict | None = None):
    """The library's refusals as the method's codes: an unknown or another operator's id ->
    404 naming the parameter, a taken ext_id -> 22, invalid data -> 21."""
    with saving({services.NotFoundError: errors.NOT_FOUND, services.ExtIdTakenError: errors.SAVE_FAILED,
                 **(extra or {})}):  # fmt: skip
        try:
            yield
        except services.ExtIdTakenError as exc:
            exc.field = "ext_id"
            raise


def _moment(value: str) -> dt.datetime:
    """ISO 8601 (UTC without an offset), `YYYY-MM-DD hh:mm:ss`, or a date (its midnight, UTC)."""
    text = value.strip()
    parsed = parse_datetime(text)
    if parsed is None:
        day = parse_date(text)
        if day is None:
            raise ValueError(value)
        parsed = dt.datetime.combine(day, dt.time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def Moment(name: str, *, required: bool = False) -> Param:  # noqa: N802
    return Param(name, required, None, parser=_moment, type_name="an ISO 8601 date-time")


def JsonText(name: str) -> Param:  # noqa: N802
    return Text(name, max_length=65_536)


def _json_object(call: Call, name: str) -> dict:
    try:
        value = json_loads(call.params[name])
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ApiError(errors.BAD_PARAM, f"Invalid parameters: {name}: a JSON object", {name: "a JSON object"})
    return value


# --- videos ---------------------------------------------------------------------------------

VIDEO_TEXTS = {
    **{n: 255 for n in lang_names("name")[1:]},
    "name_orig": 255,
    **{n: 100_000 for n in lang_names("description")},
    **{n: 10_000 for n in lang_names("short_description")},
    **{n: 255 for n in lang_names("countries")},
    **{n: 255 for n in lang_names("director")},
    **{n: 64 for n in lang_names("language")},
    "genres_kinopoisk": 512,
    "uri": 1024,
    "ext_id": 128,
}
VIDEO_NUMBERS = {"year": "year", "kinopoisk_id": "kinopoisk_id", "duration": "duration", "rating": "age_rating",
                 "copyright_holder": "copyright_holder", "external_api_config": "external_api_config"}  # fmt: skip
VIDEO_RATINGS = ("kinopoisk_rating", "imdb_rating", "average_customers_rating")
VIDEO_FLAGS = ("parent_control", "is_announcement", "is_season")
VIDEO_MOMENTS = ("premiere_date", "published_from", "published_to")
VIDEO_FKS = {"price_category": "price_category_id", "video_provider": "provider_id"}
VIDEO_LISTS = {"genres": "genre_ids", "stream_services": "stream_service_ids", "tariffs": "tariff_ids",
               "actors_set": "actor_ids", "package_videos": "package_ids", "similar_set": "similar_ids"}  # fmt: skip
# parameter -> (model field, image kind)
VIDEO_IMAGES = {
    "poster_url": ("poster", "poster"),
    "screenshot_url": ("screenshot", "screenshot"),
    "logo": ("logo", "banner"),
    "ad_banner_image": ("ad_banner", "banner"),
    "vertical_poster": ("vertical_poster", "poster"),
    **{name: (name, "banner") for name in lang_names("horizontal_poster")},
}

VIDEO_PARAMS = [
    Flag("load_meta", default=0),
    *(Text(name, max_length=length) for name, length in VIDEO_TEXTS.items()),
    *(Int(name) for name in VIDEO_NUMBERS),
    *(Decimal(name) for name in VIDEO_RATINGS),
    *(Flag(name) for name in VIDEO_FLAGS),
    *(Moment(name) for name in VIDEO_MOMENTS),
    *(Id(name) for name in VIDEO_FKS),
    *(IdList(name) for name in VIDEO_LISTS),
    IdList("available_on"),
    *(Text(name, max_length=2048) for name in VIDEO_IMAGES),
    JsonText("meta"),
]


def _video_attrs(call: Call, names: set[str]) -> dict:
    """The model attributes of the video parameters in `names` (those the request carries)."""
    p, attrs = call.params, {}
    for name in VIDEO_TEXTS:
        if name in names:
            attrs[name] = p[name] or ""
    for name, attr in VIDEO_NUMBERS.items():
        if name in names and p[name] is not None:
            if p[name] < 0:
                raise ApiError(errors.BAD_PARAM, f"Invalid parameters: {name}: 0 or more", {name: ">= 0"})
            attrs[attr] = p[name]
    for name in VIDEO_RATINGS:
        if name in names and p[name] is not None:
            attrs[name] = float(p[name])
    for name in VIDEO_FLAGS:
        if name in names and p[name] is not None:
            attrs[name] = bool(p[name])
    for name in VIDEO_MOMENTS:
        if name in names:
            attrs[name] = p[name]
    for name, attr in VIDEO_FKS.items():
        if name in names and p[name] is not None:
            attrs[attr] = p[name]
    if "available_on" in names:
        devices = sorted(set(p["available_on"]))
        known = client_selectors.play_device_ids_known(devices)
        if set(devices) - known:
            raise ApiError(errors.NOT_FOUND, "Unknown play devices", {"available_on": "not found"})
        attrs["available_on"] = devices
    if "meta" in names and p["meta"]:
        attrs["meta"] = _json_object(call, "meta")
    return attrs


def _video_lists(call: Call, names: set[str]) -> dict:
    return {arg: call.params[name] for name, arg in VIDEO_LISTS.items() if name in names}


def _present(call: Call) -> set[str]:
    return {p.name for p in call.method.params if p.name in call.data or f"{p.name}[]" in call.data}


def _images(call: Call) -> Uploads:
    uploads = Uploads(client_id=call.client.pk)
    for name, (attr, kind) in VIDEO_IMAGES.items():
        uploads.add(param=name, attr=attr, kind=kind, url=call.params[name])
    return uploads


@endpoint("/video/create/", "VideoCreate", params=[Text("name", required=True), *VIDEO_PARAMS])
def video_create(call: Call) -> dict:
    """Create a video with its relations in one transaction; images by URL are stored first
    and their failures listed in `upload_errors` (the video is created without them)."""
    names = _present(call)
    attrs = _video_attrs(call, names)
    lists = _video_lists(call, names)
    uploads = _images(call)
    attrs.update({k: v for k, v in uploads.stored.items() if v})
    with vod_errors():
        video = services.video_create(client=call.client, name=call.params["name"], attrs=attrs, **lists)
    return {"id": video.pk, "upload_errors": uploads.errors}


@endpoint(
    "/video/modify/",
    "VideoModify",
    params=[
        Id("id", required=True),
        Text("name", max_length=255),
        *VIDEO_PARAMS,
        IdList("similar_add"),
        IdList("similar_remove"),
    ],
)
def video_modify(call: Call) -> dict:
    """Change what the request carries; a list given replaces the video's list."""
    video = owned(selectors.video_list(client=call.client), call.params["id"])
    if call.params["load_meta"]:
        # Loading metadata needs a movie database account (KinoPoisk/TMDB), which the
        # project does not have: the reference's "connection error".
        raise ApiError(errors.VideoModify.CONNECTION, "No movie database is configured to load metadata from")
    names = _present(call)
    attrs = _video_attrs(call, names)
    if "name" in names and call.params["name"]:
        attrs["name"] = call.params["name"]
    lists = _video_lists(call, names)
    uploads = _images(call)
    attrs.update({k: v for k, v in uploads.stored.items() if v})
    with vod_errors():
        services.video_modify(
            video=video,
            attrs=attrs,
            similar_add=call.params["similar_add"],
            similar_remove=call.params["similar_remove"],
            **lists,
        )
    return {"upload_errors": uploads.errors}


@endpoint("/video/delete/", "VideoDelete", params=[Id("id", required=True)])
def video_delete(call: Call) -> dict:
    """Delete a video with its seasons, episodes and assets."""
    video = owned(selectors.video_list(client=call.client), call.params["id"])
    with vod_errors():
        services.video_delete(video=video)
    return {}


def _host(call: Call) -> str:
    return f"{call.request.scheme}://{call.request.get_host()}"


def _video_detail(video, host: str) -> dict:
    files = list(video.files.all())
    seasons = list(video.seasons.all())
    episodes = list(video.episodes.all())

    def img(attr: str, kind: str = "", size: str = "", **kw) -> str:
        return image_url(getattr(video, attr), host, kind=kind, size=size, **kw)

    body = {
        "id": video.pk,
        "is_season": int(video.is_season),
        "has_seasons": bool(seasons),
        "has_episodes": bool(episodes),
        "files": [vf.pk for vf in files],
        "seasons": [s.pk for s in seasons],
        "video_provider_id": video.provider_id,
        "provider": video.provider.name if video.provider_id else "",
        "is_announcement": int(video.is_announcement),
        "screenshot_big": img("screenshot", "screenshot", "big"),
        "screenshot_b_big": img("screenshot", blurred=True),
        **{name: getattr(video, name) for name in lang_names("name")},
        "name_orig": video.name_orig,
        "poster_small": img("poster", "poster", "small"),
        "poster_big": img("poster", "poster", "big"),
        "logo": img("logo"),
        "vertical_poster": img("vertical_poster"),
        "ad_banner": img("ad_banner"),
        **{name: img(name) for name in lang_names("horizontal_poster")},
        **{name: getattr(video, name) for name in lang_names("description")},
        **{name: getattr(video, name) for name in lang_names("short_description")},
        **{name: getattr(video, name) for name in lang_names("countries")},
        **{name: getattr(video, name) for name in lang_names("language")},
        "year": video.year,
        "genres": [g.pk for g in video.genres.all()],
        "genres_kinopoisk": video.genres_kinopoisk,
        "is_parent_control": int(video.parent_control),
        "is_package": int(video.is_package),
        "package_videos": [v.pk for v in video.package_videos.all()],
        "rating": video.age_rating,
        "kinopoisk_rating": video.kinopoisk_rating,
        "imdb_rating": video.imdb_rating,
        "average_customers_rating": video.average_customers_rating,
        "duration": video.duration,
        "video_source": video.video_source,
        "actors": [a.pk for a in video.actors.all()],
        "episode_count": len(episodes) if video.is_season else 0,
        "ext_id": video.ext_id,
        "is_4k": int(any(vf.quality in QUALITY_4K for vf in files)),
        "is_similar_exist": int(video.similar.exists()),
        "meta": json_text(video.meta),
    }
    for n in LANGS:
        body[f"poster_small_lang{n}"] = img(f"poster_lang{n}", "poster", "small") or body["poster_small"]
        body[f"poster_big_lang{n}"] = img(f"poster_lang{n}", "poster", "big") or body["poster_big"]
    return body


def json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


@endpoint("/video/detail/", "VideoDetail", params=[Id("id"), Text("ext_id", max_length=128)])
def video_detail(call: Call) -> dict:
    """A video of the operator by `id` or `ext_id`."""
    p = call.params
    if p["id"] is not None:
        video = selectors.video_detail_get(client=call.client, video_id=p["id"])
        field = "id"
    elif (p["ext_id"] or "").strip():
        video = selectors.video_detail_get(client=call.client, ext_id=p["ext_id"].strip())
        field = "ext_id"
    else:
        both = {"id": "required", "ext_id": "required"}
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: pass id or ext_id", both)
    if video is None:
        raise ApiError(errors.NOT_FOUND, "Object not found", {field: "not found"})
    return _video_detail(video, _host(call))


@endpoint("/video/list/", "VideoList", params=[Int("limit"), Int("page")])
def video_list(call: Call) -> dict:
    """The operator's videos (newest first) with their seasons/episodes flags and assets."""
    ids = selectors.video_id_list(client=call.client)
    chosen = list(page(ids, call))
    rows = selectors.videos_with_assets(client=call.client, video_ids=chosen)
    videos = [
        {
            "id": video.pk,
            "name": video.name,
            "ext_id": video.ext_id,
            "is_season": int(video.is_season),
            "has_seasons": bool(video.seasons.all()),
            "has_episodes": bool(video.episodes.all()),
            "files": [{"id": vf.pk, "name": vf.name, "duration": vf.duration} for vf in video.files.all()],
        }
        for video in rows
    ]
    return {"videos": videos, "count": ids.count()}


# --- assets ---------------------------------------------------------------------------------

QUALITIES = tuple(int(q) for q in Quality)
FILE_PARAMS = [
    *(Text(name, max_length=255) for name in lang_names("name")[1:]),
    Text("filename", max_length=1024),
    Int("duration"),
    Flag("is_trailer"),
    Int("quality", choices=QUALITIES),
    Flag("self_skip_fragments_priority"),
]


def _file_attrs(call: Call, names: set[str]) -> dict:
    p, attrs = call.params, {}
    for name in [*lang_names("name"), "filename"]:
        if name in names:
            attrs[name] = p[name] or ""
    for name in ("duration", "quality"):
        if name in names and p[name] is not None:
            if p[name] < 0:
                raise ApiError(errors.BAD_PARAM, f"Invalid parameters: {name}: 0 or more", {name: ">= 0"})
            attrs[name] = p[name]
    for name in ("is_trailer", "self_skip_fragments_priority"):
        if name in names and p[name] is not None:
            attrs[name] = bool(p[name])
    return attrs


@endpoint(
    "/video/file/create/",
    "VideofileCreate",
    params=[
        Text("name", required=True, max_length=255),
        Id("vid", required=True),
        Id("episode_id"),
        *FILE_PARAMS,
        Text("ext_id", max_length=128),
        Id("sort_after_vfid"),
    ],
)
def video_file_create(call: Call) -> dict:
    """An asset of a video (or of one of its episodes)."""
    p = call.params
    video = owned(selectors.video_list(client=call.client), p["vid"], field="vid")
    attrs = _file_attrs(call, _present(call))
    attrs["ext_id"] = p["ext_id"] or ""
    if p["episode_id"] is not None:
        attrs["episode_id"] = p["episode_id"]
    with vod_errors():
        vf = services.video_file_create(video=video, attrs=attrs, sort_after=p["sort_after_vfid"])
    return {"id": vf.pk}


@endpoint(
    "/video/file/modify/",
    "VideoFileModify",
    params=[Id("id", required=True), Text("name", max_length=255), Id("episode_id"), *FILE_PARAMS],
)
def video_file_modify(call: Call) -> dict:
    """Change what the request carries (an empty `episode_id` takes the asset off its episode)."""
    vf = owned(selectors.video_file_list(client=call.client), call.params["id"])
    names = _present(call)
    attrs = _file_attrs(call, names)
    if "name" in attrs and not attrs["name"]:
        attrs.pop("name")
    if "episode_id" in names:
        attrs["episode_id"] = call.params["episode_id"]
    with vod_errors():
        services.video_file_modify(video_file=vf, attrs=attrs)
    return {}


@endpoint("/video/file/detail/", "VideoFileDetail", params=[Id("id", required=True)])
def video_file_detail(call: Call) -> dict:
    """An asset with its skippable fragments."""
    vf = owned(selectors.video_file_list(client=call.client), call.params["id"])
    return {
        "id": vf.pk,
        **{name: getattr(vf, name) for name in lang_names("name")},
        "duration": vf.duration,
        "is_trailer": int(vf.is_trailer),
        "skip_video_fragments": [
            {"id": f.pk, "type": f.type, "begin_time": float(f.begin_time), "end_time": float(f.end_time)}
            for f in vf.skip_fragments.all()
        ],
    }


# --- seasons and episodes ------------------------------------------------------------------


@endpoint(
    "/season/create/",
    "SeasonCreate",
    params=[*lang_params("name", required=True), Id("vid", required=True), Id("sort_after_sid")],
)
def season_create(call: Call) -> dict:
    """A season of a video (which becomes a series)."""
    p = call.params
    video = owned(selectors.video_list(client=call.client), p["vid"], field="vid")
    attrs = {name: p[name] or "" for name in lang_names("name")[1:]}
    with vod_errors():
        season = services.season_create(video=video, name=p["name"], attrs=attrs, sort_after=p["sort_after_sid"])
    return {"id": season.pk}


@endpoint(
    "/season/modify/",
    "SeasonModify",
    params=[Id("season_id", required=True), *lang_params("name"), Id("sort_after_sid")],
)
def season_modify(call: Call) -> dict:
    """Rename or move a season."""
    season = owned(selectors.season_list(client=call.client), call.params["season_id"], field="season_id")
    attrs = given(call, lang_names("name"))
    if "name" in attrs and not attrs["name"]:
        attrs.pop("name")
    with vod_errors():
        services.season_modify(season=season, attrs=attrs, sort_after=call.params["sort_after_sid"])
    return {}


@endpoint("/season/delete/", "SeasonDelete", params=[Id("id", required=True)])
def season_delete(call: Call) -> dict:
    """Delete a season with its episodes."""
    season = owned(selectors.season_list(client=call.client), call.params["id"])
    with vod_errors():
        services.season_delete(season=season)
    return {}


EPISODE_PARAMS = [
    *(Text(name, max_length=255) for name in lang_names("name")[1:]),
    *(Text(name, max_length=100_000) for name in lang_names("description")),
    Text("preview_url", max_length=2048),
    Int("duration"),
    Id("sort_after_eid"),
    Flag("is_free"),
    Flag("is_planned"),
]


def _episode_attrs(call: Call, names: set[str]) -> dict:
    p, attrs = call.params, {}
    for name in [*lang_names("name"), *lang_names("description")]:
        if name in names:
            attrs[name] = p[name] or ""
    if "duration" in names and p["duration"] is not None:
        if p["duration"] < 0:
            raise ApiError(errors.BAD_PARAM, "Invalid parameters: duration: 0 or more", {"duration": ">= 0"})
        attrs["duration"] = p["duration"]
    for name in ("is_free", "is_planned"):
        if name in names and p[name] is not None:
            attrs[name] = bool(p[name])
    return attrs


@endpoint(
    "/episode/create/",
    "EpisodeCreate",
    params=[Id("vid", required=True), Text("name", required=True, max_length=255), Id("season_id"), *EPISODE_PARAMS],
)
def episode_create(call: Call) -> dict:
    """An episode of a video (in one of its seasons); its preview image is fetched first and
    a failure refuses the episode (codes 1 and 2)."""
    p, code = call.params, errors.EpisodeCreate
    video = owned(selectors.video_list(client=call.client), p["vid"], field="vid")
    season = one(selectors.season_list(client=call.client), p["season_id"], "season_id")
    attrs = _episode_attrs(call, _present(call))
    attrs.pop("name", None)
    if p["preview_url"]:
        try:
            attrs["preview"] = fetch_image(client_id=call.client.pk, kind="preview", url=p["preview_url"])
        except ImageFetchError as exc:
            raise ApiError(code.IMAGE_FETCH, f"Image not fetched: {exc}", {"preview_url": str(exc)}) from exc
        except ImageError as exc:
            raise ApiError(code.IMAGE_UNSUITABLE, f"Unsuitable image: {exc}", {"preview_url": str(exc)}) from exc
    with vod_errors():
        episode = services.episode_create(
            video=video, name=p["name"], season=season, attrs=attrs, sort_after=p["sort_after_eid"]
        )
    return {"id": episode.pk, "upload_errors": []}


@endpoint(
    "/episode/modify/",
    "EpisodeModify",
    params=[Id("episode_id", required=True), Text("name", max_length=255), *EPISODE_PARAMS],
)
def episode_modify(call: Call) -> dict:
    """Change what the request carries; a preview that cannot be stored leaves the other
    fields changed and answers 1 (the reference)."""
    p = call.params
    episode = owned(selectors.episode_list(client=call.client), p["episode_id"], field="episode_id")
    attrs = _episode_attrs(call, _present(call))
    if "name" in attrs and not attrs["name"]:
        attrs.pop("name")
    image_error = None
    if p["preview_url"]:
        try:
            attrs["preview"] = fetch_image(client_id=call.client.pk, kind="preview", url=p["preview_url"])
        except (ImageFetchError, ImageError) as exc:
            image_error = exc
    with vod_errors():
        services.episode_modify(episode=episode, attrs=attrs, sort_after=p["sort_after_eid"])
    if image_error is not None:
        raise ApiError(
            errors.EpisodeModify.IMAGE, f"Image not changed: {image_error}", {"preview_url": str(image_error)}
        )
    return {"upload_errors": []}


@endpoint("/episode/delete/", "EpisodeDelete", params=[Id("id", required=True)])
def episode_delete(call: Call) -> dict:
    """Delete an episode with its assets."""
    episode = owned(selectors.episode_list(client=call.client), call.params["id"])
    with vod_errors():
        services.episode_delete(episode=episode)
    return {}
