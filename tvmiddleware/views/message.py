"""Messages (reference tvmw/Message.md): list, detail (reads it), delete."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib

from accounts.selectors import message_get, message_list
from accounts.services.messages import message_delete, message_mark_read
from smarty.api import ApiError, Call, String

from .. import errors
from ..api import tvmw

COMMON = [String("device"), String("device_uid"), String("lang", default="")]


def _minutes(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M")


def _uuid(call: Call) -> str:
    raw = (call.params["uuid"] or "").strip()
    try:
        return str(uuid_lib.UUID(raw))
    except ValueError:
        raise ApiError(errors.MESSAGE_BAD_UUID, "Invalid uuid", {"uuid": "not a message uuid"}) from None


@tvmw.method("/message/list/", "MessageList", params=COMMON, auth=["session"])
def message_list_view(call: Call) -> dict:
    return {
        "error_message": "",
        "messages": [
            {
                "uuid": str(m.uuid),
                "subject": m.subject,
                "created_at": _minutes(m.created_at),
                "urgent": int(m.urgent),
                "was_read": int(m.is_read),
            }
            for m in message_list(account=call.account)
        ],
    }


@tvmw.method(
    "/message/detail/",
    "MessageDetail",
    params=[String("uuid", max_length=64), *COMMON],
    auth=["session"],
    param_error_code=errors.MESSAGE_BAD_UUID,
)
def message_detail(call: Call) -> dict:
    message = message_get(account=call.account, uuid=_uuid(call))
    if message is None:
        raise ApiError(errors.MESSAGE_BAD_UUID, "Message not found", {"uuid": "unknown message"})
    was_read = message.is_read
    message_mark_read(
        account=call.account, message_id=message.pk, uuid=str(message.uuid), subject=message.subject, text=message.text
    )
    # The reference: JSON gives a Unix time, XML "yyyy-mm-dd hh:mm".
    created = _minutes(message.created_at) if call.fmt == "xml" else int(message.created_at.timestamp())
    return {
        "error_message": "",
        "uuid": str(message.uuid),
        "subject": message.subject,
        "text": message.text,
        "no_confirmation": int(message.no_confirmation),
        "created_at": created,
        "urgent": int(message.urgent),
        "was_read": int(was_read),
    }


@tvmw.method(
    "/message/delete/",
    "MessageDelete",
    params=[String("uuid", max_length=64), *COMMON],
    auth=["session"],
    param_error_code=errors.MESSAGE_BAD_UUID,
)
def message_delete_view(call: Call) -> dict:
    if (call.params["uuid"] or "").strip().lower() == "all":
        message_delete(account=call.account)
        return {"error_message": ""}
    if not message_delete(account=call.account, uuid=_uuid(call)):
        raise ApiError(errors.MESSAGE_BAD_UUID, "Message not found", {"uuid": "unknown message"})
    return {"error_message": ""}
