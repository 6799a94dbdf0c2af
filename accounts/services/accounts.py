"""Operations on accounts (a customer's logins): create, modify, delete, activate and
deactivate, tariffs, devices and cameras. The Billing API, the Dealers API and the admin call
these; each runs in one database transaction, logs the seed's smarty_accounts events, writes
the customer action log (TVMIDDLEWARE_CUSTOMER_LOG_ENABLED) and bumps the cache generations of
what it changed after commit.

Field names are the model's; the protocol layers rename (for example `account_ext_id` on the
wire is `ext_id` here)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, AccountDevice, Customer, Session
from clients.models import PlayDevice, PlayDeviceTemplate
from smarty.logging import log_event
from tariffs.models import TariffSubscription

from ..invalidation import accounts_changed, accounts_invalidate, sessions_changed
from .action_log import Action, Source, customer_action_log, plain

StatusReason = Account.StatusReason

ACCOUNT_FIELDS = frozenset(
    {
        "ext_id",
        "active",
        "status_reason",
        "auto_activation_period",
        "extension_date",
        "activation_date",
        "deactivation_date",
        "allow_multiple_login",
        "allow_login_by_abonement",
        "allow_login_by_device_uid",
        "allow_login_by_ip",
        "subnets",
        "parent_code",
        "use_timeshift",
        "preferred_timeshift_offset",
        "data_center",
        "allowed_device_groups",
        "template",
        "option1",
        "option2",
        "option3",
        "settings",
    }
)
#: What the admin's account card changes besides ACCOUNT_FIELDS (the Billing API never does).
ACCOUNT_CARD_FIELDS = frozenset({"abonement", "customer"})
DEVICE_FIELDS = frozenset(
    {"serial_number", "brand_name", "device_model", "diagonal", "reset_settings", "enabled", "app_build_version"}
)
#: A device's identity, which only a hand edit (the admin) changes after creation.
DEVICE_IDENTITY_FIELDS = frozenset({"device_uid", "play_device", "is_basic"})
ABONEMENT_ATTEMPTS = 20
STATUS_REASON_MAX = Account._meta.get_field("status_reason").max_length


class AccountExtIdTakenError(Exception):
    field = "ext_id"

    def __init__(self, message: str = "An account with this ext_id already exists") -> None:
        super().__init__(message)


class AbonementTakenError(Exception):
    field = "abonement"

    def __init__(self, message: str = "An account with this abonement already exists") -> None:
        super().__init__(message)


class DeviceUidTakenError(Exception):
    field = "device_uid"

    def __init__(self, message: str = "A device with this device_uid already exists") -> None:
        super().__init__(message)


class TariffUnavailableError(Exception):
    """The tariff cannot be assigned (disabled, or another operator's)."""

    field = "tariff_id"


# --- shared helpers -------------------------------------------------------------------------


def sessions_end(*, account_ids: Iterable[int], device_ids: Iterable[int] | None = None) -> int:
    """Delete the sessions of accounts (or of some of their devices) so no authkey of them
    works any longer; their cached copies are invalidated after commit."""
    qs = Session.objects.filter(account_id__in=list(account_ids))
    if device_ids is not None:
        qs = qs.filter(device_id__in=list(device_ids))
    authkeys = list(qs.values_list("authkey", flat=True))
    if not authkeys:
        return 0
    Session.objects.filter(authkey__in=authkeys).delete()
    sessions_changed(authkeys)
    return len(authkeys)


def sessions_delete(*, sessions) -> int:
    """Delete the sessions of a queryset (an operator's authkeys); their cached copies are
    invalidated after commit. Returns how many were deleted."""
    with transaction.atomic():
        rows = list(sessions.values_list("authkey", "account_id"))
        authkeys = [key for key, _ in rows]
        if authkeys:
            Session.objects.filter(authkey__in=authkeys).delete()
            sessions_changed(authkeys)
            # The account's cached state lists its sessions too.
            accounts_changed(*sorted({pk for _, pk in rows}))
    return len(authkeys)


def generate_password() -> str:
    """A numeric password 0..999999 (as the reference's AccountCreate generates it)."""
    return str(secrets.randbelow(1_000_000))


def generate_abonement(client) -> str:
    length = max(int(getattr(client, "abonement_length", 8) or 8), 4)
    return str(10 ** (length - 1) + secrets.randbelow(9 * 10 ** (length - 1)))


# --- validation -------------------------------------------------------------------------------


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def normalise_subnets(value: str) -> str:
    """'10.0.0.0/8; 192.168.1.1' -> '10.0.0.0/8,192.168.1.1/32'; raises ValueError."""
    parts = [p for p in str(value).replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    return ",".join(str(ipaddress.ip_network(p.strip(), strict=False)) for p in parts)


def account_validate(account: Account) -> None:
    """The checks every door's account passes (the admin's form runs them before saving).
    Normalises `subnets`. Raises ValidationError."""
    errors: dict[str, list[str]] = {}
    try:
        account.full_clean(
            exclude=["client", "customer", "status_reason", "data_center", "last_channel", "password"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not _digits(str(account.abonement)):
        errors.setdefault("abonement", []).append("digits only")
    if len(account.status_reason or "") > STATUS_REASON_MAX:
        errors.setdefault("status_reason", []).append(f"at most {STATUS_REASON_MAX} characters")
    if account.parent_code and not _digits(str(account.parent_code)):
        errors.setdefault("parent_code", []).append("digits only")
    try:
        account.subnets = normalise_subnets(account.subnets or "")
    except ValueError:
        errors.setdefault("subnets", []).append("comma-separated IP networks (CIDR)")
    groups = account.allowed_device_groups or []

    if not isinstance(groups, list) or any(g not in PlayDevice.Group.values for g in groups):
        errors.setdefault("allowed_device_groups", []).append("unknown device group")
    if account.data_center_id is not None and account.data_center.client_id != account.client_id:
        errors.setdefault("data_center", []).append("not found")
    if account.template:
        if not PlayDeviceTemplate.objects.filter(system_name=account.template).exists():
            errors.setdefault("template", []).append("no such template")
    if errors:
        raise ValidationError(errors)


def _check_fields(data: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = set(data) - allowed
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


# --- accounts ---------------------------------------------------------------------------------


def _insert_account(account: Account, *, generate: bool) -> None:
    """INSERT the account; the unique constraints decide ext_id and abonement races. A
    generated abonement that collides is drawn again."""
    client = account.client
    for _ in range(ABONEMENT_ATTEMPTS):
        if generate:
            account.abonement = generate_abonement(client)
            if Account.objects.filter(client=client, abonement=account.abonement).exists():
                continue
        try:
            with transaction.atomic():
                account.save(force_insert=True)
            return
        except IntegrityError:
            account.pk = None
            account._state.adding = True
            if account.ext_id and Account.objects.filter(client=client, ext_id=account.ext_id).exists():
                raise AccountExtIdTakenError() from None
            if not generate:
                if Account.objects.filter(client=client, abonement=account.abonement).exists() or not account.ext_id:
                    raise AbonementTakenError() from None
                # A concurrent insert not yet visible to this transaction: the ext_id is the
                # only other unique key it can be.
                raise AccountExtIdTakenError() from None
            if account.ext_id:
                # Could be our ext_id racing with an uncommitted insert; the next attempt tells.
                continue
    raise AbonementTakenError("No free abonement could be generated; pass one")


def account_create(
    *,
    customer: Customer,
    abonement: str | None = None,
    password: str | None = None,
    data: Mapping[str, Any] | None = None,
    tariffs: Iterable = (),
    source: str = Source.SYSTEM,
    user: str = "",
) -> Account:
    """Create an account of `customer`. Without `abonement` a unique one is generated
    (Client.abonement_length digits); without `password` a numeric one 0..999999. The plain
    password is returned once on `account.raw_password` (only its hash is stored).

    Raises ValidationError, AccountExtIdTakenError, AbonementTakenError."""
    data = dict(data or {})
    _check_fields(data, ACCOUNT_FIELDS)
    raw_password = str(password) if password not in (None, "") else generate_password()
    active = data.setdefault("active", True)
    if not data.get("status_reason"):
        data["status_reason"] = StatusReason.ACTIVE if active else StatusReason.INACTIVE
    given = str(abonement).strip() if abonement not in (None, "") else ""
    account = Account(client=customer.client, customer=customer, abonement=given or "0", **data)
    account.set_password(raw_password)
    account_validate(account)
    tariffs = list(tariffs)
    with transaction.atomic():
        _insert_account(account, generate=not given)
        if tariffs:
            account.tariffs.add(*tariffs)
        log_event("smarty_accounts", "ACCOUNT_CREATED", account_id=account.pk)
        customer_action_log(
            client_id=account.client_id,
            customer=customer,
            account=account,
            source=source,
            action=Action.ACCOUNT_CREATED,
            details={"abonement": account.abonement, "ext_id": account.ext_id},
            user=user,
        )
        if tariffs:
            log_event(
                "smarty_accounts",
                "ACCOUNT_TARIFFS_ASSIGNED",
                account_id=account.pk,
                tariffs_ids=[t.pk for t in tariffs],
            )
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk], tariffs=bool(tariffs))
    account.raw_password = raw_password
    return account


def account_modify(
    *,
    account: Account,
    data: Mapping[str, Any] | None = None,
    password: str | None = None,
    reset_device_settings: bool = False,
    source: str = Source.SYSTEM,
    user: str = "",
) -> list[str]:
    """Change the given fields (only those); a non-empty `password` replaces the password.
    Deactivating ends the account's sessions. Returns the names of the changed fields.

    Raises ValidationError, AccountExtIdTakenError, AbonementTakenError."""
    data = dict(data or {})
    _check_fields(data, ACCOUNT_FIELDS | ACCOUNT_CARD_FIELDS)
    with transaction.atomic():
        # The customer, then the account (the order of every billing write), each row alone:
        # a join in a FOR UPDATE would lock the operator's row as well.
        list(Customer.objects.select_for_update().filter(pk=account.customer_id).values_list("pk", flat=True))
        account = Account.objects.select_for_update().get(pk=account.pk)
        if "customer" in data and data["customer"].client_id != account.client_id:
            raise ValidationError({"customer": ["not found"]})
        before = {name: getattr(account, name) for name in data}
        was_active = account.active
        for name, value in data.items():
            setattr(account, name, value)
        if "active" in data and "status_reason" not in data and account.active != was_active:
            account.status_reason = StatusReason.ACTIVE if account.active else StatusReason.INACTIVE
            before.setdefault("status_reason", None)
        account_validate(account)
        changed = [name for name in before if getattr(account, name) != before[name]]
        if password not in (None, ""):
            account.set_password(str(password))
            changed.append("password")
        if changed:
            try:
                with transaction.atomic():
                    account.save()
            except IntegrityError:
                if (
                    "abonement" in changed
                    and Account.objects.filter(client_id=account.client_id, abonement=account.abonement)
                    .exclude(pk=account.pk)
                    .exists()
                ):
                    raise AbonementTakenError() from None
                raise AccountExtIdTakenError() from None
        if reset_device_settings:
            AccountDevice.objects.filter(account=account).update(reset_settings=True)
            changed.append("reset_device_settings")
        if changed:
            _account_changed(account, changed, source=source, user=user)
        if was_active and not account.active:
            sessions_end(account_ids=[account.pk])
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk])
    return changed


#: Account fields whose values ACCOUNT_CHANGED and the customer action log never show.
SECRET_FIELDS = frozenset({"password", "parent_code"})


def _account_changed(account: Account, changed: list[str], *, source: str, user: str) -> None:
    values = {name: ("***" if name in SECRET_FIELDS else plain(getattr(account, name, True))) for name in changed}
    log_event("smarty_accounts", "ACCOUNT_CHANGED", account_id=account.pk, **values)
    customer_action_log(
        client_id=account.client_id,
        customer=account.customer,
        account=account,
        source=source,
        action=Action.ACCOUNT_CHANGED,
        details=values,
        user=user,
    )


def account_set_status(
    *, account: Account, active: bool, status_reason: str, source: str = Source.SYSTEM, user: str = ""
) -> bool:
    """Set `active` and `status_reason` (the internal billing's DEBT, activation, blocking);
    an account that stops being active loses its sessions. Returns whether anything changed."""
    with transaction.atomic():
        updated = (
            Account.objects.filter(pk=account.pk)
            .exclude(active=active, status_reason=status_reason)
            .update(active=active, status_reason=status_reason, updated_at=timezone.now())
        )
        if not updated:
            return False
        was_active = account.active
        account.active, account.status_reason = active, status_reason
        _account_changed(account, ["active", "status_reason"], source=source, user=user)
        if was_active and not active:
            sessions_end(account_ids=[account.pk])
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk])
    return True


def account_activate(
    *, account: Account, source: str = Source.SYSTEM, user: str = "", params: Mapping[str, Any] | None = None
) -> None:
    """Make the account active (status ACTIVE). No external API is configured here, so the
    activation result logged is always "ok"."""
    with transaction.atomic():
        account_set_status(account=account, active=True, status_reason=StatusReason.ACTIVE, source=source, user=user)
        log_event("smarty_accounts", "ACCOUNT_ACTIVATED", activation_result="ok", params=dict(params or {}))
        customer_action_log(
            client_id=account.client_id,
            customer=account.customer,
            account=account,
            source=source,
            action=Action.ACCOUNT_ACTIVATED,
            user=user,
        )


def account_deactivate(
    *,
    account: Account,
    status_reason: str = StatusReason.INACTIVE,
    source: str = Source.SYSTEM,
    user: str = "",
) -> None:
    """Make the account inactive; its sessions stop working at once."""
    account_set_status(account=account, active=False, status_reason=status_reason, source=source, user=user)


def account_delete(*, account: Account, source: str = Source.SYSTEM, user: str = "") -> None:
    """Delete the account with its devices and sessions."""
    with transaction.atomic():
        customer_action_log(
            client_id=account.client_id,
            customer=account.customer,
            source=source,
            action=Action.ACCOUNT_DELETED,
            details={"account_id": account.pk, "abonement": account.abonement},
            user=user,
        )
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk], tariffs=True)
        account.delete()


def account_first_login_activate(*, account: Account, today: dt.date | None = None) -> bool:
    """`auto_activation_period`: on the first login the account is activated for that many
    days (activation_date = today, deactivation_date = today + period; an INACTIVE or WAIT
    status becomes ACTIVE, a BLOCK or DEBT stays). For the login flow; returns whether it
    applied. Race-safe: the UPDATE is conditional on activation_date still being empty, so of
    two first logins at once only one activates."""
    if not account.auto_activation_period or account.activation_date:
        return False
    today = today or timezone.localdate()
    end = today + dt.timedelta(days=account.auto_activation_period)
    with transaction.atomic():
        updated = Account.objects.filter(pk=account.pk, activation_date__isnull=True).update(
            activation_date=today, deactivation_date=end, active=True, updated_at=timezone.now()
        )
        if updated:
            changed = ["activation_date", "deactivation_date", "active"]
            account.activation_date, account.deactivation_date, account.active = today, end, True
            waiting = (StatusReason.INACTIVE, StatusReason.WAIT)
            if Account.objects.filter(pk=account.pk, status_reason__in=waiting).update(
                status_reason=StatusReason.ACTIVE
            ):
                account.status_reason = StatusReason.ACTIVE
                changed.append("status_reason")
            _account_changed(account, changed, source=Source.TVMW_API, user="")
            accounts_invalidate(client_id=account.client_id, account_ids=[account.pk])
        else:
            account.refresh_from_db(fields=["activation_date", "deactivation_date", "active", "status_reason"])
    return bool(updated)


def accounts_expire_due(*, client=None, today: dt.date | None = None) -> int:
    """Deactivate active accounts whose deactivation_date has passed. Returns how many."""
    today = today or timezone.localdate()
    qs = Account.objects.filter(active=True, deactivation_date__lt=today).select_related("customer")
    if client is not None:
        qs = qs.for_client(client)
    count = 0
    for account in qs:
        count += account_set_status(account=account, active=False, status_reason=StatusReason.INACTIVE)
    return count


# --- tariffs ------------------------------------------------------------------------------------


def _usable_tariffs(client_id: int, tariffs: Iterable) -> list:
    tariffs = list(tariffs)
    for tariff in tariffs:
        if tariff.client_id != client_id:
            raise TariffUnavailableError(f"Tariff {tariff.pk} not found")
        if not tariff.enabled:
            raise TariffUnavailableError(f"Tariff {tariff.pk} is disabled")
    return tariffs


def tariffs_change(
    *,
    holder: Account | Customer,
    tariffs: Iterable,
    add: bool,
    source: str = Source.SYSTEM,
    user: str = "",
) -> list[int]:
    """Assign (add=True) or remove an account's or a customer's own tariffs; returns the ids
    that changed. The one place that logs ACCOUNT_/CUSTOMER_TARIFFS_ASSIGNED/REMOVED, writes
    the action log, closes the removed tariffs' open subscriptions and refreshes the caches of
    the accounts concerned. Assigning raises TariffUnavailableError for a disabled tariff.
    The charge that may follow is billing's step (billing.subscribers)."""

    is_account = isinstance(holder, Account)
    kind = "account" if is_account else "customer"
    customer = holder.customer if is_account else holder
    tariffs = _usable_tariffs(holder.client_id, tariffs) if add else list(tariffs)
    with transaction.atomic():
        present = set(holder.tariffs.values_list("id", flat=True))
        changed = [t for t in tariffs if (t.pk in present) != add]
        if changed:
            ids = [t.pk for t in changed]
            if add:
                holder.tariffs.add(*changed)
            else:
                holder.tariffs.remove(*changed)
                open_subs = TariffSubscription.objects.filter(tariff_id__in=ids, is_closed=False)
                if is_account:
                    open_subs = open_subs.filter(account=holder)
                else:
                    open_subs = open_subs.filter(customer=holder, account__isnull=True)
                open_subs.update(is_closed=True)
            verb = "assigned" if add else "removed"
            log_event(
                "smarty_accounts",
                f"{kind.upper()}_TARIFFS_{verb.upper()}",
                **{f"{kind}_id": holder.pk},
                tariffs_ids=ids,
            )
            customer_action_log(
                client_id=holder.client_id,
                customer=customer,
                account=holder if is_account else None,
                source=source,
                action=Action(f"{kind}_tariffs_{verb}"),
                details={"tariffs_ids": ids},
                user=user,
            )
            account_ids = [holder.pk] if is_account else holder.accounts.values_list("id", flat=True)
            accounts_invalidate(client_id=holder.client_id, account_ids=account_ids, tariffs=True)
    return [t.pk for t in changed]


def account_tariff_assign(
    *, account: Account, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Give the account (not its customer) the tariffs. Returns the ids newly assigned."""
    return tariffs_change(holder=account, tariffs=tariffs, add=True, source=source, user=user)


def account_tariff_remove(
    *, account: Account, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Take the tariffs from the account; its open subscriptions of them are closed."""
    return tariffs_change(holder=account, tariffs=tariffs, add=False, source=source, user=user)


# --- devices --------------------------------------------------------------------------------------


def account_device_create(
    *,
    account: Account,
    device_uid: str,
    play_device=None,
    data: Mapping[str, Any] | None = None,
    is_basic: bool = True,
    source: str = Source.SYSTEM,
    user: str = "",
) -> AccountDevice:
    """Bind a device to the account by hand (billing, admin). A device_uid already bound in
    this operator (to this or another account) is refused: a box belongs to one account.

    Raises ValidationError, DeviceUidTakenError."""
    data = dict(data or {})
    _check_fields(data, DEVICE_FIELDS)
    device = AccountDevice(
        client_id=account.client_id,
        account=account,
        device_uid=str(device_uid or "").strip(),
        play_device=play_device,
        is_basic=is_basic,
        **data,
    )
    device.full_clean(exclude=["client", "account", "play_device"], validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        if AccountDevice.objects.filter(client_id=account.client_id, device_uid=device.device_uid).exists():
            raise DeviceUidTakenError()
        try:
            with transaction.atomic():
                device.save(force_insert=True)
        except IntegrityError:
            raise DeviceUidTakenError() from None
        customer_action_log(
            client_id=account.client_id,
            customer=account.customer,
            account=account,
            source=source,
            action=Action.ACCOUNT_DEVICE_CREATED,
            details={"device_uid": device.device_uid},
            user=user,
        )
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk])
    return device


def account_device_modify(
    *, device: AccountDevice, data: Mapping[str, Any], source: str = Source.SYSTEM, user: str = ""
) -> list[str]:
    """Change the given device fields (`DEVICE_FIELDS`; the admin also the identity fields).
    Raises ValidationError, DeviceUidTakenError."""
    data = dict(data)
    _check_fields(data, DEVICE_FIELDS | DEVICE_IDENTITY_FIELDS)
    with transaction.atomic():
        before = {name: getattr(device, name) for name in data}
        for name, value in data.items():
            setattr(device, name, value)
        device.full_clean(
            exclude=["client", "account", "play_device"], validate_unique=False, validate_constraints=False
        )
        changed = [name for name in data if getattr(device, name) != before[name]]
        if changed:
            try:
                with transaction.atomic():
                    device.save(update_fields=changed)
            except IntegrityError:
                raise DeviceUidTakenError() from None
            customer_action_log(
                client_id=device.client_id,
                customer=device.account.customer,
                account=device.account,
                source=source,
                action=Action.ACCOUNT_DEVICE_CHANGED,
                details={"device_uid": device.device_uid, **{n: plain(getattr(device, n)) for n in changed}},
                user=user,
            )
            accounts_invalidate(client_id=device.client_id, account_ids=[device.account_id])
    return changed


def account_device_delete(*, device: AccountDevice, source: str = Source.SYSTEM, user: str = "") -> None:
    """Unbind a device; its sessions end with it."""
    with transaction.atomic():
        account = device.account
        sessions_end(account_ids=[account.pk], device_ids=[device.pk])
        log_event("smarty_accounts", "ACCOUNT_DEVICE_REMOVED", account_id=account.pk, device_uid=device.device_uid)
        customer_action_log(
            client_id=device.client_id,
            customer=account.customer,
            account=account,
            source=source,
            action=Action.ACCOUNT_DEVICE_REMOVED,
            details={"device_uid": device.device_uid},
            user=user,
        )
        accounts_invalidate(client_id=device.client_id, account_ids=[account.pk])
        device.delete()
