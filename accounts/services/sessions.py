"""Device sessions: login (every method the TVMW API knows), logout, session upkeep.

`login()` raises LoginError with a `kind` (the seed's LOGIN_ERROR reasons where it names
one); the protocol layer maps kinds to its numeric codes. The order of the checks, which
the reference does not give, is: throttling, finding the account, then (with the account
row locked, so concurrent logins cannot exceed a limit) block-status reset, automatic
activation, subnet, activity, tariffs, device groups, unbinding, device binding, limits.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import secrets
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from smarty.cache import redis_backend, redis_script
from smarty.cache_backends import CacheUnavailableError
from smarty.local_memory import device_values
from smarty.logging import log_event
from smarty.write_behind import write_behind, write_behind_on
from tariffs.models import Tariff
from tariffs.selectors import account_tariff_ids

from ..models import Account, AccountDevice, Session, hash_password, password_needs_rehash
from ..selectors import (
    account_by_device_uid,
    account_devices,
    account_is_active,
    accounts_by_ip,
    accounts_by_phone,
    channel_list_version,
    ip_in_subnets,
    session_channel_list_key,
    session_touch_key,
)
from .accounts import account_first_login_activate
from .action_log import Action, Source, customer_action_log
from .devices import DeviceNotFoundError, device_register, device_unbind
from .phone import Outcome, Verification, normalize_phone, phone_verify
from .throttling import login_attempt_take


class LoginErrorKind(StrEnum):
    # The seed's reasons (section 4.1.2), spelled as the seed spells them.
    ACCOUNT_NOT_FOUND = "account_does_not_exist"
    ACCOUNT_INACTIVE = "account_is_not_active"
    BASIC_SESSIONS_LIMIT = "basic_device_sessions_limit"
    DEVICE_INVALID = "account_deivce_invalid"
    EXTERNAL_API_ERROR = "external_api_error"
    # Reasons the seed does not name.
    SESSION_CREATE_FAILED = "session_create_failed"
    NO_TARIFF = "no_tariffs"
    FORBIDDEN_SUBNET = "forbidden_subnet"
    BASIC_DEVICES_FORBIDDEN = "basic_devices_forbidden"
    ADDITIONAL_DEVICES_FORBIDDEN = "additional_devices_forbidden"
    AMBIGUOUS_IP = "ambiguous_ip"
    DEVICE_GROUP_FORBIDDEN = "device_group_forbidden"
    DEVICE_GROUP_SESSIONS_LIMIT = "device_group_sessions_limit"
    BAD_UNBINDING_DEVICE = "invalid_device_for_unbinding"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    PHONE_INVALID = "invalid_phone_number"
    PHONE_VERIFICATION = "phone_verification"


# Failures that guess at credentials count against the throttling limits.
_COUNTED = frozenset(
    {LoginErrorKind.ACCOUNT_NOT_FOUND, LoginErrorKind.BAD_UNBINDING_DEVICE, LoginErrorKind.PHONE_VERIFICATION}
)


class LoginError(Exception):
    def __init__(
        self,
        kind: LoginErrorKind,
        message: str,
        *,
        devices: list[dict] | None = None,
        verification: Verification | None = None,
        field: str = "",
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.devices = devices
        self.verification = verification
        self.field = field


class LoginMethod(StrEnum):
    PASSWORD = "abonement_password"
    ABONEMENT = "abonement"
    DEVICE_UID = "device_uid"
    IP = "ip"
    PHONE = "phone"
    QR = "qr"
    PLAYLIST_TOKEN = "playlist_token"


class LoginType(StrEnum):
    MULTILOGIN = "multilogin"
    BASIC = "basic_device"
    ADDITIONAL = "additional_device"


@dataclass
class LoginRequest:
    """What a device sent to /login/, already parsed."""

    client: object
    ip: str
    abonement: str = ""
    password: str = ""
    phone_number: str = ""
    try_login_by_phone: bool = False
    validation_code: str = ""
    device_uid: str = ""
    device_uid_generated: bool = False
    device_serial: str = ""
    device_model: str = ""
    brand_name: str = ""
    play_device: object = None
    user_agent: str = ""
    lang: str = ""
    reset_block_status_reason: bool = False
    device_id_for_unbinding: int | None = None
    app_build_version: str = ""
    log_params: dict = field(default_factory=dict)


@dataclass
class LoginResult:
    session: Session
    account: Account
    device: AccountDevice
    method: LoginMethod
    login_type: LoginType


def generate_authkey() -> str:
    return secrets.token_hex(16)


def generate_device_uid() -> str:
    return secrets.token_hex(16)


def _throttle_login(req: LoginRequest) -> str:
    if req.abonement:
        return f"a:{req.abonement}"
    phone = normalize_phone(req.phone_number) if req.phone_number else None
    return f"p:{phone}" if phone else ""


def login(req: LoginRequest) -> LoginResult:
    """Authenticate a device and open a session, or raise LoginError."""
    # The attempt takes its throttling slot before any credential is checked (exact under
    # concurrency); only a wrong guess keeps it.
    attempt = login_attempt_take(client_id=req.client.pk, ip=req.ip, login=_throttle_login(req))
    try:
        if attempt.refused:
            raise LoginError(LoginErrorKind.TOO_MANY_ATTEMPTS, "Too many login attempts, try again later")
        account, method = _find_account(req)
        result = _open_session(req, account, method)
    except LoginError as exc:
        if exc.kind not in _COUNTED or (exc.verification and exc.verification.outcome != Outcome.WRONG_CODE):
            attempt.release()
        log_event("smarty_accounts", "LOGIN_ERROR", reason=str(exc.kind), params=req.log_params)
        raise
    except BaseException:
        attempt.release()
        raise
    attempt.release()
    log_event(
        "smarty_accounts",
        "LOGIN_SUCCESS",
        login_type=str(result.login_type),
        login_method=str(result.method),
        params=req.log_params,
    )
    return result


def login_vouched(req: LoginRequest, account: Account, *, method: LoginMethod = LoginMethod.QR) -> LoginResult:
    """Open a session on the device of `req` for an account that something other than a
    password vouched for: another, already logged-in device of it (QR login), or the
    account's playlist token a player sent. Every session rule of a login applies."""
    try:
        result = _open_session(req, account, method)
    except LoginError as exc:
        log_event("smarty_accounts", "LOGIN_ERROR", reason=str(exc.kind), params=req.log_params)
        raise
    log_event(
        "smarty_accounts",
        "LOGIN_SUCCESS",
        login_type=str(result.login_type),
        login_method=str(result.method),
        params=req.log_params,
    )
    return result


# --- finding the account ----------------------------------------------------------------


def _password_upgrade(account: Account, raw: str) -> None:
    """Re-hash a password stored with fewer iterations than configured now, while the plain
    text is at hand (only a login has it). Conditional: a concurrent change of the password
    wins. Cached copies of the account are never used to check a password."""
    if password_needs_rehash(account.password):
        Account.objects.filter(pk=account.pk, password=account.password).update(password=hash_password(raw))


def _find_account(req: LoginRequest) -> tuple[Account, LoginMethod]:
    client = req.client
    if req.abonement:
        # An unknown abonement, a wrong password and a missing one get the same answer after
        # the same work, so logins cannot be used to find out which abonements exist.
        refused = LoginError(LoginErrorKind.ACCOUNT_NOT_FOUND, "Wrong abonement or password", field="password")
        account = Account.objects.for_client(client).filter(abonement=req.abonement).first()
        if req.password:
            if account is None:
                hash_password(req.password)
                raise refused
            if not account.check_password(req.password):
                raise refused
            _password_upgrade(account, req.password)
            return account, LoginMethod.PASSWORD
        if account is None or not account.allow_login_by_abonement:
            raise refused
        return account, LoginMethod.ABONEMENT
    if req.device_uid and not req.device_uid_generated:
        device = account_by_device_uid(client=client, device_uid=req.device_uid)
        if device is not None:
            return device.account, LoginMethod.DEVICE_UID
    if req.ip:
        found = accounts_by_ip(client=client, ip=req.ip)
        if len(found) > 1:
            raise LoginError(LoginErrorKind.AMBIGUOUS_IP, "Several accounts allow login from this IP address")
        if found:
            return found[0], LoginMethod.IP
    if req.try_login_by_phone and req.phone_number:
        return _find_account_by_phone(req), LoginMethod.PHONE
    raise LoginError(LoginErrorKind.ACCOUNT_NOT_FOUND, "Account not found")


def _find_account_by_phone(req: LoginRequest) -> Account:
    phone = normalize_phone(req.phone_number)
    if phone is None:
        raise LoginError(LoginErrorKind.PHONE_INVALID, "Invalid phone number", field="phone_number")
    accounts = accounts_by_phone(client=req.client, phone_digits=phone)
    if not accounts:
        raise LoginError(LoginErrorKind.ACCOUNT_NOT_FOUND, "No account with this phone number", field="phone_number")
    verification = phone_verify(client=req.client, phone=phone, code=req.validation_code or None, purpose="login")
    if verification.outcome != Outcome.VERIFIED:
        raise LoginError(LoginErrorKind.PHONE_VERIFICATION, str(verification.outcome), verification=verification)
    # Several accounts on one phone: the oldest active one (login/customer_list lets a
    # device offer the choice and log in by abonement instead).
    active = [a for a in accounts if account_is_active(a)]
    return (active or accounts)[0]


# --- opening the session --------------------------------------------------------------------


def _tariff_rules(account: Account) -> tuple[frozenset[int], list[dict]]:
    ids = account_tariff_ids(account)
    rows = list(
        Tariff.objects.filter(pk__in=ids).values("basic_sessions_count", "sessions_count", "allowed_device_groups")
    )
    return ids, rows


def _open_session(req: LoginRequest, account: Account, method: LoginMethod) -> LoginResult:
    today = timezone.now().date()
    group = req.play_device.device_group if req.play_device is not None else None
    with transaction.atomic():
        # Lock the account row only (a join would lock the operator's row too on PostgreSQL).
        account = Account.objects.select_for_update().get(pk=account.pk)
        account.client = req.client
        activated = _apply_account_changes(req, account, today)
        if method != LoginMethod.IP and account.subnets and not ip_in_subnets(req.ip, account.subnets):
            raise LoginError(LoginErrorKind.FORBIDDEN_SUBNET, "Login from this network is not allowed")
        if not account_is_active(account, today=today):
            raise LoginError(LoginErrorKind.ACCOUNT_INACTIVE, "Account is not active")
        tariff_ids, tariffs = _tariff_rules(account)
        if not tariff_ids:
            raise LoginError(LoginErrorKind.NO_TARIFF, "No tariff is assigned to the customer")
        if account.allowed_device_groups and group not in account.allowed_device_groups:
            raise LoginError(LoginErrorKind.DEVICE_GROUP_FORBIDDEN, "This device group is not allowed for the account")

        existing = AccountDevice.objects.filter(
            client_id=account.client_id, account=account, device_uid=req.device_uid
        ).first()
        multilogin = account.allow_multiple_login
        if existing is not None:
            is_basic = existing.is_basic
        else:
            is_basic = not multilogin and (group is None or group in settings.SMARTY_BASIC_DEVICE_GROUPS)
        login_type = LoginType.MULTILOGIN if multilogin else (LoginType.BASIC if is_basic else LoginType.ADDITIONAL)

        _check_tariff_device_rules(tariffs, group, is_basic, multilogin)

        if req.device_id_for_unbinding is not None:
            try:
                device_unbind(account=account, device_id=req.device_id_for_unbinding)
            except DeviceNotFoundError:
                raise LoginError(
                    LoginErrorKind.BAD_UNBINDING_DEVICE,
                    "device_id_for_unbinding is not a device of this account",
                    field="device_id_for_unbinding",
                ) from None
            if existing is not None and existing.pk == req.device_id_for_unbinding:
                existing = None

        if existing is not None and not existing.enabled:
            _device_error(account, req, "device is disabled")
            raise LoginError(LoginErrorKind.DEVICE_INVALID, "This device is disabled for the account")
        if is_basic and existing is None:
            bound_elsewhere = (
                AccountDevice.objects.filter(client_id=account.client_id, device_uid=req.device_uid, is_basic=True)
                .exclude(account=account)
                .exists()
            )
            if bound_elsewhere:
                _device_error(account, req, "bound to another account")
                raise LoginError(LoginErrorKind.DEVICE_INVALID, "The device is bound to another account")
        if not multilogin:
            _check_session_limits(account, req, tariffs, group, is_basic, existing)

        device = device_register(
            account=account,
            device_uid=req.device_uid,
            is_basic=is_basic,
            play_device=req.play_device,
            serial_number=req.device_serial,
            brand_name=req.brand_name,
            device_model=req.device_model,
            app_build_version=req.app_build_version,
        )
        # One session per device: a new login replaces the device's old authkeys.
        for old in Session.objects.filter(device=device):
            old.delete()
        session = _session_create(req, account, device)
        Account.objects.filter(pk=account.pk).update(last_active=session.created_at)
        customer_action_log(
            account=account,
            action=Action.LOGIN,
            source=Source.TVMW_API,
            details={"login_method": str(method), "device_uid": req.device_uid, "ip": req.ip},
        )
    if activated:
        log_event("smarty_accounts", "ACCOUNT_ACTIVATED", activation_result="auto_activation", params=req.log_params)
    session_remember_channel_list(session=session, account=account)
    # A fresh session needs no last_active refresh on the next status poll.
    cache.set(session_touch_key(session.authkey), 1, timeout=settings.SMARTY_SESSION_TOUCH_INTERVAL)
    return LoginResult(session=session, account=account, device=device, method=method, login_type=login_type)


def _apply_account_changes(req: LoginRequest, account: Account, today: dt.date) -> bool:
    """reset_block_status_reason and the start of auto_activation_period; True if activated."""
    changed: list[str] = []
    if req.reset_block_status_reason and account.status_reason == Account.StatusReason.BLOCK:
        account.status_reason = Account.StatusReason.ACTIVE
        changed.append("status_reason")
    if changed:
        account.save(update_fields=[*changed, "updated_at"])
    # The period counts from the first login; the conditional UPDATE settles concurrent ones.
    return account_first_login_activate(account=account, today=today)


def _check_tariff_device_rules(tariffs: list[dict], group: int | None, is_basic: bool, multilogin: bool) -> None:
    allowed: set[int] = set()
    unrestricted = False
    for row in tariffs:
        if row["allowed_device_groups"]:
            allowed.update(int(g) for g in row["allowed_device_groups"])
        else:
            unrestricted = True
    group_forbidden = not unrestricted and group not in allowed
    if is_basic and (group_forbidden or (not multilogin and max(r["basic_sessions_count"] for r in tariffs) == 0)):
        raise LoginError(LoginErrorKind.BASIC_DEVICES_FORBIDDEN, "The tariffs do not allow basic devices")
    if not is_basic and group_forbidden:
        raise LoginError(LoginErrorKind.ADDITIONAL_DEVICES_FORBIDDEN, "The tariffs do not allow this device")


def _check_session_limits(
    account: Account,
    req: LoginRequest,
    tariffs: list[dict],
    group: int | None,
    is_basic: bool,
    existing: AccountDevice | None,
) -> None:
    if is_basic:
        if existing is not None:
            return  # a bound device always gets back in
        limit = max(r["basic_sessions_count"] for r in tariffs)
        bound = AccountDevice.objects.filter(client_id=account.client_id, account=account, is_basic=True, enabled=True)
        if bound.count() >= limit:
            raise LoginError(
                LoginErrorKind.BASIC_SESSIONS_LIMIT,
                f"The account already uses its {limit} basic device(s); unbind one with device_id_for_unbinding",
                devices=account_devices(account=account),
            )
        return
    limit = max(r["sessions_count"] for r in tariffs)
    if limit <= 0:
        return  # 0: unlimited additional devices
    sessions = Session.objects.filter(
        account=account, expires_at__gt=timezone.now(), device__is_basic=False, play_device__device_group=group
    )
    if existing is not None:
        sessions = sessions.exclude(device=existing)
    if sessions.values("device_id").distinct().count() >= limit:
        raise LoginError(
            LoginErrorKind.DEVICE_GROUP_SESSIONS_LIMIT, f"The account already has {limit} session(s) on such devices"
        )


def _device_error(account: Account, req: LoginRequest, problem: str) -> None:
    log_event(
        "smarty_accounts",
        "ACCOUNT_DEVICE_ERROR",
        account=account.pk,
        device=req.play_device.system_name if req.play_device is not None else "",
        device_uid=req.device_uid,
        client=account.client_id,
        error=problem,
    )


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _session_create(req: LoginRequest, account: Account, device: AccountDevice) -> Session:
    now = timezone.now()
    try:
        with transaction.atomic():
            return Session.objects.create(
                client_id=account.client_id,
                authkey=generate_authkey(),
                account=account,
                device=device,
                play_device=req.play_device,
                ip_address=_valid_ip(req.ip),
                user_agent=req.user_agent[:512],
                lang=req.lang[:8],
                expires_at=now + dt.timedelta(days=settings.SMARTY_SESSION_TTL_DAYS),
            )
    except IntegrityError as exc:
        raise LoginError(LoginErrorKind.SESSION_CREATE_FAILED, "Could not create a session key") from exc


# --- living sessions ------------------------------------------------------------------------


def session_remember_channel_list(*, session: Session, account: Account) -> None:
    ttl = max(int((session.expires_at - timezone.now()).total_seconds()), 1)
    cache.set(session_channel_list_key(session.authkey), channel_list_version(account), timeout=ttl)


def session_channel_list_changed(*, session: Session, account: Account) -> bool:
    """True once after the account's channel list changed since this session last looked
    (or since login); the new version is remembered.

    The shared cache holds the version the session last saw; this process also remembers the
    version it found there. Versions only ever move to new values, so once the shared one
    equals the current version it stays so until the version changes: while this process's
    memory says so, no round trip is needed."""
    current = channel_list_version(account)
    key = session_channel_list_key(session.authkey)
    ttl = max(int((session.expires_at - timezone.now()).total_seconds()), 1)
    if device_values.get(key) == current:
        return False
    if cache.get(key) == current:
        device_values.put(key, current, ttl)
        return False
    cache.set(key, current, timeout=ttl)
    device_values.put(key, current, ttl)
    return True


def session_touch(*, session: Session, now: dt.datetime | None = None) -> bool:
    """Refresh last_active and slide the expiry, at most once per touch interval.

    The shared cache's note decides which process touches, once per interval; a process
    that asked it remembers for an interval that it need not ask again (so last_active is
    refreshed at least once every two intervals while the device polls).

    On Redis the touch is written behind: the note and the session's id in the current
    minute's set of touches go in one script, and `session_touches_flush` (every minute)
    stores each minute's touches with one UPDATE per chunk of sessions. A session whose
    expiry is nearer than the flush can be trusted to reach it (TOUCH_SYNC_MARGIN), a cache
    that cannot take the script, and the local-memory cache touch at once (one UPDATE)."""
    interval = settings.SMARTY_SESSION_TOUCH_INTERVAL
    key = session_touch_key(session.authkey)
    if device_values.get(key) is not None:
        return False
    now = now or timezone.now()
    backend = redis_backend()
    if backend is not None and session.expires_at - now > TOUCH_SYNC_MARGIN:
        touch = _Touch(key, session.pk, interval, now)
        if write_behind_on(backend) and touch_batch.add(touch):
            device_values.put(key, True, interval)
            return True  # written behind (smarty.write_behind): whoever sets the note first touches
        answered = _touches_sent(backend, [touch])
        if answered is not None:
            device_values.put(key, True, interval)
            return bool(answered[0])
    added = cache.add(key, 1, timeout=interval)
    device_values.put(key, True, interval)
    if not added:
        return False
    _session_slide(session.pk, now)
    return True


# Touches wait in the cache at most this long for a flush; a session expiring sooner than
# the margin is touched at once, so a flush that stopped never lets a used session expire.
TOUCH_BUFFER_TTL = 6 * 3600
TOUCH_SYNC_MARGIN = dt.timedelta(seconds=TOUCH_BUFFER_TTL)
# A minute's touches are flushed once this long has passed since it ended (a request that
# read the clock just before the minute ended has written its touch by then).
TOUCH_GRACE = dt.timedelta(seconds=20)
# Sessions per UPDATE when a minute's touches are stored.
TOUCH_CHUNK = 500

# Touches on Redis, one or a batch in one round trip: per touch, the interval's note (SET NX,
# as cache.add) and, when this touch set it, the session's id in its minute's set of touches.
# Returns per touch 1 (touched) or 0 (another had within the interval).
# KEYS per touch: the note, the minute's set; ARGV: the note's value, the set's ttl, then per
# touch the interval and the session id.
_TOUCH_SCRIPT = """
local touched = {}
for i = 1, #KEYS / 2 do
  local note, touches = KEYS[2 * i - 1], KEYS[2 * i]
  if redis.call('SET', note, ARGV[1], 'NX', 'EX', ARGV[2 * i + 1]) then
    redis.call('SADD', touches, ARGV[2 * i + 2])
    redis.call('EXPIRE', touches, ARGV[2])
    touched[i] = 1
  else
    touched[i] = 0
  end
end
return touched
"""


@dataclass(frozen=True)
class _Touch:
    note: str  # the interval's note (session_touch_key)
    session_id: int
    interval: int
    at: dt.datetime


def _touches_key(minute: dt.datetime) -> str:
    return f"session_touches:{minute:%Y%m%d%H%M}"


def _touches_sent(backend, touches: list[_Touch]) -> list[int] | None:
    """The touches in one script: 1 where touched, 0 where another had within the interval;
    None when the cache did not answer."""
    keys = [k for t in touches for k in (backend.make_key(t.note), backend.make_key(_touches_key(t.at)))]
    args = [backend.client.encode(1), TOUCH_BUFFER_TTL, *(a for t in touches for a in (t.interval, t.session_id))]
    try:
        return redis_script(backend, _TOUCH_SCRIPT, keys, args)
    except CacheUnavailableError:
        return None


def _touches_send(touches: list[_Touch]) -> list[bool]:
    """A batch of touches (smarty.write_behind): whether the cache took each."""
    backend = redis_backend()
    answered = _touches_sent(backend, touches) if backend is not None else None
    return [answered is not None] * len(touches)


def _touches_settle(touches: list[_Touch]) -> None:
    """Touches the cache did not take, made at once, as session_touch makes its own then."""
    for touch in touches:
        _session_slide(touch.session_id, touch.at)


# The process's touches waiting to be written (SMARTY_WRITE_BEHIND_SECONDS).
touch_batch = write_behind("touches", _touches_send, _touches_settle, "SESSION_TOUCH_ERROR")


def session_touches_flush(*, now: dt.datetime | None = None, include_current: bool = False) -> int:
    """Store the touches buffered by session_touch of every finished minute (the scheduled
    accounts.tasks.flush_session_touches): last_active = the minute's start, the expiry slid
    from there, only ever forward. A minute is claimed with an expiring note, so two workers
    do not write it twice and a worker that died mid-way holds it for a few minutes only; a
    failed write leaves the minute for the next run. `include_current` also flushes the
    minute in progress (tests, a shutdown). Returns how many sessions were updated."""
    backend = redis_backend()
    if backend is None:
        return 0  # nothing is buffered: session_touch wrote at once
    now = now or timezone.now()
    last = now.replace(second=0, microsecond=0)
    if not include_current:
        last = (now - dt.timedelta(minutes=1) - TOUCH_GRACE).replace(second=0, microsecond=0)
    minutes = [last - dt.timedelta(minutes=n) for n in range(TOUCH_BUFFER_TTL // 60, -1, -1)]
    client = backend.client.get_client(write=True)
    pipe = client.pipeline(transaction=False)
    for minute in minutes:
        pipe.exists(backend.make_key(_touches_key(minute)))
    updated = 0
    for minute, present in zip(minutes, pipe.execute(), strict=True):
        if present:
            updated += _touches_store(backend, client, minute)
    return updated


def _touches_store(backend, client, minute: dt.datetime) -> int:
    key = _touches_key(minute)
    claim = f"{key}:flushing"
    if not cache.add(claim, 1, timeout=300):
        return 0  # another worker is on it
    try:
        ids = sorted(int(member) for member in client.smembers(backend.make_key(key)))
        expires = minute + dt.timedelta(days=settings.SMARTY_SESSION_TTL_DAYS)
        updated = 0
        for start in range(0, len(ids), TOUCH_CHUNK):
            chunk = ids[start : start + TOUCH_CHUNK]
            updated += Session.objects.filter(pk__in=chunk, last_active__lt=minute).update(
                last_active=minute, expires_at=expires
            )
            # Only what was stored leaves the set: a touch that came in meanwhile stays for
            # the next run (an empty set is no key at all).
            client.srem(backend.make_key(key), *chunk)
    finally:
        cache.delete(claim)
    return updated


_SLIDE_FIELDS = ("last_active", "expires_at")


@functools.cache
def _slide_statement(alias: str) -> tuple[str, tuple]:
    """The touch's UPDATE as the ORM writes it for this database, and the fields whose values
    it sets, made once per process: `filter(pk=...).update(...)` spent twice as long
    compiling as the statement took to run."""
    query = UpdateQuery(Session)
    query.add_update_values(dict.fromkeys(_SLIDE_FIELDS, timezone.now()))
    query.add_q(Q(pk=0))
    sql, params = query.get_compiler(alias).as_sql()
    if len(params) != len(_SLIDE_FIELDS) + 1:
        raise RuntimeError(f"unexpected session touch statement: {sql}")
    return sql, tuple(Session._meta.get_field(name) for name in _SLIDE_FIELDS)


def _session_slide(pk: int, now: dt.datetime) -> None:
    """last_active = now, expires_at = now + the session lifetime, for one session: the
    values prepared by their fields for the database, as update() would."""
    alias = router.db_for_write(Session)
    connection = connections[alias]
    sql, fields = _slide_statement(alias)
    expires = now + dt.timedelta(days=settings.SMARTY_SESSION_TTL_DAYS)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, (now, expires), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])


def session_delete(*, session: Session) -> None:
    """Logout: the authkey stops working at once (the delete bumps its cache generation)."""
    found = Session.objects.filter(pk=session.pk).first()
    if found is not None:
        found.delete()
