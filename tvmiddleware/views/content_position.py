"""ContentPosition (reference tvmw/ContentPosition.md): where the account stopped watching a
programme or a film's asset (the "continue watching" rows and feeds), and the channel it
watched last (channel/list/last, the "recently watched channels" row)."""

from __future__ import annotations

from channels.services import channel_viewed
from epg.selectors import program_get
from portal.selectors import ContentPositionType
from portal.services import content_position_delete, content_position_set
from portal.vod_rows import video_asset_duration
from smarty.api import ApiError, Call, Flag, Number, String

from ..api import tvmw
from .live_common import COMMON_PARAMS, viewer

POSITION_BAD_PARAMS = 1
POSITION_SAVE_FAILED = 2
POSITION_ASSET_REQUIRED = 3
POSITION_NOT_FOUND = 404
REMEMBER_BAD_PARAMS = 1
SECONDS = 10 * 365 * 86400  # a position or duration beyond ten years is not one

TYPES = (ContentPositionType.PROGRAM.value, ContentPositionType.VIDEO.value)
CONTENT_PARAMS = [
    *COMMON_PARAMS,
    String("content_type", required=True, choices=TYPES),
    Number("content_id", required=True, lo=1),
    Number("asset_id", lo=0),
]


def _program_duration(call: Call, program_id: int) -> int | None:
    """The programme's length, None unless it is on a channel of the operator."""
    row = program_get(program_id)
    if row is None:
        return None
    epg_ids = {e.epg_id for e in viewer(call).entries(compact=True)}
    return row["e"] - row["b"] if row["epg_channel_id"] in epg_ids else None


@tvmw.method(
    "/content/position/set/",
    "ContentPositionSet",
    params=[
        *CONTENT_PARAMS,
        Number("position", required=True, lo=0, hi=SECONDS),
        Number("duration", lo=0, hi=SECONDS),
        Flag("is_viewed", default=None),
    ],
    auth=["session"],
    param_error_code=POSITION_BAD_PARAMS,
)
def content_position_set_view(call: Call) -> dict:
    p = call.params
    if p["content_type"] == ContentPositionType.VIDEO:
        if p["asset_id"] is None:
            raise ApiError(POSITION_ASSET_REQUIRED, "asset_id is required for a film", {"asset_id": "required"})
        known = video_asset_duration(client_id=call.client.pk, video_id=p["content_id"], asset_id=p["asset_id"])
    else:
        known = _program_duration(call, p["content_id"])
    if known is None:
        raise ApiError(POSITION_NOT_FOUND, "Content not found", {"content_id": "not found"})
    content_position_set(
        account=call.account,
        content_type=p["content_type"],
        content_id=p["content_id"],
        asset_id=p["asset_id"] or 0,
        position=p["position"],
        duration=p["duration"] if p["duration"] is not None else known,
        is_viewed=None if p["is_viewed"] is None else bool(p["is_viewed"]),
    )
    return {"error_message": ""}


@tvmw.method(
    "/content/position/delete/",
    "ContentPositionDelete",
    params=CONTENT_PARAMS,
    auth=["session"],
    param_error_code=POSITION_BAD_PARAMS,
)
def content_position_delete_view(call: Call) -> dict:
    p = call.params
    content_position_delete(
        account=call.account, content_type=p["content_type"], content_id=p["content_id"], asset_id=p["asset_id"]
    )
    return {"error_message": ""}


@tvmw.method(
    "/content/position/remember/channel/",
    "ContentPositionRememberChannel",
    params=[*COMMON_PARAMS, Number("channel_id", required=True, lo=1)],
    auth=["session"],
    param_error_code=REMEMBER_BAD_PARAMS,
)
def content_position_remember_channel(call: Call) -> dict:
    channel_id = call.params["channel_id"]
    if viewer(call).entry(channel_id) is None:
        raise ApiError(
            REMEMBER_BAD_PARAMS,
            "Invalid parameters: channel_id: not a channel of the account",
            {"channel_id": "not found"},
        )
    channel_viewed(account=call.account, channel_id=channel_id)
    return {"error_message": ""}
