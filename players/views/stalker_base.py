"""What the Stalker portal's request groups share (players/views/stalker.py): the `{"js": ...}`
envelope, the box's signed token and MAC, paging as a MAG box pages lists."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, JsonResponse

from ..access import RefusedError, Subscriber, Why, by_mac

PAGE_SIZE = 14  # what a MAG box shows on one page
MAC_SHAPE = re.compile(r"[0-9A-F]{2}(:[0-9A-F]{2}){5}")
TOKEN_SALT = "players.stalker.token"

Handler = Callable[[HttpRequest, object, dict], JsonResponse]


def js(value: object, status: int = 200) -> JsonResponse:
    return JsonResponse({"js": value}, status=status)


def bearer(request: HttpRequest) -> str:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def token_issue(client, mac: str) -> str:
    """The token a box sends back as `Authorization: Bearer`: signed, naming operator and MAC."""
    return signing.dumps({"c": client.pk, "m": mac, "r": secrets.token_hex(4)}, salt=TOKEN_SALT)


def token_mac(request: HttpRequest, client) -> str:
    """The MAC the request's token was handed out to (and the cookie, when sent, agrees)."""
    try:
        data = signing.loads(bearer(request), salt=TOKEN_SALT, max_age=settings.SMARTY_PLAYERS_STALKER_TOKEN_TTL)
    except signing.BadSignature:
        raise RefusedError(Why.CREDENTIALS, "Invalid token") from None
    if not isinstance(data, dict) or data.get("c") != client.pk or not MAC_SHAPE.fullmatch(str(data.get("m", ""))):
        raise RefusedError(Why.CREDENTIALS, "Invalid token")
    cookie = unquote(request.COOKIES.get("mac", "")).strip().upper()
    if cookie and cookie != data["m"]:
        raise RefusedError(Why.CREDENTIALS, "The token belongs to another MAC address")
    return data["m"]


def subscriber(request: HttpRequest, client) -> Subscriber:
    return by_mac(request, client, mac=token_mac(request, client))


def host(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def page(items: list, number: int) -> dict:
    """One page of a list as `get_ordered_list` answers (pages count from 1)."""
    total = len(items)
    number = max(number, 1)
    chunk = items[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return {"total_items": total, "max_page_items": PAGE_SIZE, "selected_item": 0, "cur_page": number, "data": chunk}


def quiet(value: object) -> Handler:
    """Calls a box makes whose answer needs no data of ours (still only for a box with a token)."""

    def answer(request: HttpRequest, client, p: dict) -> JsonResponse:
        token_mac(request, client)
        return js(value)

    return answer
