"""Seances (reference tvmw/Seance.md): scheduled showings of a video, watched with a ticket
that binds to the first account using it."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse

from smarty.api import ApiError, Call, Flag, Number, NumberList, String
from vod import selectors, services

from .live_common import COMMON_PARAMS
from .video import _play
from .vod_common import vod_method, vod_viewer

BAD_PARAMS = 1
SEANCE_NOT_FOUND = 2
TICKET_NOT_FOUND = 3
URL_BAD_PARAMS = 400
URL_NOT_FOUND = 404


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@vod_method("/seance/list/", "SeanceList", params=[Flag("show_past"), *COMMON_PARAMS], auth=["session"])
def seance_list(call: Call) -> dict:
    v = vod_viewer(call)
    out = []
    for s in sorted(v.lib["seances"], key=lambda s: (s["date_start"], s["id"])):
        row = v.video(s["video_id"])
        if row is None or (not call.params["show_past"] and s["date_end"].timestamp() < v.now):
            continue
        out.append(
            {
                "id": s["id"],
                "vid": s["video_id"],
                "vfid": s["video_file_id"] or "",
                "video_name": v.t(row, "name"),
                "date_start": _iso(s["date_start"]),
                "date_end": _iso(s["date_end"]),
            }
        )
    return {"seances": out}


def _ticket(call: Call, *, code_error: int, bad_error: int):
    p = call.params
    if not p["code"] and p["sid"] is None:
        raise ApiError(bad_error, "code or sid is required", {"code": "required"})
    if p["code"]:
        ticket = selectors.seance_ticket_get(client=call.client, code=p["code"])
        if ticket is None or (ticket.account_id not in (None, call.account.pk)):
            raise ApiError(code_error, "code: ticket not found", {"code": "not found"})
        return ticket
    ticket = selectors.seance_ticket_get(client=call.client, seance_id=p["sid"], account=call.account)
    if ticket is None:
        raise ApiError(code_error, "sid: no ticket of this account for the seance", {"sid": "not found"})
    return ticket


@vod_method(
    "/seance/revoke/",
    "SeanceRevoke",
    params=[String("code", max_length=32), Number("sid"), *COMMON_PARAMS],
    auth=["session"],
    param_error_code=BAD_PARAMS,
)
def seance_revoke(call: Call) -> dict:
    p = call.params
    if p["sid"] is not None and not p["code"]:
        if not selectors.seance_exists(client=call.client, seance_id=p["sid"]):
            raise ApiError(SEANCE_NOT_FOUND, "sid: seance not found", {"sid": "not found"})
    ticket = _ticket(call, code_error=TICKET_NOT_FOUND, bad_error=BAD_PARAMS)
    if ticket.account_id is not None and ticket.account_id != call.account.pk:
        raise ApiError(TICKET_NOT_FOUND, "ticket not found")
    services.seance_ticket_revoke(ticket=ticket)
    return {}


@vod_method(
    "/seance/url/",
    "SeanceUrl",
    params=[
        String("code", max_length=32),
        Number("sid"),
        NumberList("exclude_service_id"),
        Flag("redirect", default=0),
        String("audio_pid", default=""),
        String("text_pid", default=""),
        String("video_pid", default=""),
        *COMMON_PARAMS,
    ],
    auth=["session"],
    param_error_code=URL_BAD_PARAMS,
)
def seance_url(call: Call) -> HttpResponse | dict:
    ticket = _ticket(call, code_error=URL_NOT_FOUND, bad_error=URL_BAD_PARAMS)
    if not services.seance_ticket_use(ticket=ticket, account=call.account):
        raise ApiError(URL_NOT_FOUND, "The ticket belongs to another account")
    seance = ticket.seance
    v = vod_viewer(call)
    if seance.date_end.timestamp() <= v.now:
        raise ApiError(URL_NOT_FOUND, "The seance is over")
    row = v.lib["videos"].get(seance.video_id)
    files = [f for f in (row or {}).get("files", []) if f["id"] == seance.video_file_id] or [
        f for f in (row or {}).get("files", []) if not f["is_trailer"]
    ]
    if row is None or not files:
        raise ApiError(URL_NOT_FOUND, "The seance has nothing to play")
    body = _play(call, v, row, files[0])
    if isinstance(body, dict):
        for key in ("skip_video_fragments",):
            body.pop(key, None)
        body = {
            "begin_time": _iso(seance.date_start),
            "position": max(0, v.now - int(seance.date_start.timestamp())),
            **body,
        }
    return body
