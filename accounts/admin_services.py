"""Operations the admin performs on subscribers: saving customers, accounts and devices,
messages and commands to devices, bulk mail, the customer action log.

They follow CONVENTIONS.md (keyword-only, one transaction, cache generations bumped after
commit) so they can be folded into accounts/services/ next to the Billing API's operations;
the admin's save hooks only call them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from smarty.cache import bump_now_and_on_commit

from .models import Account, AccountDevice, Customer, CustomerActionLog, DeviceCommand, Message, Session
from .selectors import account_dep, inbox_dep, session_dep
from .services import messages

SOURCE_ADMIN = CustomerActionLog.Source.ADMIN


class CommandType:
    """account/status `command.type` values (reference: tvmw/Account.md)."""

    OTHER = "1"
    RESTART_APP = "2"
    REBOOT_DEVICE = "3"

    choices = (
        (RESTART_APP, "restart the application"),
        (REBOOT_DEVICE, "reboot the device"),
        (OTHER, "other command"),
    )


# --- cache ---------------------------------------------------------------------------------
def account_cache_deps(account_ids: Iterable[int]) -> list[str]:
    """Generations to bump when accounts change: each account, and its sessions (a cached
    session carries its account)."""
    ids = [i for i in set(account_ids) if i]
    if not ids:
        return []
    authkeys = Session.objects.filter(account_id__in=ids).values_list("authkey", flat=True)
    return [account_dep(i) for i in ids] + [session_dep(k) for k in authkeys]


def _bump_on_commit(deps: Sequence[str]) -> None:
    bump_now_and_on_commit(*deps)


# --- customer action log (TVMIDDLEWARE_CUSTOMER_LOG_ENABLED, seed 3.2.8.5) -----------------
def customer_log_action(
    *,
    client_id: int,
    action: str,
    source: str = SOURCE_ADMIN,
    customer: Customer | None = None,
    account: Account | None = None,
    details: dict | None = None,
    user: str = "",
) -> CustomerActionLog | None:
    """Record what happened to a customer and from where, when the log is enabled."""
    if not settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED:
        return None
    return CustomerActionLog.objects.create(
        client_id=client_id,
        customer=customer,
        account=account,
        source=source,
        action=action,
        details=details or {},
        user=str(user or "")[:150],
    )


def _tariff_changes(
    *, client_id: int, customer: Customer, account: Account | None, before: set, after: set, user: str
) -> None:
    for action, ids in (("tariff_add", after - before), ("tariff_remove", before - after)):
        for tariff_id in sorted(ids):
            customer_log_action(
                client_id=client_id,
                action=action,
                customer=customer,
                account=account,
                details={"tariff_id": tariff_id},
                user=user,
            )


# --- customers -----------------------------------------------------------------------------
def customer_save(
    *,
    customer: Customer,
    is_new: bool,
    changed_fields: Iterable[str] = (),
    tariffs: Iterable | None = None,
    user: str = "",
) -> Customer:
    """Create or update a customer from the admin; tariffs (when given) replace its own."""
    with transaction.atomic():
        before = set() if is_new else set(customer.tariffs.values_list("id", flat=True))
        customer.full_clean(exclude=["tariffs"])
        customer.save()
        after = before
        if tariffs is not None:
            customer.tariffs.set(tariffs)
            after = set(customer.tariffs.values_list("id", flat=True))
        fields = sorted(set(changed_fields) - {"tariffs"})
        if is_new or fields:
            customer_log_action(
                client_id=customer.client_id,
                action="customer_create" if is_new else "customer_update",
                customer=customer,
                details={"fields": fields},
                user=user,
            )
        _tariff_changes(
            client_id=customer.client_id, customer=customer, account=None, before=before, after=after, user=user
        )
        _bump_on_commit(account_cache_deps(customer.accounts.values_list("id", flat=True)))
    return customer


def customer_delete(*, customer: Customer, user: str = "") -> None:
    with transaction.atomic():
        deps = account_cache_deps(customer.accounts.values_list("id", flat=True))
        customer_log_action(
            client_id=customer.client_id,
            action="customer_delete",
            details={"customer_id": customer.pk, "name": str(customer)},
            user=user,
        )
        customer.delete()
        _bump_on_commit(deps)


# --- accounts ------------------------------------------------------------------------------
def account_generate_abonement(*, client_id: int, length: int) -> str:
    """A random numeric abonement of `length` digits (at least 6) unused in the operator."""
    length = max(6, min(int(length or 8), 32))
    for _attempt in range(50):
        first = str(secrets.randbelow(9) + 1)
        candidate = first + "".join(str(secrets.randbelow(10)) for _ in range(length - 1))
        if not Account.objects.filter(client_id=client_id, abonement=candidate).exists():
            return candidate
    raise IntegrityError("could not find a free abonement; raise the operator's abonement length")


def account_save(
    *,
    account: Account,
    is_new: bool,
    changed_fields: Iterable[str] = (),
    password: str | None = None,
    tariffs: Iterable | None = None,
    user: str = "",
) -> Account:
    """Create or update an account from the admin: an empty abonement is generated, a given
    password is stored hashed, tariffs (when given) replace the account's own."""
    with transaction.atomic():
        if not account.client_id:
            account.client_id = account.customer.client_id
        if not account.abonement:
            account.abonement = account_generate_abonement(
                client_id=account.client_id, length=account.customer.client.abonement_length
            )
        if password:
            account.set_password(password)
        before = set() if is_new else set(account.tariffs.values_list("id", flat=True))
        account.full_clean(exclude=["tariffs", "password"])
        account.save()
        after = before
        if tariffs is not None:
            account.tariffs.set(tariffs)
            after = set(account.tariffs.values_list("id", flat=True))
        fields = sorted(set(changed_fields) - {"tariffs", "new_password"})
        if is_new or fields:
            customer_log_action(
                client_id=account.client_id,
                action="account_create" if is_new else "account_update",
                customer=account.customer,
                account=account,
                details={"fields": fields, "abonement": account.abonement},
                user=user,
            )
        if password and not is_new:
            customer_log_action(
                client_id=account.client_id,
                action="password_change",
                customer=account.customer,
                account=account,
                user=user,
            )
        _tariff_changes(
            client_id=account.client_id,
            customer=account.customer,
            account=account,
            before=before,
            after=after,
            user=user,
        )
        _bump_on_commit(account_cache_deps([account.pk]))
    return account


def account_delete(*, account: Account, user: str = "") -> None:
    with transaction.atomic():
        deps = account_cache_deps([account.pk])
        customer_log_action(
            client_id=account.client_id,
            action="account_delete",
            customer=account.customer,
            details={"abonement": account.abonement},
            user=user,
        )
        account.delete()
        _bump_on_commit(deps)


# --- devices and sessions ------------------------------------------------------------------
def device_save(*, device: AccountDevice, is_new: bool, user: str = "") -> AccountDevice:
    """Register a device manually (or change one registered at login)."""
    with transaction.atomic():
        device.client_id = device.account.client_id
        device.full_clean()
        device.save()
        if is_new:
            customer_log_action(
                client_id=device.client_id,
                action="device_add",
                customer=device.account.customer,
                account=device.account,
                details={"device_uid": device.device_uid},
                user=user,
            )
        _bump_on_commit(account_cache_deps([device.account_id]))
    return device


def device_delete(*, device: AccountDevice, user: str = "") -> None:
    with transaction.atomic():
        deps = account_cache_deps([device.account_id])
        customer_log_action(
            client_id=device.client_id,
            action="device_remove",
            customer=device.account.customer,
            account=device.account,
            details={"device_uid": device.device_uid},
            user=user,
        )
        device.delete()
        _bump_on_commit(deps)


def session_terminate(*, sessions: QuerySet) -> int:
    """End sessions (the device has to log in again)."""
    with transaction.atomic():
        authkeys = list(sessions.values_list("authkey", flat=True))
        account_ids = list(sessions.values_list("account_id", flat=True))
        Session.objects.filter(authkey__in=authkeys).delete()
        _bump_on_commit([session_dep(k) for k in authkeys] + [account_dep(i) for i in set(account_ids)])
    return len(authkeys)


# --- messages and commands (seed 3.2.8.4) --------------------------------------------------
_VARIABLES = re.compile(r"\$(firstname|lastname)\b")


def message_substitute(text: str, customer: Customer) -> str:
    """Replace $firstname and $lastname with the customer's names (bulk mail, seed 3.2.8.4.1)."""
    values = {"firstname": customer.firstname, "lastname": customer.lastname}
    return _VARIABLES.sub(lambda m: values[m.group(1)], text)


def message_create(
    *, account: Account, text: str, subject: str = "", urgent: bool = False, no_confirmation: bool = False
) -> Message:
    """A message from the admin: the same service the APIs use."""
    return messages.message_create(
        account=account, text=text, subject=subject, urgent=urgent, no_confirmation=no_confirmation
    )


def message_bulk_recipients(
    *,
    client_id: int,
    active_from: dt.date | None = None,
    active_to: dt.date | None = None,
    tariff_ids: Iterable[int] = (),
    only_active: bool = True,
) -> QuerySet:
    """Accounts of the operator matching the bulk mail criteria: last activity in the period
    (of the account or one of its sessions) and any of the tariff packages (the account's
    own or its customer's)."""
    accounts = Account.objects.filter(client_id=client_id)
    if only_active:
        accounts = accounts.filter(active=True)
    if active_from or active_to:
        account_q = Q()
        session_q = Q()
        if active_from:
            account_q &= Q(last_active__date__gte=active_from)
            session_q &= Q(sessions__last_active__date__gte=active_from)
        if active_to:
            account_q &= Q(last_active__date__lte=active_to)
            session_q &= Q(sessions__last_active__date__lte=active_to)
        accounts = accounts.filter(account_q | session_q)
    tariff_ids = list(tariff_ids)
    if tariff_ids:
        accounts = accounts.filter(Q(tariffs__in=tariff_ids) | Q(customer__tariffs__in=tariff_ids))
    return Account.objects.filter(pk__in=accounts.values("pk")).select_related("customer").order_by("pk")


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
                uuid=uuid.uuid4(),
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
        _bump_on_commit([inbox_dep(i) for i in touched])
    return created


def _flush_messages(batch: list[tuple[Message, str]]) -> int:
    if not batch:
        return 0
    Message.objects.bulk_create([m for m, _ in batch])
    for message, abonement in batch:
        messages.message_log_created(message, abonement)
    return len(batch)


def device_command_create(
    *,
    account: Account,
    type: str,
    device: AccountDevice | None = None,
    user_confirmation: bool = False,
    deep_link: str = "",
    accompanying_text: str = "",
    image_url: str = "",
) -> DeviceCommand:
    """A command from the admin: the same service the APIs use."""
    return messages.command_create(
        account=account,
        type=type,
        device=device,
        user_confirmation=user_confirmation,
        deep_link=deep_link,
        accompanying_text=accompanying_text,
        image_url=image_url,
    )
