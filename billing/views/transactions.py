"""Transaction group: create and delete financial operations by the billing's ext_id."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from accounts.services.action_log import Source
from smarty.api import ApiError, Call, Flag, String

from .. import errors, services
from ..api import Amount, Id, Int, customer_from, domain_errors, endpoint

# The vendor's published billing clients (Python, NodeJS) send the transaction's ext_id as `id`.
EXT_ID_ALIAS = "id"

VIDEO_UNTIL_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d, %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M")


def video_until(value: str | None) -> dt.datetime | None:
    """`video_available_until`: 'YYYY-MM-DD hh:mm:ss' (UTC) or a date (to its end); ValueError."""
    if not value:
        return None
    text = value.strip()
    for fmt in VIDEO_UNTIL_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    day = dt.datetime.strptime(text, "%Y-%m-%d").date()
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


def _ext_id(call: Call) -> str:
    """`ext_id`, else the clients' `id` (the reference's name wins when both are sent)."""
    return (call.params["ext_id"] or "").strip() or (call.params[EXT_ID_ALIAS] or "").strip()


@endpoint(
    "/transaction/create/",
    "TransactionCreate",
    params=[
        String("ext_id", max_length=128),
        String(EXT_ID_ALIAS, max_length=128),
        Amount("amount", default=0),
        Flag("processed"),
        String("comment", max_length=10_000),
        Id("customer_id"),
        String("customer_ext_id", max_length=128),
        Int("transaction_type", lo=1, hi=1),
        String("video_ext_id", max_length=128),
        String("video_available_until", max_length=32),
        Flag("activate_accounts"),
    ],
)
def transaction_create(call: Call) -> dict:
    code = errors.TransactionCreate
    p = call.params
    ext_id = _ext_id(call)
    if not ext_id:
        raise ApiError(code.EXT_ID_MISSING, "ext_id is required", {"ext_id": "required"})
    try:
        until = video_until(p["video_available_until"])
    except ValueError as exc:
        raise ApiError(
            code.BAD_DATE, "Invalid date: video_available_until", {"video_available_until": "YYYY-MM-DD hh:mm:ss"}
        ) from exc
    # customer_id is ignored when customer_ext_id is given (the reference).
    by_ext_id = bool((p["customer_ext_id"] or "").strip())
    customer = customer_from(
        call, errors.UNKNOWN, id_param="" if by_ext_id else "customer_id", ext_param="customer_ext_id"
    )
    with domain_errors(
        {
            ValidationError: errors.UNKNOWN,
            services.TransactionExtIdTakenError: code.EXT_ID_EXISTS,
            services.VideoExtIdMissingError: code.VIDEO_EXT_ID_MISSING,
            services.VideoNotFoundError: code.VIDEO_NOT_FOUND,
        }
    ):
        # A video purchase (transaction_type 1) opens the video to the customer's accounts.
        tx = services.transaction_create_with_video(
            customer=customer,
            amount=p["amount"],
            ext_id=ext_id,
            processed=bool(p["processed"]),
            comment=p["comment"] or "",
            transaction_type=p["transaction_type"],
            video_ext_id=(p["video_ext_id"] or "").strip(),
            video_available_until=until,
            activate_accounts=bool(p["activate_accounts"]),
            action_source=Source.BILLING_API,
        )
    return {"transaction_id": tx.pk}


@endpoint(
    "/transaction/delete/",
    "TransactionDelete",
    params=[String("ext_id", max_length=128), String(EXT_ID_ALIAS, max_length=128)],
    param_error=errors.TransactionDelete.EXT_ID_MISSING,
)
def transaction_delete(call: Call) -> dict:
    code = errors.TransactionDelete
    ext_id = _ext_id(call)
    if not ext_id:
        raise ApiError(code.EXT_ID_MISSING, "ext_id is required", {"ext_id": "required"})
    with domain_errors({services.TransactionNotFoundError: code.NOT_FOUND}):
        services.transaction_delete(client=call.client, ext_id=ext_id, action_source=Source.BILLING_API)
    return {}
