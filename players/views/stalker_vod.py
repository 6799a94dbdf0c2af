"""The video club of the Stalker portal (`type=vod`): categories, the ordered list with its
paging, search, sorting and category filter, a series opened into its seasons and a season
into its episodes (`movie_id`, `season_id`), and `create_link` to the routed, tokenised file.

The library is the one the Xtream API shows (players/vod.py): what the account sees on the
device API, one operator's videos only. The portal's categories are the library's genres. A
video's `cmd` is a placeholder naming the video (`/media/<id>.mpg`) or one file
(`/media/file_<id>.mpg`); `create_link` turns it into the address. Favourites are not kept:
a box may set them, the portal answers that there are none.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest, JsonResponse

from ..access import RefusedError, Why, log_path
from ..vod import Library, episode_files, file_stream, main_file
from .stalker_base import Handler, host, js, page, quiet, subscriber

ALL = "*"
CMD_FILE = re.compile(r"/media/file_(\d{1,18})\.mpg\b")
CMD_VIDEO = re.compile(r"/media/(\d{1,18})\.mpg\b")
SORTS = {
    "added": (lambda row: -(row["created_at"] or 0)),
    "name": (lambda row: (row["name"] or "").casefold()),
    "top": (lambda row: -float(row["kinopoisk_rating"] or row["imdb_rating"] or 0)),
    "rating": (lambda row: -float(row["kinopoisk_rating"] or row["imdb_rating"] or 0)),
}


def _library(request: HttpRequest, client) -> Library:
    return Library(subscriber(request, client), host(request))


def _rating(value) -> str:
    return f"{float(value):g}" if value else ""


def _added(ts: int | None) -> str:
    return dt.datetime.fromtimestamp(ts or 0, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _video_item(library: Library, row: dict) -> dict:
    is_series = bool(row["is_season"])
    return {
        "id": str(row["id"]),
        "name": library.t(row, "name"),
        "o_name": row["name_orig"] or "",
        "description": library.t(row, "description"),
        "pic": "",
        "screenshot_uri": library.poster(row),
        "cmd": f"/media/{row['id']}.mpg",
        "time": str(row["duration"] or 0),  # minutes
        "year": str(row["year"] or ""),
        "director": library.people(row, "director") or library.t(row, "director"),
        "actors": library.people(row, "actor"),
        "genres_str": library.genre_names(row),
        "category_id": str(row["genre_ids"][0]) if row["genre_ids"] else "",
        "rating_imdb": _rating(row["imdb_rating"]),
        "rating_kinopoisk": _rating(row["kinopoisk_rating"]),
        "age": f"{row['age_rating']}+" if row["age_rating"] else "",
        "censored": 1 if row["parent_control"] or row["age_rating"] >= 18 else 0,
        "added": _added(row["created_at"]),
        "is_series": 1 if is_series else 0,
        "is_movie": 0 if is_series else 1,
        "series": [],
        "hd": 0,
        "high_quality": 0,
        "fav": 0,
        "lock": 0,
        "for_rent": 0,
        "has_files": 1,
        "status": 1,
    }


def _seasons(row: dict) -> list[tuple[dict, int, list[tuple[dict, dict]]]]:
    """(season, its number, its playable (episode, file) pairs) of a series, in the library's
    order; seasons with nothing to play are left out."""
    episodes = episode_files(row)
    out = []
    for n, season in enumerate(row["seasons"], start=1):
        own = [(e, f) for e, f in episodes if e["season_id"] == season["id"]]
        if own:
            out.append((season, season["number"] or n, own))
    return out


def _season_item(library: Library, row: dict, season: dict, number: int, episodes: list) -> dict:
    return {
        "id": f"{row['id']}:{number}",
        "video_id": str(row["id"]),
        "season_id": str(season["id"]),
        "name": library.t(season, "name") or f"Season {number}",
        "season_number": number,
        "is_season": True,
        "series": [e["number"] or n for n, (e, _f) in enumerate(episodes, start=1)],
        "screenshot_uri": library.poster(row),
        "cmd": "",
        "description": library.t(row, "description"),
    }


def _episode_item(library: Library, row: dict, season_number: int, n: int, episode: dict, f: dict) -> dict:
    number = episode["number"] or n
    seconds = f["duration"] or (episode["duration"] or 0)
    return {
        "id": f"{row['id']}:{season_number}:{number}",
        "video_id": str(row["id"]),
        "season_id": str(episode["season_id"]),
        "episode_id": str(episode["id"]),
        "name": library.t(episode, "name") or f"Episode {number}",
        "series_number": number,
        "is_episode": True,
        "time": str(seconds // 60),
        "description": library.t(episode, "description"),
        "screenshot_uri": library.poster(row),
        "cmd": f"/media/file_{f['id']}.mpg",
    }


def get_categories(request: HttpRequest, client, p: dict) -> JsonResponse:
    library = _library(request, client)
    rows = library.films() + library.series()
    categories = [{"id": ALL, "title": "All", "alias": ALL, "censored": 0}]
    categories += [
        {"id": str(g["id"]), "title": library.t(g, "name"), "alias": str(g["id"]), "censored": 0}
        for g in library.genres(rows)
    ]
    return js(categories)


def get_genres_by_category_alias(request: HttpRequest, client, p: dict) -> JsonResponse:
    subscriber(request, client)
    # The library's genres are one level: a category has no genres below it.
    return js([{"id": ALL, "title": ALL}])


def _filter_id(value: str, name: str) -> int | None:
    if not value or value == ALL:
        return None
    if not value.isdigit():
        raise RefusedError(Why.BAD_REQUEST, f"{name}: an id or *")
    return int(value)


def get_ordered_list(request: HttpRequest, client, p: dict) -> JsonResponse:
    library = _library(request, client)
    if p["movie_id"]:
        return js(page(_inside_series(library, p), p["p"]))
    rows = library.films() + library.series()
    for wanted in (_filter_id(p["category"], "category"), _filter_id(p["genre"], "genre")):
        if wanted is not None:
            rows = [r for r in rows if wanted in r["genre_ids"]]
    search = (p["search"] or "").strip().casefold()
    if search:
        rows = [r for r in rows if search in f"{library.t(r, 'name')}\n{r['name_orig'] or ''}".casefold()]
    letter = (p["abc"] or ALL).strip().casefold()
    if letter and letter != ALL:
        rows = [r for r in rows if library.t(r, "name").casefold().startswith(letter)]
    if p["fav"]:
        rows = []  # favourites are not kept
    if p["sortby"]:
        key = SORTS.get(p["sortby"])
        if key is None:
            raise RefusedError(Why.BAD_REQUEST, f"sortby: one of {', '.join(SORTS)}")
        rows = sorted(rows, key=key)
    return js(page([_video_item(library, r) for r in rows], p["p"]))


def _inside_series(library: Library, p: dict) -> list[dict]:
    """A series' seasons, or with `season_id` that season's episodes."""
    row = library.video(p["movie_id"], series=True)
    seasons = _seasons(row)
    if not p["season_id"]:
        return [_season_item(library, row, s, number, episodes) for s, number, episodes in seasons]
    for season, number, episodes in seasons:
        if season["id"] == p["season_id"]:
            return [_episode_item(library, row, number, n, e, f) for n, (e, f) in enumerate(episodes, start=1)]
    raise RefusedError(Why.NOT_FOUND, "season_id: no such season of this series")


def _file_to_play(library: Library, cmd: str, series: int | None) -> tuple[dict, dict]:
    """(video row, file) a `cmd` names; `series` picks the n-th episode of a series' cmd."""
    found = CMD_FILE.search(cmd)
    if found is not None:
        file_id = int(found.group(1))
        for row in library.films():
            if main_file(row)["id"] == file_id:
                return row, main_file(row)
        for row in library.series():
            for _episode, f in episode_files(row):
                if f["id"] == file_id:
                    return row, f
        raise RefusedError(Why.NOT_FOUND, "No such file for this account")
    found = CMD_VIDEO.search(cmd)
    if found is None:
        raise RefusedError(Why.BAD_REQUEST, "cmd: not a video of this portal")
    video_id = int(found.group(1))
    if series:
        row = library.video(video_id, series=True)
        episodes = episode_files(row)
        if series > len(episodes):
            raise RefusedError(Why.NOT_FOUND, "series: no such episode")
        return row, episodes[series - 1][1]
    row = library.video(video_id, series=False)
    return row, main_file(row)


def create_link(request: HttpRequest, client, p: dict) -> JsonResponse:
    library = _library(request, client)
    try:
        row, f = _file_to_play(library, p["cmd"] or "", p["series"])
        uri = file_stream(library.sub, row=row, f=f, path=log_path(request), device="stalker")
    except RefusedError as exc:
        if exc.why in {Why.NOT_FOUND, Why.UNAVAILABLE}:
            return js({"id": "", "cmd": "", "error": "nothing_to_play", "msg": exc.message})
        raise
    return js({"id": str(row["id"]), "cmd": f"ffmpeg {uri}", "storage_id": "", "load": 0, "error": ""})


ACTIONS: dict[tuple[str, str], Handler] = {
    ("vod", "get_categories"): get_categories,
    ("vod", "get_genres_by_category_alias"): get_genres_by_category_alias,
    ("vod", "get_ordered_list"): get_ordered_list,
    ("vod", "create_link"): create_link,
    ("vod", "set_fav"): quiet(True),
    ("vod", "del_fav"): quiet(True),
    ("vod", "get_fav_ids"): quiet([]),
    ("vod", "set_not_ended"): quiet(True),
    ("vod", "log"): quiet(True),
    ("itv", "set_fav"): quiet(True),
    ("itv", "get_fav_ids"): quiet([]),
}
