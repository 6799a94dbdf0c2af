"""Reads of the portal app. Every selector takes the operator. The per-operator shapes are
cached on the operator's portal generation (portal.invalidation.portal_dep); the cache calls
of this app are the three `_cached` uses below."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q

from channels import selectors as live
from clients.selectors import client_content_dep, client_dep
from smarty.cache import cached
from smarty.i18n import lang_index

from . import models as m
from .invalidation import portal_dep

ALL = "all"


def _cached(name: str, client_id: int, build, *parts: object):
    return cached(name, (client_id, *parts), [portal_dep(client_id), client_content_dep(client_id)], build, local=True)


# --- dashboards ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A dashboard as every request of the operator sees it, plus what selects it."""

    id: int
    type: int
    template: str
    lang: str
    screen: str
    noauth: bool
    device_ids: frozenset[int]
    channel_ids: tuple[int, ...]
    category_id: int | None
    main_menu: tuple[str, ...]
    banners: tuple[dict, ...]
    shaped: dict


def _ids(values) -> list[str]:
    return [str(v) for v in values]


def _attributes(d: m.Dashboard, channel_ids: list[int], banners: list[dict]) -> dict:
    """The reference's `attributes` of a row of each type ("returned only for ...")."""
    a = d.attributes or {}
    T = m.Dashboard.Type  # noqa: N806
    out: dict = {}
    if d.type == T.MAIN_MENU:
        out["main_menu_order_list"] = list(d.main_menu or [])
    elif d.type == T.CHANNELS:
        if a.get("display_type"):
            out["display_type"] = str(a["display_type"])
        out["channels_category_id"] = str(d.channel_category_id) if d.channel_category_id else ALL
        out["category_id"] = str(a.get("category_id") or ALL)
    elif d.type == T.PROGRAMS:
        if channel_ids:
            out["channel"] = _ids(channel_ids)
        out["category"] = str(d.channel_category_id) if d.channel_category_id else ALL
        out["display_only_selected_programs"] = _ids(a.get("display_only_selected_programs") or ["1", "2", "3"])
        out["genres_intersection_or_union"] = a.get("genres_intersection_or_union") or "union"
        if a.get("genres"):
            out["genres"] = _ids(a["genres"])
    elif d.type == T.VIDEOS:
        if a.get("display_type"):
            out["display_type"] = str(a["display_type"])
        out["video_source"] = str(a.get("video_source", ALL))
        out["display_only_selected_videos"] = _ids(a.get("display_only_selected_videos") or ["1", "2", "3"])
        out["video_provider"] = str(a.get("video_provider") or ALL)
        out["genre"] = str(a.get("genre") or ALL)
        for key in ("kinopoisk_rating", "imdb_rating", "year_from", "year_to"):
            if a.get(key) not in (None, ""):
                out[key] = a[key]
    elif d.type == T.SELECTION:
        if a.get("display_type"):
            out["display_type"] = str(a["display_type"])
        if a.get("selection") not in (None, ""):
            out["selection"] = int(a["selection"])
        out["content_type"] = int(a.get("content_type", -1))
    elif d.type == T.SLIDER:
        out["slider_banners_list"] = [
            {"slider_deep_link": b["deep_link"], "slider_banners_urls": dict(b["images"])} for b in banners
        ]
    return out


def dashboard_rows(client_id: int) -> tuple[Row, ...]:
    """The operator's enabled dashboards in order (cached on the portal generation)."""

    def build() -> tuple[Row, ...]:
        dashboards = list(
            m.Dashboard.objects.filter(client_id=client_id, enabled=True).prefetch_related(
                "play_devices", "channels", "banners"
            )
        )
        rows = []
        for d in dashboards:
            channel_ids = sorted(c.pk for c in d.channels.all())
            banners = [
                {"deep_link": b.deep_link, "images": b.images or {}}
                for b in sorted(d.banners.all(), key=lambda b: (b.sort_order, b.pk))
                if b.enabled
            ]
            rows.append(
                Row(
                    id=d.pk,
                    type=d.type,
                    template=d.template,
                    lang=d.lang.lower(),
                    screen=d.screen,
                    noauth=d.noauth,
                    device_ids=frozenset(p.pk for p in d.play_devices.all()),
                    channel_ids=tuple(channel_ids),
                    category_id=d.channel_category_id,
                    main_menu=tuple(d.main_menu or ()),
                    banners=tuple(banners),
                    shaped={
                        "id": d.pk,
                        "title": d.title,
                        "description": d.description,
                        "attributes": _attributes(d, channel_ids, banners),
                        "type": d.type,
                        "screen": d.screen,
                        "cover": d.cover,
                    },
                )
            )
        return tuple(rows)

    return _cached("portal_dashboards", client_id, build)


def _screens(screen: str | None) -> set[str] | None:
    """None: every screen; else the labels asked for ("empty" is the empty label)."""
    labels = {s.strip() for s in (screen or "").split(",") if s.strip()}
    if not labels or ALL in labels:
        return None
    return {"" if s == "empty" else s for s in labels}


def _visible(row: Row, *, device_id: int | None, lang: str, template: str | None, noauth: bool) -> bool:
    if noauth and not row.noauth:
        return False
    if row.device_ids and device_id not in row.device_ids:
        return False
    if row.lang and row.lang != (lang or "").lower():
        return False
    return template is None or not row.template or row.template == template


def dashboard_list(
    *, client_id: int, device_id: int | None, lang: str, template: str | None, screen: str | None, noauth: bool
) -> list[Row]:
    """The rows a device of a type sees: its template, device type and language."""
    screens = _screens(screen)
    return [
        row
        for row in dashboard_rows(client_id)
        if _visible(row, device_id=device_id, lang=lang, template=template, noauth=noauth)
        and (screens is None or row.screen in screens)
    ]


def dashboard_get(*, client_id: int, dashboard_id: int, device_id: int | None, lang: str, noauth: bool) -> Row | None:
    """One row, if a device of this type and language sees it (any template)."""
    for row in dashboard_rows(client_id):
        if row.id == dashboard_id:
            return row if _visible(row, device_id=device_id, lang=lang, template=None, noauth=noauth) else None
    return None


def banner_image(images: dict, lang: str) -> str:
    """The banner's image in the language asked for, else the default language's, else any."""
    for key in ((lang or "").lower(), settings.SMARTY_DEFAULT_LANGUAGE.lower()):
        if key and images.get(key):
            return images[key]
    return next((v for v in images.values() if v), "")


# --- applications and data sources ------------------------------------------------------------


def application_list(*, client_id: int, template: str | None) -> list[dict]:
    def build() -> list[dict]:
        return [
            {
                "id": a.pk,
                "name": a.name,
                "system_name": a.system_name,
                "type": a.type,
                "url": a.url,
                "show_in_main_menu": int(a.show_in_main_menu),
                "css_style": a.css_style,
                "icon": a.icon,
                "icon_focus": a.icon_focus,
                "attrs": dict(a.attrs or {}),
                "_template": a.template,
            }
            for a in m.Application.objects.filter(client_id=client_id, enabled=True)
        ]

    return [
        a for a in _cached("portal_applications", client_id, build) if not template or a["_template"] in ("", template)
    ]


def application_get(*, client_id: int, application_id: int) -> dict | None:
    return next((a for a in application_list(client_id=client_id, template=None) if a["id"] == application_id), None)


def data_source_get(*, client_id: int, kind: str, url: str | None = None, city: str | None = None):
    """The operator's source of a kind (by URL for RSS, by city for weather), else None."""
    qs = m.DataSource.objects.for_client(client_id).filter(kind=kind, enabled=True)
    if url is not None:
        qs = qs.filter(url=url)
    if city:
        found = qs.filter(city=city).first()
        if found is not None:
            return found
        return None
    return qs.order_by("city", "id").first() if kind == m.DataSource.Kind.WEATHER else qs.order_by("id").first()


# --- feeds, games ------------------------------------------------------------------------------


def feed_list(*, client_id: int, device_id: int | None) -> list[m.Feed]:
    def build() -> list[tuple[m.Feed, frozenset[int]]]:
        feeds = m.Feed.objects.filter(client_id=client_id, enabled=True).prefetch_related("play_devices")
        return [(f, frozenset(p.pk for p in f.play_devices.all())) for f in feeds]

    return [f for f, devices in _cached("portal_feeds", client_id, build) if not devices or device_id in devices]


def feed_items(feed: m.Feed) -> list[m.FeedItem]:
    return list(m.FeedItem.objects.filter(client_id=feed.client_id, feed=feed))


def game_list(*, client_id: int, device_id: int | None) -> list[m.Game]:
    games = m.Game.objects.filter(client_id=client_id, enabled=True).filter(
        Q(play_devices=None) | Q(play_devices=device_id)
    )
    return list(games.distinct())


def game_get(*, client_id: int, system_name: str) -> m.Game | None:
    return m.Game.objects.for_client(client_id).filter(system_name=system_name, enabled=True).first()


def game_last_scores(*, client_id: int, account_id: int, game_ids: list[int]) -> dict[int, m.GameScore]:
    """The account's last score of each game."""
    last = {}
    for score in m.GameScore.objects.filter(client_id=client_id, account_id=account_id, game_id__in=game_ids):
        last.setdefault(score.game_id, score)  # newest first (Meta.ordering)
    return last


def game_scoreboard(*, game: m.Game, limit: int) -> list[dict]:
    """Best score of each account, best first."""
    rows = (
        m.GameScore.objects.filter(client_id=game.client_id, game=game)
        .values("account_id", "account__abonement")
        .annotate(best=Max("score"), last=Max("created_at"))
        .order_by("-best", "last", "account_id")[:limit]
    )
    return list(rows)


def game_rank(*, game: m.Game, best: int) -> int:
    """Place of a best score: one more than the accounts with a better best score."""
    better = (
        m.GameScore.objects.filter(client_id=game.client_id, game=game)
        .values("account_id")
        .annotate(best=Max("score"))
        .filter(best__gt=best)
    )
    return better.aggregate(n=Count("account_id"))["n"] + 1


# --- positions, ads, child operators ------------------------------------------------------------


def content_positions(*, account, content_type: str, limit: int) -> list[m.ContentPosition]:
    return list(
        m.ContentPosition.objects.filter(
            client_id=account.client_id, account_id=account.pk, content_type=content_type
        ).order_by("-updated_at", "-id")[:limit]
    )


def ad_blocks(*, client_id: int) -> list[dict]:
    """Enabled ad blocks with their targeting and creatives (cached)."""

    def build() -> list[dict]:
        blocks = m.AdBlock.objects.filter(client_id=client_id, enabled=True).prefetch_related(
            "movies", "channels", "tariffs", "play_devices"
        )
        return [
            {
                "id": b.pk,
                "channel_ids": frozenset(c.pk for c in b.channels.all()),
                "all_channels": b.all_channels,
                "video_ids": frozenset(b.video_ids or ()),
                "all_videos": b.all_videos,
                "days": tuple(int(d) for d in b.days.split(",") if d.strip()),
                "begin": b.begin_time,
                "end": b.end_time,
                "tariff_ids": frozenset(t.pk for t in b.tariffs.all()),
                "device_ids": frozenset(p.pk for p in b.play_devices.all()),
                "countries": frozenset(c.strip().upper() for c in b.countries.split(",") if c.strip()),
                "daily_limit": b.daily_limit,
                "shaped": {
                    "display_order": b.display_order,
                    "provider": b.provider,
                    "movies": [
                        {
                            "name": mv.name,
                            "url": mv.url,
                            "width": mv.width,
                            "duration": mv.duration,
                            "provider_options": list(mv.provider_options or []),
                            "skipoffset": mv.skipoffset,
                        }
                        for mv in b.movies.all()
                    ],
                    "events": [
                        {"type": str(e.get("type", "")), "url": str(e.get("url", ""))}
                        for e in (b.events or [])
                        if isinstance(e, dict)
                    ],
                },
            }
            for b in blocks
        ]

    return _cached("portal_ads", client_id, build)


def ad_impressions_today(*, account, block_ids: list[int], day: dt.date) -> dict[int, int]:
    return dict(
        m.AdImpression.objects.filter(
            client_id=account.client_id, account_id=account.pk, block_id__in=block_ids, day=day
        ).values_list("block_id", "count")
    )


def child_client_list(*, client_id: int) -> list[dict]:
    """The child operators of a meta-portal (not cached: the children's names and keys are
    theirs to change, and portals ask for the list once)."""
    return [
        {
            "id": c.child_id,
            "name": c.child.name,
            "logo_url": c.logo_url,
            "api_key": c.child.api_key,
            "api_url": c.api_url,
            "external_client_id": c.external_client_id,
            "redirect_to_portal_url": c.redirect_to_portal_url,
            "uid": c.uid,
        }
        for c in m.ChildClient.objects.filter(client_id=client_id, child__enabled=True).select_related("child")
    ]


def has_child_clients(*, client_id: int) -> bool:
    """The operator is a meta-portal: it lets the subscriber choose one of its enabled child
    operators (portal/settings/list `has_child_clients`). The children are cached on the portal
    generation; whether one is enabled on the children's own generations (a child's `enabled`
    belongs to the clients app, whose changes the portal generation misses)."""
    child_ids = cached(
        "portal_child_ids",
        (client_id,),
        [portal_dep(client_id)],
        lambda: tuple(m.ChildClient.objects.filter(client_id=client_id).values_list("child_id", flat=True)),
        local=True,
    )
    if not child_ids:
        return False
    return cached(
        "portal_has_enabled_child",
        (client_id,),
        [portal_dep(client_id), *(client_dep(child) for child in child_ids)],
        lambda: m.ChildClient.objects.filter(client_id=client_id, child__enabled=True).exists(),
        local=True,
    )


def game_best(*, game: m.Game, account_id: int) -> int | None:
    """The account's best score in the game."""
    return m.GameScore.objects.filter(client_id=game.client_id, game=game, account_id=account_id).aggregate(
        best=Max("score")
    )["best"]


def game_scores(*, client_id: int, account_id: int, system_name: str | None, limit: int) -> list[int]:
    """The account's scores, newest first (one game, or all)."""
    qs = m.GameScore.objects.filter(client_id=client_id, account_id=account_id)
    if system_name:
        qs = qs.filter(game__system_name=system_name)
    return list(qs.values_list("score", flat=True)[:limit])


# --- the admin's preview -----------------------------------------------------------------------


def dashboard_preview(*, client_id: int, device_id: int | None, template: str, lang: str, noauth: bool) -> list[dict]:
    """What a device of a type sees on the home screen, row by row, for the composer's preview:
    rows as the device gets them and a sample of what each shows (every channel of the operator
    and what it has on air now; the account-specific rows say so)."""
    index = lang_index(lang)
    entries = live.channel_view(client_id, live.ALL_TARIFFS, index, True)
    now = int(time.time())
    snapshot = live.now_next(client_id, index, now)
    T = m.Dashboard.Type  # noqa: N806
    preview = []
    for row in dashboard_list(
        client_id=client_id, device_id=device_id, lang=lang, template=template or None, screen=None, noauth=noauth
    ):
        chosen = entries
        if row.channel_ids:
            wanted = set(row.channel_ids)
            chosen = [e for e in entries if e.id in wanted]
        elif row.category_id:
            chosen = [e for e in entries if row.category_id in e.category_ids]
        items: list[str] = []
        note = ""
        if row.type == T.MAIN_MENU:
            items = list(row.main_menu)
        elif row.type == T.SLIDER:
            items = [f"{banner_image(b['images'], lang)} -> {b['deep_link']}" for b in row.banners]
        elif row.type == T.CHANNELS:
            items = [e.name for e in chosen]
        elif row.type == T.PROGRAMS:
            for e in chosen:
                current, _ = live.current_and_next(snapshot.get(e.epg_id), now)
                if current is not None:
                    items.append(f"{e.name}: {current.current['program_name']}")
        elif row.type in (T.RECENT_CHANNELS, T.RECENT_PROGRAMS, T.RECENT_VIDEOS):
            note = "filled from what each account watched"
        elif row.type == T.VIDEOS:
            note = "films from the video library"
        preview.append({"row": row, "type": T(row.type).label, "items": items[:20], "note": note})
    return preview


# --- device API (tvmiddleware: applications, positions, feeds, dashboards, HbbTV) ---------------

DataSourceKind = m.DataSource.Kind
ContentPositionType = m.ContentPosition.Type
FeedItemType = m.FeedItem.Type
DashboardType = m.Dashboard.Type
HbbRecordKind = m.HbbRecord.Kind


def feed_item_of_position(position: m.ContentPosition) -> m.FeedItem:
    """An unsaved feed item standing for a "continue watching" position."""
    return m.FeedItem(
        type=position.content_type, content_id=position.content_id, content_name="", duration=position.duration
    )


def hbb_provider_get(*, client, provider_id: int, type: int, channel_id: int | None = None) -> m.HbbProvider | None:
    """An enabled HbbTV provider of the operator (on this channel when one is given)."""
    qs = m.HbbProvider.objects.for_client(client).filter(pk=provider_id, type=type, enabled=True)
    if channel_id is not None:
        qs = qs.filter(channels=channel_id)
    return qs.first()


def hbb_event_list(*, client, provider: m.HbbProvider, channel_id: int, since, limit: int = 100) -> list[m.HbbEvent]:
    return list(
        m.HbbEvent.objects.for_client(client).filter(provider=provider, channel_id=channel_id, time__gte=since)[:limit]
    )


def hbb_event_get(
    *, client, provider: m.HbbProvider, channel_id: int, event_id: int, event_type: str
) -> m.HbbEvent | None:
    return (
        m.HbbEvent.objects.for_client(client)
        .filter(provider=provider, channel_id=channel_id, pk=event_id, event_type=event_type)
        .first()
    )


# --- device API (tvmiddleware: camera/list) -------------------------------------------------


def camera_favorite_ids(*, client_id: int, account_id: int) -> frozenset[int]:
    """The cameras an account marked as favourite (camera/settings/set), of that operator."""
    return frozenset(
        m.CameraFavorite.objects.filter(client_id=client_id, account_id=account_id).values_list("camera_id", flat=True)
    )
