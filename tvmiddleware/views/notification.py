"""Notification (reference tvmw/Notification.md): reminders of programmes. A device sets one
for a programme of a channel the account may watch (notification/create), lists them
(programmes to come, and past ones whose recording can still be watched) and deletes one or
all. The reminders are the account's own: `channels.models.ProgramReminder`."""

from __future__ import annotations

from channels import selectors as live
from channels.services import ReminderTargetNotFoundError, program_reminder_delete, program_reminder_set
from epg.selectors import epg_dictionaries, program_rows_by_ids, shape_program
from smarty.api import ApiError, Call, Number, String

from .. import errors
from ..api import tvmw
from .live_common import COMMON_PARAMS, ICON_PARAMS, has_record, icon_size, viewer

ALL = "all"


@tvmw.method(
    "/notification/create/",
    "NotificationCreate",
    params=[
        *COMMON_PARAMS,
        Number("cid", required=True),
        Number("pid", required=True),
        Number("timeshift_offset", lo=-(2**31), hi=2**31 - 1),
    ],
    auth=["session"],
    # The reference has no "wrong parameter" code here: an id that is not one names nothing.
    param_error_code=errors.NOT_FOUND,
)
def notification_create(call: Call) -> dict:
    p = call.params
    v = viewer(call)
    if v.entry(p["cid"]) is None:
        raise ApiError(errors.NOT_FOUND, "Channel not found", {"cid": "not found"})
    try:
        program_reminder_set(
            account=call.account,
            channel_id=p["cid"],
            program_id=p["pid"],
            timeshift_offset=p["timeshift_offset"] or 0,
        )
    except ReminderTargetNotFoundError:
        raise ApiError(errors.NOT_FOUND, "Programme not found on this channel", {"pid": "not found"}) from None
    return {"error_message": ""}


@tvmw.method(
    "/notification/delete/",
    "NotificationDelete",
    params=[*COMMON_PARAMS, String("pid", required=True, max_length=20)],
    auth=["session"],
    param_error_code=errors.NOTIFICATION_DELETE_BAD_PID,
)
def notification_delete(call: Call) -> dict:
    raw = call.params["pid"].strip()
    if raw == ALL:
        program_id = None
    elif raw.isascii() and raw.isdigit():
        program_id = int(raw)
    else:
        raise ApiError(
            errors.NOTIFICATION_DELETE_BAD_PID, "Invalid parameters: pid: a programme id or 'all'", {"pid": "invalid"}
        )
    program_reminder_delete(account=call.account, program_id=program_id)
    return {"error_message": ""}


@tvmw.method(
    "/notification/list/",
    "NotificationList",
    params=[*COMMON_PARAMS, *ICON_PARAMS],
    auth=["session"],
    param_error_code=errors.NOTIFICATION_LIST_BAD_ICON,
)
def notification_list(call: Call) -> dict:
    width, height = icon_size(call)
    v = viewer(call)
    reminders = live.program_reminder_list(client=call.client, account=call.account)
    if not reminders:
        return {"error_message": "", "notifications": []}
    entries = {e.id: e for e in v.entries()}
    rows = {r["id"]: r for r in program_rows_by_ids(r["program_id"] for r in reminders)}
    dictionaries = epg_dictionaries()
    out = []
    for reminder in reminders:
        entry, row = entries.get(reminder["channel_id"]), rows.get(reminder["program_id"])
        # A channel the account may no longer watch, or a programme gone from the guide.
        if entry is None or row is None or row["epg_channel_id"] != entry.epg_id:
            continue
        recorded = has_record(row, entry.recording_days, v.now)
        if row["e"] <= v.now and not recorded:
            continue
        shaped = shape_program(row, v.lang_index, dictionaries)
        out.append(
            {
                "id": entry.id,
                "name": entry.name,
                "url": entry.url,
                "icon": live.icon_url(entry.icon, width, height, v.host),
                "category_id": entry.category_id,
                "timeshift_offset": reminder["timeshift_offset"],
                "has_record": recorded,
                "max_archive_duration": entry.recording_days,
                "program_begin_time": row["b"],
                "program_end_time": row["e"],
                "program_name": shaped["name"],
                "program_description": shaped["description"],
                "program_category": shaped["category"],
                "program_preview_url": shaped["preview_url"],
                "program_id": row["id"],
                "program_rating": shaped["rating"],
                "program_meta": shaped["meta"],
            }
        )
    return {"error_message": "", "notifications": out}
