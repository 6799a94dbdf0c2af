"""Phone-number verification for TVMW login (try_login_by_phone) and login/customer_list.

State lives in the cache (shared by all processes): the hashed code, when it was sent, how
many wrong tries were made. Nothing about a code is stored in clear."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache

from ..sms import GatewayError, get_gateway


class Outcome(StrEnum):
    SENT = "sent"
    AWAITING = "awaiting"
    WRONG_CODE = "wrong_code"
    TOO_FREQUENT = "too_frequent"
    SEND_FAILED = "send_failed"
    VERIFIED = "verified"


@dataclass(frozen=True)
class Verification:
    outcome: Outcome
    method: str
    confirmation_phone: str = ""


PURPOSES = ("login", "customer_list", "customer_info", "register", "reset_password")


def normalize_phone(value: str) -> str | None:
    """Digits of an international number (leading + and separators dropped), or None."""
    raw = str(value or "").strip()
    if not raw:
        return None
    allowed = set("0123456789+-() .")
    if any(ch not in allowed for ch in raw) or raw.count("+") > 1 or ("+" in raw and not raw.startswith("+")):
        return None
    digits = "".join(ch for ch in raw if ch.isdigit())
    return digits if 7 <= len(digits) <= 15 else None


def _state_key(client_id: int, purpose: str, phone: str) -> str:
    return f"phone_verification:{client_id}:{purpose}:{phone}"


def _hash(key: str, code: str) -> str:
    return hashlib.sha256(f"{key}:{code}".encode()).hexdigest()


def _sends_exceeded(client_id: int, phone: str) -> bool:
    """Counts sends per phone in the current hour; True once the hourly cap is reached."""
    key = f"phone_sends:{client_id}:{phone}:{int(time.time() // 3600)}"
    cache.add(key, 0, timeout=7200)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=7200)
        count = 1
    return count > settings.SMARTY_PHONE_CODES_PER_HOUR


def _send(client, purpose: str, phone: str) -> Verification:
    method = settings.SMARTY_PHONE_VERIFICATION_METHOD
    if _sends_exceeded(client.pk, phone):
        return Verification(Outcome.TOO_FREQUENT, method)
    key = _state_key(client.pk, purpose, phone)
    code = "".join(secrets.choice("0123456789") for _ in range(settings.SMARTY_PHONE_CODE_LENGTH))
    gateway = get_gateway()
    confirmation_phone = ""
    try:
        if method == "call":
            confirmation_phone = gateway.request_call(client=client, phone=phone)
        elif method == "flash_call":
            gateway.flash_call(client=client, phone=phone, code=code)
        else:
            gateway.send_code(client=client, phone=phone, code=code)
    except GatewayError:
        return Verification(Outcome.SEND_FAILED, method)
    state = {
        "method": method,
        "code": _hash(key, code),
        "sent_at": time.time(),
        "tries": 0,
        "confirmed": False,
        "confirmation_phone": confirmation_phone,
    }
    cache.set(key, state, timeout=settings.SMARTY_PHONE_CODE_TTL)
    return Verification(Outcome.SENT, method, confirmation_phone)


def phone_verify(*, client, phone: str, code: str | None, purpose: str) -> Verification:
    """One step of verifying `phone` (normalized digits): send a code, wait, or check one."""
    key = _state_key(client.pk, purpose, phone)
    state = cache.get(key)
    method = state["method"] if state else settings.SMARTY_PHONE_VERIFICATION_METHOD
    if state and state["method"] == "call":
        if state["confirmed"]:
            cache.delete(key)
            return Verification(Outcome.VERIFIED, method)
        return Verification(Outcome.AWAITING, method, state["confirmation_phone"])
    if code:
        if not state:
            return Verification(Outcome.WRONG_CODE, method)
        if hmac.compare_digest(state["code"], _hash(key, str(code).strip())):
            cache.delete(key)
            return Verification(Outcome.VERIFIED, method)
        state["tries"] += 1
        if state["tries"] >= settings.SMARTY_PHONE_CODE_MAX_TRIES:
            cache.delete(key)  # a guessed-at code is burnt: a new one must be requested
        else:
            cache.set(key, state, timeout=settings.SMARTY_PHONE_CODE_TTL)
        return Verification(Outcome.WRONG_CODE, method)
    if state and time.time() - state["sent_at"] < settings.SMARTY_PHONE_CODE_RESEND_INTERVAL:
        return Verification(Outcome.AWAITING, method, state["confirmation_phone"])
    return _send(client, purpose, phone)


def phone_call_confirm(*, client, phone: str) -> bool:
    """A call-verification gateway reports that `phone` called the confirmation number."""
    confirmed = False
    for purpose in PURPOSES:
        key = _state_key(client.pk, purpose, phone)
        state = cache.get(key)
        if state and state["method"] == "call":
            state["confirmed"] = True
            cache.set(key, state, timeout=settings.SMARTY_PHONE_CODE_TTL)
            confirmed = True
    return confirmed
