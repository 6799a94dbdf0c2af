"""Settings (reference tvmw/Settings.md): /settings/save/."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.services.account_settings import account_settings_save
from channels.services import ChannelNotFoundError, account_channel_settings_save
from smarty.api import ApiError, Call, Flag, Json, Number, Pin, String
from smarty.api.params import is_digits
from streaming.selectors import data_center_get

from .. import errors
from ..api import tvmw

#: A channel id longer than this is no id of ours (and would overflow the column).
MAX_ID_DIGITS = 18
CHANNEL_PARAMS = ("favorite_channel", "unfavorite_channel", "parent_lock_channel", "parent_unlock_channel")


def _fail(field: str, message: str) -> ApiError:
    return ApiError(errors.SETTINGS_SAVE_FAILED, f"Settings not saved: {field}: {message}", {field: message})


def _channel_changes(call: Call) -> dict[int, dict]:
    """channel id -> AccountChannelSetting fields, from the single-channel params and channels_sort."""
    p = call.params
    changes: dict[int, dict] = {}
    simple = {
        "favorite_channel": ("is_favorite", True),
        "unfavorite_channel": ("is_favorite", False),
        "parent_lock_channel": ("is_parent_control", True),
        "parent_unlock_channel": ("is_parent_control", False),
    }
    for param, (field, value) in simple.items():
        if p[param] is not None:
            changes.setdefault(p[param], {})[field] = value
    sort = p["channels_sort"]
    if sort is not None:
        if not isinstance(sort, list):
            raise _fail("channels_sort", "expected a JSON list")
        for position, item in enumerate(sort):
            channel_id = (
                str(item.get("id", "")) if isinstance(item, dict) and not isinstance(item.get("id"), bool) else ""
            )
            if not is_digits(channel_id) or len(channel_id) > MAX_ID_DIGITS:
                raise _fail("channels_sort", f"item {position} has no channel id")
            row = changes.setdefault(int(channel_id), {})
            row["sort_order"] = position
            for key, field in (
                ("is_favorited", "is_favorite"),
                ("is_hidden", "is_hidden"),
                ("is_parent_control", "is_parent_control"),
            ):
                if key in item:
                    row[field] = _flag(item[key], position, key)
    return changes


def _flag(value: object, position: int, key: str) -> bool:
    """A channels_sort flag: 0/1 as a number, a string of ASCII digits or a JSON boolean."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) or (isinstance(value, str) and is_digits(value.strip())):
        return bool(int(value))
    raise _fail("channels_sort", f"item {position}: {key} must be 0 or 1")


def _save_channel_settings(call: Call, changes: dict[int, dict]) -> None:
    try:
        account_channel_settings_save(account=call.account, changes=changes)
    except ChannelNotFoundError as exc:
        raise _fail("channel", f"unknown channel id(s) {exc.ids}") from None


@tvmw.method(
    "/settings/save/",
    "SettingsSave",
    params=[
        Pin("parent_code"),
        *(Number(name) for name in CHANNEL_PARAMS),
        Flag("use_timeshift", default=None),
        Number("preferred_timeshift_offset"),
        Number("data_center_id"),
        Json("channels_sort"),
        String("device"),
        String("device_uid"),
        String("lang", default=""),
    ],
    auth=["session"],
    param_error_code=errors.SETTINGS_SAVE_FAILED,
)
def settings_save(call: Call) -> dict:
    p = call.params
    account_changes: dict = {}
    if p["parent_code"] is not None:
        account_changes["parent_code"] = p["parent_code"]
    if p["use_timeshift"] is not None:
        account_changes["use_timeshift"] = bool(p["use_timeshift"])
    if p["preferred_timeshift_offset"] is not None:
        account_changes["preferred_timeshift_offset"] = p["preferred_timeshift_offset"]
    if p["data_center_id"] is not None:
        center = data_center_get(client=call.client, data_center_id=p["data_center_id"])
        if center is None:
            raise _fail("data_center_id", "unknown data center")
        account_changes["data_center"] = center
    channel_changes = _channel_changes(call)
    with transaction.atomic():
        try:
            account_settings_save(account=call.account, changes=account_changes)
        except ValidationError as exc:
            field = next(iter(exc.message_dict), "settings")
            raise _fail(field, "; ".join(exc.message_dict.get(field, []))) from None
        _save_channel_settings(call, channel_changes)
    return {"error_message": ""}
