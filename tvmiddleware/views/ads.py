"""Ads (reference tvmw/Ads.md): the ad blocks to play on a channel or a film, targeted by
tariff, device type and region, within each block's daily limit of impressions per account.
Answered only when SMARTY_TVMW_ADS_ENABLED is on (the vendor's TVMIDDLEWARE_ADS_ENABLED)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from channels.selectors import geo_places
from portal import selectors as portal
from portal.services import ad_impressions_record
from smarty.api import ApiError, Call, Number, String, json_loads

from ..api import tvmw
from .live_common import COMMON_PARAMS, viewer
from .portaldashboard import device_id

ADS_NO_TARGET = 1
ADS_DISABLED = 2
ADS_PROVIDER_ERROR = 3  # not used: blocks are the operator's own
ADS_BAD_CONTEXT = 4
ADS_BAD_TIMEZONE = 5
ADS_BOTH_TARGETS = 6
ADS_LIMIT_REACHED = 7
SURFACES = ("COMPANION", "SBERBOX", "STARGATE", "SATELLITE", "TIME", "TV_HUAWEI", "TV", "OTHER", "TEST")


def _timezone(raw: str | None) -> dt.timezone | None:
    """`timezone`: the device's offset from UTC in hours (e.g. 3, -5, 5.5)."""
    if raw in (None, ""):
        return None
    try:
        hours = float(raw)
    except ValueError:
        hours = float("nan")
    if not -12 <= hours <= 14:
        raise ApiError(ADS_BAD_TIMEZONE, "Invalid parameters: timezone: hours from UTC", {"timezone": "invalid"})
    return dt.timezone(dt.timedelta(minutes=round(hours * 60)))


def _targeted(block: dict, *, tariff_ids: frozenset[int], device: int | None, country_id: int | None) -> bool:
    if block["tariff_ids"] and not block["tariff_ids"] & tariff_ids:
        return False
    if block["device_ids"] and device not in block["device_ids"]:
        return False
    if block["countries"]:
        places = geo_places()
        allowed = {places[c][0] for c in block["countries"] if c in places}
        if country_id not in allowed:
            return False
    return True


def _on_air(block: dict, local: dt.datetime) -> bool:
    if local.isoweekday() not in block["days"]:
        return False
    now = local.time().replace(tzinfo=None)
    begin, end = block["begin"], block["end"]
    return begin <= now <= end if begin <= end else (now >= begin or now <= end)


@tvmw.method(
    "/ads/list/",
    "AdsList",
    params=[
        *COMMON_PARAMS,
        Number("channel_id"),
        Number("mediahills_id"),
        Number("video_id"),
        Number("program_id"),
        Number("movie_width", lo=0, hi=100000),
        Number("movie_height", lo=0, hi=100000),
        String("os_family"),
        String("os_version"),
        String("app_id"),
        String("surface", default="OTHER", choices=SURFACES),
        String("vendor"),
        String("model"),
        String("sber_device_type"),
        String("terminal_uid"),
        String("timezone", max_length=16),
        String("ad_context", max_length=8192),
    ],
    auth=["session"],
    param_error_code=ADS_NO_TARGET,
)
def ads_list(call: Call) -> dict:
    p = call.params
    if not settings.SMARTY_TVMW_ADS_ENABLED:
        raise ApiError(ADS_DISABLED, "Ads are not enabled")
    if p["ad_context"] is not None:
        try:
            json_loads(p["ad_context"])
        except ValueError:
            raise ApiError(ADS_BAD_CONTEXT, "ad_context is not JSON", {"ad_context": "not JSON"}) from None
    zone = _timezone(p["timezone"])
    channel_id, video_id = p["channel_id"], p["video_id"]
    if channel_id is not None and video_id is not None:
        raise ApiError(ADS_BOTH_TARGETS, "Pass channel_id or video_id, not both")
    if channel_id is None and video_id is None:
        raise ApiError(ADS_NO_TARGET, "channel_id or video_id is required", {"channel_id": "required"})
    v = viewer(call)
    tariff_ids = frozenset(v.tariff_ids or ())
    device = device_id(call)
    country_id = v.location.country_id if v.location is not None else None
    now = dt.datetime.now(dt.UTC)
    candidates = []
    for block in portal.ad_blocks(client_id=call.client.pk):
        if channel_id is not None and not (block["all_channels"] or channel_id in block["channel_ids"]):
            continue
        if video_id is not None and not (block["all_videos"] or video_id in block["video_ids"]):
            continue
        if not _targeted(block, tariff_ids=tariff_ids, device=device, country_id=country_id):
            continue
        if zone is not None and not _on_air(block, now.astimezone(zone)):
            continue
        candidates.append(block)
    today = now.date()
    limited = [b["id"] for b in candidates if b["daily_limit"]]
    counts = portal.ad_impressions_today(account=call.account, block_ids=limited, day=today) if limited else {}
    chosen = [b for b in candidates if not b["daily_limit"] or counts.get(b["id"], 0) < b["daily_limit"]]
    if candidates and not chosen:
        tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        raise ApiError(ADS_LIMIT_REACHED, f'{{"next_time_request": {int(tomorrow.timestamp())}}}')
    if chosen:
        ad_impressions_record(account=call.account, block_ids=[b["id"] for b in chosen], day=today)
    ads = []
    for block in chosen:
        item = {}
        if zone is None:
            item["days"] = ",".join(str(d) for d in block["days"])
            item["begin_time"] = block["begin"].strftime("%H:%M:%S")
            item["end_time"] = block["end"].strftime("%H:%M:%S")
        item.update(block["shaped"])
        ads.append(item)
    return {"error_message": "", "ads": ads}
