"""The account's own view of its channels (reference tvmw/Account.md): last viewed channels,
favourites / hidden / parental flags and the account's channel order (v2 methods take JSON)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from channels import selectors as live
from channels import services
from monitoring.recording import last_viewed_channels
from smarty.api import ApiError, Call, NumberList, String, json_loads

from ..api import tvmw
from .live_common import COMMON_PARAMS, ICON_PARAMS, icon_size, id_list, json_body, viewer

CHANNEL_LIST_LAST_BAD_PARAMS = 1
V2_BAD_PARAMS = 400
V2_NOT_FOUND = 404


@tvmw.method("/channel/list/last/", "ChannelListLast", params=[*COMMON_PARAMS, *ICON_PARAMS], auth=["session"])
def channel_list_last(call: Call) -> dict:
    v = viewer(call)
    width, height = icon_size(call)
    entries = {e.id: e for e in v.entries(True)}
    order = list(last_viewed_channels(v.account))
    if not order and v.account.last_channel_id:
        order = [v.account.last_channel_id]
    channels = []
    for channel_id in order:
        entry = entries.get(channel_id)
        if entry is None:
            continue
        channels.append({"id": entry.id, "name": entry.name, "icon": live.icon_url(entry.icon, width, height, v.host)})
        if len(channels) >= settings.SMARTY_LAST_CHANNELS_LIMIT:
            break
    return {"channels": channels}


@tvmw.method(
    "/v2/account/channels/accountsettingsinfo/",
    "AccountSettingsChannelInfo",
    params=COMMON_PARAMS,
    auth=["session"],
    param_error_code=V2_BAD_PARAMS,
)
def account_settings_channel_info(call: Call) -> dict:
    v = viewer(call)
    entries = v.entries(True)
    s = v.settings
    visible = [e.id for e in entries]
    return {
        "is_favorited": [i for i in visible if i in s.favorites],
        "is_hidden": [i for i in visible if i in s.hidden],
        "is_parent_control": [e.id for e in entries if s.parent.get(e.id, e.parent)],
    }


def _check_available(v, ids: list[int]) -> None:
    known = {e.id for e in v.entries(True)}
    missing = sorted(set(ids) - known)
    if missing:
        raise ApiError(V2_NOT_FOUND, f"Channels not found: {missing}", {"channel_ids": "not found"})


@tvmw.method(
    "/v2/account/channels/sort/",
    "AccountChannelsSort",
    params=[*COMMON_PARAMS, NumberList("channel_ids")],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=V2_BAD_PARAMS,
)
def account_channels_sort(call: Call) -> dict:
    body = json_body(call)
    if "channel_ids" in body:
        ids = id_list(body["channel_ids"], "channel_ids", V2_BAD_PARAMS)
    elif "channel_ids" in call.data or "channel_ids[]" in call.data:
        ids = call.params["channel_ids"]
    else:
        raise ApiError(V2_BAD_PARAMS, "Invalid parameters: channel_ids: required", {"channel_ids": "required"})
    v = viewer(call)
    _check_available(v, ids)
    services.account_channels_sort(account=v.account, channel_ids=ids)
    return {}


def _flag(value: Any, name: str) -> bool:
    if value in (0, 1, "0", "1") and not isinstance(value, float):
        return bool(int(value))
    if isinstance(value, bool):
        return value
    raise ApiError(V2_BAD_PARAMS, f"Invalid parameters: {name}: expected 0 or 1", {name: "expected 0 or 1"})


def _channel_flags(items: Any) -> list[services.ChannelFlags]:
    if not isinstance(items, list) or not items:
        raise ApiError(
            V2_BAD_PARAMS,
            "Invalid parameters: account_channels: a non-empty list of objects",
            {"account_channels": "bad"},
        )
    out = []
    for item in items:
        if not isinstance(item, dict) or "channel_id" not in item:
            raise ApiError(
                V2_BAD_PARAMS,
                "Invalid parameters: account_channels: every item needs channel_id",
                {"account_channels": "channel_id required"},
            )
        channel_id = id_list([item["channel_id"]], "account_channel.channel_id", V2_BAD_PARAMS)[0]
        parent = item.get("is_parent_control")
        out.append(
            services.ChannelFlags(
                channel_id=channel_id,
                is_favorite=_flag(item.get("is_favorited", 0), "account_channel.is_favorited"),
                is_hidden=_flag(item.get("is_hidden", 0), "account_channel.is_hidden"),
                is_parent_control=None if parent is None else _flag(parent, "account_channel.is_parent_control"),
            )
        )
    return out


@tvmw.method(
    "/v2/account/channels/update/",
    "AccountChannelsUpdate",
    params=[*COMMON_PARAMS, String("account_channels")],
    auth=["session"],
    http_methods=("POST",),
    param_error_code=V2_BAD_PARAMS,
)
def account_channels_update(call: Call) -> dict:
    body = json_body(call)
    if "account_channels" in body:
        raw = body["account_channels"]
    elif call.params["account_channels"]:
        try:
            raw = json_loads(call.params["account_channels"])
        except ValueError as exc:
            raise ApiError(
                V2_BAD_PARAMS, "Invalid parameters: account_channels: not JSON", {"account_channels": "not JSON"}
            ) from exc
    else:
        raise ApiError(
            V2_BAD_PARAMS, "Invalid parameters: account_channels: required", {"account_channels": "required"}
        )
    items = _channel_flags(raw)
    v = viewer(call)
    _check_available(v, [i.channel_id for i in items])
    services.account_channels_update(account=v.account, items=items)
    return {}
