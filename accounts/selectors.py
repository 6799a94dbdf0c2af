"""Read queries about subscribers, always scoped to one operator.

The device hot path (TVMW `account/status` and every method behind an authkey) reads its
session, account and inbox state from the cache; each is keyed by a generation that the
signal handlers in accounts/invalidation.py and the services bump on change.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, JSONField, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import PlayDevice
from clients.selectors import client_content_dep, client_get
from smarty.cache import cached, dep, generations
from smarty.device_reads import DeviceRead, held, link_set, prefetch_device, prefetch_device_linked
from smarty.instances import attach, from_values
from tariffs.models import TariffSubscription
from tariffs.selectors import tariffs_dep

from .models import Account, AccountDevice, Customer, DeviceCommand, Message, ProfileType, Session

# Printable ASCII without spaces, no longer than Session.authkey: anything else is no authkey.
AUTHKEY_SHAPE = re.compile(rf"[!-~]{{1,{Session._meta.get_field('authkey').max_length}}}")


def session_cache_id(authkey: str) -> str:
    """What names a session in cache keys and their log lines (smarty_cache logs every key):
    a digest of the authkey, never the authkey itself."""
    return hashlib.sha256(authkey.encode()).hexdigest()[:32]


def session_dep(authkey: str) -> str:
    return dep("session", session_cache_id(authkey))


def account_dep(account_id: int) -> str:
    return dep("account", account_id)


def inbox_dep(account_id: int) -> str:
    """Generation of an account's unread messages and undelivered device commands."""
    return dep("account_inbox", account_id)


# --- the device hot path: sessions and accounts as plain records ------------------------------
#
# What the cache keeps of a session or an account is a record: the row's column values, without
# the secrets (the authkey itself, the password hash, the playlist token) and without the
# operator (its row holds API keys; it comes from clients.selectors.client_get). Each process
# keeps the records it uses in its per-device memory (smarty.local_memory.device_values), checked
# against the generations through the generation mirror, and callers get fresh unsaved-looking
# model instances built from them: the secrets left out are deferred fields, read from the
# database if some code ever asks for them, and never written back by a save().
# The records are valid for as long as their generations are (every change of the rows bumps
# them), so they are kept as long as any cached value (SMARTY_CACHE_TIMEOUT): a device in use
# does not send its session and account to the database every few minutes.

_RECORD_LEAVES_OUT = {Account: ("password", "playlist_token"), Session: ("authkey",)}
_RECORD_MODELS = (Session, AccountDevice, PlayDevice, Account, Customer)

# A record is the tuple of a row's column values, in the order record_columns(model) gives:
# no column names, which made up most of a record's bytes in Redis and in each process's
# memory. The cache entries' names carry record_layout(), a digest of every record model's
# columns, so records written by code with other columns (before a migration, by the other
# version during a rolling update) are simply not found.
Record = tuple


@functools.cache
def record_columns(model: type[Model]) -> tuple[str, ...]:
    left_out = _RECORD_LEAVES_OUT.get(model, ())
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname not in left_out)


@functools.cache
def record_layout() -> str:
    columns = "\x1e".join(f"{m._meta.label}:{','.join(record_columns(m))}" for m in _RECORD_MODELS)
    return hashlib.blake2b(columns.encode(), digest_size=4).hexdigest()


def _record(row: Model) -> Record:
    return tuple(getattr(row, name) for name in record_columns(type(row)))


@functools.cache
def _mutable_columns(model: type[Model]) -> tuple[str, ...]:
    """The record columns whose values may be dicts or lists (JSON)."""
    kept = set(record_columns(model))
    return tuple(f.attname for f in model._meta.concrete_fields if isinstance(f, JSONField) and f.attname in kept)


def _from_record(model: type[Model], record: Record) -> Model:
    """What Model.from_db makes of the record's columns (the others deferred), without its
    per-field constructor: these models have no pre_init/post_init receivers, and their field
    descriptors keep plain values in the instance's __dict__ (a third of the time of a device
    call's records went to Model.__init__). JSON columns are mutable: each caller gets its own
    copy, never the process's record."""
    return from_values(model, record_columns(model), record, _mutable_columns(model))


def _account_record(account_id: int) -> dict | bool:
    account = Account.objects.select_related("customer").filter(pk=account_id).first()
    if account is None:
        return False
    return {"account": _record(account), "customer": _record(account.customer), "client_id": account.client_id}


def _account_read(account_id: int) -> DeviceRead:
    return f"account.{record_layout()}", (account_id,), [account_dep(account_id)], None


def account_get_cached(*, account_id: int) -> Account | None:
    """The account with its customer and operator, from this process's memory or the cache
    (account_dep); a new instance on every call."""
    name, parts, deps, timeout = _account_read(account_id)
    found = cached(name, parts, deps, lambda: _account_record(account_id), timeout=timeout, local="device")
    if not found:
        return None
    client = client_get(found["client_id"])
    if client is None:
        return None
    account = _from_record(Account, found["account"])
    customer = _from_record(Customer, found["customer"])
    attach(customer, "client", client)
    attach(account, "customer", customer)
    attach(account, "client", client)
    return account


def account_credential_stamps(*, account_id: int) -> tuple[str, str] | None:
    """Keyed digests (the installation's SECRET_KEY) of the account's password hash and
    playlist token, never the secrets themselves: what a remembered player session stays tied
    to, so a new password or a reset token ends it. Kept like the account record (account_dep),
    so a warm check needs neither a query nor a round trip."""

    def build() -> tuple[str, str] | bool:
        row = Account.objects.filter(pk=account_id).values_list("password", "playlist_token").first()
        if row is None:
            return False
        return credential_digest(row[0] or ""), credential_digest(row[1] or "")

    found = cached("account_stamps", (account_id,), [account_dep(account_id)], build, local="device")
    return found or None


def credential_digest(value: str) -> str:
    """A keyed one-way digest of a credential, safe to keep in the cache."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"credential\x1f" + value.encode(), hashlib.blake2b).hexdigest()[:40]


def _session_record(authkey: str, cache_id: str) -> dict | bool:
    """The session's record, and its link to the account written (a session read from the
    database is one the cache may not link yet)."""
    row = _session_by_authkey(authkey)
    if row is None:
        return False
    link_set(session_owner_key(cache_id), row.client_id, row.account_id, timeout=LINK_TIMEOUT)
    return {
        "session": _record(row),
        "device": _record(row.device) if row.device is not None else None,
        "play_device": _record(row.play_device) if row.play_device is not None else None,
    }


def _session_from_record(found: dict, authkey: str) -> Session:
    session = _from_record(Session, found["session"])
    session.authkey = authkey
    attach(session, "device", _from_record(AccountDevice, found["device"]) if found["device"] else None)
    attach(session, "play_device", _from_record(PlayDevice, found["play_device"]) if found["play_device"] else None)
    return session


def _session_read(cache_id: str) -> DeviceRead:
    """How a session's record is cached, named by session_cache_id (one digest a request)."""
    return f"session.{record_layout()}", (cache_id,), [dep("session", cache_id)], None


# A session's link never changes while the session lives, and a link left by a deleted one
# leads nowhere (its session entry is gone or stale): kept a day, not the hour of a value.
LINK_TIMEOUT = 24 * 3600


def session_owner_key(cache_id: str) -> str:
    """The link from a session to its operator and account (smarty.device_reads.link_set), which lets
    one round trip read the session and its account's values."""
    return f"session_owner:{cache_id}"


def _session_notes(cache_id: str) -> dict[str, float]:
    """The session's notes account/status reads (the touch's and the channel-list version),
    with how long the process may remember them."""
    interval = settings.SMARTY_SESSION_TOUCH_INTERVAL
    return {_session_note("touch", cache_id): interval, _session_note("channel_list", cache_id): interval}


def _session_note(kind: str, cache_id: str) -> str:
    return f"session_{kind}:{cache_id}"


def _account_reads(
    client_id: int, account_id: int, for_status: bool, also: Callable[[int, int], Sequence[DeviceRead]] | None
) -> list[DeviceRead]:
    """What a request reads of the session's account: the account; for account/status its
    inbox; what `also` names."""
    reads = [_account_read(account_id)]
    if for_status:
        reads.append(_inbox_read(account_id))
    return [*reads, *(also(client_id, account_id) if also else ())]


def session_touch_key(authkey: str) -> str:
    """The shared cache's note that a session was touched lately (services.sessions.session_touch)."""
    return _session_note("touch", session_cache_id(authkey))


def session_channel_list_key(authkey: str) -> str:
    """The channel-list version a session last saw (services.sessions.session_channel_list_changed)."""
    return _session_note("channel_list", session_cache_id(authkey))


def session_get_active(
    *, authkey: str, for_status: bool = False, also: Callable[[int, int], Sequence[DeviceRead]] | None = None
) -> Session | None:
    """The unexpired session of an authkey with its account and operator, from this process's
    memory or the cache; a new instance on every call.

    The session row is cached on its own generation and the account on the account's, so a
    change of the account (deactivation, new password...) is seen on the next request, in
    every process within the generation mirror's bound.

    A device this process forgot is read in one round trip (smarty.device_reads.prefetch_device_linked):
    the session, and through the session's link to its account (session_owner_key) the
    account; with for_status (the caller is `account/status`) its inbox and the session's
    touch and channel-list notes too; and what `also(client_id, account_id)` names, the
    per-account values the caller's views may read. Without the link (a session this cache
    has not seen since it was built) the account's values come in a second round trip
    (smarty.device_reads.prefetch_device) and the link is written."""
    if not AUTHKEY_SHAPE.fullmatch(authkey or ""):
        # No such session can exist: spare the cache a key made of whatever a client sent.
        return None

    cache_id = session_cache_id(authkey)
    read, link = _session_read(cache_id), session_owner_key(cache_id)
    built: list[bool] = []
    found = held(read)  # a device this process holds: no round trip, nothing to prefetch
    linked = None
    if found is None:
        # A device this process forgot: the session, its notes and what the request reads of
        # its account in one round trip, following the session's link to its operator and account.
        linked = prefetch_device_linked(
            [read],
            _session_notes(cache_id) if for_status else {},
            link=link,
            shape=(for_status, also),
            linked=lambda client_id, account_id: (_account_reads(client_id, account_id, for_status, also), {}),
        )
        found = cached(*read[:3], lambda: built.append(True) or _session_record(authkey, cache_id), local="device")
    if not found:
        return None
    session = _session_from_record(found, authkey)
    if session.expires_at <= timezone.now():
        # A sliding expiry may have moved the row's date since it was cached: read it once more.
        fresh = _session_by_authkey(authkey)
        if fresh is None or fresh.expires_at <= timezone.now():
            return None
        session = fresh
    if linked is False and not built:
        # The link was not there (evicted, or the session cached by an older version): the
        # account's values in a second round trip, and the link for the next time.
        link_set(link, session.client_id, session.account_id, timeout=LINK_TIMEOUT)
    if not linked:
        reads = _account_reads(session.client_id, session.account_id, for_status, None)
        notes = _session_notes(cache_id) if for_status and linked is None else {}
        prefetch_device(reads, notes, also=also(session.client_id, session.account_id) if also else ())
    account = account_get_cached(account_id=session.account_id)
    if account is None or account.client_id != session.client_id:
        return None
    attach(session, "account", account)
    attach(session, "client", account.client)
    return session


def _session_by_authkey(authkey: str) -> Session | None:
    """The session of exactly this authkey. The indexed lookup by a 128-bit random key is
    safe from timing; the second, constant-time comparison makes the match exact where the
    database collation is not (MariaDB/MySQL: case-insensitive, trailing spaces ignored), so
    a variant spelling cannot live on in its own cache entry after the session ends."""
    row = Session.objects.select_related("play_device", "device").filter(authkey=authkey).first()
    if row is None or not hmac.compare_digest(row.authkey.encode(), authkey.encode()):
        return None
    return row


def account_by_playlist_token(*, client, token: str) -> Account | None:
    """The account whose playlist token this is (constant-time confirmed: MariaDB compares
    case-insensitively), with its customer and operator from the cache."""
    if not token or len(token) > 64:
        return None
    found = Account.objects.for_client(client).filter(playlist_token=token).values_list("pk", "playlist_token").first()
    if found is None or not hmac.compare_digest(found[1].encode(), token.encode()):
        return None
    account = account_get_cached(account_id=found[0])
    if account is not None:
        account.playlist_token = found[1]  # just read: the cached record leaves it out
    return account


def account_is_active(account: Account, *, today: dt.date | None = None) -> bool:
    """Active flag set and the deactivation date (if any) not passed."""
    today = today or timezone.now().date()
    if not account.active:
        return False
    return account.deactivation_date is None or account.deactivation_date >= today


def activation_days_left(account: Account, *, today: dt.date | None = None) -> int:
    """Days until the deactivation date; -1 when the account has none (no end)."""
    if account.deactivation_date is None:
        return -1
    today = today or timezone.now().date()
    return max((account.deactivation_date - today).days, 0)


def channel_list_version(account: Account) -> str:
    """The version of what an account's channel list is built from: the operator's channels
    and categories, its tariffs and the account itself. Equal versions mean an equal list;
    `account/status` compares it with the version a session last saw (channel_list_changed)."""

    gens = generations([client_content_dep(account.client_id), tariffs_dep(account.client_id), account_dep(account.pk)])
    return "-".join(str(g) for g in gens)


@dataclass(frozen=True)
class InboxState:
    """What account/status needs about messages and commands, cached per account."""

    has_unread: bool
    urgent: dict | None  # the oldest unread urgent message
    commands: tuple[dict, ...]  # undelivered commands, oldest first


def _inbox_read(account_id: int) -> DeviceRead:
    return "account_inbox", (account_id,), [inbox_dep(account_id)], None


def account_inbox_state(account: Account) -> InboxState:
    def build() -> InboxState:
        unread = Message.objects.filter(account=account, is_deleted=False, is_read=False).order_by("created_at", "id")
        rows = list(unread.values("id", "uuid", "subject", "text", "no_confirmation", "urgent")[:200])
        urgent = next((r for r in rows if r["urgent"]), None)
        commands = DeviceCommand.objects.filter(account=account, delivered_at__isnull=True).order_by("created_at", "id")
        return InboxState(
            has_unread=bool(rows),
            urgent=urgent,
            commands=tuple(
                commands.values(
                    "id", "device_id", "type", "user_confirmation", "deep_link", "accompanying_text", "image_url"
                )[:50]
            ),
        )

    name, parts, deps, timeout = _inbox_read(account.pk)
    return cached(name, parts, deps, build, timeout=timeout, local="device")


def message_list(*, account: Account) -> list[Message]:
    return list(Message.objects.for_client(account.client_id).filter(account=account, is_deleted=False))


def message_get(*, account: Account, uuid: str) -> Message | None:
    return Message.objects.for_client(account.client_id).filter(account=account, uuid=uuid, is_deleted=False).first()


def account_by_device_uid(*, client, device_uid: str) -> AccountDevice | None:
    """The device (and so the account) a device UID logs into: a basic registration wins over
    additional ones, then the most recent; only accounts that allow device-UID login."""
    return (
        AccountDevice.objects.for_client(client)
        .filter(device_uid=device_uid, account__allow_login_by_device_uid=True, enabled=True)
        .select_related("account", "account__customer")
        .order_by("-is_basic", "-created_at", "-id")
        .first()
    )


def parse_subnets(text: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma/space separated CIDRs; malformed entries are skipped."""
    networks = []
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            continue
    return networks


def ip_in_subnets(ip: str, subnets: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in parse_subnets(subnets))


def accounts_by_ip(*, client, ip: str) -> list[Account]:
    """Accounts allowing login by IP whose subnets contain the address."""
    candidates = Account.objects.for_client(client).filter(allow_login_by_ip=True).exclude(subnets="")
    return [a for a in candidates.select_related("customer") if ip_in_subnets(ip, a.subnets)]


def accounts_by_phone(*, client, phone_digits: str) -> list[Account]:
    """Accounts of the customers whose mobile phone is this number (digits compared)."""
    customers = Customer.objects.for_client(client).exclude(mobile_phone_number="")
    matching = [
        c.pk
        for c in customers.only("id", "mobile_phone_number")
        if phone_digits_of(c.mobile_phone_number) == phone_digits
    ]
    return list(Account.objects.for_client(client).filter(customer_id__in=matching).select_related("customer"))


def phone_digits_of(value: str) -> str:
    return "".join(ch for ch in str(value) if ch.isdigit())


def account_devices(*, account: Account) -> list[dict]:
    """The account's devices as login error 5 lists them."""
    now = timezone.now()
    devices = AccountDevice.objects.for_client(account.client_id).filter(account=account).select_related("play_device")
    active = set(
        Session.objects.filter(account=account, expires_at__gt=now, device__isnull=False).values_list(
            "device_id", flat=True
        )
    )
    return [
        {
            "id": d.pk,
            "system_name": d.play_device.system_name if d.play_device else "",
            "device_uid": d.device_uid,
            "brand_name": d.brand_name,
            "device_model": d.device_model,
            "status": d.enabled,
            "has_active_sessions": d.pk in active,
            "created_at": d.created_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
        }
        for d in devices.order_by("created_at", "id")
    ]


def profile_type_list(*, client) -> list[ProfileType]:
    return list(ProfileType.objects.for_client(client))


def profile_type_get(*, client, profile_id: int) -> ProfileType | None:
    return ProfileType.objects.for_client(client).filter(pk=profile_id).first()


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


# --- device API (tvmiddleware: customer, account self-service, video library) ------------------


def customer_of_account(*, account: Account) -> Customer:
    """The account's customer read fresh, with its operator (the balance moves under a cached account)."""
    return Customer.objects.select_related("client").get(pk=account.customer_id)


def customer_balance_of_account(*, account: Account):
    return Customer.objects.values_list("balance", flat=True).get(pk=account.customer_id)


def customer_phone_taken(*, client, phones: Iterable[str], exclude_customer_id: int) -> bool:
    """Whether another customer of the operator has one of these phone spellings."""
    return (
        Customer.objects.for_client(client)
        .exclude(pk=exclude_customer_id)
        .filter(mobile_phone_number__in=list(phones))
        .exists()
    )


def customer_device_list(*, client, customer_id: int) -> list[AccountDevice]:
    return list(
        AccountDevice.objects.for_client(client)
        .filter(account__customer_id=customer_id)
        .select_related("play_device")
        .order_by("created_at", "id")
    )


def customer_device_get(*, client, customer_id: int, device_id: int) -> AccountDevice | None:
    return (
        AccountDevice.objects.for_client(client)
        .filter(account__customer_id=customer_id)
        .select_related("account__customer")
        .filter(pk=device_id)
        .first()
    )


def account_with_customer_get(*, client, account_id: int) -> Account | None:
    return Account.objects.for_client(client).select_related("customer", "client").filter(pk=account_id).first()


def profile_type_shows_adult(*, profile_type_id: int) -> bool:
    """Whether the profile type lets its account see adult content (False when it is gone)."""
    return bool(ProfileType.objects.filter(pk=profile_type_id).values_list("show_adult_content", flat=True).first())


# --- the Content API (content/views/library.py) --------------------------------------------


def account_ids_by_abonement(*, client, abonements: set[str]) -> dict[str, int]:
    """The operator's accounts among these abonements: abonement -> account id."""
    rows = Account.objects.for_client(client).filter(abonement__in=abonements)
    return dict(rows.values_list("abonement", "id"))


# Billing API (billing/api.py, billing/views/): lookups and listings of the operator's subscribers


def billing_account_get(*, client, account_id: int | None = None, abonement: str = "") -> Account | None:
    """The operator's account by id (or else by abonement), with its customer and operator."""
    qs = Account.objects.for_client(client).select_related("customer", "client")
    if account_id is not None:
        return qs.filter(pk=account_id).first()
    return qs.filter(abonement=abonement).first() if abonement else None


def billing_customer_get(*, client, customer_id: int | None = None, ext_id: str = "") -> Customer | None:
    """The operator's customer by id (or else by ext_id), with its operator."""
    qs = Customer.objects.for_client(client).select_related("client")
    if customer_id is not None:
        return qs.filter(pk=customer_id).first()
    return qs.filter(ext_id=ext_id).first() if ext_id else None


def _open_subscriptions(lookup: str) -> Prefetch:
    return Prefetch(
        lookup,
        queryset=TariffSubscription.objects.filter(is_closed=False).order_by("id"),
        to_attr="open_subscriptions",
    )


def accounts_for_listing(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("customer").prefetch_related(
        "devices__play_device", "tariffs", _open_subscriptions("customer__subscriptions")
    )


def billing_account_info(*, account: Account) -> Account:
    """The account again with what AccountInfo shows: devices, tariffs, open subscriptions."""
    return accounts_for_listing(Account.objects.filter(pk=account.pk)).get()


def billing_account_list(
    *,
    client,
    active: bool | None = None,
    status_reason: str = "",
    device: str = "",
    abonement_regexp: str = "",
) -> QuerySet:
    """The operator's accounts by id, filtered, with what AccountList shows (slice to page)."""
    qs = Account.objects.for_client(client)
    if active is not None:
        qs = qs.filter(active=active)
    if status_reason:
        qs = qs.filter(status_reason=status_reason)
    if device:
        qs = qs.filter(devices__play_device__system_name=device).distinct()
    if abonement_regexp:
        qs = qs.filter(abonement__regex=abonement_regexp)
    return accounts_for_listing(qs.order_by("id"))


def billing_device_find(*, client, device_id: int | None = None, device_uid: str = "") -> AccountDevice | None:
    """The operator's device by id (or else the first by device_uid), with account and customer."""
    qs = AccountDevice.objects.for_client(client).select_related("account", "account__customer")
    if device_id is not None:
        found = list(qs.filter(pk=device_id))
    elif device_uid:
        found = list(qs.filter(device_uid=device_uid).order_by("id")[:2])
    else:
        return None
    return found[0] if found else None


def billing_session_query(*, client, session_id: int | None = None, authkey: str = "") -> QuerySet:
    """The operator's sessions with that id (or else that authkey), for sessions_delete."""
    qs = Session.objects.for_client(client)
    if session_id is not None:
        return qs.filter(pk=session_id)
    return qs.filter(authkey=authkey)


def billing_session_list(*, client, now: dt.datetime) -> QuerySet:
    """The operator's unexpired sessions with account and device, by id."""
    return (
        Session.objects.for_client(client).filter(expires_at__gt=now).select_related("account", "device").order_by("id")
    )


def customers_for_listing(queryset: QuerySet) -> QuerySet:
    return (
        queryset.select_related("client")
        .prefetch_related(
            Prefetch("accounts", queryset=Account.objects.order_by("id")),
            "tariffs",
            _open_subscriptions("subscriptions"),
        )
        .annotate(payments_count=Count("transactions", filter=Q(transactions__processed=True), distinct=True))
    )


def billing_customer_info(*, customer: Customer) -> Customer:
    """The customer again with what CustomerInfo shows: accounts, tariffs, subscriptions, payments."""
    return customers_for_listing(Customer.objects.filter(pk=customer.pk)).get()


def billing_customer_ids(
    *, client, tariff_ids: Iterable[int] = (), abonement_regexp: str = "", mobile_phone_number: str = ""
) -> QuerySet:
    """Ids of the operator's customers having every tariff, an account matching, that phone."""
    qs = Customer.objects.for_client(client)
    for tariff_id in tariff_ids:
        qs = qs.filter(tariffs=tariff_id)
    if abonement_regexp:
        qs = qs.filter(accounts__abonement__regex=abonement_regexp)
    if mobile_phone_number:
        qs = qs.filter(mobile_phone_number=mobile_phone_number)
    return qs.distinct().order_by("id").values_list("id", flat=True)


def billing_customer_list(*, ids: Iterable[int]) -> QuerySet:
    """Customers by those ids (one page of billing_customer_ids), with what CustomerList shows."""
    return customers_for_listing(Customer.objects.filter(pk__in=list(ids)).order_by("id"))


# --- the Dealers API (dealers/): a dealer's own subscribers -----------------------------------


def dealer_customer_get(*, client, dealer, customer_id: int | None = None, ext_id: str = "") -> Customer | None:
    """The operator's customer of this dealer by id, else by ext_id; None when not its own."""
    qs = Customer.objects.for_client(client).filter(dealer=dealer).select_related("client")
    if customer_id is not None:
        return qs.filter(pk=customer_id).first()
    return qs.filter(ext_id=ext_id).first()


def dealer_account_get(*, client, dealer, account_id: int | None = None, abonement: str = "") -> Account | None:
    """An account of one of this dealer's customers by id, else by abonement."""
    qs = Account.objects.for_client(client).filter(customer__dealer=dealer).select_related("customer", "client")
    if account_id is not None:
        return qs.filter(pk=account_id).first()
    return qs.filter(abonement=abonement).first()


def dealer_device_get(*, client, dealer, device_id: int | None = None, device_uid: str = "") -> AccountDevice | None:
    """A device bound to an account of this dealer's customers by id, else the first by uid."""
    qs = (
        AccountDevice.objects.for_client(client)
        .filter(account__customer__dealer=dealer)
        .select_related("account", "account__customer")
    )
    if device_id is not None:
        return qs.filter(pk=device_id).first()
    return qs.filter(device_uid=device_uid).order_by("id").first()


def customer_one(*, client, customer_id: int) -> QuerySet[Customer]:
    """The operator's customer as a one-row queryset (for the listing shapes' prefetches)."""
    return Customer.objects.for_client(client).filter(pk=customer_id)


def account_one(*, client, account_id: int) -> QuerySet[Account]:
    """The operator's account as a one-row queryset (for the listing shapes' prefetches)."""
    return Account.objects.for_client(client).filter(pk=account_id)
