"""VOD genres and genre-categories (reference tvmw/Genre.md), with the number of videos the
viewer sees in each."""

from __future__ import annotations

from smarty.api import Call, Flag, Number, NumberList

from .live_common import COMMON_PARAMS, NOAUTH_PARAMS
from .vod_common import vod_method, vod_viewer

BAD_PARAMS = 1
PARAMS = [
    Flag("categories"),
    Number("provider_id"),
    Number("video_provider_id"),
    Number("category_id"),
    NumberList("source_type", lo=1, hi=3),
]


def _genres(call: Call) -> dict:
    p = call.params
    v = vod_viewer(call)
    rows = v.videos()
    provider = p["video_provider_id"] if p["video_provider_id"] is not None else p["provider_id"]
    if provider is not None:
        rows = [r for r in rows if r["provider_id"] == provider]
    if p["source_type"]:
        rows = [r for r in rows if r["video_source"] in p["source_type"]]
    if p["category_id"] is not None:
        rows = [r for r in rows if p["category_id"] in r["genre_ids"]]
    genres = []
    for g in v.lib["genres"]:
        if bool(g["is_category"]) != bool(p["categories"]):
            continue
        with_genre = [r for r in rows if g["id"] in r["genre_ids"]]
        others = {x for r in with_genre for x in r["genre_ids"] if x != g["id"]}
        genres.append(
            {
                "id": g["id"],
                "name": v.t(g, "name"),
                "is_category": int(g["is_category"]),
                "count": len(with_genre),
                "subgenres_count": len(others),
                "icon": v.image(g["icon"]),
                "icon_tv": v.image(g["icon_tv"] or g["icon"]),
                "dashboard_icon": v.image(g["dashboard_icon"]),
            }
        )
    return {"genres": genres}


@vod_method(
    "/genre/list/", "GenreList", params=[*PARAMS, *COMMON_PARAMS], auth=["session"], param_error_code=BAD_PARAMS
)
def genre_list(call: Call) -> dict:
    return _genres(call)


@vod_method(
    "/noauth/genre/list/",
    "NoAuthGenreList",
    params=[*PARAMS, *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_genre_list(call: Call) -> dict:
    return _genres(call)
