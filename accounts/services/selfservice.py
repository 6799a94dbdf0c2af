"""Subscriber self-service without an operator: registering an account from a device,
resetting a forgotten password, having the parental PIN sent by SMS.

Each is throttled in the cache (shared by every process): registrations per IP, password
reset requests per IP and per phone or email, PIN messages per account. Codes sent to a
phone go through accounts.services.phone (hashed, limited tries); codes sent by email are
kept the same way here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction

from ..models import Account, Customer
from ..selectors import accounts_by_phone
from ..sms import GatewayError, get_gateway
from .accounts import Source, account_create, generate_password
from .customers import customer_create
from .devices import device_register
from .phone import Outcome, Verification, phone_verify


class SelfServiceError(Exception):
    """A refused self-service request; `reason` is a Reason."""

    def __init__(self, reason: str, message: str = "", verification: Verification | None = None) -> None:
        super().__init__(message or reason)
        self.reason = reason
        self.verification = verification


class Reason(StrEnum):
    DISABLED = "disabled"
    TOO_MANY = "too_many"  # per-IP / per-phone / per-account limit reached
    BAD_PERIOD = "bad_period"
    BAD_PHONE = "bad_phone"
    PHONE_TAKEN = "phone_taken"
    NEED_PHONE_OR_DEVICE = "need_phone_or_device"
    BAD_DEALER = "bad_dealer"
    DEVICE_TAKEN = "device_taken"
    VERIFY = "verify"  # a verification step: see `verification`
    NOT_FOUND = "not_found"
    SEVERAL = "several"
    NO_ACCOUNTS = "no_accounts"
    NO_PHONE = "no_phone"
    NO_PIN = "no_pin"
    SEND_FAILED = "send_failed"


# --- counters ---------------------------------------------------------------------------------------


def _counter_key(kind: str, client_id: int, value: str, window: int) -> str:
    digest = hashlib.blake2b(value.encode(), digest_size=16).hexdigest()
    return f"selfservice:{kind}:{client_id}:{digest}:{int(time.time() // max(window, 1))}"


def _used(kind: str, client_id: int, value: str, window: int) -> int:
    return int(cache.get(_counter_key(kind, client_id, value, window), 0))


def _count(kind: str, client_id: int, value: str, window: int) -> None:
    key = _counter_key(kind, client_id, value, window)
    cache.add(key, 0, timeout=window * 2)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window * 2)


def _over(kind: str, client_id: int, value: str, window: int, limit: int) -> bool:
    return bool(value) and limit > 0 and _used(kind, client_id, value, window) >= limit


# --- registration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    account: Account
    password: str


def registration_limit(client) -> int:
    """Registrations allowed per IP address and window: the operator's own limit if set."""
    return client.registration_limit or settings.SMARTY_REGISTRATIONS_PER_IP


def account_register(
    *,
    client,
    ip: str,
    phone: str | None = None,
    code: str | None = None,
    device_uid: str = "",
    play_device=None,
    device_model: str = "",
    password: str = "",
    parent_code: str = "",
    auto_activation_period: int | None = None,
    comment: str = "",
    dealer=None,
) -> Registration:
    """Register a new customer with one account from a device. `phone` (normalized digits)
    is verified by a code first; a device_uid binds the device to the new account. Raises
    SelfServiceError."""
    if not settings.SMARTY_REGISTRATION_ENABLED:
        raise SelfServiceError(Reason.DISABLED, "Registration is disabled")
    window = settings.SMARTY_REGISTRATION_WINDOW
    if _over("register_ip", client.pk, ip, window, registration_limit(client)):
        raise SelfServiceError(Reason.TOO_MANY, "Too many registrations from this IP address")
    if auto_activation_period is not None and not 0 <= auto_activation_period <= 3650:
        raise SelfServiceError(Reason.BAD_PERIOD, "auto_activation_period must be 0..3650 days")
    if not phone and not device_uid:
        raise SelfServiceError(Reason.NEED_PHONE_OR_DEVICE, "Pass mobile_phone_number or device_uid")
    if device_uid and Account.objects.for_client(client).filter(devices__device_uid=device_uid).exists():
        raise SelfServiceError(Reason.DEVICE_TAKEN, "Registration failed")
    if phone:
        if accounts_by_phone(client=client, phone_digits=phone) or _phone_customer_exists(client, phone):
            raise SelfServiceError(Reason.PHONE_TAKEN, "This phone number is already registered")
        verification = phone_verify(client=client, phone=phone, code=code, purpose="register")
        if verification.outcome != Outcome.VERIFIED:
            raise SelfServiceError(Reason.VERIFY, "Phone verification", verification)
    with transaction.atomic():
        customer = customer_create(
            client=client,
            data={
                "comment": comment or "Registered from a device",
                "mobile_phone_number": f"+{phone}" if phone else "",
                "dealer": dealer,
            },
            source=Source.TVMW_API,
        )
        data = {"parent_code": parent_code[:16]}
        if auto_activation_period:
            data["auto_activation_period"] = auto_activation_period
        account = account_create(customer=customer, password=password or None, data=data, source=Source.TVMW_API)
        if device_uid:
            device_register(
                account=account,
                device_uid=device_uid[:128],
                is_basic=True,
                play_device=play_device,
                device_model=device_model,
            )
    _count("register_ip", client.pk, ip, window)
    return Registration(account=account, password=account.raw_password)


def _phone_customer_exists(client, phone: str) -> bool:
    return Customer.objects.for_client(client).filter(mobile_phone_number__in=[phone, f"+{phone}"]).exists()


# --- password reset ---------------------------------------------------------------------------------


def _email_key(client_id: int, email: str) -> str:
    digest = hashlib.blake2b(email.lower().encode(), digest_size=16).hexdigest()
    return f"reset_email:{client_id}:{digest}"


def _email_hash(key: str, code: str) -> str:
    return hashlib.sha256(f"{key}:{code}".encode()).hexdigest()


def _email_verify(client, email: str, code: str | None) -> Verification:
    """The email twin of phone_verify: send a code, wait, or check one."""
    key = _email_key(client.pk, email)
    state = cache.get(key)
    if code:
        if state and hmac.compare_digest(state["code"], _email_hash(key, code.strip())):
            cache.delete(key)
            return Verification(Outcome.VERIFIED, "email")
        if state:
            state["tries"] += 1
            if state["tries"] >= settings.SMARTY_PHONE_CODE_MAX_TRIES:
                cache.delete(key)
            else:
                cache.set(key, state, timeout=settings.SMARTY_PHONE_CODE_TTL)
        return Verification(Outcome.WRONG_CODE, "email")
    if state and time.time() - state["sent_at"] < settings.SMARTY_PHONE_CODE_RESEND_INTERVAL:
        return Verification(Outcome.AWAITING, "email")
    new_code = "".join(secrets.choice("0123456789") for _ in range(settings.SMARTY_PHONE_CODE_LENGTH))
    cache.set(
        key, {"code": _email_hash(key, new_code), "sent_at": time.time(), "tries": 0}, settings.SMARTY_PHONE_CODE_TTL
    )
    send_mail("Password reset code", f"Your code: {new_code}", settings.DEFAULT_FROM_EMAIL, [email])
    return Verification(Outcome.SENT, "email")


def _reset_accounts(client, *, phone: str | None, email: str | None) -> list[Account]:
    if phone:
        return accounts_by_phone(client=client, phone_digits=phone)
    customers = Customer.objects.for_client(client).filter(email__iexact=email)
    if not customers.exists():
        return []
    return list(Account.objects.for_client(client).filter(customer__in=customers).select_related("customer"))


def password_reset(
    *, client, ip: str, phone: str | None = None, email: str | None = None, code: str | None = None
) -> Account:
    """Reset the password of the one account of the customer with this phone or email once
    the code sent there is confirmed; the new password goes the same way. Raises
    SelfServiceError (NOT_FOUND, NO_ACCOUNTS, SEVERAL, TOO_MANY, VERIFY, SEND_FAILED)."""
    target = phone or (email or "").lower()
    window, limit = settings.SMARTY_PASSWORD_RESET_WINDOW, settings.SMARTY_PASSWORD_RESETS_PER_IP
    if _over("reset_ip", client.pk, ip, window, limit) or _over("reset_target", client.pk, target, window, limit):
        raise SelfServiceError(Reason.TOO_MANY, "Too many requests")
    _count("reset_ip", client.pk, ip, window)
    _count("reset_target", client.pk, target, window)
    accounts = _reset_accounts(client, phone=phone, email=email)
    if not accounts:
        exists = (
            _phone_customer_exists(client, phone)
            if phone
            else Customer.objects.for_client(client).filter(email__iexact=email).exists()
        )
        raise SelfServiceError(Reason.NO_ACCOUNTS if exists else Reason.NOT_FOUND, "Customer not found")
    if len(accounts) > 1:
        raise SelfServiceError(Reason.SEVERAL, "Several accounts have this phone number")
    if phone:
        verification = phone_verify(client=client, phone=phone, code=code, purpose="reset_password")
    else:
        verification = _email_verify(client, email, code)
    if verification.outcome != Outcome.VERIFIED:
        raise SelfServiceError(Reason.VERIFY, "Verification", verification)
    account = accounts[0]
    new_password = generate_password()
    with transaction.atomic():
        locked = Account.objects.select_for_update().get(pk=account.pk)
        locked.set_password(new_password)
        locked.save(update_fields=["password", "updated_at"])
        text = f"Your new password for {locked.abonement}: {new_password}"
        if phone:
            try:
                get_gateway().send_text(client=client, phone=phone, text=text)
            except GatewayError:
                raise SelfServiceError(Reason.SEND_FAILED, "The new password could not be sent") from None
        else:
            transaction.on_commit(lambda: send_mail("New password", text, settings.DEFAULT_FROM_EMAIL, [email]))
    return locked


# --- parental PIN by SMS ------------------------------------------------------------------------------


def parent_code_send(*, account: Account) -> None:
    """Send the account's parental PIN to its customer's mobile phone. At most one message
    per SMARTY_PARENT_CODE_SMS_INTERVAL seconds and SMARTY_PARENT_CODE_SMS_PER_DAY a day.
    Raises SelfServiceError (NO_PHONE, NO_PIN, TOO_MANY with `message` "interval" or "day",
    SEND_FAILED)."""
    phone = "".join(ch for ch in account.customer.mobile_phone_number if ch.isdigit())
    if not phone:
        raise SelfServiceError(Reason.NO_PHONE, "The customer has no mobile phone number")
    if not account.parent_code:
        raise SelfServiceError(Reason.NO_PIN, "The account has no PIN")
    key = str(account.pk)
    if _over("pin_day", account.client_id, key, 86400, settings.SMARTY_PARENT_CODE_SMS_PER_DAY):
        raise SelfServiceError(Reason.TOO_MANY, "day")
    interval = max(settings.SMARTY_PARENT_CODE_SMS_INTERVAL, 1)
    if not cache.add(f"selfservice:pin_interval:{account.pk}", 1, timeout=interval):
        raise SelfServiceError(Reason.TOO_MANY, "interval")
    _count("pin_day", account.client_id, key, 86400)
    try:
        get_gateway().send_text(client=account.client, phone=phone, text=f"Your PIN: {account.parent_code}")
    except GatewayError:
        raise SelfServiceError(Reason.SEND_FAILED, "The SMS could not be sent") from None
