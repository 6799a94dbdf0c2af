"""Messages and commands to an account's devices (seed 3.2.8.4). Used by the TVMW API (read,
delete, delivery by account/status), the admin and the Billing API's account/message/create.

Every write bumps the account's inbox generation (accounts/invalidation.py), which is
what keeps account/status's warm path free of queries."""

from __future__ import annotations

import re
import uuid as uuid_lib
from enum import IntEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from smarty.logging import log_event

from ..invalidation import inbox_changed
from ..models import Account, AccountDevice, Customer, DeviceCommand, Message


class CommandType(IntEnum):
    """account/status `command.type` values (reference tvmw/Account.md)."""

    NONE = 0
    OTHER = 1
    RESTART_APP = 2
    REBOOT_DEVICE = 3


def message_create(
    *,
    account: Account,
    text: str,
    subject: str = "",
    urgent: bool = False,
    no_confirmation: bool = False,
    delete_after_reading: bool = False,
) -> Message:
    """A message to all devices of the account; urgent ones pop up on the next status poll."""
    message = Message(
        client_id=account.client_id,
        account=account,
        uuid=uuid_lib.uuid4(),
        subject=subject or "",
        text=text or "",
        urgent=bool(urgent),
        no_confirmation=bool(no_confirmation),
        delete_after_reading=bool(delete_after_reading),
    )
    message.full_clean()
    with transaction.atomic():
        message.save()
        message_log_created(message, account.abonement)
    return message


def message_log_created(message: Message, abonement: str) -> None:
    """MESSAGE_CREATED now, MESSAGE_SEND once the message is committed and deliverable
    (seed 4.1.6). Bulk mail calls it for each message it inserts."""
    context = {"account": abonement, "subject": message.subject, "text": message.text}
    log_event("smarty_messaging", "MESSAGE_CREATED", **context)
    transaction.on_commit(lambda: log_event("smarty_messaging", "MESSAGE_SEND", **context, uuid=str(message.uuid)))


def message_mark_read(*, account: Account, message_id: int, uuid: str = "", subject: str = "", text: str = "") -> bool:
    """Mark a message read (and deleted, if it was to be deleted after reading) with one
    conditional UPDATE. True if it was unread: the moment it reaches the subscriber, logged
    as MESSAGE_SEND (uuid, subject and text are for that log line)."""
    with transaction.atomic():
        updated = Message.objects.filter(
            pk=message_id, account=account, client_id=account.client_id, is_read=False
        ).update(
            is_read=True,
            is_deleted=Case(When(delete_after_reading=True, then=Value(True)), default=F("is_deleted")),
        )
        if updated:
            # .update() sends no signal: bump the inbox generation here.
            _touch_inbox(account.pk)
    if updated:
        log_event("smarty_messaging", "MESSAGE_SEND", account=account.pk, subject=subject, text=text, uuid=str(uuid))
    return bool(updated)


def message_delete(*, account: Account, uuid: str | None = None) -> int:
    """Delete one message of the account by uuid, or all of them with uuid=None."""
    qs = Message.objects.filter(client_id=account.client_id, account=account, is_deleted=False)
    if uuid is not None:
        qs = qs.filter(uuid=uuid)
    rows = list(qs.values("pk", "subject", "text", "uuid"))
    if not rows:
        return 0
    with transaction.atomic():
        Message.objects.filter(pk__in=[r["pk"] for r in rows]).update(is_deleted=True)
        _touch_inbox(account.pk)
    for row in rows:
        log_event(
            "smarty_messaging",
            "MESSAGE_DELETED",
            account=account.pk,
            subject=row["subject"],
            text=row["text"],
            uuid=str(row["uuid"]),
        )
    return len(rows)


def command_create(
    *,
    account: Account,
    type: int,
    device: AccountDevice | None = None,
    user_confirmation: bool = False,
    deep_link: str = "",
    accompanying_text: str = "",
    image_url: str = "",
) -> DeviceCommand:
    """A command for the account's devices (or one device), delivered once by account/status."""
    try:
        command_type = CommandType(int(type))
    except (TypeError, ValueError) as exc:
        raise ValidationError({"type": "allowed values: " + ", ".join(str(int(c)) for c in CommandType)}) from exc
    if device is not None and device.account_id != account.pk:
        raise ValidationError({"device": "not a device of this account"})
    command = DeviceCommand(
        client_id=account.client_id,
        account=account,
        device=device,
        type=str(int(command_type)),
        user_confirmation=bool(user_confirmation),
        deep_link=deep_link or "",
        accompanying_text=accompanying_text or "",
        image_url=image_url or "",
    )
    command.full_clean()
    with transaction.atomic():
        command.save()
    log_event(
        "smarty_messaging",
        "COMMAND_CREATED",
        account=account.pk,
        type=int(command_type),
        device=device.pk if device else None,
    )
    return command


def command_mark_delivered(*, account: Account, command_id: int) -> bool:
    """Conditional update: only one poll (of any process) delivers a command."""
    with transaction.atomic():
        updated = DeviceCommand.objects.filter(
            pk=command_id, account=account, client_id=account.client_id, delivered_at__isnull=True
        ).update(delivered_at=timezone.now())
        if updated:
            _touch_inbox(account.pk)
    return bool(updated)


def _touch_inbox(account_id: int) -> None:
    inbox_changed(account_id)


# --- bulk mail (seed 3.2.8.4.1) ---------------------------------------------------------------
_VARIABLES = re.compile(r"\$(firstname|lastname)\b")


def message_substitute(text: str, customer: Customer) -> str:
    """Replace $firstname and $lastname with the customer's names (bulk mail, seed 3.2.8.4.1)."""
    values = {"firstname": customer.firstname, "lastname": customer.lastname}
    return _VARIABLES.sub(lambda m: values[m.group(1)], text)


def message_bulk_create(
    *,
    accounts: QuerySet,
    subject: str,
    text: str,
    urgent: bool = False,
    no_confirmation: bool = False,
    batch_size: int = 500,
) -> int:
    """One message per account with $firstname/$lastname of its customer substituted in the
    subject and the text. Returns the number of messages created."""
    created = 0
    with transaction.atomic():
        batch: list[tuple[Message, str]] = []
        touched: list[int] = []
        for account in accounts.select_related("customer").iterator(chunk_size=batch_size):
            message = Message(
                client_id=account.client_id,
                account=account,
                uuid=uuid_lib.uuid4(),
                subject=message_substitute(subject, account.customer)[:255],
                text=message_substitute(text, account.customer),
                urgent=urgent,
                no_confirmation=no_confirmation,
            )
            batch.append((message, account.abonement))
            touched.append(account.pk)
            if len(batch) >= batch_size:
                created += _flush_messages(batch)
                batch = []
        created += _flush_messages(batch)
        # bulk_create sends no signals: refresh the recipients' inbox state (account/status).
        inbox_changed(*touched)
    return created


def _flush_messages(batch: list[tuple[Message, str]]) -> int:
    if not batch:
        return 0
    Message.objects.bulk_create([m for m, _ in batch])
    for message, abonement in batch:
        message_log_created(message, abonement)
    return len(batch)
