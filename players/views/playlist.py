"""The account's own M3U playlist and XMLTV guide (docs/players.md), the stream addresses in
that playlist, and the subscriber's way to see or reset the playlist token.

Access: the account's playlist token (`?token=`), or its abonement and password (a player
session, the device API's login rules). Stream addresses carry the token: playing one asks
for a fresh routed, tokenised URL and redirects there.
"""

from __future__ import annotations

import datetime as dt
import gzip
import time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.services.players import account_playlist_token_ensure, account_playlist_token_reset
from smarty.api import Flag, Number, String, parse_params
from smarty.api.errors import ApiError

from .. import formats
from ..access import RefusedError, Subscriber, Why, by_password, by_playlist_token, log_path, operator
from ..channels import PlayerChannel, subscriber_channels
from ..streams import channel_stream, redirect
from .common import door, plain_refusal

CREDENTIALS = [String("token", max_length=64), String("abonement", max_length=32), String("password", max_length=128)]
CATCHUP = [Number("utc", lo=0, hi=2**40), Number("duration", lo=1, hi=86400 * 7)]


def _params(request: HttpRequest, declared: list) -> dict:
    data = request.POST if request.method == "POST" else request.GET
    try:
        return parse_params(data, declared, error_code=400)
    except ApiError as exc:
        raise RefusedError(Why.BAD_REQUEST, exc.message) from None


def _subscriber(request: HttpRequest, client, p: dict) -> Subscriber:
    if p["token"]:
        return by_playlist_token(request, client, p["token"])
    if p["abonement"] and p["password"]:
        return by_password(request, client, abonement=p["abonement"], password=p["password"], kind="m3u")
    raise RefusedError(Why.CREDENTIALS, "token, or abonement and password, are required")


def _host(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def links(request: HttpRequest, prefix: str, token: str) -> dict[str, str]:
    """The account's playlist and guide addresses."""
    m3u = reverse("players:m3u", kwargs={"prefix": prefix, "ext": "m3u"})
    guide = reverse("players:xmltv", kwargs={"prefix": prefix, "ext": "xml.gz"})
    return {
        "m3u": request.build_absolute_uri(f"{m3u}?token={token}"),
        "xmltv": request.build_absolute_uri(f"{guide}?token={token}"),
    }


def _play_url(request: HttpRequest, prefix: str, token: str, channel: PlayerChannel) -> str:
    path = reverse("players:play", kwargs={"prefix": prefix, "token": token, "channel_id": channel.id, "ext": "m3u8"})
    return request.build_absolute_uri(path)


@require_GET
@door(plain_refusal)
def m3u_view(request: HttpRequest, prefix: str, ext: str) -> HttpResponse:
    client = operator(prefix)
    sub = _subscriber(request, client, _params(request, CREDENTIALS))
    token = account_playlist_token_ensure(account=sub.account)
    channels = subscriber_channels(sub, host=_host(request))

    def catchup(channel: PlayerChannel) -> str:
        return _play_url(request, prefix, token, channel) + "?utc={utc}&duration={duration}"

    body = formats.m3u(
        channels,
        guide_url=links(request, prefix, token)["xmltv"],
        stream_url=lambda channel: _play_url(request, prefix, token, channel),
        catchup_url=catchup,
    )
    response = HttpResponse(body, content_type="audio/x-mpegurl; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="playlist.{ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


def guide_response(request: HttpRequest, sub: Subscriber, *, gz_file: bool) -> HttpResponse:
    """The XMLTV of the subscriber's channels: gzip as a file (`.xml.gz`) or as a transfer
    encoding the player asked for (Accept-Encoding)."""
    channels = subscriber_channels(sub, host=_host(request))
    body = formats.xmltv(channels, client=sub.client, lang=sub.lang, now_ts=int(time.time()))
    if gz_file:
        response = HttpResponse(gzip.compress(body, compresslevel=6), content_type="application/gzip")
        response["Content-Disposition"] = 'attachment; filename="xmltv.xml.gz"'
    elif "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", ""):
        response = HttpResponse(gzip.compress(body, compresslevel=6), content_type="application/xml; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = "private, max-age=600"
    return response


@require_GET
@door(plain_refusal)
def xmltv_view(request: HttpRequest, prefix: str, ext: str) -> HttpResponse:
    client = operator(prefix)
    sub = _subscriber(request, client, _params(request, CREDENTIALS))
    return guide_response(request, sub, gz_file=ext == "xml.gz")


@require_GET
@door(plain_refusal)
def play_view(request: HttpRequest, prefix: str, token: str, channel_id: str, ext: str = "") -> HttpResponse:
    client = operator(prefix)
    sub = by_playlist_token(request, client, token)
    p = _params(request, CATCHUP)
    start = dt.datetime.fromtimestamp(p["utc"], dt.UTC) if p["utc"] is not None else None
    location = channel_stream(
        sub, channel_id=int(channel_id), device="m3u", path=log_path(request), start=start, duration=p["duration"]
    )
    return redirect(location)


@csrf_exempt
@require_http_methods(["POST"])
@door(plain_refusal)
def playlist_links_view(request: HttpRequest, prefix: str) -> HttpResponse:
    """A subscriber's playlist and guide addresses, by abonement and password; `reset=1`
    draws a new token first (the old addresses stop working)."""
    client = operator(prefix)
    p = _params(
        request,
        [
            String("abonement", required=True, max_length=32),
            String("password", required=True, max_length=128),
            Flag("reset", default=0),
        ],
    )
    sub = by_password(request, client, abonement=p["abonement"], password=p["password"], kind="m3u")
    if p["reset"]:
        token = account_playlist_token_reset(account=sub.account)
    else:
        token = account_playlist_token_ensure(account=sub.account)
    return JsonResponse(links(request, prefix, token))
