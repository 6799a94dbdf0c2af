"""People of the video library (reference tvmw/Actor.md): actors and directors."""

from __future__ import annotations

from smarty.api import ApiError, Call, Number, String

from .live_common import COMMON_PARAMS, NOAUTH_PARAMS, page_slice
from .vod_common import VodViewer, actor_item, vod_method, vod_viewer

BAD_PARAMS = 1
NOT_FOUND = 1
ORDERS = ("name", "birthdate", "film_count", "-name", "-birthdate", "-film_count", "cyrillic-first")
PAGING = [Number("limit", default=20, lo=1, hi=100), Number("page", default=1, lo=1)]
TYPE = String("type", default="actor", choices=("actor", "director", "all"))


def _people_in_catalogue(v: VodViewer) -> set[int]:
    """People credited in a video the viewer sees (another operator's never: the library is
    the operator's own)."""
    return {a for row in v.videos() for a in row["actor_ids"]}


def _sorted(v: VodViewer, people: list[dict], order: str) -> list[dict]:
    if order == "cyrillic-first":
        return sorted(
            people, key=lambda a: (not any("а" <= c <= "я" for c in v.t(a, "name").lower()), v.t(a, "name").lower())
        )
    field = order.lstrip("-")
    keys = {
        "name": lambda a: (v.t(a, "name").lower(), a["id"]),
        "birthdate": lambda a: (a["birthdate"] or "", a["id"]),
        "film_count": lambda a: (a["film_count"], a["id"]),
    }
    return sorted(people, key=keys[field], reverse=order.startswith("-"))


def _list(call: Call, *, search: str = "") -> dict:
    p = call.params
    v = vod_viewer(call)
    actors = v.lib["actors"]
    if p.get("vid") is not None:
        row = v.video(p["vid"])
        if row is None:
            raise ApiError(BAD_PARAMS, "vid: video not found", {"vid": "not found"})
        ids = [a for a in row["actor_ids"] if a in actors]
    else:
        ids = sorted(_people_in_catalogue(v)) if v.account is not None else list(actors)
    people = [actors[a] for a in ids if p["type"] == "all" or actors[a]["type"] == p["type"]]
    if search:
        needle = search.strip().lower()
        keys = ("name", "name_orig", *(f"name_lang{i}" for i in range(1, 6)))
        people = [a for a in people if any(needle in (a[k] or "").lower() for k in keys)]
    people = _sorted(v, people, p["order"])
    page = page_slice(call, people, code=BAD_PARAMS)
    return {"actors": [actor_item(v, a, full=True) for a in page], "count": len(people)}


def _actor_detail(call: Call) -> dict:
    v = vod_viewer(call)
    actor = v.lib["actors"].get(call.params["aid"])
    if actor is None:
        raise ApiError(NOT_FOUND, "aid: actor not found", {"aid": "not found"})
    genres = v.genres_by_id
    genre_ids = []
    for row in v.videos():
        if actor["id"] in row["actor_ids"]:
            genre_ids.extend(g for g in row["genre_ids"] if g not in genre_ids)
    item = actor_item(v, actor, full=True)
    item["name_orig"] = actor["name_orig"]
    item["screenshot_b_big"] = v.image(actor["photo"], "photo", blurred=False)
    item["genres"] = [
        {"id": g, "name": v.t(genres[g], "name"), "is_category": int(genres[g]["is_category"])}
        for g in genre_ids
        if g in genres
    ]
    return item


@vod_method(
    "/actor/detail/",
    "ActorDetail",
    params=[*COMMON_PARAMS, Number("aid", required=True)],
    auth=["session"],
    param_error_code=NOT_FOUND,
)
def actor_detail(call: Call) -> dict:
    return _actor_detail(call)


@vod_method(
    "/noauth/actor/detail/",
    "NoAuthActorDetail",
    params=[*NOAUTH_PARAMS, Number("aid", required=True)],
    auth=["client"],
    param_error_code=NOT_FOUND,
)
def noauth_actor_detail(call: Call) -> dict:
    return _actor_detail(call)


@vod_method(
    "/actor/list/",
    "ActorList",
    params=[*PAGING, String("order", default="name", choices=ORDERS), Number("vid"), TYPE, *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def actor_list(call: Call) -> dict:
    return _list(call)


@vod_method(
    "/noauth/actor/list/",
    "NoAuthActorList",
    params=[*PAGING, String("order", default="name", choices=ORDERS), Number("vid"), TYPE, *NOAUTH_PARAMS],
    auth=["client"],
    param_error_code=BAD_PARAMS,
)
def noauth_actor_list(call: Call) -> dict:
    return _list(call)


@vod_method(
    "/actor/list/search/",
    "ActorListSearch",
    params=[
        String("search", required=True, max_length=255),
        String("order", default="-film_count", choices=ORDERS),
        TYPE,
        *PAGING,
        *COMMON_PARAMS,
    ],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def actor_list_search(call: Call) -> dict:
    return _list(call, search=call.params["search"])
