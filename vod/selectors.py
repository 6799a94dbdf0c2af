"""Reads of the video library. Device methods read two cached values:

- `library(client_id)`: the operator's whole catalogue as plain rows (videos with their
  assets, seasons, episodes, genre/actor/tariff ids; genres, people, providers, selections,
  seances), versioned by the library's generation and the operator's tariffs;
- `account_state(account)`: the account's favourites, marks, positions and open purchases,
  versioned by the account's generation.

Who sees a video (`visible`): it is enabled and published now; one of the viewer's tariffs
(those used for the video list) carries it, or the viewer bought it, or its price category
is free; the viewer's country/city is among the video's when the video is limited; the
device type is among `available_on` when that is set; a parental-controlled or age-rated
video is hidden from profiles that do not show adult content.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from smarty.cache import cached
from smarty.device_reads import DeviceRead
from smarty.i18n import LANG_SLOTS
from tariffs.models import Tariff
from tariffs.selectors import tariffs_dep

from .invalidation import account_video_dep, library_dep
from .models import (
    AccountVideo,
    AccountVideoFile,
    Actor,
    Episode,
    PriceCategory,
    Quality,
    Seance,
    SeanceTicket,
    Season,
    Selection,
    SelectionItem,
    SkipVideoFragment,
    TargetBanner,
    Video,
    VideoActor,
    VideoFile,
    VideoGenre,
    VideoProvider,
    VideoPurchase,
)

ADULT_AGE = 18


def _langs(*names: str) -> list[str]:
    return [f"{n}_lang{i}" if i else n for n in names for i in (0, *LANG_SLOTS)]


def _ts(value: dt.datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


VIDEO_VALUES = (
    "id",
    *_langs("name", "description", "short_description", "countries", "director", "language", "horizontal_poster"),
    *_langs("poster"),
    "ext_id",
    "name_orig",
    "year",
    "genres_kinopoisk",
    "age_rating",
    "parent_control",
    "kinopoisk_rating",
    "imdb_rating",
    "average_customers_rating",
    "number_of_ratings",
    "duration",
    "is_season",
    "is_package",
    "is_announcement",
    "video_source",
    "provider_id",
    "price_category_id",
    "uri",
    "screenshot",
    "logo",
    "ad_banner",
    "vertical_poster",
    "available_everywhere",
    "available_on",
    "channel_id",
    "meta",
    "enabled",
    "sort_order",
)


def _pairs(
    through: Any, left: str, right: str, ids: set[int], order: tuple[str, ...] = ("id",)
) -> dict[int, list[int]]:
    out: dict[int, list[int]] = defaultdict(list)
    for a, b in through.objects.filter(**{f"{left}__in": ids}).order_by(*order).values_list(left, right):
        out[a].append(b)
    return out


def _build_library(client_id: int) -> dict:
    videos = {}
    for row in Video.objects.filter(client_id=client_id).values(
        *VIDEO_VALUES,
        "premiere_date",
        "published_from",
        "published_to",
        "created_at",
        "updated_at",
        "content_updated_at",
    ):
        for key in ("premiere_date", "published_from", "published_to", "created_at", "updated_at"):
            row[key] = _ts(row[key])
        row["content_updated_at"] = _ts(row["content_updated_at"]) or row["updated_at"]
        row["files"], row["seasons"], row["episodes"] = [], [], []
        videos[row["id"]] = row
    ids = set(videos)
    # A video's genres in the genres' own order (as the genre list shows them), not in the
    # order they were attached (which Django's set() leaves to a Python set).
    genres = _pairs(
        Video.genres.through, "video_id", "videogenre_id", ids, order=("videogenre__sort_order", "videogenre_id")
    )
    tariffs = _pairs(Video.tariffs.through, "video_id", "tariff_id", ids)
    countries = _pairs(Video.countries_allowed.through, "video_id", "country_id", ids)
    cities = _pairs(Video.cities_allowed.through, "video_id", "city_id", ids)
    similar = _pairs(Video.similar.through, "from_video_id", "to_video_id", ids)
    packages = _pairs(Video.package_videos.through, "from_video_id", "to_video_id", ids)
    streams = _pairs(Video.stream_services.through, "video_id", "streamservice_id", ids)
    credits = _pairs(VideoActor, "video_id", "actor_id", ids, order=("sort_order", "id"))
    fragments: dict[int, list[dict]] = defaultdict(list)
    for frag in SkipVideoFragment.objects.filter(client_id=client_id).values(
        "id", "video_file_id", "type", "begin_time", "end_time"
    ):
        fragments[frag.pop("video_file_id")].append(frag)
    for f in (
        VideoFile.objects.filter(client_id=client_id)
        .order_by("sort_order", "id")
        .values(
            "id",
            *_langs("name"),
            "video_id",
            "episode_id",
            "ext_id",
            "filename",
            "duration",
            "is_trailer",
            "quality",
            "format",
            "audio_tracks",
            "subtitles",
            "drm",
            "promo_image",
            "self_skip_fragments_priority",
        )
    ):
        if f["video_id"] in videos:
            f["skip_fragments"] = fragments.get(f["id"], [])
            videos[f["video_id"]]["files"].append(f)
    for s in (
        Season.objects.filter(client_id=client_id)
        .order_by("sort_order", "id")
        .values("id", *_langs("name"), "video_id", "number", "ext_id")
    ):
        if s["video_id"] in videos:
            videos[s["video_id"]]["seasons"].append(s)
    for e in (
        Episode.objects.filter(client_id=client_id)
        .order_by("sort_order", "id")
        .values(
            "id",
            *_langs("name", "description"),
            "video_id",
            "season_id",
            "number",
            "ext_id",
            "preview",
            "duration",
            "is_free",
            "is_planned",
        )
    ):
        if e["video_id"] in videos:
            videos[e["video_id"]]["episodes"].append(e)
    for vid, row in videos.items():
        row["genre_ids"] = genres.get(vid, [])
        row["tariff_ids"] = frozenset(tariffs.get(vid, ()))
        row["country_ids"] = frozenset(countries.get(vid, ()))
        row["city_ids"] = frozenset(cities.get(vid, ()))
        row["similar_ids"] = similar.get(vid, [])
        row["package_ids"] = packages.get(vid, [])
        row["actor_ids"] = credits.get(vid, [])
        row["stream_service_ids"] = frozenset(streams.get(vid, ()))
        row["is_4k"] = any(f["quality"] in (4, 6, 7) for f in row["files"])
    actors = {
        a["id"]: a
        for a in Actor.objects.filter(client_id=client_id).values(
            "id",
            *_langs("name", "country", "profession", "biography"),
            "name_orig",
            "type",
            "gender",
            "birthdate",
            "photo",
            "movie_db_id",
        )
    }
    film_counts: dict[int, int] = defaultdict(int)
    for actor_ids in credits.values():
        for actor_id in actor_ids:
            film_counts[actor_id] += 1
    for actor_id, actor in actors.items():
        actor["film_count"] = film_counts.get(actor_id, 0)
        actor["birthdate"] = actor["birthdate"].isoformat() if actor["birthdate"] else ""
    items: dict[int, list[int]] = defaultdict(list)
    for selection_id, object_id in (
        SelectionItem.objects.filter(selection__client_id=client_id)
        .order_by("sort_order", "id")
        .values_list("selection_id", "object_id")
    ):
        items[selection_id].append(object_id)
    selections = [
        {**s, "created_at": _ts(s["created_at"]), "items": items.get(s["id"], [])}
        for s in Selection.objects.filter(client_id=client_id)
        .order_by("sort_order", "id")
        .values(
            "id", *_langs("name", "promo_image"), "content_type", "kind", "is_hidden", "video_provider_id", "created_at"
        )
    ]
    return {
        "videos": videos,
        "order": sorted(videos, key=lambda i: (-videos[i]["sort_order"], -i)),
        "genres": list(
            VideoGenre.objects.filter(client_id=client_id)
            .order_by("sort_order", "id")
            .values("id", *_langs("name"), "is_category", "icon", "icon_tv", "dashboard_icon")
        ),
        "actors": actors,
        "providers": list(
            VideoProvider.objects.filter(client_id=client_id, enabled=True)
            .order_by("sort_order", "id")
            .values(
                "id",
                *_langs("name"),
                "type",
                "icon",
                "movie_label_icon",
                "movie_label_icon_black_bg",
                "movie_label_icon_mobile",
            )
        ),
        "price_categories": {
            p["id"]: p
            for p in PriceCategory.objects.filter(client_id=client_id).values(
                "id", *_langs("name"), "type", "price", "rent_hours", "action"
            )
        },
        "selections": selections,
        "seances": [
            {**s, "date_start": s["date_start"], "date_end": s["date_end"]}
            for s in Seance.objects.filter(client_id=client_id).values(
                "id", "video_id", "video_file_id", "date_start", "date_end"
            )
        ],
        "video_tariffs": frozenset(
            Tariff.objects.filter(client_id=client_id, used_for_video_list=True).values_list("id", flat=True)
        ),
    }


def library(client_id: int) -> dict:
    """The operator's catalogue (see module doc); rebuilt after any library or tariff change."""
    return cached(
        "vod_library",
        (client_id,),
        [library_dep(client_id), tariffs_dep(client_id)],
        lambda: _build_library(client_id),
        local=True,
    )


@dataclass
class AccountState:
    videos: dict[int, dict] = field(default_factory=dict)
    files: dict[int, tuple[int, bool]] = field(default_factory=dict)
    purchases: list[dict] = field(default_factory=list)

    def purchased(self, video_id: int, now: int) -> bool:
        return any(p["video_id"] == video_id and (p["until"] is None or p["until"] > now) for p in self.purchases)


def _build_account_state(account_id: int, customer_id: int) -> AccountState:
    state = AccountState()
    for row in AccountVideo.objects.filter(account_id=account_id).values(
        "video_id",
        "is_favorited",
        "favorited_at",
        "rating",
        "position",
        "position_file_id",
        "is_viewing",
        "is_viewed",
        "viewed_at",
        "updated_at",
    ):
        row["favorited_at"] = _ts(row["favorited_at"])
        row["viewed_at"] = _ts(row["viewed_at"]) or _ts(row["updated_at"])
        state.videos[row["video_id"]] = row
    for file_id, position, viewed in AccountVideoFile.objects.filter(account_id=account_id).values_list(
        "video_file_id", "position", "is_viewed"
    ):
        state.files[file_id] = (position, viewed)
    state.purchases = [
        {
            "id": p["id"],
            "video_id": p["video_id"],
            "until": _ts(p["available_until"]),
            "price": p["price"],
            "created": _ts(p["created_at"]),
        }
        for p in VideoPurchase.objects.filter(customer_id=customer_id, cancelled_at__isnull=True).values(
            "id", "video_id", "available_until", "price", "created_at"
        )
    ]
    return state


def account_state_read(account_id: int) -> DeviceRead:
    """How an account's state is cached: per account, in each process's per-device memory
    (fetched with the session when a device the process forgot comes back,
    tvmiddleware/api.py), not among the operator-wide values the guide's windows need."""
    return "vod_account", (account_id,), [account_video_dep(account_id)], None


def account_state(account: Any) -> AccountState:
    """Favourites, marks, positions and open purchases of the account (cached)."""
    if account is None:
        return AccountState()
    name, parts, deps, timeout = account_state_read(account.pk)
    return cached(
        name,
        parts,
        deps,
        lambda: _build_account_state(account.pk, account.customer_id),
        timeout=timeout,
        local="device",
    )


@dataclass(frozen=True)
class Audience:
    """What decides visibility for one request."""

    tariff_ids: frozenset[int] | None  # None: every video (noauth catalogue)
    country_id: int | None = None
    city_id: int | None = None
    play_device_id: int | None = None
    adult: bool = True
    now: int = 0


def visible(row: dict, lib: dict, audience: Audience, state: AccountState) -> bool:
    """Whether the audience sees the video (module doc)."""
    now = audience.now
    if not row["enabled"]:
        return False
    if row["published_from"] is not None and row["published_from"] > now:
        return False
    if row["published_to"] is not None and row["published_to"] < now:
        return False
    if not audience.adult and (row["parent_control"] or row["age_rating"] >= ADULT_AGE):
        return False
    if (
        row["available_on"]
        and audience.play_device_id is not None
        and audience.play_device_id not in row["available_on"]
    ):
        return False
    if not row["available_everywhere"] and (audience.country_id is not None or audience.city_id is not None):
        if audience.country_id not in row["country_ids"] and audience.city_id not in row["city_ids"]:
            return False
    if audience.tariff_ids is None:
        return True
    if row["tariff_ids"] & audience.tariff_ids & lib["video_tariffs"]:
        return True
    category = lib["price_categories"].get(row["price_category_id"])
    if category is not None and category["type"] == PriceCategory.Type.FREE:
        return True
    return state.purchased(row["id"], now)


def has_subscription(row: dict, lib: dict, audience: Audience) -> bool:
    return audience.tariff_ids is None or bool(row["tariff_ids"] & audience.tariff_ids & lib["video_tariffs"])


def visible_videos(lib: dict, audience: Audience, state: AccountState) -> list[dict]:
    videos = lib["videos"]
    return [videos[i] for i in lib["order"] if visible(videos[i], lib, audience, state)]


def now_ts() -> int:
    return int(timezone.now().timestamp())


# --- selectors for the Content API and the admin (always by operator) --------------------------


def video_get(*, client: Any, video_id: int | None = None, ext_id: str | None = None) -> Video | None:
    qs = Video.objects.for_client(client)
    if ext_id:
        return qs.filter(ext_id=ext_id).first()
    if video_id is not None:
        return qs.filter(pk=video_id).first()
    return None


def video_list(*, client: Any) -> Any:
    return Video.objects.for_client(client).order_by("-id")


def video_names(*, client_id: int | None, video_ids: set[int]) -> dict[int, str]:
    """id -> name of the operator's videos among `video_ids` (every operator's for None: the
    monitoring pages of a superuser)."""
    if not video_ids:
        return {}
    qs = Video.objects.filter(pk__in=video_ids)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    return dict(qs.values_list("pk", "name"))


def visible_tariffs_of_video(*, video: Video) -> list[Tariff]:
    """Where a video is visible: its tariffs (enabled, used for the video list)."""
    return list(video.tariffs.filter(enabled=True, used_for_video_list=True).order_by("sort_order", "id"))


# --- device API (tvmiddleware: video library, seances) -------------------------------------------

PriceCategoryType = PriceCategory.Type
VideoSource = Video.Source


def video_for_purchase_get(*, client: Any, video_id: int) -> Video | None:
    """The operator's video with its price category (what a purchase reads)."""
    return Video.objects.for_client(client).select_related("price_category").filter(pk=video_id).first()


def seance_exists(*, client: Any, seance_id: int) -> bool:
    return Seance.objects.for_client(client).filter(pk=seance_id).exists()


def seance_ticket_get(
    *, client: Any, code: str | None = None, seance_id: int | None = None, account: Any = None
) -> SeanceTicket | None:
    """An unrevoked ticket of the operator, with its seance: by code, or the account's ticket
    for a seance."""
    qs = SeanceTicket.objects.for_client(client).filter(revoked_at__isnull=True).select_related("seance")
    if code:
        return qs.filter(code=code).first()
    if seance_id is not None:
        return qs.filter(seance_id=seance_id, account=account).first()
    return None


# --- the Content API's video library methods (content/views/video.py, library.py) ----------

# The qualities a file may have (re-exported for the doors) and those shown as "4K".
QUALITY_4K = (Quality.UHD, Quality.Q4K, Quality.Q8K)
ActorType = Actor.Type
SkipVideoFragmentType = SkipVideoFragment.Type
SelectionContentType = Selection.ContentType


def video_detail_get(*, client: Any, video_id: int | None = None, ext_id: str = "") -> Video | None:
    """A video of the operator (with its provider) by id, else by ext_id."""
    qs = Video.objects.for_client(client).select_related("provider")
    if video_id is not None:
        return qs.filter(pk=video_id).first()
    return qs.filter(ext_id=ext_id).order_by("id").first() if ext_id else None


def video_id_list(*, client: Any) -> Any:
    """The ids of the operator's videos, newest first."""
    return video_list(client=client).values_list("id", flat=True)


def videos_with_assets(*, client: Any, video_ids: list[int]) -> list[Video]:
    """These videos of the operator (newest first) with their files, seasons and episodes."""
    rows = Video.objects.for_client(client).filter(pk__in=video_ids).order_by("-id")
    return list(rows.prefetch_related("files", "seasons", "episodes"))


def video_file_list(*, client: Any) -> Any:
    return VideoFile.objects.for_client(client)


def season_list(*, client: Any) -> Any:
    return Season.objects.for_client(client)


def episode_list(*, client: Any) -> Any:
    return Episode.objects.for_client(client)


def actor_list(*, client: Any, country: str = "", type: str = "", movie_id: int | None = None, order: str = "") -> Any:
    """The operator's people; filtered by country (any language), type or film, and ordered
    by `order` (then id) with their film counts when an order is given."""
    qs = Actor.objects.for_client(client)
    if country:
        qs = qs.filter(Q(*[Q(**{f"{n}__icontains": country}) for n in _langs("country")], _connector=Q.OR))
    if type:
        qs = qs.filter(type=type)
    if movie_id:
        qs = qs.filter(credits__video_id=movie_id, credits__video__client=client)
    if order:
        qs = qs.annotate(film_count=Count("credits", distinct=True)).order_by(order, "id")
    return qs


def seance_list(*, client: Any) -> Any:
    return Seance.objects.for_client(client)


def seance_ticket_list(*, client: Any) -> Any:
    return SeanceTicket.objects.for_client(client)


def skip_video_fragment_list(*, client: Any) -> Any:
    return SkipVideoFragment.objects.for_client(client)


def selection_list(*, client: Any) -> Any:
    return Selection.objects.for_client(client)


def target_banner_list(*, client: Any, with_relations: bool = False) -> Any:
    """The operator's banners in their order (with accounts, tariffs and cities if asked)."""
    qs = TargetBanner.objects.for_client(client).order_by("sort_order", "id")
    return qs.prefetch_related("accounts", "tariffs", "cities") if with_relations else qs


def account_target_banner_list(
    *, client: Any, account: Any, tariff_ids: frozenset[int], city_id: int | None, today: dt.date, birthdate=None
) -> list[TargetBanner]:
    """The banners one account is shown today (TVMW account/targetbanner/list), in their order:
    enabled, published today, and aimed at it: at the account, at one of its tariffs or at its
    city (`city_id`, where the subscriber is), or at nobody in particular (no account, tariff or
    city chosen). A birthday banner is shown only on the customer's birthday (`birthdate`)."""
    qs = target_banner_list(client=client).filter(enabled=True, published_from__lte=today, published_to__gte=today)
    if not (birthdate is not None and (birthdate.month, birthdate.day) == (today.month, today.day)):
        qs = qs.filter(for_birthday=False)
    untargeted = Q(accounts__isnull=True, tariffs__isnull=True, cities__isnull=True)
    aimed = Q(accounts=account) | Q(tariffs__in=list(tariff_ids))
    if city_id is not None:
        aimed |= Q(cities=city_id)
    matching = TargetBanner.objects.for_client(client).filter(untargeted | aimed).values("id")
    return list(qs.filter(pk__in=matching))


# --- DRM (tvmiddleware/other_apis/): may the account watch this video -------------------------


def video_in_tariffs(*, client_id: int, video_id: int, tariff_ids) -> bool:
    """The operator's video exists, is enabled and is in one of `tariff_ids`."""
    video = Video.objects.filter(pk=video_id, client_id=client_id).first()
    if video is None or getattr(video, "enabled", True) is False:
        return False
    return video.tariffs.filter(pk__in=tariff_ids).exists()
