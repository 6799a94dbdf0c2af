"""Operations of the streaming app: stream URLs (routing + masks + tokens + scripts), stream
token checks for streaming servers, technical work, availability checks, token purge.

Protocol layers (tvmiddleware/views/stream.py, streaming/views.py, the admin, commands and
tasks) call these and map the exceptions below to their own codes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import math
import random
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels.models import Channel
from smarty.logging import log_event, mask_secret

from . import routing, tokens
from .invalidation import streaming_changed
from .models import Maintenance, StreamService, StreamToken
from .probes import ProbeReport, StreamCheck, probe_service, probe_stream_url
from .sandbox import run_routing_script
from .selectors import routing_channels, routing_snapshot, stream_token_claim_get

# --- errors -------------------------------------------------------------------------------


class StreamingError(Exception):
    """A request that cannot get a stream; the message says why."""


class NoServiceError(StreamingError):
    pass


class UnderMaintenanceError(StreamingError):
    def __init__(self, window: routing.MaintenanceInfo) -> None:
        super().__init__(window.message or "Technical work is in progress")
        self.window = window


class ChannelPrefixNotFoundError(StreamingError):
    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__("No channel with url prefix: " + ", ".join(missing))
        self.missing = list(missing)


# --- stream URLs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamUrl:
    uri: str
    stream_service_id: int
    preview_mask: str = ""
    token: str = ""


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def stream_token_create(
    *,
    client_id: int,
    viewer: routing.Viewer,
    service: routing.ServiceInfo,
    kind: str,
    content: routing.ContentInfo,
    now: dt.datetime,
) -> str:
    """A new signed token (streaming/tokens.py) for one viewer, service and content; it must be
    first used within the service's token TTL. The deadline is whole Unix seconds rounded up, so a
    token is usable for at least its TTL and less than a second more. Writes nothing."""
    ttl = service.token_ttl or settings.SMARTY_STREAM_TOKEN_TTL
    return tokens.token_encode(
        client_id=client_id,
        account_id=viewer.account_id,
        service_id=service.id,
        first_use_by=math.ceil((now + dt.timedelta(seconds=ttl)).timestamp()),
        kind=kind,
        content_id=str(content.id),
        ip=(_valid_ip(viewer.ip) or "") if service.bind_to_ip else "",
        names=content.stream_names if service.bind_to_content else (),
    )


def _script_variables(
    *, service: routing.ServiceInfo, kind: str, viewer: routing.Viewer, values: dict, uri: str, mask: str
) -> dict:
    """The documented variables of a routing script (docs/streaming.md)."""
    names = set(routing.MASK_VARIABLES)
    variables = {name: values.get(name, "") for name in names}
    variables.update(
        uri=uri,
        mask=mask,
        content_type=kind,
        service_id=service.id,
        service_type=service.type,
        dcid=service.data_center_id or 0,
        adid=viewer.data_center_id or 0,
        device_group=viewer.device_group or 0,
    )
    return variables


def _apply_script(
    *, service: routing.ServiceInfo, kind: str, viewer: routing.Viewer, values: dict, uri: str, mask: str
) -> str:
    variables = _script_variables(service=service, kind=kind, viewer=viewer, values=values, uri=uri, mask=mask)
    result = run_routing_script(service.script_code, variables)
    if result.ok:
        return result.uri
    token = str(values.get("token") or "")
    log_event(
        "smarty_stream_services",
        "ROUTING_SCRIPT_ERROR",
        level="ERROR",
        stream_service=service.name,
        stream_service_id=service.id,
        routing_script=service.script_id,
        error=mask_secret(result.error, token),
        fallback_uri=mask_secret(uri, token),
    )
    return uri


def stream_url_build(
    *,
    client_id: int,
    kind: str,
    content: routing.ContentInfo,
    viewer: routing.Viewer,
    exclude: Iterable[int] = (),
    channel_id: int | None = None,
    start: dt.datetime | None = None,
    duration: int | None = None,
    tv_pause: bool = False,
    now: dt.datetime | None = None,
    rng: random.Random | None = None,
) -> StreamUrl:
    """The URL a viewer gets for live, archive or VOD content (seed 3.2.5.2).

    Static routing when live content has its own URI; otherwise dynamic routing picks a
    service (routing.py), fills its mask, adds a token when the mask or script uses one, and
    runs the service's routing script. Raises UnderMaintenanceError or NoServiceError.
    """
    now = now or timezone.now()
    snapshot = routing_snapshot(client_id)
    if kind == routing.LIVE and content.uri:
        window = routing.maintenance_for(
            snapshot.maintenances, kind=kind, channel_id=channel_id, service_id=None, now=now
        )
        if window is not None:
            raise UnderMaintenanceError(window)
        return StreamUrl(uri=content.uri, stream_service_id=0)
    found = routing.candidate_services(
        snapshot, kind=kind, content=content, viewer=viewer, exclude=exclude, now=now, channel_id=channel_id
    )
    if found.maintenance is not None:
        raise UnderMaintenanceError(found.maintenance)
    service = routing.choose_service(found.services, viewer, rng=rng)
    if service is None:
        raise NoServiceError("No streaming service is available for this content")
    mask = service.mask(kind)
    values: dict[str, object] = {}
    values.update(routing.content_values(content))
    values.update(routing.viewer_values(viewer))
    values.update(routing.time_values(start=start, duration=duration, now=now, tv_pause=tv_pause))
    preview = service.preview_mask if kind in (routing.LIVE, routing.ARCHIVE) else ""
    token = ""
    needs_token = routing.mask_uses(mask, "token") or routing.mask_uses(preview, "token")
    if needs_token or "token" in service.script_code:
        token = stream_token_create(
            client_id=client_id, viewer=viewer, service=service, kind=kind, content=content, now=now
        )
        values["token"] = token
    uri = routing.render_mask(mask, values)
    if service.script_code:
        uri = _apply_script(service=service, kind=kind, viewer=viewer, values=values, uri=uri, mask=mask)
    preview_mask = routing.render_mask(preview, values, keep=routing.TIME_VARIABLES) if preview else ""
    return StreamUrl(uri=uri, stream_service_id=service.id, preview_mask=preview_mask, token=token)


# --- token checks ---------------------------------------------------------------------------

TOKEN_OK = 0
TOKEN_EXPIRED = 1
TOKEN_WRONG_CONTENT = 2
TOKEN_WRONG_IP = 3
_CLAIM = "stream_token_claim:"


@dataclass(frozen=True)
class TokenVerdict:
    code: int
    message: str = ""
    account_id: int | None = None
    session_ttl: int = 3600
    max_sessions: int = 0

    @property
    def allowed(self) -> bool:
        return self.code == TOKEN_OK


@dataclass(frozen=True)
class TokenClaim:
    """The viewer that first used a token, and until when its claim holds."""

    session_id: str
    ip: str
    until: float  # Unix seconds

    def same_viewer(self, *, session_id: str, ip: str) -> bool:
        return (bool(session_id) and session_id == self.session_id) or (bool(ip) and ip == self.ip)


def token_claim_key(token: str) -> str:
    return _CLAIM + hashlib.blake2b(token.encode(), digest_size=16).hexdigest()


def token_claim_get(key: str) -> TokenClaim | None:
    """The claim from the cache, else from the database (claims made while the cache was
    down), copied into the cache."""
    found = cache.get(key)
    if isinstance(found, tuple) and len(found) == 3:
        return TokenClaim(*found)
    row = stream_token_claim_get(digest=key.removeprefix(_CLAIM))
    if row is None:
        return None
    claim = TokenClaim(row.session_id, row.viewer_ip or "", row.expires_at.timestamp())
    _claim_store(key, claim, add=True)
    return claim


def _claim_store(key: str, claim: TokenClaim, *, add: bool) -> bool | None:
    """Put a claim in the cache (add: only if none is there, the one-use race). None when the
    cache could not be asked."""
    timeout = max(int(claim.until - time.time()) + 1, 1)
    value = (claim.session_id, claim.ip, claim.until)
    if add:
        return cache.add(key, value, timeout=timeout)
    cache.set(key, value, timeout=timeout)
    return True


def _claim_in_database(key: str, claims: tokens.TokenClaims, claim: TokenClaim, service_id: int | None) -> TokenClaim:
    """The cache is down: the claim goes to a row with a unique key (one winner); the
    winner's claim is returned."""
    digest = key.removeprefix(_CLAIM)
    try:
        with transaction.atomic():
            StreamToken.objects.create(
                client_id=claims.client_id,
                token=digest,
                account_id=claims.account_id,
                stream_service_id=service_id,
                content_type=claims.kind[:16],
                content_id=claims.content_id[:255],
                ip_address=claims.ip or None,
                expires_at=dt.datetime.fromtimestamp(claim.until, tz=dt.UTC),
                used_at=timezone.now(),
                session_id=claim.session_id,
                viewer_ip=claim.ip or None,
            )
        return claim
    except IntegrityError:
        row = stream_token_claim_get(digest=digest)
        if row is None:
            return TokenClaim("", "", 0.0)  # claimed and already purged: expired
        return TokenClaim(row.session_id, row.viewer_ip or "", row.expires_at.timestamp())


def stream_token_check(
    *,
    token: str,
    name: str = "",
    path: str = "",
    ip: str = "",
    session_id: str = "",
    now: dt.datetime | None = None,
) -> TokenVerdict:
    """Validate a stream token for a streaming server (reference StreamServiceTokenCheck).

    A token must be first used within its TTL; the first viewer that presents it (the
    server's session id and the viewer's IP) claims it, and from then on only that viewer
    (same session, or same IP) may use it while the server keeps re-checking within
    session_ttl × SMARTY_STREAM_TOKEN_SESSION_FACTOR. `name` (Flussonic) or `path` (Astra's
    X-Real-Path) must name the content the token was issued for; `ip` must be given and be
    the address it was issued to when the service binds tokens to IP. A caller that sends
    neither session nor IP (and no IP is bound) only learns whether the token is valid;
    nothing is claimed.

    The claim is one cache `add` (SET NX) with an expiry: of viewers racing for a token,
    exactly one wins. While the cache cannot be reached, claims go to the database instead
    (a row per claim, unique on the token's digest, purged by purge_stream_tokens).
    """
    now = now or timezone.now()
    claims = tokens.token_decode(token)
    if claims is None:
        return TokenVerdict(TOKEN_EXPIRED, "Unknown or expired token")
    ip = (_valid_ip(ip) or "") if ip else ""
    session_id = session_id[:128]
    service = next((s for s in routing_snapshot(claims.client_id).services if s.id == claims.service_id), None)
    session_ttl = service.session_ttl if service is not None else 3600
    found = {
        "account_id": claims.account_id,
        "session_ttl": session_ttl,
        "max_sessions": service.max_sessions if service is not None else 0,
    }
    key = token_claim_key(token)
    claim = token_claim_get(key)
    if claim is not None and (session_id or ip) and not claim.same_viewer(session_id=session_id, ip=ip):
        return TokenVerdict(TOKEN_EXPIRED, "The token was already used by another viewer")
    expires = claim.until if claim is not None else claims.first_use_by
    if now.timestamp() >= expires:
        return TokenVerdict(TOKEN_EXPIRED, "The token has expired")
    if claims.names and (name or path) and not tokens.names_match(claims.names, name=name, path=path):
        return TokenVerdict(TOKEN_WRONG_CONTENT, "The token was issued for other content")
    if claims.ip and ip != claims.ip:
        if not ip:
            return TokenVerdict(TOKEN_WRONG_IP, "ip: the token is bound to an IP address, which is required")
        return TokenVerdict(TOKEN_WRONG_IP, "The token was issued for another IP address")
    if not (session_id or ip):
        return TokenVerdict(TOKEN_OK, "", **found)
    keep = max(session_ttl, 1) * settings.SMARTY_STREAM_TOKEN_SESSION_FACTOR
    mine = TokenClaim(session_id, ip, now.timestamp() + keep)
    if claim is None:
        won = _claim_store(key, mine, add=True)
        if won is None:
            winner = _claim_in_database(key, claims, mine, service.id if service is not None else None)
            won = winner == mine
        elif not won:
            winner = token_claim_get(key)
            won = winner is not None and winner.same_viewer(session_id=session_id, ip=ip)
        if not won:
            return TokenVerdict(TOKEN_EXPIRED, "The token was already used by another viewer")
    elif mine.until - claim.until > max(session_ttl, 1) / 2:
        # Re-checks slide the claim forward; write only when it moved noticeably.
        _claim_store(key, TokenClaim(claim.session_id, claim.ip, mine.until), add=False)
    return TokenVerdict(TOKEN_OK, "", **found)


def stream_token_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the claims made while the cache was down that expired more than
    SMARTY_STREAM_TOKEN_KEEP_HOURS ago."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=settings.SMARTY_STREAM_TOKEN_KEEP_HOURS)
    deleted, _ = StreamToken.objects.filter(expires_at__lt=cutoff).delete()
    return deleted


# --- technical work -------------------------------------------------------------------------


def _channels_by_prefix(client, prefixes: Sequence[str]) -> list:
    wanted = [p.strip() for p in prefixes if p.strip()]
    channels = list(Channel.objects.for_client(client).filter(url_prefix__in=wanted))
    found = {c.url_prefix for c in channels}
    missing = [p for p in wanted if p not in found]
    if missing or not wanted:
        raise ChannelPrefixNotFoundError(missing or ["(none given)"])
    return channels


def maintenance_create(
    *,
    client,
    channel_prefixes: Sequence[str],
    start: dt.datetime,
    end: dt.datetime | None = None,
    description: str = "",
    restrict_live: bool = True,
    restrict_archive: bool = True,
    restrict_vod: bool = False,
) -> Maintenance:
    """Technical work on the channels with these url prefixes (Streaming API MaintenanceCreate).
    Raises ChannelPrefixNotFoundError or ValidationError."""
    with transaction.atomic():
        channels = _channels_by_prefix(client, channel_prefixes)
        window = Maintenance(
            client=client,
            start_time=start,
            end_time=end,
            message=description,
            restrict_live=restrict_live,
            restrict_archive=restrict_archive,
            restrict_vod=restrict_vod,
        )
        maintenance_validate(window)
        window.save()
        window.channels.set(channels)
    streaming_changed(client.pk)
    return window


def maintenance_edit(
    *,
    maintenance: Maintenance,
    channel_prefixes: Sequence[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    description: str | None = None,
) -> Maintenance:
    """Change a technical work window (Streaming API MaintenanceEdit); only what is given."""
    with transaction.atomic():
        window = Maintenance.objects.select_for_update().get(pk=maintenance.pk)
        channels = _channels_by_prefix(window.client, channel_prefixes) if channel_prefixes is not None else None
        if start is not None:
            window.start_time = start
        if end is not None:
            window.end_time = end
        if description is not None:
            window.message = description
        maintenance_validate(window)
        window.save()
        if channels is not None:
            window.channels.set(channels)
    streaming_changed(window.client_id)
    return window


def maintenance_validate(window: Maintenance) -> None:
    window.full_clean(exclude=["channels", "stream_services"])
    if window.end_time is not None and window.end_time <= window.start_time:
        raise ValidationError({"end_time": "must be after the start"})


# --- availability checks --------------------------------------------------------------------


@dataclass(frozen=True)
class CheckSummary:
    checked: int = 0
    up: int = 0
    down: int = 0
    changed: int = 0


def _apply_report(service: StreamService, report: ProbeReport, now: dt.datetime) -> bool:
    """Store one probe's outcome and log it; True when routing inputs changed."""
    was_available = service.is_available
    load = report.current_load if report.current_load is not None else service.current_load
    changed = was_available != report.ok or load != service.current_load
    StreamService.objects.filter(pk=service.pk).update(
        is_available=report.ok,
        current_load=load,
        checked_at=now,
        check_message="" if report.ok else report.error[:512],
    )
    context = {"stream_service": service.name, "stream_service_id": service.pk, "was_available_before": was_available}
    context.update({f"check_{name}_success": value for name, value in report.results.items()})
    if report.ok:
        log_event("smarty_stream_services", "STREAM_SERVICE_CHECKING_SUCCESS", level="INFO", **context)
    else:
        log_event(
            "smarty_stream_services",
            "STREAM_SERVICE_CHECKING_ERROR",
            level="ERROR",
            stacktrace=report.stacktrace or report.error,
            **context,
        )
    return changed


def stream_service_check_all(
    *, client_id: int | None = None, service_ids: Iterable[int] | None = None, now: dt.datetime | None = None
) -> CheckSummary:
    """Probe every enabled service that has a check address (in parallel), mark it up or
    down, log STREAM_SERVICE_CHECKING_SUCCESS / ERROR, and refresh routing when an
    availability or load changed."""
    now = now or timezone.now()
    services = StreamService.objects.filter(enabled=True).exclude(check_url="")
    if client_id is not None:
        services = services.filter(client_id=client_id)
    if service_ids is not None:
        services = services.filter(pk__in=list(service_ids))
    services = list(services)
    if not services:
        return CheckSummary()
    timeout = settings.SMARTY_STREAM_CHECK_TIMEOUT
    workers = max(1, min(settings.SMARTY_STREAM_CHECK_WORKERS, len(services)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(lambda s: probe_service(s, timeout=timeout), services))
    up = down = changed = 0
    touched: set[int] = set()
    for service, report in zip(services, reports, strict=True):
        if _apply_report(service, report, now):
            changed += 1
            touched.add(service.client_id)
        up += report.ok
        down += not report.ok
    for cid in touched:
        streaming_changed(cid)
    return CheckSummary(checked=len(services), up=up, down=down, changed=changed)


# --- "Test stream" --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelProbe:
    """A channel's stream as a device would get it: the routed URL and server (0: the
    channel's own static URI), and what fetching it showed (None when routing refused)."""

    channel_id: int
    uri: str = ""
    stream_service_id: int = 0
    stream_service_name: str = ""
    error: str = ""
    check: StreamCheck | None = None

    @property
    def ok(self) -> bool:
        return not self.error and self.check is not None and self.check.ok


def channel_stream_probe(*, channel: Channel, timeout: float | None = None) -> ChannelProbe:
    """Route the channel as channel/url does (the same service choice, mask and token, for a
    viewer holding the channel's tariffs) and fetch the URL it gives for at most `timeout`
    seconds (SMARTY_STREAM_PROBE_TIMEOUT). Writes nothing; a refusal of routing (no service,
    technical work) is the result's error."""
    timeout = float(timeout if timeout is not None else settings.SMARTY_STREAM_PROBE_TIMEOUT)
    content = routing_channels(channel.client_id).get(channel.pk)
    if content is None:
        return ChannelProbe(channel_id=channel.pk, error="the channel is not known to routing")
    viewer = routing.Viewer(account_id=0, tariff_ids=content.tariff_ids)
    try:
        result = stream_url_build(
            client_id=channel.client_id, kind=routing.LIVE, content=content, viewer=viewer, channel_id=channel.pk
        )
    except UnderMaintenanceError:
        return ChannelProbe(channel_id=channel.pk, error="technical work closes every server of this channel now")
    except StreamingError as exc:
        return ChannelProbe(channel_id=channel.pk, error=str(exc) or "no streaming service is available")
    names = {s.id: s.name for s in routing_snapshot(channel.client_id).services}
    return ChannelProbe(
        channel_id=channel.pk,
        uri=result.uri,
        stream_service_id=result.stream_service_id,
        stream_service_name=names.get(result.stream_service_id, ""),
        check=probe_stream_url(result.uri, timeout=timeout) if result.uri else None,
        error="" if result.uri else "the channel has no stream URL",
    )
