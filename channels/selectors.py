"""What a device sees of an operator's live content, cached by versioned keys.

Layers (each cached; ARCHITECTURE.md "Caching", docs/tvmw-content.md):

1. `channel_catalogue(client_id)`: every enabled channel and category of the operator as plain
   rows, with tariff ids; dep `client_content:<client_id>`. A cold catalogue logs
   CLIENT_CHANNELS_NOT_FOUND (smarty_content_requests), as the seed describes;
   `cache_channel_list` keeps it warm.
2. `channel_view(client_id, tariff_ids, lang_index, compact)`: the channels a set of tariffs
   opens, shaped for the API in one language (the device group and inactive-account rules
   enter through the effective tariff set, `viewer_tariff_ids`).
3. `account_channels(account)`: the account's favourites, hidden channels, own order, parental
   overrides, last viewed; dep `account:<id>`.
4. `now_next(client_id, lang_index, now)`: current and next programme of every EPG channel of
   the operator for a short time bucket; deps: client content, the operator's guide
   (`client_epg:<id>`), programme categories and genres.

Entitlement (`viewer_tariff_ids`): the enabled tariffs of the account and its customer
(tariffs.selectors.account_tariff_ids), used for the purpose (channels/radio), allowed for the
device group, available in the subscriber's country/city when that is known, and only the
tariffs `available_for_inactive_accounts` when the account is inactive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q

from accounts.models import Account, Session
from accounts.selectors import account_dep
from clients.models import City, Client, Country
from clients.selectors import COUNTRIES, client_content_dep, geo_locate
from epg.selectors import EPG_DICTIONARY, client_epg_dep, programs_in_range, shape_program
from epg.selectors import epg_dictionaries as _epg_dictionaries
from smarty.api.render import json_members
from smarty.cache import cached, dep
from smarty.device_reads import DeviceRead
from smarty.i18n import translated_value
from smarty.logging import log_event
from tariffs.models import Tariff
from tariffs.selectors import account_tariff_ids, tariffs_dep

from .models import (
    AccountChannelSetting,
    Camera,
    CameraCategory,
    Channel,
    ChannelCategory,
    ChannelSort,
    ProgramReminder,
    Radio,
)

ALL_TARIFFS = None  # channel_view over every enabled channel (noauth methods)
MULTICAST_SCHEMES = ("udp://", "rtp://", "igmp://", "mcast://")
_LANGS = range(1, 6)


def last_viewed_dep(account_id: int) -> str:
    """Generation of what an account watched last (channel/list/last)."""
    return dep("account_last_viewed", account_id)


def _lang_values(*fields: str) -> list[str]:
    return [f"{name}{suffix}" for name in fields for suffix in ["", *(f"_lang{i}" for i in _LANGS)]]


def is_multicast(url: str) -> bool:
    return url.lower().startswith(MULTICAST_SCHEMES)


# --- icons -----------------------------------------------------------------------------------


def icon_parts(value: str) -> tuple[str, str]:
    """(stem, extension) of an icon's URL: a file below MEDIA_URL/icons/, a path or a URL."""
    if not value:
        return "", ""
    if value.startswith(("http://", "https://", "/")):
        url = value
    else:
        url = f"{settings.MEDIA_URL.rstrip('/')}/{settings.SMARTY_ICONS_DIR}/{value.lstrip('/')}"
    slash = url.rfind("/")
    dot = url.rfind(".")
    if dot > slash + 1:
        return url[:dot], url[dot:]
    return url, ""


def icon_url(parts: tuple[str, str], width: int | None, height: int | None, host: str) -> str:
    """<file><width>_<height>.<ext> when a size is asked for (seed 3.1.5: the file is not
    checked). `host` ("scheme://host") prefixes URLs that are only a path."""
    stem, ext = parts
    if not stem:
        return ""
    prefix = host if stem.startswith("/") else ""
    if width or height:
        return f"{prefix}{stem}{width or height}_{height or width}{ext}"
    return f"{prefix}{stem}{ext}"


# --- tariffs as rules ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TariffRule:
    id: int
    names: dict
    enabled: bool
    hidden: bool
    kind: int
    price: float
    activation_price: float
    periodical: bool
    device_groups: frozenset[int]
    countries: frozenset[int] | None  # None: available everywhere
    cities: frozenset[int] | None
    for_inactive: bool
    for_channels: bool
    for_radio: bool


def tariff_rules(client_id: int) -> dict[int, TariffRule]:
    """Every tariff of the operator as the rules entitlement needs (dep: tariffs)."""

    def build() -> dict[int, TariffRule]:
        tariffs = list(Tariff.objects.filter(client_id=client_id).values("id", *_lang_values("name"), *_TARIFF_FIELDS))
        countries: dict[int, set[int]] = {}
        cities: dict[int, set[int]] = {}
        restricted = [t["id"] for t in tariffs if not t["available_everywhere"]]
        if restricted:
            for tid, cid in Tariff.countries.through.objects.filter(tariff_id__in=restricted).values_list(
                "tariff_id", "country_id"
            ):
                countries.setdefault(tid, set()).add(cid)
            for tid, cid in Tariff.cities.through.objects.filter(tariff_id__in=restricted).values_list(
                "tariff_id", "city_id"
            ):
                cities.setdefault(tid, set()).add(cid)
        rules = {}
        for t in tariffs:
            geo = not t["available_everywhere"] and (t["id"] in countries or t["id"] in cities)
            rules[t["id"]] = TariffRule(
                id=t["id"],
                names={k: t[k] for k in _lang_values("name") if t[k]},
                enabled=t["enabled"],
                hidden=t["hidden"],
                kind=t["kind"],
                price=float(t["price"]),
                activation_price=float(
                    t["default_activation_price"] if t["default_activation_price"] is not None else t["price"]
                ),
                periodical=True,
                device_groups=frozenset(int(g) for g in (t["allowed_device_groups"] or []) if str(g).isdigit()),
                countries=frozenset(countries.get(t["id"], ())) if geo else None,
                cities=frozenset(cities.get(t["id"], ())) if geo else None,
                for_inactive=t["available_for_inactive_accounts"],
                for_channels=t["used_for_channel_list"],
                for_radio=t["used_for_radio_list"],
            )
        return rules

    return cached("tariff_rules", (client_id,), [tariffs_dep(client_id)], build, local=True)


_TARIFF_FIELDS = (
    "enabled",
    "hidden",
    "kind",
    "price",
    "default_activation_price",
    "allowed_device_groups",
    "available_everywhere",
    "available_for_inactive_accounts",
    "used_for_channel_list",
    "used_for_radio_list",
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where the subscriber is, when a geo locator knows it."""

    country_id: int | None = None
    city_id: int | None = None


def geo_places() -> dict[str, tuple[int, dict[str, int]]]:
    """Country code -> (country id, {lower-case city name: city id}), cached."""

    def build() -> dict[str, tuple[int, dict[str, int]]]:
        places = {code.upper(): (pk, {}) for pk, code in Country.objects.values_list("id", "code")}
        by_id = {pk: cities for pk, cities in places.values()}
        for pk, country_id, name in City.objects.values_list("id", "country_id", "name"):
            by_id[country_id][name.lower()] = pk
        return places

    return cached("geo_places", (), [COUNTRIES], build)


def location_for_ip(*, client, ip: str) -> Location | None:
    """Where a request comes from, by the operator's geo locator; None when the operator uses
    none or the address is unknown (geo-limited tariffs then stay open, see tariff_allowed).
    A country missing from the Country table gives a Location that matches no geo limit."""

    if client is None or client.geo_locator == Client.GeoLocator.NONE:
        return None
    found = geo_locate(ip)
    if not found["country_code"]:
        return None
    country = geo_places().get(found["country_code"].upper())
    if country is None:
        return Location()
    country_id, cities = country
    return Location(country_id, cities.get(found["city_name"].lower()))


def tariff_allowed(
    rule: TariffRule,
    *,
    active: bool,
    device_group: int | None,
    location: Location | None,
    purpose: str = "channels",
) -> bool:
    if not rule.enabled:
        return False
    if purpose == "channels" and not rule.for_channels:
        return False
    if purpose == "radio" and not rule.for_radio:
        return False
    if not active and not rule.for_inactive:
        return False
    # A tariff limited to device groups is closed to a device of unknown type.
    if rule.device_groups and device_group not in rule.device_groups:
        return False
    if rule.countries is not None and location is not None:
        in_country = location.country_id is not None and location.country_id in rule.countries
        in_city = location.city_id is not None and location.city_id in (rule.cities or ())
        if not (in_country or in_city):
            return False
    return True


def viewer_tariff_ids(
    account,
    *,
    device_group: int | None,
    location: Location | None = None,
    purpose: str = "channels",
) -> frozenset[int]:
    """The tariffs that open content to this account on this device (see module doc)."""
    rules = tariff_rules(account.client_id)
    active = bool(account.active)
    return frozenset(
        tid
        for tid in account_tariff_ids(account)
        if tid in rules
        and tariff_allowed(rules[tid], active=active, device_group=device_group, location=location, purpose=purpose)
    )


def tariff_key(tariff_ids: frozenset[int] | None) -> str:
    if tariff_ids is None:
        return "*"
    joined = ",".join(map(str, sorted(tariff_ids)))
    return joined if len(joined) <= 48 else hashlib.sha1(joined.encode()).hexdigest()  # noqa: S324 - not security


# --- the catalogue ---------------------------------------------------------------------------

_CHANNEL_VALUES = (
    "id",
    *_lang_values("name"),
    "category_id",
    "epg_channel_id",
    "uri",
    "multicast_address",
    "recording_days",
    "parent_control",
    "show_in_all",
    "option1",
    "option2",
    "option3",
    "telemeter",
    "telemeter_account_name",
    "telemeter_tmsec_name",
    "telemeter_cat_id",
    "telemeter_vc_id",
    "telemeter_vc_version",
    "aspect_ratio",
    "lcn_number",
    "pause_live_tv_shift",
    "sort_order",
    "icon",
    "meta",
    "epg_channel__icon",
    "category__is_adult",
)
_CATEGORY_VALUES = (
    "id",
    *_lang_values("name", "description"),
    "sort_order",
    "icon",
    "icon_tv",
    "dashboard_icon",
    "color",
    "is_adult",
)


def channel_catalogue(client_id: int, *, warming: bool = False) -> dict[str, Any]:
    """Enabled channels (operator order) and all categories of an operator as plain rows."""

    def build() -> dict[str, Any]:
        if not warming:
            log_event("smarty_content_requests", "CLIENT_CHANNELS_NOT_FOUND", level="WARNING", client=client_id)
        channels = list(
            Channel.objects.filter(client_id=client_id, enabled=True)
            .order_by("sort_order", "id")
            .values(*_CHANNEL_VALUES)
        )
        tariffs: dict[int, set[int]] = {}
        for channel_id, tariff_id in Channel.tariffs.through.objects.filter(
            channel__client_id=client_id, channel__enabled=True
        ).values_list("channel_id", "tariff_id"):
            tariffs.setdefault(channel_id, set()).add(tariff_id)
        extra: dict[int, list[int]] = {}
        for channel_id, category_id in (
            Channel.additional_categories.through.objects.filter(channel__client_id=client_id, channel__enabled=True)
            .order_by("channelcategory__sort_order", "channelcategory_id")
            .values_list("channel_id", "channelcategory_id")
        ):
            extra.setdefault(channel_id, []).append(category_id)
        for row in channels:
            row["tariff_ids"] = frozenset(tariffs.get(row["id"], ()))
            row["extra_category_ids"] = tuple(extra.get(row["id"], ()))
            row["icon_parts"] = icon_parts(row["icon"] or row["epg_channel__icon"] or "")
            row["url"] = row["uri"] or row["multicast_address"] or ""
        categories = list(ChannelCategory.objects.filter(client_id=client_id).values(*_CATEGORY_VALUES))
        camera_epg = Camera.objects.filter(client_id=client_id, enabled=True, epg_channel__isnull=False)
        epg_ids = {row["epg_channel_id"] for row in channels if row["epg_channel_id"]}
        epg_ids.update(camera_epg.values_list("epg_channel_id", flat=True))
        return {
            "channels": channels,
            "by_id": {row["id"]: row for row in channels},
            "categories": categories,
            "category_by_id": {row["id"]: row for row in categories},
            "epg_ids": tuple(sorted(epg_ids)),
        }

    return cached("channel_catalogue", (client_id,), [client_content_dep(client_id)], build, local=True)


@dataclass(slots=True)
class ChannelEntry:
    """One channel of a view: the response fields common to every account (`base`, and
    `base_json`, the same fields as JSON members for the lists answered in JSON) and what the
    per-request assembly needs."""

    id: int
    epg_id: int
    search: str
    icon: tuple[str, str]
    url: str
    multicast: bool
    parent: bool
    category_id: int
    category_ids: frozenset[int]
    sort: int
    show_in_all: int
    lcn_number: int
    recording_days: int
    name: str
    meta: str
    base: dict = field(default_factory=dict)
    base_json: bytes = b""


def _base_fields(row: dict, categories: dict, lang_index: int, compact: bool) -> dict:
    base = {
        "id": row["id"],
        "name": translated_value(row, "name", lang_index),
        "category_id": row["category_id"] or 0,
        "has_record": 1 if row["recording_days"] else 0,
        "max_archive_duration": row["recording_days"],
        "has_subscription": 1,
        "pause_live_tv_shift": row["pause_live_tv_shift"],
        "drm_available": False,
    }
    if compact:
        return base
    base.update(
        {
            "option1": row["option1"],
            "option2": row["option2"],
            "option3": row["option3"],
            "telemeter": "" if row["telemeter"] is None else str(row["telemeter"]),
            "telemeter_account_name": row["telemeter_account_name"],
            "telemeter_tmsec_name": row["telemeter_tmsec_name"],
            "telemeter_cat_id": row["telemeter_cat_id"],
            "telemeter_vc_id": row["telemeter_vc_id"],
            "telemeter_vc_version": row["telemeter_vc_version"],
            "aspect_ratio": row["aspect_ratio"],
            "lcn_number": row["lcn_number"],
            "hbb": [],
            "additional_categories": [
                {"id": cid, "name": translated_value(categories[cid], "name", lang_index)}
                for cid in row["extra_category_ids"]
                if cid in categories
            ],
            "show_in_all": 1 if row["show_in_all"] else 0,
            "ads_available": 0,
        }
    )
    return base


# The cached views' names carry the layout of what they hold (ChannelEntry, Slot): a value
# cached by a version with another layout is never read as this one.
VIEW_NAME = "channel_view.2"
NOW_NEXT_NAME = "now_next.2"


def channel_view(
    client_id: int, tariff_ids: frozenset[int] | None, lang_index: int, compact: bool = False
) -> list[ChannelEntry]:
    """The channels `tariff_ids` open (None: every enabled channel), operator order."""

    def build() -> list[ChannelEntry]:
        catalogue = channel_catalogue(client_id)
        categories = catalogue["category_by_id"]
        entries = []
        for row in catalogue["channels"]:
            if tariff_ids is not None and not (row["tariff_ids"] & tariff_ids):
                continue
            name = translated_value(row, "name", lang_index)
            url = row["url"]
            entries.append(
                ChannelEntry(
                    id=row["id"],
                    epg_id=row["epg_channel_id"] or 0,
                    search=f"{name}\n{row['name']}".lower(),
                    icon=row["icon_parts"],
                    url=url,
                    multicast=is_multicast(url),
                    parent=bool(row["parent_control"] or row["category__is_adult"]),
                    category_id=row["category_id"] or 0,
                    category_ids=frozenset(
                        ([row["category_id"]] if row["category_id"] else []) + list(row["extra_category_ids"])
                    ),
                    sort=row["sort_order"],
                    show_in_all=1 if row["show_in_all"] else 0,
                    lcn_number=row["lcn_number"],
                    recording_days=row["recording_days"],
                    name=name,
                    meta=_json_text(row["meta"]),
                    base=(base := _base_fields(row, categories, lang_index, compact)),
                    base_json=json_members(base),
                )
            )
        return entries

    return cached(
        VIEW_NAME,
        (client_id, tariff_key(tariff_ids), lang_index, int(bool(compact))),
        [client_content_dep(client_id)],
        build,
        local=True,
    )


def _json_text(value: Any) -> str:
    return json.dumps(value or {}, ensure_ascii=False, separators=(",", ":"))


# --- per account -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountChannels:
    favorites: frozenset[int] = frozenset()
    hidden: frozenset[int] = frozenset()
    parent: dict = field(default_factory=dict)  # channel id -> bool, overrides the channel
    order: tuple[int, ...] = ()


def account_channels(account) -> AccountChannels:
    """The account's own view of its channels (small; dep: the account)."""

    def build() -> AccountChannels:
        rows = list(
            AccountChannelSetting.objects.filter(account_id=account.pk, client_id=account.client_id).values_list(
                "channel_id", "is_favorite", "is_hidden", "sort_order", "is_parent_control"
            )
        )
        ordered = sorted((r for r in rows if r[3] is not None), key=lambda r: (r[3], r[0]))
        return AccountChannels(
            favorites=frozenset(r[0] for r in rows if r[1]),
            hidden=frozenset(r[0] for r in rows if r[2]),
            parent={r[0]: r[4] for r in rows if r[4] is not None},
            order=tuple(r[0] for r in ordered),
        )

    name, parts, deps, timeout = account_channels_read(account.client_id, account.pk)
    return cached(name, parts, deps, build, timeout=timeout, local="device")


def account_channels_read(client_id: int, account_id: int) -> DeviceRead:
    """How account_channels is cached, for a request that reads it with the session's other
    values in one round trip (smarty.device_reads.prefetch_device)."""
    return "account_channels", (client_id, account_id), [account_dep(account_id)], None


def last_viewed_kept() -> int:
    """How many recently watched channels are kept per account (channel/list/last shows
    SMARTY_LAST_CHANNELS_LIMIT of them, after those no longer in the account's list)."""
    return settings.SMARTY_LAST_CHANNELS_LIMIT * 4


def account_last_viewed(account, recent: Mapping[int, float] | None = None) -> tuple[int, ...]:
    """Channel ids the account watched, newest first: the stored times (their own generation,
    bumped by channels.services.channel_viewed and channels_viewed_store) merged with `recent`,
    channel id -> epoch seconds of views not stored yet (monitoring.recording keeps those of
    channel/url until its flush stores them)."""

    def build() -> tuple[tuple[int, float], ...]:
        rows = AccountChannelSetting.objects.filter(
            account_id=account.pk, client_id=account.client_id, last_viewed_at__isnull=False
        ).order_by("-last_viewed_at", "channel_id")
        return tuple(
            (channel_id, viewed.timestamp())
            for channel_id, viewed in rows.values_list("channel_id", "last_viewed_at")[: last_viewed_kept()]
        )

    stored = cached(
        "account_last_viewed_at", (account.client_id, account.pk), [last_viewed_dep(account.pk)], build, local="device"
    )
    if not recent:
        return tuple(channel_id for channel_id, _ in stored)
    newest = dict(stored)
    for channel_id, moment in recent.items():
        if moment > newest.get(channel_id, float("-inf")):
            newest[channel_id] = moment
    ordered = sorted(newest.items(), key=lambda item: (-item[1], item[0]))
    return tuple(channel_id for channel_id, _ in ordered[: last_viewed_kept()])


def channel_sorts(client_id: int) -> dict[int, dict]:
    """The operator's enabled alternative channel orders."""

    def build() -> dict[int, dict]:
        return {
            row["id"]: row
            for row in ChannelSort.objects.filter(client_id=client_id, enabled=True).values(
                "id", *_lang_values("name"), "channel_ids"
            )
        }

    return cached("channel_sorts", (client_id,), [client_content_dep(client_id)], build, local=True)


class SortNotFoundError(LookupError):
    pass


def ordered_entries(
    entries: list[ChannelEntry],
    *,
    client_id: int,
    settings_: AccountChannels | None,
    account_sort: bool,
    channel_sort_id: int | None,
) -> list[ChannelEntry]:
    """Operator order, or a named sort (`channel_sort_id`), or the account's own order;
    channels the chosen order does not mention follow in the operator's order."""
    if channel_sort_id is not None:
        sort = channel_sorts(client_id).get(channel_sort_id)
        if sort is None:
            raise SortNotFoundError(channel_sort_id)
        first = [int(i) for i in sort["channel_ids"] if str(i).lstrip("-").isdigit()]
    elif account_sort and settings_ is not None and settings_.order:
        first = list(settings_.order)
    else:
        return entries
    by_id = {e.id: e for e in entries}
    head = [by_id[i] for i in dict.fromkeys(first) if i in by_id]
    taken = {e.id for e in head}
    return head + [e for e in entries if e.id not in taken]


# --- now and next ----------------------------------------------------------------------------

PROGRAM_KEYS = (
    "id",
    "name",
    "begin_time",
    "end_time",
    "category_id",
    "category",
    "description",
    "preview_url",
    "rating",
    "meta",
    "genres",
)
_COMPACT_KEYS = (
    "id",
    "name",
    "begin_time",
    "end_time",
    "category_id",
    "category",
    "description",
    "preview_url",
    "rating",
)
_EMPTY_PROGRAM = {
    "id": 0,
    "name": "",
    "begin_time": 0,
    "end_time": 0,
    "category_id": 0,
    "category": "",
    "description": "",
    "preview_url": "",
    "rating": 0,
    "meta": "",
    "genres": [],
}


def _prefixed(shaped: dict, prefix: str, keys: tuple[str, ...]) -> dict:
    return {prefix + key: shaped[key] for key in keys}


@dataclass(frozen=True, slots=True)
class Slot:
    """A programme in the now/next snapshot, pre-shaped for the list methods: the fields as
    dicts, and as JSON members (json_members) for the lists answered in JSON."""

    begin: int
    end: int
    current: dict
    current_compact: dict
    next: dict
    category_id: int
    current_json: bytes = b""
    current_compact_json: bytes = b""
    next_json: bytes = b""


def _slot(begin: int, end: int, shaped: dict, category_id: int) -> Slot:
    current = _prefixed(shaped, "program_", PROGRAM_KEYS)
    current_compact = _prefixed(shaped, "program_", _COMPACT_KEYS)
    following = _prefixed(shaped, "next_program_", PROGRAM_KEYS)
    return Slot(
        begin=begin,
        end=end,
        current=current,
        current_compact=current_compact,
        next=following,
        category_id=category_id,
        current_json=json_members(current),
        current_compact_json=json_members(current_compact),
        next_json=json_members(following),
    )


# No programme on air (or none after it): the empty fields' slot.
EMPTY_SLOT = _slot(0, 0, _EMPTY_PROGRAM, 0)
EMPTY_CURRENT, EMPTY_CURRENT_COMPACT, EMPTY_NEXT = EMPTY_SLOT.current, EMPTY_SLOT.current_compact, EMPTY_SLOT.next


def now_next(client_id: int, lang_index: int, now: int) -> dict[int, tuple[Slot, ...]]:
    """Programmes of the operator's EPG channels around `now`, per EPG channel: those overlapping
    the current time bucket and the first one after it, so current and next programme can be
    picked for any moment of the bucket (`current_and_next`)."""
    window = max(int(settings.SMARTY_EPG_NOW_WINDOW), 1)
    start = now - now % window
    end = start + window
    catalogue = channel_catalogue(client_id)
    epg_ids = catalogue["epg_ids"]

    def build() -> dict[int, tuple[Slot, ...]]:
        rows = programs_in_range(epg_ids, start, end + int(settings.SMARTY_EPG_NEXT_LOOKAHEAD))
        dictionaries = _epg_dictionaries()
        grouped: dict[int, list[Slot]] = {}
        closed: set[int] = set()
        for row in rows:
            epg_id = row["epg_channel_id"]
            if epg_id in closed:
                continue
            if row["b"] >= end:
                closed.add(epg_id)  # the first programme after the bucket: the last "next"
            shaped = shape_program(row, lang_index, dictionaries)
            grouped.setdefault(epg_id, []).append(_slot(row["b"], row["e"], shaped, row["category_id"]))
        return {epg_id: tuple(slots) for epg_id, slots in grouped.items()}

    deps = [client_content_dep(client_id), EPG_DICTIONARY, client_epg_dep(client_id)]
    return cached(NOW_NEXT_NAME, (client_id, lang_index, start), deps, build, timeout=2 * window + 60, local=True)


def current_and_next(slots: tuple[Slot, ...] | None, now: int) -> tuple[Slot | None, Slot | None]:
    """The programme on air at `now` and the one after it (slots are sorted by begin)."""
    current = None
    for slot in slots or ():
        if current is None and slot.begin <= now < slot.end:
            current = slot
        elif slot.begin > now:
            return current, slot
    return current, None


# --- radio and cameras -----------------------------------------------------------------------


def radio_catalogue(client_id: int) -> list[dict]:
    def build() -> list[dict]:
        rows = list(
            Radio.objects.filter(client_id=client_id, enabled=True)
            .order_by("sort_order", "id")
            .values("id", *_lang_values("name", "description"), "uri", "icon")
        )
        tariffs: dict[int, set[int]] = {}
        for radio_id, tariff_id in Radio.tariffs.through.objects.filter(radio__client_id=client_id).values_list(
            "radio_id", "tariff_id"
        ):
            tariffs.setdefault(radio_id, set()).add(tariff_id)
        for row in rows:
            row["tariff_ids"] = frozenset(tariffs.get(row["id"], ()))
            row["icon_parts"] = icon_parts(row["icon"])
        return rows

    return cached("radio_catalogue", (client_id,), [client_content_dep(client_id)], build, local=True)


def camera_catalogue(client_id: int) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        rows = list(
            Camera.objects.filter(client_id=client_id, enabled=True)
            .order_by("sort_order", "id")
            .values(
                "id",
                *_lang_values("name"),
                "uri",
                "icon",
                "preview_url",
                "account_id",
                "epg_channel_id",
                "recording_days",
                "camera_category_id",
                "geo_city_id",
                "geo_city__name",
                "option1",
                "option2",
                "option3",
            )
        )
        tariffs: dict[int, set[int]] = {}
        for camera_id, tariff_id in Camera.tariffs.through.objects.filter(camera__client_id=client_id).values_list(
            "camera_id", "tariff_id"
        ):
            tariffs.setdefault(camera_id, set()).add(tariff_id)
        for row in rows:
            row["tariff_ids"] = frozenset(tariffs.get(row["id"], ()))
            row["icon_parts"] = icon_parts(row["icon"])
        categories = list(
            CameraCategory.objects.filter(client_id=client_id).values(
                "id", *_lang_values("name"), "city_id", "city__name", "sort_order"
            )
        )
        return {"cameras": rows, "categories": categories}

    return cached("camera_catalogue", (client_id,), [client_content_dep(client_id)], build, local=True)


def camera_open(*, bound_to: int | None, tariffs: frozenset[int], account_id: int, tariff_ids: frozenset[int]) -> bool:
    """A camera is open to the account it is bound to, or through one of its tariffs (a camera
    bound to no account and in no tariff is open to nobody). The lists and the stream URL
    method decide with this one rule."""
    if bound_to is not None:
        return bound_to == account_id
    return bool(tariffs & tariff_ids)


def camera_visible(row: dict, *, account_id: int, tariff_ids: frozenset[int]) -> bool:
    bound_to, tariffs = row["account_id"], row["tariff_ids"]
    return camera_open(bound_to=bound_to, tariffs=tariffs, account_id=account_id, tariff_ids=tariff_ids)


# --- warming (cache_channel_list) -------------------------------------------------------------


def warm_client(client_id: int, *, now: int, max_sessions: int = 5000) -> int:
    """Build what devices of one operator will ask for next: the catalogue, the views of the
    tariff sets of recently active sessions in every content language, and the now/next
    snapshots of this and the next time bucket. Returns how many values were visited."""
    channel_catalogue(client_id, warming=True)
    radio_catalogue(client_id)
    camera_catalogue(client_id)
    channel_sorts(client_id)
    languages = range(len(settings.SMARTY_ADDITIONAL_LANGUAGES) + 1)
    window = max(int(settings.SMARTY_EPG_NOW_WINDOW), 1)
    visited = 4
    for lang_index in languages:
        now_next(client_id, lang_index, now)
        now_next(client_id, lang_index, now + window)
        visited += 2
    since = dt.datetime.fromtimestamp(now - 86400, dt.UTC)
    pairs = list(
        Session.objects.filter(client_id=client_id, expires_at__gt=dt.datetime.fromtimestamp(now, dt.UTC))
        .filter(last_active__gte=since)
        .order_by("-last_active")
        .values_list("account_id", "play_device__device_group")[:max_sessions]
    )
    accounts = {a.pk: a for a in Account.objects.filter(client_id=client_id, pk__in={a for a, _ in pairs})}
    tariff_sets = set()
    for account_id, group in dict.fromkeys(pairs):
        account = accounts.get(account_id)
        if account is not None:
            tariff_sets.add(viewer_tariff_ids(account, device_group=group))
    for tariffs in tariff_sets:
        for lang_index in languages:
            channel_view(client_id, tariffs, lang_index, False)
            channel_view(client_id, tariffs, lang_index, True)
            visited += 2
    return visited


def tariff_list_with_channels(*, client, kind: int | None = None, with_channels: bool = True):
    """The operator's enabled tariffs (of one kind), with their enabled channels prefetched."""
    qs = Tariff.objects.for_client(client).filter(enabled=True)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if with_channels:
        qs = qs.prefetch_related(
            Prefetch(
                "channels",
                queryset=Channel.objects.filter(enabled=True).order_by("sort_order", "id"),
                to_attr="enabled_channels",
            )
        )
    return qs.order_by("sort_order", "id")


#: The order of an operator's channel list in each auto-sort mode. "custom" is the
#: operator's own order (sort_order, the arrows of the list); switching back to it restores
#: that order, since the other modes never rewrite it.
CHANNEL_ORDERINGS: dict[str, tuple[str, ...]] = {
    Client.ChannelSort.CUSTOM: ("sort_order", "id"),
    Client.ChannelSort.AUTO: ("lcn_number", "sort_order", "id"),
    Client.ChannelSort.ID: ("id",),
    Client.ChannelSort.NAME: ("name", "id"),
}


def channel_ordering(client: Client | None) -> tuple[str, ...]:
    """The ORDER BY of the operator's channel list (for the admin list and the device APIs)."""
    mode = getattr(client, "channel_sort", None) or Client.ChannelSort.CUSTOM
    return CHANNEL_ORDERINGS.get(mode, CHANNEL_ORDERINGS[Client.ChannelSort.CUSTOM])


# --- device API (tvmiddleware: HbbTV) ------------------------------------------------------------


def channel_get_enabled(*, client, channel_id: int) -> Channel | None:
    return Channel.objects.for_client(client).filter(pk=channel_id, enabled=True).first()


# --- the Content API (content/views/channels.py, cameras.py, radio.py, epg.py, library.py) -


def channel_category_list(*, client):
    """The operator's channel categories (a queryset: the doors resolve ids against it)."""
    return ChannelCategory.objects.for_client(client)


def channel_list(*, client):
    """The operator's channels (a queryset: the doors resolve ids against it)."""
    return Channel.objects.for_client(client)


def camera_category_list(*, client):
    return CameraCategory.objects.for_client(client)


def camera_list(*, client):
    return Camera.objects.for_client(client)


def radio_list(*, client):
    return Radio.objects.for_client(client)


def channel_id_search(
    *,
    client,
    search: str = "",
    search_tariff: str = "",
    tariff_ids: list[int] | None = None,
    search_stream_service: str = "",
    stream_service_ids: list[int] | None = None,
):
    """The ids of the operator's channels in their order, filtered by name (any language),
    tariff (name or ids) and streaming server (name or ids)."""
    qs = Channel.objects.for_client(client)
    if search:
        names = _lang_values("name")
        qs = qs.filter(Q(*[Q(**{f"{name}__icontains": search}) for name in names], _connector=Q.OR))
    if search_tariff:
        qs = qs.filter(tariffs__name__icontains=search_tariff)
    if tariff_ids:
        qs = qs.filter(tariffs__in=tariff_ids)
    if search_stream_service:
        qs = qs.filter(stream_services__name__icontains=search_stream_service)
    if stream_service_ids:
        qs = qs.filter(stream_services__in=stream_service_ids)
    return qs.order_by("sort_order", "id").values_list("id", flat=True).distinct()


def channels_with_relations(*, client, channel_ids: list[int]) -> list[Channel]:
    """These channels of the operator in their order, with their category, EPG channel,
    additional categories, tariffs and streaming servers."""
    rows = Channel.objects.for_client(client).filter(pk__in=channel_ids)
    rows = rows.select_related("category", "epg_channel")
    rows = rows.prefetch_related("additional_categories", "tariffs", "stream_services")
    return list(rows.order_by("sort_order", "id"))


def guide_id_list(*, client):
    """The EPG channels the operator's channels show (a subquery of ids)."""
    return Channel.objects.for_client(client).exclude(epg_channel=None).values("epg_channel_id")


def channel_with_guide_by_prefix(*, client, prefix: str) -> Channel | None:
    """The operator's first channel with that url_prefix that shows a guide."""
    return Channel.objects.for_client(client).filter(url_prefix=prefix).exclude(epg_channel=None).first()


# Billing API (billing/views/): cameras by id


def camera_list_by_ids(*, client, ids: Iterable[int]) -> list[Camera]:
    """The operator's cameras among those ids (unknown ids are simply absent)."""
    return list(Camera.objects.for_client(client).filter(pk__in=ids))


# TVMW notification/list: an account's programme reminders


def program_reminder_list(*, client, account) -> list[dict]:
    """The account's reminders (channel id, programme id, offset), by programme start. Not
    cached: a short list read when the subscriber opens it."""
    rows = ProgramReminder.objects.for_client(client).filter(account=account)
    return list(rows.order_by("program__time_begin", "id").values("channel_id", "program_id", "timeshift_offset"))
