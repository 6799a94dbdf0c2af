"""Routing (seed 3.2.5.2): which streaming service serves a request, and the URL it gets.

Pure functions over the cached routing inputs (selectors.routing_services /
routing_channels): no database access here, so a warm `channel/url` costs no queries for
routing. The inputs are plain picklable dataclasses so they can live in Redis.

Dynamic routing keeps the services that
  - are enabled, available (the availability check) and whose data center is enabled,
  - serve the content type (live / archive / VOD) and have a URL mask for it,
  - are allowed by the account's tariffs (a service attached to no tariff is open to all),
  - are among the content's own services when the content names any,
  - allow the device group, are not over their load limit, not excluded by the client
    (`exclude_service_id`), and not closed by a technical work window;
then prefers the account's data center, then the highest priority, then draws by weight
scaled by the free capacity. Static routing (a URL fixed in the playlist) is
`static_channel_url`.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

LIVE = "live"
ARCHIVE = "archive"
VOD = "vod"
KINDS = (LIVE, ARCHIVE, VOD)

MULTICAST = "multicast"


@dataclass(frozen=True)
class ServiceInfo:
    """A streaming service as routing sees it."""

    id: int
    name: str
    type: str
    data_center_id: int | None
    masks: Mapping[str, str]
    preview_mask: str = ""
    max_load: int = 0
    current_load: int = 0
    priority: int = 0
    weight: int = 1
    device_groups: frozenset[int] = frozenset()
    tariff_ids: frozenset[int] = frozenset()
    usable: bool = True
    token_ttl: int = 60
    session_ttl: int = 3600
    bind_to_content: bool = True
    bind_to_ip: bool = False
    max_sessions: int = 0
    script_id: int | None = None
    script_code: str = ""

    def mask(self, kind: str) -> str:
        return self.masks.get(kind, "")

    @property
    def overloaded(self) -> bool:
        return self.max_load > 0 and self.current_load >= self.max_load

    @property
    def free_share(self) -> float:
        if self.max_load <= 0:
            return 1.0
        return max(0.0, 1.0 - self.current_load / self.max_load)


@dataclass(frozen=True)
class MaintenanceInfo:
    """A technical work window; empty channel/service sets mean "all"."""

    id: int
    start: dt.datetime
    end: dt.datetime | None
    kinds: frozenset[str]
    channel_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()
    message: str = ""

    def active(self, now: dt.datetime) -> bool:
        return self.start <= now and (self.end is None or now < self.end)

    def closes(self, *, kind: str, channel_id: int | None, service_id: int | None, now: dt.datetime) -> bool:
        if kind not in self.kinds or not self.active(now):
            return False
        if self.channel_ids and (channel_id is None or channel_id not in self.channel_ids):
            return False
        if self.service_ids and (service_id is None or service_id not in self.service_ids):
            return False
        return True


@dataclass(frozen=True)
class ContentInfo:
    """A channel or camera as routing sees it."""

    id: int
    enabled: bool = True
    tariff_ids: frozenset[int] = frozenset()
    service_ids: frozenset[int] = frozenset()
    uri: str = ""
    prefix: str = ""
    cid: str = ""
    multicast: str = ""
    recording_days: int = 0
    epg_channel_id: int | None = None
    account_id: int | None = None  # cameras bound to one account
    drm: object = None  # the channel's meta["drm"], as configured

    @property
    def stream_names(self) -> tuple[str, ...]:
        """The names a streaming server may know this content by (token content binding)."""
        names = [self.cid or str(self.id)]
        if self.prefix and self.prefix not in names:
            names.append(self.prefix)
        return tuple(names)


@dataclass(frozen=True)
class RoutingSnapshot:
    services: tuple[ServiceInfo, ...] = ()
    maintenances: tuple[MaintenanceInfo, ...] = ()


@dataclass(frozen=True)
class Viewer:
    """Who asks: the account's entitlement and where the request comes from."""

    account_id: int
    abonement: str = ""
    data_center_id: int | None = None
    tariff_ids: frozenset[int] = frozenset()
    device_group: int | None = None
    device: str = ""
    device_uid: str = ""
    ip: str = ""


@dataclass
class RouteResult:
    services: list[ServiceInfo] = field(default_factory=list)
    maintenance: MaintenanceInfo | None = None


def maintenance_for(
    maintenances: Iterable[MaintenanceInfo],
    *,
    kind: str,
    channel_id: int | None,
    service_id: int | None,
    now: dt.datetime,
) -> MaintenanceInfo | None:
    for window in maintenances:
        if window.closes(kind=kind, channel_id=channel_id, service_id=service_id, now=now):
            return window
    return None


def candidate_services(
    snapshot: RoutingSnapshot,
    *,
    kind: str,
    content: ContentInfo,
    viewer: Viewer,
    exclude: Iterable[int] = (),
    now: dt.datetime,
    channel_id: int | None = None,
) -> RouteResult:
    """Every service that may serve this request, and the technical work that closed the
    last ones (when maintenance is why nothing is left)."""
    excluded = set(exclude)
    result = RouteResult()
    for service in snapshot.services:
        if not service.usable or not service.mask(kind) or service.id in excluded or service.overloaded:
            continue
        if service.type == MULTICAST and not content.multicast:
            continue
        if content.service_ids and service.id not in content.service_ids:
            continue
        if service.tariff_ids and not (service.tariff_ids & viewer.tariff_ids):
            continue
        if service.device_groups and viewer.device_group not in service.device_groups:
            continue
        window = maintenance_for(
            snapshot.maintenances, kind=kind, channel_id=channel_id, service_id=service.id, now=now
        )
        if window is not None:
            result.maintenance = window
            continue
        result.services.append(service)
    if result.services:
        result.maintenance = None
    return result


def choose_service(
    candidates: list[ServiceInfo], viewer: Viewer, *, rng: random.Random | None = None
) -> ServiceInfo | None:
    """The account's data center first, then the highest priority, then a draw weighted by
    weight × free capacity (uniform when every weight is zero)."""
    if not candidates:
        return None
    pool = candidates
    if viewer.data_center_id is not None:
        local = [s for s in pool if s.data_center_id == viewer.data_center_id]
        pool = local or pool
    top = max(s.priority for s in pool)
    pool = [s for s in pool if s.priority == top]
    weights = [s.weight * s.free_share for s in pool]
    draw = rng or random
    if sum(weights) <= 0:
        return draw.choice(pool)
    return draw.choices(pool, weights=weights, k=1)[0]


# --- URL masks --------------------------------------------------------------------------

#: Every variable of a URL mask, with what it becomes (docs/streaming.md has the table).
MASK_VARIABLES = (
    "token",
    "prefix",
    "cid",
    "channel_id",
    "multicast",
    "account_id",
    "abonement",
    "device_uid",
    "device",
    "ip",
    "flpbt",
    "flpdur",
    "start",
    "end",
    "duration",
    "utc",
    "start_iso",
    "offset",
    "now",
)
TIME_VARIABLES = frozenset({"flpbt", "flpdur", "start", "end", "duration", "utc", "start_iso", "offset"})
# Longest first, so `$start_iso` is not read as `$start` followed by "_iso".
_NAMES = "|".join(sorted(MASK_VARIABLES, key=len, reverse=True))
_MASK_RE = re.compile(r"\$\{(" + _NAMES + r")\}|\$(" + _NAMES + r")")
# Values that come from the device are quoted so they cannot add URL parts.
_QUOTED = frozenset({"device_uid", "device", "abonement"})


def render_mask(mask: str, values: Mapping[str, object], *, keep: frozenset[str] = frozenset()) -> str:
    """Replace `$name` / `${name}` by its value; names in `keep` stay as they are."""

    def replace(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        if name in keep:
            return match.group(0)
        value = values.get(name, "")
        text = "" if value is None else str(value)
        return quote(text, safe="") if name in _QUOTED else text

    return _MASK_RE.sub(replace, mask)


def mask_uses(mask: str, name: str) -> bool:
    return any((m.group(1) or m.group(2)) == name for m in _MASK_RE.finditer(mask))


def time_values(
    *, start: dt.datetime | None, duration: int | None, now: dt.datetime, tv_pause: bool = False
) -> dict[str, object]:
    """The archive variables for a recording that starts at `start` and lasts `duration`."""
    values: dict[str, object] = {"now": int(now.timestamp())}
    if start is None:
        return values
    begin = int(start.timestamp())
    length = max(0, int(duration or 0))
    values.update(
        flpbt=begin,
        flpdur="now" if tv_pause else length,
        start=begin,
        utc=begin,
        end=begin + length,
        duration=length,
        start_iso=start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        offset=max(0, int(now.timestamp()) - begin),
    )
    return values


def content_values(content: ContentInfo) -> dict[str, object]:
    return {
        "prefix": content.prefix,
        "cid": content.cid or str(content.id),
        "channel_id": content.id,
        "multicast": content.multicast,
    }


def viewer_values(viewer: Viewer) -> dict[str, object]:
    return {
        "account_id": viewer.account_id,
        "abonement": viewer.abonement,
        "device_uid": viewer.device_uid,
        "device": viewer.device,
        "ip": viewer.ip,
    }


def static_channel_url(*, uri: str, multicast_address: str = "", reject_multicast: bool = False) -> str:
    """Static routing (seed 3.2.5.2.1): the URL fixed in the playlist, or "" when the device
    must ask `channel/url` (dynamic routing). A multicast address without a scheme becomes
    `udp://@address`; `reject_multicast=1` drops multicast URLs."""
    candidates = [uri] if uri else []
    if multicast_address:
        address = multicast_address if "://" in multicast_address else f"udp://@{multicast_address}"
        candidates.append(address)
    for url in candidates:
        if reject_multicast and is_multicast_url(url):
            continue
        return url
    return ""


def is_multicast_url(url: str) -> bool:
    lowered = url.lower()
    if lowered.startswith(("udp://", "rtp://", "igmp://")):
        return True
    host = lowered.split("://", 1)[-1].lstrip("@").split(":", 1)[0].split("/", 1)[0]
    try:
        first = int(host.split(".", 1)[0])
    except ValueError:
        return False
    return 224 <= first <= 239
