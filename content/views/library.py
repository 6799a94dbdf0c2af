"""Actor, Seance, SkipVideoFragment, Selection, TargetBanner and ProgramBlocking groups
(reference content.md), written through vod.services."""

from __future__ import annotations

import datetime as dt

from accounts import selectors as account_selectors
from channels import selectors as channel_selectors
from epg import selectors as epg_selectors
from smarty.api import ApiError, Call
from vod import selectors, services
from vod.images import ImageError, image_url
from vod.selectors import ActorType, SelectionContentType, SkipVideoFragmentType

from .. import errors
from ..api import Date, Decimal, Flag, Id, IdList, Int, Text, endpoint, lang_names, one, owned, page
from ..images import ImageFetchError, Uploads, fetch_image
from .video import Moment, _json_object, _present, json_text, vod_errors

# --- actors ---------------------------------------------------------------------------------

ACTOR_TEXTS = [
    *lang_names("name")[1:],
    *lang_names("country"),
    *lang_names("profession"),
    *lang_names("biography"),
    "name_orig",
]
ACTOR_PARAMS = [
    Text("name", max_length=255),
    *(Text(n, max_length=100_000 if n.startswith("biography") else 255) for n in ACTOR_TEXTS),
    Date("birthdate"),
    Int("gender", choices=(1, 2)),
    Int("movie_db_id"),
    Text("type", max_length=16),
]
NO_MOVIE_DB = "No movie database account is configured: metadata cannot be loaded"


def _actor_attrs(call: Call, names: set[str]) -> dict:
    p, attrs = call.params, {}
    for name in ACTOR_TEXTS:
        if name in names:
            attrs[name] = p[name] or ""
    for name in ("birthdate", "gender", "movie_db_id"):
        if name in names and (p[name] is not None or name == "birthdate"):
            attrs[name] = p[name]
    if "type" in names and p["type"]:
        if p["type"] not in ActorType.values:
            raise ApiError(errors.BAD_PARAM, "Invalid parameters: type: actor or director", {"type": "actor, director"})
        attrs["type"] = p["type"]
    if attrs.get("movie_db_id") is not None and attrs["movie_db_id"] < 0:
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: movie_db_id", {"movie_db_id": ">= 0"})
    return attrs


def _host(call: Call) -> str:
    return f"{call.request.scheme}://{call.request.get_host()}"


def _actor_shape(actor, host: str) -> dict:
    return {
        "id": actor.pk,
        **{n: getattr(actor, n) for n in lang_names("name")},
        "photo": image_url(actor.photo, host, kind="photo", size="small"),
        **{n: getattr(actor, n) for n in [*lang_names("country"), *lang_names("profession"), *lang_names("biography")]},
        "name_orig": actor.name_orig,
        "movie_db_id": actor.movie_db_id,
        "gender": actor.gender,
        "birthdate": actor.birthdate.isoformat() if actor.birthdate else None,
        "type": actor.type,
    }


@endpoint("/actor/create/", "ActorCreate", params=[*ACTOR_PARAMS, Text("photo_url", max_length=2048)])
def actor_create(call: Call) -> dict:
    """A person of the library; `photo_url` is stored (Pillow verifies), its failure listed
    in `upload_errors`. A name is required: loading a person by `movie_db_id` needs a movie
    database account the project does not have (code 5)."""
    p = call.params
    if not p["name"]:
        if p["movie_db_id"]:
            raise ApiError(errors.ActorCreate.API_KEY, NO_MOVIE_DB)
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: name: required", {"name": "required"})
    attrs = _actor_attrs(call, _present(call))
    uploads = Uploads(client_id=call.client.pk)
    uploads.add(param="photo_url", attr="photo", kind="photo", url=p["photo_url"])
    attrs.update(uploads.stored)
    with vod_errors():
        actor = services.actor_create(client=call.client, name=p["name"], attrs=attrs)
    return {"id": actor.pk, "upload_errors": uploads.errors}


@endpoint(
    "/actor/modify/",
    "ActorModify",
    params=[Id("id", required=True), *ACTOR_PARAMS, Flag("load_meta", default=0), Flag("update_photo", default=0)],
)
def actor_modify(call: Call) -> dict:
    """Change what the request carries (load_meta/update_photo need a movie database: 5)."""
    actor = owned(selectors.actor_list(client=call.client), call.params["id"])
    if call.params["load_meta"] or call.params["update_photo"]:
        raise ApiError(errors.ActorModify.API_KEY, NO_MOVIE_DB)
    attrs = _actor_attrs(call, _present(call))
    if call.params["name"]:
        attrs["name"] = call.params["name"]
    with vod_errors():
        services.actor_modify(actor=actor, attrs=attrs)
    return {}


@endpoint("/actor/detail/", "ActorDetail", params=[Id("id", required=True)])
def actor_detail(call: Call) -> dict:
    """One person of the operator's library."""
    return _actor_shape(owned(selectors.actor_list(client=call.client), call.params["id"]), _host(call))


ACTOR_ORDERS = {"id", "-id", "name", "-name", "film_count", "-film_count", "birthdate", "-birthdate"}


@endpoint(
    "/actor/list/",
    "ActorList",
    params=[Int("limit"), Int("page"), Text("order", default="id"), Text("country"), Text("type"), Id("movie_id")],
)
def actor_list(call: Call) -> dict:
    """The operator's people, ordered and filtered by country, type or film."""
    p = call.params
    if p["order"] not in ACTOR_ORDERS:
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: order", {"order": ", ".join(sorted(ACTOR_ORDERS))})
    qs = selectors.actor_list(
        client=call.client, country=p["country"] or "", type=p["type"] or "", movie_id=p["movie_id"], order=p["order"]
    )
    host = _host(call)
    return {"actors": [_actor_shape(a, host) for a in page(qs, call)], "count": qs.count()}


@endpoint("/actor/delete/", "ActorDelete", params=[Id("id", required=True)])
def actor_delete(call: Call) -> dict:
    """Delete a person (their credits go with them)."""
    actor = owned(selectors.actor_list(client=call.client), call.params["id"])
    with vod_errors():
        services.actor_delete(actor=actor)
    return {}


# --- seances ---------------------------------------------------------------------------------


@endpoint(
    "/seance/create/",
    "SeanceCreate",
    params=[Id("vid", required=True), Id("vfid"), Moment("date_start", required=True), Moment("date_end")],
)
def seance_create(call: Call) -> dict:
    """A showing of a video (of one of its assets); the end defaults to the asset's length."""
    p, client = call.params, call.client
    video = owned(selectors.video_list(client=client), p["vid"], field="vid")
    video_file = one(selectors.video_file_list(client=client), p["vfid"], "vfid")
    with vod_errors():
        seance = services.seance_create(
            video=video, date_start=p["date_start"], date_end=p["date_end"], video_file=video_file
        )
    return {"id": seance.pk}


@endpoint("/seance/delete/", "SeanceDelete", params=[Id("id", required=True)])
def seance_delete(call: Call) -> dict:
    """Delete a seance with its tickets."""
    seance = owned(selectors.seance_list(client=call.client), call.params["id"])
    with vod_errors():
        services.seance_delete(seance=seance)
    return {}


@endpoint("/seance/ticket/create/", "SeanceTicketCreate", params=[Id("sid", required=True), Int("code")])
def seance_ticket_create(call: Call) -> dict:
    """A ticket with the given code (1 when taken) or a random one."""
    seance = owned(selectors.seance_list(client=call.client), call.params["sid"], field="sid")
    code = call.params["code"]
    if code is not None and code < 0:
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: code", {"code": "digits"})
    with vod_errors({services.TicketCodeTakenError: errors.SeanceTicketCreate.CODE_TAKEN}):
        ticket = services.seance_ticket_create(seance=seance, code=None if code is None else str(code))
    return {"id": ticket.pk, "code": ticket.code}


@endpoint("/seance/ticket/delete/", "SeanceTicketDelete", params=[Id("id", required=True)])
def seance_ticket_delete(call: Call) -> dict:
    """Delete a ticket."""
    ticket = owned(selectors.seance_ticket_list(client=call.client), call.params["id"])
    with vod_errors():
        services.seance_ticket_delete(ticket=ticket)
    return {}


# --- skip fragments ---------------------------------------------------------------------------

FRAGMENT_TYPES = tuple(int(t) for t in SkipVideoFragmentType)


@endpoint(
    "/skipvideofragment/create/",
    "SkipVideoFragmentCreate",
    params=[
        Id("vfid", required=True),
        Int("type", required=True, choices=FRAGMENT_TYPES),
        Decimal("begin_time"),
        Decimal("end_time"),
    ],
)
def skip_fragment_create(call: Call) -> dict:
    """A skippable part of an asset (intro, recap, credits, advertising), in seconds."""
    p = call.params
    if p["begin_time"] is None or p["end_time"] is None:
        missing = {n: "required" for n in ("begin_time", "end_time") if p[n] is None}
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: begin_time and end_time are required", missing)
    video_file = owned(selectors.video_file_list(client=call.client), p["vfid"], field="vfid")
    with vod_errors():
        fragment = services.skip_fragment_create(
            video_file=video_file, type=p["type"], begin_time=p["begin_time"], end_time=p["end_time"]
        )
    return {"id": fragment.pk}


@endpoint(
    "/skipvideofragment/modify/",
    "SkipVideoFragmentModify",
    params=[
        Id("id", required=True),
        Id("vfid"),
        Int("type", choices=FRAGMENT_TYPES),
        Decimal("begin_time"),
        Decimal("end_time"),
    ],
)
def skip_fragment_modify(call: Call) -> dict:
    """Change what the request carries (another asset of the operator with `vfid`)."""
    p = call.params
    fragment = owned(selectors.skip_video_fragment_list(client=call.client), p["id"])
    attrs = {name: p[name] for name in ("type", "begin_time", "end_time") if p[name] is not None}
    if p["vfid"] is not None:
        owned(selectors.video_file_list(client=call.client), p["vfid"], field="vfid")
        attrs["video_file_id"] = p["vfid"]
    with vod_errors():
        services.skip_fragment_modify(fragment=fragment, attrs=attrs)
    return {}


@endpoint("/skipvideofragment/delete/", "SkipVideoFragmentDelete", params=[Id("id", required=True)])
def skip_fragment_delete(call: Call) -> dict:
    """Delete a skippable fragment."""
    fragment = owned(selectors.skip_video_fragment_list(client=call.client), call.params["id"])
    with vod_errors():
        services.skip_fragment_delete(fragment=fragment)
    return {}


# --- selections -------------------------------------------------------------------------------

SELECTION_TYPES = tuple(int(t) for t in SelectionContentType)
SELECTION_PARAMS = [
    *(Text(n, max_length=255) for n in lang_names("name")[1:]),
    Int("type", required=True, choices=SELECTION_TYPES),
    Flag("is_hidden"),
    *(Text(n, max_length=1024) for n in lang_names("promo_image")),
    IdList("items_set"),
]


def _selection_attrs(call: Call, names: set[str]) -> dict:
    p = call.params
    attrs = {n: p[n] or "" for n in [*lang_names("name")[1:], *lang_names("promo_image")] if n in names}
    if "is_hidden" in names and p["is_hidden"] is not None:
        attrs["is_hidden"] = bool(p["is_hidden"])
    return attrs


@endpoint("/selection/create/", "SelectionCreate", params=[Text("name", required=True), *SELECTION_PARAMS])
def selection_create(call: Call) -> dict:
    """A selection of the given content type with its items in order (ids of the operator's
    videos, channels, cameras or radio)."""
    p = call.params
    with vod_errors():
        selection = services.selection_create(
            client=call.client,
            name=p["name"],
            content_type=p["type"],
            attrs=_selection_attrs(call, _present(call)),
            items=p["items_set"],
        )
    return {"id": selection.pk}


@endpoint(
    "/selection/modify/",
    "SelectionModify",
    params=[
        Id("id", required=True),
        Text("name", max_length=255),
        *SELECTION_PARAMS,
        IdList("items_add"),
        IdList("items_remove"),
    ],
)
def selection_modify(call: Call) -> dict:
    """Change a selection; items_set replaces its items, items_add (1 when one is already
    there) and items_remove change them."""
    p = call.params
    selection = owned(selectors.selection_list(client=call.client), p["id"])
    names = _present(call)
    attrs = _selection_attrs(call, names)
    attrs["content_type"] = p["type"]
    if p["name"]:
        attrs["name"] = p["name"]
    with vod_errors({services.AlreadyInSelectionError: errors.SelectionModify.ALREADY_IN_SELECTION}):
        services.selection_modify(
            selection=selection,
            attrs=attrs,
            items_set=p["items_set"] if "items_set" in names else None,
            items_add=p["items_add"],
            items_remove=p["items_remove"],
        )
    return {"id": selection.pk}


# --- target banners ---------------------------------------------------------------------------

BANNER_PARAMS = [
    Text("image_url", max_length=2048),
    Text("message", max_length=10_000),
    Text("deep_link", max_length=1024),
    Date("published_from"),
    Date("published_to"),
    Flag("enabled"),
    Text("meta", max_length=65_536),
    IdList("account_ids"),
    IdList("abonements"),
    IdList("tariff_ids"),
    Flag("for_birthday"),
    Id("sort_after_tbid"),
]


def _banner_accounts(call: Call, names: set[str]) -> list[int] | None:
    """account_ids and abonements together (None when neither is sent)."""
    if "account_ids" not in names and "abonements" not in names:
        return None
    ids = list(call.params["account_ids"])
    if call.params["abonements"]:
        wanted = {str(a) for a in call.params["abonements"]}
        found = account_selectors.account_ids_by_abonement(client=call.client, abonements=wanted)
        if wanted - set(found):
            raise ApiError(errors.NOT_FOUND, "Unknown abonements", {"abonements": "not found"})
        ids += list(found.values())
    return ids


def _banner_attrs(call: Call, names: set[str]) -> dict:
    p = call.params
    attrs = {n: p[n] or "" for n in ("message", "deep_link") if n in names}
    for name in ("enabled", "for_birthday"):
        if name in names and p[name] is not None:
            attrs[name] = bool(p[name])
    for name in ("published_from", "published_to"):
        if p[name] is not None:
            attrs[name] = p[name]
    if "meta" in names and p["meta"]:
        attrs["meta"] = _json_object(call, "meta")
    return attrs


def _banner_image(call: Call, code: int) -> str | None:
    if not call.params["image_url"]:
        return None
    try:
        return fetch_image(client_id=call.client.pk, kind="banner", url=call.params["image_url"])
    except (ImageFetchError, ImageError) as exc:
        raise ApiError(code, f"Image upload failed: {exc}", {"image_url": str(exc)}) from exc


@endpoint(
    "/targetbanner/create/",
    "TargetBannerCreate",
    params=[Text("name", required=True, max_length=255), *BANNER_PARAMS],
)
def target_banner_create(call: Call) -> dict:
    """A banner for chosen accounts and tariffs in a date window (its image stored first:
    a failure creates nothing, code 1)."""
    p = call.params
    if p["published_from"] is None or p["published_to"] is None:
        missing = {n: "required" for n in ("published_from", "published_to") if p[n] is None}
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: the publication dates are required", missing)
    names = _present(call)
    attrs = _banner_attrs(call, names)
    accounts = _banner_accounts(call, names)
    image = _banner_image(call, errors.TargetBannerCreate.IMAGE)
    if image:
        attrs["image"] = image
    published = {"published_from": attrs.pop("published_from"), "published_to": attrs.pop("published_to")}
    with vod_errors():
        banner = services.target_banner_create(
            client=call.client,
            name=p["name"],
            attrs=attrs,
            account_ids=accounts,
            tariff_ids=p["tariff_ids"] if "tariff_ids" in names else None,
            sort_after=p["sort_after_tbid"],
            **published,
        )
    return {"id": banner.pk, "upload_errors": []}


@endpoint(
    "/targetbanner/modify/",
    "TargetBannerModify",
    params=[
        Id("id", required=True),
        Text("name", max_length=255),
        *BANNER_PARAMS,
        Flag("delete_image", default=0),
        Flag("clear_accounts", default=0),
        Flag("clear_tariffs", default=0),
    ],
)
def target_banner_modify(call: Call) -> dict:
    """Change what the request carries; clear_* empty the lists, delete_image the image."""
    p = call.params
    banner = owned(selectors.target_banner_list(client=call.client), p["id"])
    names = _present(call)
    attrs = _banner_attrs(call, names)
    if p["name"]:
        attrs["name"] = p["name"]
    accounts = [] if p["clear_accounts"] else _banner_accounts(call, names)
    tariffs = [] if p["clear_tariffs"] else (p["tariff_ids"] if "tariff_ids" in names else None)
    if p["delete_image"]:
        attrs["image"] = ""
    image = _banner_image(call, errors.TargetBannerModify.IMAGE)
    if image:
        attrs["image"] = image
    with vod_errors():
        services.target_banner_modify(
            banner=banner, attrs=attrs, account_ids=accounts, tariff_ids=tariffs, sort_after=p["sort_after_tbid"]
        )
    return {}


@endpoint("/targetbanner/list/", "TargetBannerList", params=[Int("limit"), Int("page")])
def target_banner_list(call: Call) -> dict:
    """The operator's banners in their order."""
    qs = selectors.target_banner_list(client=call.client, with_relations=True)
    host = f"{call.request.scheme}://{call.request.get_host()}"
    rows = page(qs, call)
    banners = [
        {
            "id": b.pk,
            "name": b.name,
            "image_url": image_url(b.image, host),
            "message": b.message,
            "deep_link": b.deep_link,
            "published_from": b.published_from.isoformat(),
            "published_to": b.published_to.isoformat(),
            "enabled": int(b.enabled),
            "meta": json_text(b.meta),
            "account_ids": [a.pk for a in b.accounts.all()],
            "tariff_ids": [t.pk for t in b.tariffs.all()],
            "available_in_cities": [c.pk for c in b.cities.all()],
            "for_birthday": int(b.for_birthday),
        }
        for b in rows
    ]
    return {"target_banners": banners, "count": qs.count()}


@endpoint("/targetbanner/delete/", "TargetBannerDelete", params=[Id("id", required=True)])
def target_banner_delete(call: Call) -> dict:
    """Delete a banner."""
    banner = owned(selectors.target_banner_list(client=call.client), call.params["id"])
    with vod_errors():
        services.target_banner_delete(banner=banner)
    return {}


# --- programme blocking ----------------------------------------------------------------------


@endpoint(
    "/programblocking/create/",
    "ProgramBlockingCreate",
    params=[Id("pid"), Text("prefix", max_length=255), Int("time_start"), Text("end_date", max_length=16)],
)
def program_blocking_create(call: Call) -> dict:
    """Forbid the recording of a programme of one of the operator's channels (for
    `end_date` days, or for good): by `pid`, or by the channel's `prefix` and the programme
    that runs at `time_start`."""
    p, code = call.params, errors.ProgramBlockingCreate
    days = None
    if (p["end_date"] or "").strip():
        text = p["end_date"].strip()
        if not (text.isascii() and text.isdigit()) or int(text) > 36_500:
            raise ApiError(errors.BAD_PARAM, "Invalid parameters: end_date: days", {"end_date": "days"})
        days = int(text) or None
    guides = channel_selectors.guide_id_list(client=call.client)
    if p["pid"] is not None:
        program = epg_selectors.program_of_guides_get(epg_channel_ids=guides, program_id=p["pid"])
        if program is None:
            raise ApiError(code.PROGRAM_NOT_FOUND, "Programme not found", {"pid": "not found"})
    elif p["prefix"] and p["time_start"] is not None:
        channel = channel_selectors.channel_with_guide_by_prefix(client=call.client, prefix=p["prefix"])
        if channel is None:
            raise ApiError(code.CHANNEL_NOT_FOUND, "Channel not found", {"prefix": "not found"})
        try:
            moment = dt.datetime.fromtimestamp(p["time_start"], dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ApiError(errors.BAD_PARAM, "Invalid parameters: time_start", {"time_start": "a timestamp"}) from exc
        # That start, or the nearest earlier one (the reference).
        program = epg_selectors.program_started_by(epg_channel_id=channel.epg_channel_id, moment=moment)
        if program is None:
            raise ApiError(code.PROGRAM_AT_TIME_NOT_FOUND, "No programme at time_start", {"time_start": "not found"})
    else:
        raise ApiError(code.PID_OR_PREFIX_REQUIRED, "Pass pid, or prefix and time_start")
    with vod_errors():
        blocking = services.program_blocking_create(client=call.client, program=program, days=days)
    return {"id": blocking.pk}
