"""The Stalker (Ministra) portal protocol that MAG set-top boxes speak (docs/players.md):
`stalker_portal/server/load.php` and `portal.php`, `?type=<group>&action=<action>`, answers
wrapped in `{"js": ...}`.

A box first asks for a token (`stb.handshake`) and sends it back as `Authorization: Bearer`
with its MAC address in the `mac` cookie. The token is signed by the server and names the
operator and the MAC; the account is the one the MAC is a device of (the device API's login
by device UID), or, when the box is not known yet, the one whose abonement and password the
subscriber types into the box's login screen (`stb.do_auth`), which registers the MAC as a
device of that account. The channel list's `cmd` is a placeholder; `itv.create_link` turns
it into the routed, tokenised address.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from epg.selectors import program_get, programs_between
from smarty.api import Number, String, parse_params
from smarty.api.errors import ApiError

from ..access import RefusedError, Subscriber, Why, by_mac, log_path, operator
from ..channels import PlayerChannel, subscriber_categories, subscriber_channels
from ..streams import channel_stream
from . import stalker_vod
from .common import door
from .stalker_base import MAC_SHAPE, PAGE_SIZE, Handler, host, js, page, quiet, subscriber, token_issue, token_mac

CMD_CHANNEL = re.compile(r"/ch/(\d{1,18})\b")
CMD_PROGRAMME = re.compile(r"/media/(\d{1,18})\.mpg\b")

PROFILE_OK = 0
PROFILE_BLOCKED = 1
PROFILE_AUTH_NEEDED = 2


def refusal(request: HttpRequest, exc: RefusedError) -> HttpResponse:
    """A box that is not authorised gets the portal's plain answer (it handshakes again);
    other refusals an `error` inside `js`."""
    if exc.why in {Why.CREDENTIALS, Why.NO_OPERATOR}:
        return HttpResponse("Authorization failed.", status=401, content_type="text/plain")
    if exc.why == Why.THROTTLED:
        return HttpResponse("Too many attempts.", status=429, content_type="text/plain")
    return js({"error": str(exc.why), "msg": exc.message})


PARAMS = [
    String("type", max_length=32, default=""),
    String("action", max_length=64, default=""),
    String("mac", max_length=32),
    String("login", max_length=32),
    String("password", max_length=128),
    String("cmd", max_length=512),
    String("genre", max_length=16, default="*"),
    String("category", max_length=16, default="*"),
    String("cat_alias", max_length=64),
    String("sortby", max_length=16),
    String("search", max_length=128),
    String("abc", max_length=8),
    Number("movie_id", lo=0),
    Number("season_id", lo=0),
    Number("episode_id", lo=0),
    Number("series", lo=0, hi=100000),
    Number("video_id", lo=0),
    String("fav_ch", max_length=4096),
    String("date", max_length=10),
    Number("ch_id", lo=0),
    Number("p", lo=0, hi=100000, default=0),
    Number("size", lo=1, hi=100, default=10),
    Number("fav", lo=0, hi=1, default=0),
    Number("period", lo=1, hi=48, default=3),
]


def _mac(request: HttpRequest, p: dict) -> str:
    raw = p["mac"] or unquote(request.COOKIES.get("mac", ""))
    mac = raw.strip().upper()
    if not MAC_SHAPE.fullmatch(mac):
        raise RefusedError(Why.CREDENTIALS, "No MAC address")
    return mac


# --- stb -------------------------------------------------------------------------------------


def handshake(request: HttpRequest, client, p: dict) -> JsonResponse:
    mac = _mac(request, p)
    return js({"token": token_issue(client, mac), "random": secrets.token_hex(20)})


def _profile(sub: Subscriber, mac: str) -> dict:
    account, customer = sub.account, sub.account.customer
    return {
        "id": account.pk,
        "name": " ".join(part for part in (customer.firstname, customer.lastname) if part) or account.abonement,
        "login": account.abonement,
        "ls": account.abonement,
        "mac": mac,
        "status": PROFILE_OK,
        "blocked": "0",
        "fname": customer.firstname,
        "phone": customer.mobile_phone_number,
        "locale": "en_GB.utf8",
        "parent_password": account.parent_code,
        "timeslot": 0,
        "watchdog_timeout": 120,
        "play_in_preview_by_ok": True,
        "storages": {},
        "default_timezone": sub.client.timezone or "UTC",
    }


def get_profile(request: HttpRequest, client, p: dict) -> JsonResponse:
    mac = token_mac(request, client)
    try:
        sub = by_mac(request, client, mac=mac, abonement=p["login"] or "", password=p["password"] or "")
    except RefusedError as exc:
        if exc.why == Why.CREDENTIALS:
            return js({"id": None, "mac": mac, "status": PROFILE_AUTH_NEEDED, "msg": "Log in with your abonement"})
        if exc.why in {Why.INACTIVE, Why.FORBIDDEN, Why.LIMIT}:
            return js({"id": None, "mac": mac, "status": PROFILE_BLOCKED, "msg": exc.message})
        raise
    return js(_profile(sub, mac))


def do_auth(request: HttpRequest, client, p: dict) -> JsonResponse:
    mac = token_mac(request, client)
    if not p["login"] or not p["password"]:
        return js(False)
    try:
        by_mac(request, client, mac=mac, abonement=p["login"], password=p["password"])
    except RefusedError as exc:
        if exc.why == Why.THROTTLED:
            raise
        return js(False)
    return js(True)


# --- itv -------------------------------------------------------------------------------------


def _channel_item(channel: PlayerChannel) -> dict:
    return {
        "id": str(channel.id),
        "name": channel.name,
        "number": str(channel.number),
        "cmd": f"ffmpeg http://localhost/ch/{channel.id}",
        "tv_genre_id": str(channel.category_id),
        "logo": channel.logo,
        "xmltv_id": channel.tvg_id,
        "censored": 1 if channel.adult else 0,
        "archive": 1 if channel.archive_days else 0,
        "tv_archive_duration": channel.archive_days * 24,
        "use_http_tmp_link": "1",
        "fav": 0,
        "lock": 0,
        "status": 1,
    }


def get_genres(request: HttpRequest, client, p: dict) -> JsonResponse:
    sub = subscriber(request, client)
    categories = subscriber_categories(sub, subscriber_channels(sub, host=host(request)))
    genres = [{"id": "*", "title": "All", "alias": "all", "censored": 0}]
    genres += [
        {"id": str(c.id), "title": c.name, "alias": c.name.lower(), "censored": 1 if c.adult else 0} for c in categories
    ]
    return js(genres)


def get_all_channels(request: HttpRequest, client, p: dict) -> JsonResponse:
    sub = subscriber(request, client)
    items = [_channel_item(c) for c in subscriber_channels(sub, host=host(request))]
    return js(
        {"total_items": len(items), "max_page_items": len(items), "selected_item": 0, "cur_page": 0, "data": items}
    )


def get_ordered_list(request: HttpRequest, client, p: dict) -> JsonResponse:
    sub = subscriber(request, client)
    channels = subscriber_channels(sub, host=host(request))
    genre = p["genre"]
    if genre and genre != "*":
        if not genre.isdigit():
            raise RefusedError(Why.BAD_REQUEST, "genre: an id or *")
        channels = [c for c in channels if c.category_id == int(genre)]
    return js(page([_channel_item(c) for c in channels], p["p"]))


def create_link(request: HttpRequest, client, p: dict) -> JsonResponse:
    sub = subscriber(request, client)
    found = CMD_CHANNEL.search(p["cmd"] or "")
    if found is None:
        raise RefusedError(Why.BAD_REQUEST, "cmd: not a channel of this portal")
    channel_id = int(found.group(1))
    try:
        uri = channel_stream(sub, channel_id=channel_id, device="stalker", path=log_path(request))
    except RefusedError as exc:
        if exc.why in {Why.NOT_FOUND, Why.UNAVAILABLE}:
            return js({"id": channel_id, "cmd": "", "error": "nothing_to_play", "msg": exc.message})
        raise
    return js({"id": channel_id, "cmd": f"ffmpeg {uri}", "streamer_id": 0, "link_id": 0, "load": 0, "error": ""})


# --- epg -------------------------------------------------------------------------------------


def _channel_of(sub: Subscriber, request: HttpRequest, ch_id: int | None) -> PlayerChannel:
    for channel in subscriber_channels(sub, host=host(request)):
        if channel.id == ch_id:
            return channel
    raise RefusedError(Why.NOT_FOUND, "ch_id: no such channel for this account")


def _programme(row: dict, channel: PlayerChannel, lang: int, now: int) -> dict:
    title = (lang and row.get(f"name_lang{lang}")) or row["name"]
    desc = (lang and row.get(f"description_lang{lang}")) or row.get("description") or ""
    begin, end = dt.datetime.fromtimestamp(row["b"], dt.UTC), dt.datetime.fromtimestamp(row["e"], dt.UTC)
    archived = channel.archive_days and row["e"] <= now and row["b"] >= now - channel.archive_days * 86400
    return {
        "id": str(row["id"]),
        "ch_id": str(channel.id),
        "time": begin.strftime("%Y-%m-%d %H:%M:%S"),
        "time_to": end.strftime("%Y-%m-%d %H:%M:%S"),
        "duration": row["e"] - row["b"],
        "name": title,
        "descr": desc,
        "real_id": f"{channel.id}_{row['b']}",
        "start_timestamp": row["b"],
        "stop_timestamp": row["e"],
        "t_time": begin.strftime("%H:%M"),
        "t_time_to": end.strftime("%H:%M"),
        "mark_archive": 1 if archived else 0,
        "mark_memo": 0,
        # What tv_archive.create_link is asked to play (the portal's own placeholder form).
        "cmd": f"auto /media/{row['id']}.mpg" if archived else "",
    }


def get_short_epg(request: HttpRequest, client, p: dict) -> JsonResponse:
    sub = subscriber(request, client)
    channel = _channel_of(sub, request, p["ch_id"])
    if not channel.epg_channel_id:
        return js([])
    now = int(time.time())
    rows = [r for r in programs_between(channel.epg_channel_id, now, now + 2 * 86400) if r["e"] > now][: p["size"]]
    return js([_programme(r, channel, sub.lang, now) for r in rows])


def get_simple_data_table(request: HttpRequest, client, p: dict) -> JsonResponse:
    sub = subscriber(request, client)
    channel = _channel_of(sub, request, p["ch_id"])
    now = int(time.time())
    try:
        day = dt.datetime.strptime(p["date"], "%Y-%m-%d").replace(tzinfo=dt.UTC) if p["date"] else None
    except ValueError:
        raise RefusedError(Why.BAD_REQUEST, "date: expected YYYY-MM-DD") from None
    start = int(day.timestamp()) if day is not None else now - now % 86400
    rows = programs_between(channel.epg_channel_id, start, start + 86400) if channel.epg_channel_id else []
    items = [_programme(r, channel, sub.lang, now) for r in rows]
    number = p["p"]
    if not number:
        # Page 0: the page with the programme on air now (what a box opens the guide on).
        current = next((i for i, r in enumerate(rows) if r["b"] <= now < r["e"]), 0)
        body = page(items, current // PAGE_SIZE + 1)
        body["selected_item"] = current % PAGE_SIZE + 1 if rows else 0
        return js(body)
    return js(page(items, number))


def get_epg_info(request: HttpRequest, client, p: dict) -> JsonResponse:
    """The guide of every channel of the account for the next `period` hours (the box's
    programme overview), keyed by channel id."""
    sub = subscriber(request, client)
    now = int(time.time())
    end = now + p["period"] * 3600
    data = {}
    for channel in subscriber_channels(sub, host=host(request)):
        if channel.epg_channel_id:
            rows = programs_between(channel.epg_channel_id, now, end)
            data[str(channel.id)] = [_programme(r, channel, sub.lang, now) for r in rows]
    return js({"data": data})


# --- tv_archive ------------------------------------------------------------------------------


def archive_create_link(request: HttpRequest, client, p: dict) -> JsonResponse:
    """The recording of one programme (`cmd`: `auto /media/<programme id>.mpg`) on a channel of
    the account that keeps an archive, routed and tokenised as the device API's archive."""
    sub = subscriber(request, client)
    found = CMD_PROGRAMME.search(p["cmd"] or "")
    if found is None:
        raise RefusedError(Why.BAD_REQUEST, "cmd: not a programme of this portal")
    programme = program_get(int(found.group(1)))
    channels = [
        c
        for c in subscriber_channels(sub, host=host(request))
        if programme is not None and c.epg_channel_id == programme["epg_channel_id"] and c.archive_days
    ]
    if p["ch_id"] is not None:
        channels = [c for c in channels if c.id == p["ch_id"]]
    if not channels:
        return js({"id": "", "cmd": "", "error": "nothing_to_play", "msg": "No archive of this programme"})
    channel = channels[0]
    try:
        uri = channel_stream(
            sub,
            channel_id=channel.id,
            device="stalker",
            path=log_path(request),
            start=dt.datetime.fromtimestamp(programme["b"], dt.UTC),
            duration=programme["e"] - programme["b"],
        )
    except RefusedError as exc:
        if exc.why in {Why.NOT_FOUND, Why.UNAVAILABLE}:
            return js({"id": "", "cmd": "", "error": "nothing_to_play", "msg": exc.message})
        raise
    return js({"id": str(programme["id"]), "ch_id": str(channel.id), "cmd": f"ffmpeg {uri}", "error": ""})


ACTIONS: dict[tuple[str, str], Handler] = {
    ("stb", "handshake"): handshake,
    ("stb", "get_profile"): get_profile,
    ("stb", "do_auth"): do_auth,
    ("stb", "get_localization"): quiet({}),
    ("stb", "get_modules"): quiet({"all_modules": ["tv", "epg", "vclub"], "disabled_modules": []}),
    ("stb", "log"): quiet(True),
    ("watchdog", "get_events"): quiet({"data": {"msgs": 0, "additional_services_on": 1}}),
    ("itv", "get_genres"): get_genres,
    ("itv", "get_all_channels"): get_all_channels,
    ("itv", "get_ordered_list"): get_ordered_list,
    ("itv", "create_link"): create_link,
    ("itv", "get_short_epg"): get_short_epg,
    ("epg", "get_short_epg"): get_short_epg,
    ("epg", "get_simple_data_table"): get_simple_data_table,
    ("itv", "get_epg_info"): get_epg_info,
    ("epg", "get_epg_info"): get_epg_info,
    ("tv_archive", "create_link"): archive_create_link,
    **stalker_vod.ACTIONS,
}


@csrf_exempt
@door(refusal)
def load_view(request: HttpRequest, prefix: str) -> HttpResponse:
    client = operator(prefix)
    data = request.POST if request.method == "POST" else request.GET
    try:
        p = parse_params(data, PARAMS, error_code=400)
    except ApiError as exc:
        raise RefusedError(Why.BAD_REQUEST, exc.message) from None
    handler = ACTIONS.get((p["type"], p["action"]))
    if handler is None:
        raise RefusedError(Why.BAD_REQUEST, f"Unknown action {p['type']}.{p['action']}")
    return handler(request, client, p)
