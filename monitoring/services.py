"""Writes of the monitoring app: viewing sessions, the health agent's reports and commands,
device passwords, logins counted per hour, and the rollups (docs/monitoring.md)."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from . import recording
from .models import DevicePassword, DeviceReport, LoginStat, ProvisioningCommand, ViewEvent, ViewRollup

LIVE = "live"
PVR = "pvr"
ARCHIVE = "archive"


class PushLimitError(Exception):
    """The account pushed more viewing records this minute than SMARTY_VIEWSTATS_PUSH_LIMIT."""


class BadPublicKeyError(Exception):
    """The device's RSA public key cannot be read or used."""


# --- viewing sessions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Viewing:
    """One report of a device watching something."""

    client_id: int
    account_id: int
    content_type: str
    content_id: int
    device: str = ""
    device_uid: str = ""
    program_id: int | None = None
    channel_session: int | None = None
    timeshift_offset: int = 0


def view_push(*, viewing: Viewing, now: dt.datetime | None = None) -> bool:
    """ViewStats StatPush: the device still watches `channel_session`. The push goes into
    the cache buffer and the scheduled flush stores it (recording.pushes_write: the first
    push of a session starts a row, later ones extend it); when the cache cannot take it, it
    is stored now the same way, so an accepted push is never lost. Returns True when it was
    buffered. Raises PushLimitError past the per-account rate, DatabaseError when neither
    the cache nor the database took it."""
    now = now or timezone.now()
    push = recording.Push(
        client_id=viewing.client_id,
        account_id=viewing.account_id,
        content_type=viewing.content_type,
        content_id=int(viewing.content_id),
        channel_session=int(viewing.channel_session or 0),
        at=now,
        program_id=viewing.program_id,
        timeshift_offset=viewing.timeshift_offset,
        device=viewing.device[:64],
        device_uid=viewing.device_uid[:128],
    )
    outcome = recording.push_offered(push, limit=settings.SMARTY_VIEWSTATS_PUSH_LIMIT)
    if outcome is recording.PushOutcome.LIMITED:
        raise PushLimitError("Too many viewing records this minute")
    if outcome is recording.PushOutcome.BUFFERED:
        return True
    recording.pushes_write([push])
    return False


def view_started(*, viewing: Viewing, now: dt.datetime | None = None) -> None:
    """A stream address was handed out (channel/url, program/url): the device starts
    watching. One INSERT, nothing read; the session's end is the next start of the same
    account or, for the last one, the heartbeat horizon (see view_durations)."""
    now = now or timezone.now()
    ViewEvent.objects.create(
        client_id=viewing.client_id,
        account_id=viewing.account_id,
        content_type=viewing.content_type,
        content_id=str(viewing.content_id),
        program_id=viewing.program_id,
        device=viewing.device[:64],
        device_uid=viewing.device_uid[:128],
        started_at=now,
        started_epoch=int(now.timestamp()),
        source=ViewEvent.Source.URL,
    )


def login_counted(*, client_id: int, ok: bool, now: dt.datetime | None = None) -> None:
    """Count a login (or a login error) in the cache; the rollup task writes the hour."""
    now = now or timezone.now()
    key = f"monitoring:logins:{client_id}:{now:%Y%m%d%H}:{'ok' if ok else 'err'}"
    cache.add(key, 0, timeout=3 * 3600)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3 * 3600)


# --- rollups ----------------------------------------------------------------------------


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def view_durations(*, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> int:
    """Close the URL-started sessions that began in [start, end): each ends where the same
    account's next session begins, capped at SMARTY_MONITORING_URL_SESSION_MAX seconds (and
    left open while it may still run). One ordered read of the window, one bulk UPDATE per
    thousand rows. Returns how many rows were closed."""
    cap = dt.timedelta(seconds=settings.SMARTY_MONITORING_URL_SESSION_MAX)
    rows = (
        ViewEvent.objects.filter(started_at__gte=start, started_at__lt=end + cap)
        .order_by("account_id", "started_at", "pk")
        .values_list("pk", "account_id", "started_at", "source", "ended_at")
    )
    closed: list[ViewEvent] = []
    previous = None
    for row in rows.iterator(chunk_size=5000):
        if previous is not None:
            _close(previous, row[2] if row[1] == previous[1] else None, cap, now, start, end, closed)
        previous = row
    if previous is not None:
        _close(previous, None, cap, now, start, end, closed)
    ViewEvent.objects.bulk_update(closed, ["ended_at", "duration"], batch_size=1000)
    return len(closed)


def _close(row, following, cap, now, start, end, out) -> None:
    pk, _account, started_at, source, ended_at = row
    if source != ViewEvent.Source.URL or ended_at is not None or not start <= started_at < end:
        return
    limit = started_at + cap
    if following is None and limit > now:
        return  # still watching, as far as we know
    ended = min(following or limit, limit)
    out.append(ViewEvent(pk=pk, ended_at=ended, duration=max(int((ended - started_at).total_seconds()), 0)))


def _rollup_bucket(*, period: str, bucket: dt.datetime, span: dt.timedelta) -> int:
    """Recompute one bucket for every operator (idempotent: delete and insert)."""
    end = bucket + span
    events = ViewEvent.objects.filter(started_at__gte=bucket, started_at__lt=end)
    per_content = events.values("client_id", "content_type", "content_id").annotate(
        n=Count("id"), viewers=Count("account_id", distinct=True)
    )
    seconds = {
        (r["client_id"], r["content_type"], r["content_id"]): r["s"] or 0
        for r in events.values("client_id", "content_type", "content_id").annotate(s=Sum(_duration_expr()))
    }
    totals = events.values("client_id", "content_type").annotate(
        n=Count("id"), viewers=Count("account_id", distinct=True)
    )
    rows = [
        ViewRollup(
            client_id=r["client_id"],
            period=period,
            bucket=bucket,
            content_type=r["content_type"],
            content_id=r["content_id"],
            sessions=r["n"],
            viewers=r["viewers"],
            seconds=seconds.get((r["client_id"], r["content_type"], r["content_id"]), 0),
        )
        for r in per_content
    ]
    total_seconds: dict[tuple, int] = {}
    for (client_id, content_type, _), value in seconds.items():
        total_seconds[(client_id, content_type)] = total_seconds.get((client_id, content_type), 0) + value
    rows += [
        ViewRollup(
            client_id=r["client_id"],
            period=period,
            bucket=bucket,
            content_type=r["content_type"],
            content_id="",
            sessions=r["n"],
            viewers=r["viewers"],
            seconds=total_seconds.get((r["client_id"], r["content_type"]), 0),
        )
        for r in totals
    ]
    with transaction.atomic():
        ViewRollup.objects.filter(period=period, bucket=bucket).delete()
        ViewRollup.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _duration_expr():
    # Pushed sessions carry ended_at; URL sessions get `duration` when closed.
    return F("duration")


def rollup_views(*, now: dt.datetime | None = None, hours: int = 2) -> dict[str, int]:
    """The scheduled rollup: close finished URL sessions, give pushed sessions their duration,
    recompute the last `hours` hourly buckets and the days they touch, flush login counts,
    drop raw events past the retention. Idempotent; safe to run again or overlap a retry."""
    now = now or timezone.now()
    current = _hour(now)
    first = current - dt.timedelta(hours=hours)
    closed = view_durations(start=first - dt.timedelta(days=1), end=current + dt.timedelta(hours=1), now=now)
    written = 0
    bucket = first
    days: set[dt.datetime] = set()
    while bucket <= current:
        written += _rollup_bucket(period=ViewRollup.Period.HOUR, bucket=bucket, span=dt.timedelta(hours=1))
        days.add(bucket.replace(hour=0))
        bucket += dt.timedelta(hours=1)
    for day in sorted(days):
        written += _rollup_bucket(period=ViewRollup.Period.DAY, bucket=day, span=dt.timedelta(days=1))
    logins = logins_flush(now=now)
    purged = retention_purge(now=now)
    return {"closed": closed, "rollup_rows": written, "login_rows": logins, "purged": purged}


def logins_flush(*, now: dt.datetime) -> int:
    """Write the cache's login counters of this hour and the previous one (every operator:
    one get_many per hour)."""
    from clients.models import Client

    written = 0
    client_ids = list(Client.objects.values_list("pk", flat=True))
    for moment in (_hour(now) - dt.timedelta(hours=1), _hour(now)):
        keys = {}
        for client_id in client_ids:
            for kind in ("ok", "err"):
                keys[f"monitoring:logins:{client_id}:{moment:%Y%m%d%H}:{kind}"] = (client_id, kind)
        counts: dict[int, dict[str, int]] = {}
        for key, value in cache.get_many(list(keys)).items():
            client_id, kind = keys[key]
            counts.setdefault(client_id, {})[kind] = int(value or 0)
        for client_id, found in counts.items():
            LoginStat.objects.update_or_create(
                client_id=client_id,
                bucket=moment,
                defaults={"logins": found.get("ok", 0), "errors": found.get("err", 0)},
            )
            written += 1
    return written


def retention_purge(*, now: dt.datetime) -> int:
    """Drop raw events older than SMARTY_MONITORING_RAW_DAYS, hourly rollups and reports
    older than SMARTY_MONITORING_ROLLUP_DAYS (daily rollups stay)."""
    raw = now - dt.timedelta(days=settings.SMARTY_MONITORING_RAW_DAYS)
    old = now - dt.timedelta(days=settings.SMARTY_MONITORING_ROLLUP_DAYS)
    purged = ViewEvent.objects.filter(started_at__lt=raw).delete()[0]
    purged += ViewRollup.objects.filter(period=ViewRollup.Period.HOUR, bucket__lt=old).delete()[0]
    purged += DeviceReport.objects.filter(created_at__lt=raw).delete()[0]
    return purged


# --- the health agent --------------------------------------------------------------------


def device_report_save(
    *, kind: str, uid: str, mac: str, device_type: str, payload: dict, client_id=None
) -> DeviceReport:
    """Store one report of the health agent; the operator is the one of the account the uid
    is bound to when the report names none."""
    if client_id is None:
        from accounts.models import AccountDevice

        client_id = AccountDevice.objects.filter(device_uid=uid).values_list("client_id", flat=True).first()
    return DeviceReport.objects.create(
        client_id=client_id, kind=kind, uid=uid, mac=mac, device_type=device_type, payload=payload
    )


def device_commands_take(*, uid: str) -> list[ProvisioningCommand]:
    """The commands for a device, oldest first: its own ones (handed out once) and the mass
    commands of its operator."""
    from accounts.models import AccountDevice

    client_id = AccountDevice.objects.filter(device_uid=uid).values_list("client_id", flat=True).first()
    if client_id is None:
        client_id = (
            DeviceReport.objects.filter(uid=uid, client__isnull=False).values_list("client_id", flat=True).first()
        )
    with transaction.atomic():
        own = list(ProvisioningCommand.objects.select_for_update().filter(uid=uid, delivered_at__isnull=True))
        if own:
            ProvisioningCommand.objects.filter(pk__in=[c.pk for c in own]).update(delivered_at=timezone.now())
    mass = list(ProvisioningCommand.objects.filter(uid="", client_id=client_id)) if client_id is not None else []
    return sorted(own + mass, key=lambda c: (c.created_at, c.pk))


def device_password_generate(*, uid: str, public_key_pem: str) -> str:
    """A new admin-panel password for the device: stored hashed, returned encrypted with the
    device's RSA public key (PKCS#1 v1.5) and base64-encoded."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError) as exc:
        raise BadPublicKeyError("The public key cannot be read") from exc
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < 1024:
        raise BadPublicKeyError("Only RSA keys of 1024 bits or more are supported")
    password = "".join(secrets.choice("0123456789") for _ in range(settings.SMARTY_DEVICE_PASSWORD_LENGTH))
    encrypted = key.encrypt(password.encode(), padding.PKCS1v15())
    DevicePassword.objects.update_or_create(uid=uid, defaults={"password": make_password(password)})
    return base64.b64encode(encrypted).decode()


def provisioning_command_create(*, client_id: int, name: str, uid: str = "", param: dict | None = None):
    """A command for one device (`uid`) or, with no uid, for every device of the operator
    (CommandList hands a device's own command out once; a mass command to every device)."""
    command = ProvisioningCommand(client_id=client_id, uid=uid.strip(), name=name.strip(), param=param or {})
    with transaction.atomic():
        command.full_clean()
        command.save()
    return command


# --- Device Monitoring (tvmiddleware/other_apis/): the report kinds a door saves ---------------

ReportKind = DeviceReport.Kind
