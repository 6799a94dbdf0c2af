"""Portal (reference tvmw/Portal.md): portal settings, the child operators a meta-portal lets
the subscriber choose (portal/client/*) and the public "what you get" lists before login
(noauth/portal/client/channel|tariff/list)."""

from __future__ import annotations

import functools
import tomllib
import uuid

from django.conf import settings

from channels import selectors as live
from clients.selectors import portal_settings_get
from portal.selectors import child_client_list, has_child_clients
from smarty.api import ApiError, Call, Flag, Number, String
from smarty.i18n import translated
from tariffs.selectors import tariff_public_list

from .. import errors
from ..api import tvmw
from .live_common import ICON_PARAMS, NOAUTH_PARAMS, viewer


@functools.cache
def backend_version() -> str:
    """The project's version from pyproject.toml (one source of truth)."""
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


@tvmw.method(
    "/portal/settings/list/",
    "PortalSettingsList",
    params=[String("brand"), String("model"), String("device"), String("device_uid"), String("lang", default="")],
    auth=["client"],
)
def portal_settings_list(call: Call) -> dict:
    device = (call.params["device"] or "").strip()
    if not device:
        raise ApiError(errors.PORTAL_NO_DEVICE, "The device parameter is required", {"device": "required"})
    found = portal_settings_get(client=call.client, device=device, lang=call.params["lang"])
    if found is None:
        raise ApiError(
            errors.PORTAL_DEVICE_NOT_ALLOWED, "This device type is not enabled for the operator", {"device": device}
        )
    return {
        "error_message": "",
        "random_uuid4": str(uuid.uuid4()),
        **found,
        "has_child_clients": int(has_child_clients(client_id=call.client.pk)),
        "backend_version": backend_version(),
    }


# --- child operators (meta-portal) -------------------------------------------------------------

# Codes of portal/client/detail and portal/client/search (reference tvmw/Portal.md).
PORTAL_CLIENT_BAD_CLIENT = 1
PORTAL_CLIENT_NO_ID = 2
PORTAL_CLIENT_NOT_FOUND = 3
PORTAL_CLIENT_NO_SEARCH = 2
CLIENT_PARAMS = [Number("client_id"), String("api_key"), String("device"), String("device_uid"), String("lang")]


@tvmw.method("/portal/client/list/", "PortalClientList", params=CLIENT_PARAMS, auth=["client"])
def portal_client_list(call: Call) -> dict:
    return {"error_message": "", "clients": child_client_list(client_id=call.client.pk)}


@tvmw.method(
    "/portal/client/detail/",
    "PortalClientDetail",
    params=[*CLIENT_PARAMS, Number("id"), Number("uid")],
    auth=["client"],
    param_error_code=PORTAL_CLIENT_NO_ID,
)
def portal_client_detail(call: Call) -> dict:
    wanted_id, wanted_uid = call.params["id"], call.params["uid"]
    if wanted_id is None and wanted_uid is None:
        raise ApiError(PORTAL_CLIENT_NO_ID, "Either id or uid is required", {"id": "required", "uid": "required"})
    for child in child_client_list(client_id=call.client.pk):
        if (wanted_id is None or child["id"] == wanted_id) and (wanted_uid is None or child["uid"] == wanted_uid):
            return {"error_message": "", **{k: v for k, v in child.items() if k != "api_key"}}
    raise ApiError(
        PORTAL_CLIENT_NOT_FOUND, "Child operator not found", {"id" if wanted_id is not None else "uid": "not found"}
    )


@tvmw.method(
    "/portal/client/search/",
    "PortalClientSearch",
    params=[*CLIENT_PARAMS, String("search", max_length=255)],
    auth=["client"],
    param_error_code=PORTAL_CLIENT_NO_SEARCH,
)
def portal_client_search(call: Call) -> dict:
    needle = (call.params["search"] or "").strip().lower()
    if not needle:
        raise ApiError(PORTAL_CLIENT_NO_SEARCH, "The search parameter is required", {"search": "required"})
    found = [
        c for c in child_client_list(client_id=call.client.pk) if needle in c["name"].lower() or needle == str(c["uid"])
    ]
    return {"error_message": "", "clients": found}


# --- before login: what a tariff gives ---------------------------------------------------------

NOAUTH_CHANNELS_BAD_TARIFF = 1
NOAUTH_CHANNELS_BAD_SORT = 2
NOAUTH_CHANNELS_BAD_ICON = 3


@tvmw.method(
    "/noauth/portal/client/channel/list/",
    "NoAuthPortalClientChannelList",
    params=[*NOAUTH_PARAMS, *ICON_PARAMS, Number("tariff_id"), Number("channel_sort_id"), Flag("compact")],
    auth=["client"],
    param_error_code=NOAUTH_CHANNELS_BAD_TARIFF,
)
def noauth_portal_client_channel_list(call: Call) -> dict:
    p = call.params
    width, height = p["icon_width"], p["icon_height"]
    if any(size is not None and size < 1 for size in (width, height)):
        raise ApiError(NOAUTH_CHANNELS_BAD_ICON, "Icon sizes must be positive", {"icon_width": "must be positive"})
    rules = live.tariff_rules(call.client.pk)
    rule = rules.get(p["tariff_id"]) if p["tariff_id"] is not None else None
    if rule is None or not rule.enabled:
        raise ApiError(NOAUTH_CHANNELS_BAD_TARIFF, "Unknown tariff_id", {"tariff_id": "not found"})
    v = viewer(call)
    compact = bool(p["compact"])
    entries = live.channel_view(v.client_id, frozenset({p["tariff_id"]}), v.lang_index, compact)
    try:
        entries = live.ordered_entries(
            entries, client_id=v.client_id, settings_=None, account_sort=False, channel_sort_id=p["channel_sort_id"]
        )
    except live.SortNotFoundError:
        raise ApiError(NOAUTH_CHANNELS_BAD_SORT, "Unknown channel_sort_id", {"channel_sort_id": "not found"}) from None
    snapshot = live.now_next(v.client_id, v.lang_index, v.now)
    channels = []
    for e in entries:
        current, following = live.current_and_next(snapshot.get(e.epg_id), v.now)
        item = {
            "id": e.id,
            "name": e.name,
            "icon": live.icon_url(e.icon, width, height, v.host),
            "category": e.category_id,
        }
        if current is None:
            program = dict(live.EMPTY_CURRENT_COMPACT if compact else live.EMPTY_CURRENT)
        else:
            program = dict(current.current_compact if compact else current.current)
        item.update(program)
        if not compact:
            item.update(following.next if following is not None else live.EMPTY_NEXT)
        item["meta"] = e.meta
        channels.append(item)
    return {"error_message": "", "channels": channels}


@tvmw.method(
    "/noauth/portal/client/tariff/list/",
    "NoAuthPortalClientTariffList",
    params=NOAUTH_PARAMS,
    auth=["client"],
)
def noauth_portal_client_tariff_list(call: Call) -> dict:
    v = viewer(call)
    counts: dict[int, int] = {}
    for row in live.channel_catalogue(v.client_id)["channels"]:
        for tariff_id in row["tariff_ids"]:
            counts[tariff_id] = counts.get(tariff_id, 0) + 1
    tariffs = tariff_public_list(client=call.client)
    return {
        "error_message": "",
        "tariffs": [
            {
                "id": t.pk,
                "name": translated(t, "name", call.params["lang"]),
                "description": translated(t, "description", call.params["lang"]),
                "period": t.period,
                "channels_count": counts.get(t.pk, 0) if t.used_for_channel_list else -1,
                "price": str(t.price),
                "icon": "",
                "meta": "{}",
            }
            for t in tariffs
        ],
    }
