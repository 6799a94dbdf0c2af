"""Playing from a player: the addresses in playlists point back here and live for days; when
one is played, the channel is checked against the account's tariffs, the streaming app
routes it and issues a fresh one-time token, and the player is redirected (302) there.
Content requests are logged as the device API logs them (smarty_content_requests)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone

from monitoring.recording import viewing_started
from smarty.logging import log_event, mask_secret
from streaming import routing, services
from streaming.selectors import routing_channels

from .access import RefusedError, Subscriber, Why


def _viewer(sub: Subscriber, kind: str) -> routing.Viewer:
    return routing.Viewer(
        account_id=sub.account.pk,
        abonement=sub.account.abonement,
        data_center_id=sub.account.data_center_id,
        tariff_ids=sub.tariff_ids,
        device_group=None,
        device=kind,
        device_uid=sub.device_uid,
        ip=sub.ip,
    )


def _channel(sub: Subscriber, channel_id: int) -> routing.ContentInfo:
    channel = routing_channels(sub.client.pk).get(channel_id)
    if channel is None or not channel.enabled or not (channel.tariff_ids & sub.tariff_ids):
        raise RefusedError(Why.NOT_FOUND, "No such channel for this account")
    return channel


def _archive_window(channel: routing.ContentInfo, start: dt.datetime, now: dt.datetime) -> None:
    if channel.recording_days <= 0:
        raise RefusedError(Why.NOT_FOUND, "This channel has no archive")
    if start >= now:
        raise RefusedError(Why.NOT_FOUND, "The recording has not started yet")
    if start < now - dt.timedelta(days=channel.recording_days):
        raise RefusedError(Why.NOT_FOUND, f"Older than the archive depth of {channel.recording_days} days")


def channel_stream(
    sub: Subscriber,
    *,
    channel_id: int,
    device: str,
    path: str,
    start: dt.datetime | None = None,
    duration: int | None = None,
) -> str:
    """The routed, tokenised address of a channel (live, or the recording from `start` for
    `duration` seconds). Raises RefusedError(NOT_FOUND / UNAVAILABLE)."""
    now = timezone.now()
    channel = _channel(sub, channel_id)
    kind = routing.LIVE
    if start is not None:
        _archive_window(channel, start, now)
        kind = routing.ARCHIVE
    viewer = _viewer(sub, device)
    try:
        result = services.stream_url_build(
            client_id=sub.client.pk,
            kind=kind,
            content=channel,
            viewer=viewer,
            channel_id=channel.id,
            start=start,
            duration=duration,
            now=now,
        )
    except services.StreamingError as exc:
        log_event(
            "smarty_content_requests",
            "CONTENT_REQUEST_ERROR",
            level="WARNING",
            url=path,
            params={"cid": channel_id},
            error=str(Why.UNAVAILABLE),
            error_message=str(exc),
        )
        raise RefusedError(Why.UNAVAILABLE, str(exc) or "No streaming service is available") from exc
    log_event(
        "smarty_content_requests",
        "CONTENT_REQUEST_SUCCESS",
        url=path,
        params={"cid": channel_id},
        uri=mask_secret(result.uri, result.token),
        stream_service_id=result.stream_service_id,
        content_id=channel.id,
        account_id=sub.account.pk,
    )
    viewing_started(
        client_id=sub.client.pk,
        account_id=sub.account.pk,
        content_type=kind,
        content_id=channel.id,
        device=device,
        device_uid=sub.device_uid,
        program_id=None,
    )
    return result.uri


def redirect(location: str) -> HttpResponse:
    # Built by hand: HttpResponseRedirect refuses udp:// and rtp:// addresses.
    response = HttpResponse(status=302)
    response["Location"] = location
    response["Cache-Control"] = "no-store"
    return response
