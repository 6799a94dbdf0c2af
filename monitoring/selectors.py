"""What the operator's dashboard reads (docs/monitoring.md). Every selector takes the
operator (`client_id`; None means every operator, for superusers). Charts read the rollups
and the login table only; "now" numbers read the sessions touched within the online window
and the cache's "watching now" entries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from vod.selectors import video_names

from .models import DeviceReport, LoginStat, ViewRollup
from .recording import watching_now

ACTIVE_SESSIONS_LIMIT = 500
# The content type of a video's viewing (video/url); the others are a channel's.
VIDEO = "video"


def _scoped(qs: QuerySet, client_id: int | None, field: str = "client_id") -> QuerySet:
    return qs if client_id is None else qs.filter(**{field: client_id})


def online_since(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(minutes=settings.SMARTY_ADMIN_ONLINE_MINUTES)


def online_sessions(client_id: int | None, now: dt.datetime | None = None) -> QuerySet:
    from accounts.models import Session

    qs = Session.objects.filter(last_active__gte=online_since(now), expires_at__gt=now or timezone.now())
    return _scoped(qs, client_id)


def devices_online(client_id: int | None, now: dt.datetime | None = None) -> int:
    return online_sessions(client_id, now).count()


def devices_online_per_client(now: dt.datetime | None = None) -> dict[int, int]:
    """Online sessions per operator id (the metrics: every operator, one query)."""
    rows = online_sessions(None, now).values("client_id").annotate(n=Count("id")).order_by()
    return {row["client_id"]: row["n"] for row in rows}


@dataclass
class ActiveSession:
    session_id: int
    client_id: int
    account_id: int
    abonement: str
    device: str
    device_uid: str
    app_version: str
    ip: str
    last_active: dt.datetime
    content_type: str
    channel_id: int | None
    video_id: int | None
    watching: str
    watching_since: dt.datetime | None


def active_sessions(
    client_id: int | None, *, account_id: int | None = None, now: dt.datetime | None = None
) -> list[ActiveSession]:
    """Who is online now: sessions active within the online window, newest first, with the
    device type, uid, app version and the channel last started (at most 500 rows)."""
    qs = online_sessions(client_id, now).select_related("account", "play_device", "device").order_by("-last_active")
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    sessions = list(qs[:ACTIVE_SESSIONS_LIMIT])
    watching: dict[int, dict] = {}
    for cid in {s.client_id for s in sessions}:
        watching.update(watching_now(cid, [s.account_id for s in sessions if s.client_id == cid]))
    names = _content_names(client_id, [(w["content_type"], w["content_id"]) for w in watching.values()])
    rows = []
    for s in sessions:
        w = watching.get(s.account_id)
        rows.append(
            ActiveSession(
                session_id=s.pk,
                client_id=s.client_id,
                account_id=s.account_id,
                abonement=s.account.abonement,
                device=s.play_device.system_name if s.play_device_id else "",
                device_uid=s.device.device_uid if s.device_id else "",
                app_version=s.device.app_build_version if s.device_id else "",
                ip=s.ip_address or "",
                last_active=s.last_active,
                content_type=w["content_type"] if w else "",
                channel_id=w["content_id"] if w and w["content_type"] != VIDEO else None,
                video_id=w["content_id"] if w and w["content_type"] == VIDEO else None,
                watching=names.get((w["content_type"] == VIDEO, w["content_id"]), str(w["content_id"])) if w else "",
                watching_since=w["since"] if w else None,
            )
        )
    return rows


def _content_names(client_id: int | None, items: list[tuple[str, int]]) -> dict[tuple[bool, int], str]:
    """(is a video, id) -> name of what the entries are watching: a channel (live, pvr,
    archive) or a video."""
    videos = video_names(client_id=client_id, video_ids={i for kind, i in items if kind == VIDEO})
    channels = _channel_names({i for kind, i in items if kind != VIDEO})
    return {**{(False, i): n for i, n in channels.items()}, **{(True, i): n for i, n in videos.items()}}


def _channel_names(ids: set[int]) -> dict[int, str]:
    from channels.models import Channel

    if not ids:
        return {}
    return dict(Channel.objects.filter(pk__in=ids).values_list("pk", "name"))


def viewers_per_channel_now(client_id: int | None, now: dt.datetime | None = None) -> list[tuple[int, str, int]]:
    """(channel id, name, viewers) of the channels online accounts are watching, most first."""
    pairs = list(online_sessions(client_id, now).values_list("client_id", "account_id").distinct())
    counter: Counter[int] = Counter()
    by_client: dict[int, list[int]] = {}
    for cid, account_id in pairs:
        by_client.setdefault(cid, []).append(account_id)
    for cid, accounts in by_client.items():
        for entry in watching_now(cid, accounts).values():
            if entry.get("content_type") == "live":
                counter[entry["content_id"]] += 1
    names = _channel_names(set(counter))
    return [(cid, names.get(cid, str(cid)), n) for cid, n in counter.most_common()]


def top_content(
    client_id: int | None, *, start: dt.datetime, end: dt.datetime, content_types=("live", "pvr", "archive"), limit=10
) -> list[tuple[str, str, int, int]]:
    """(content id, name, hours watched rounded down, sessions) over [start, end), from the
    hourly rollups: of channels, or of videos with content_types=(VIDEO,)."""
    qs = _scoped(
        ViewRollup.objects.filter(
            period=ViewRollup.Period.HOUR, bucket__gte=start, bucket__lt=end, content_type__in=content_types
        ).exclude(content_id=""),
        client_id,
    )
    rows = list(
        qs.values("content_id")
        .annotate(seconds=Sum("seconds"), sessions=Sum("sessions"))
        .order_by("-seconds", "-sessions")[:limit]
    )
    ids = {int(r["content_id"]) for r in rows if r["content_id"].isdigit()}
    names = video_names(client_id=client_id, video_ids=ids) if VIDEO in content_types else _channel_names(ids)
    return [
        (
            r["content_id"],
            names.get(int(r["content_id"]), r["content_id"]) if r["content_id"].isdigit() else r["content_id"],
            int(r["seconds"] or 0) // 3600,
            int(r["sessions"] or 0),
        )
        for r in rows
    ]


def viewers_per_hour(
    client_id: int | None, *, start: dt.datetime, end: dt.datetime, content_id: str = ""
) -> list[tuple[dt.datetime, int]]:
    """(hour, distinct viewers) for every hour of [start, end), zeros included: of all content
    (`content_id` "") or of one channel."""
    qs = _scoped(
        ViewRollup.objects.filter(
            period=ViewRollup.Period.HOUR, bucket__gte=start, bucket__lt=end, content_id=content_id
        ),
        client_id,
    )
    found: dict[dt.datetime, int] = {}
    for bucket, viewers in qs.values_list("bucket", "viewers"):
        found[bucket] = found.get(bucket, 0) + viewers
    return _hours(start, end, found)


def _hours(start: dt.datetime, end: dt.datetime, found: dict) -> list:
    out = []
    moment = start.replace(minute=0, second=0, microsecond=0)
    while moment < end:
        out.append((moment, found.get(moment, 0)))
        moment += dt.timedelta(hours=1)
    return out


def logins_per_hour(
    client_id: int | None, *, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, int, int]]:
    qs = _scoped(LoginStat.objects.filter(bucket__gte=start, bucket__lt=end), client_id)
    found: dict[dt.datetime, tuple[int, int]] = {}
    for bucket, ok, err in qs.values_list("bucket", "logins", "errors"):
        old = found.get(bucket, (0, 0))
        found[bucket] = (old[0] + ok, old[1] + err)
    return [(moment, *found.get(moment, (0, 0))) for moment, _ in _hours(start, end, {})]


def streaming_servers(client_id: int | None) -> list[dict]:
    """Enabled streaming servers with their last check and load."""
    from streaming.models import StreamService

    qs = _scoped(StreamService.objects.filter(enabled=True), client_id).order_by("name")
    return [
        {
            "id": s.pk,
            "name": s.name,
            "up": s.is_available,
            "load": s.current_load,
            "max_load": s.max_load,
            "checked_at": s.checked_at,
            "message": s.check_message,
        }
        for s in qs
    ]


def devices_by_type(client_id: int | None, now: dt.datetime | None = None) -> list[tuple[str, str, int]]:
    """(device type, app version, online sessions), most first."""
    rows = (
        online_sessions(client_id, now)
        .values("play_device__system_name", "device__app_build_version")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    return [(r["play_device__system_name"] or "?", r["device__app_build_version"] or "", r["n"]) for r in rows]


def account_viewing(client_id: int | None, account_id: int, *, start: dt.datetime, end: dt.datetime) -> list:
    """One account's viewing sessions over [start, end) (raw events; one account is small)."""
    from .models import ViewEvent

    qs = _scoped(ViewEvent.objects.filter(account_id=account_id, started_at__gte=start, started_at__lt=end), client_id)
    return list(qs.order_by("-started_at")[:500])


# --- Device Monitoring (tvmiddleware/other_apis/) ---------------------------------------------


def device_has_system_info(*, uid: str) -> bool:
    """The device has sent its system information (CommandList needs it first)."""
    return DeviceReport.objects.filter(uid=uid, kind=DeviceReport.Kind.SYSTEM_INFO).exists()
