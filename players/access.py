"""Who a player request is for. The operator is named in the address (its domain prefix);
the account comes from a playlist token, from abonement and password or from a MAG box's MAC
address, and each signs in as a device of the account (a player session counted against the
device and session limits, see accounts.services.players). Every refusal is a `RefusedError`
with a kind; each protocol turns the kinds into its own answer.

A failed playlist token counts against the login throttling of the caller's address, as a
wrong password does (accounts.services.throttling), so tokens cannot be guessed faster than
passwords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from accounts.selectors import account_by_playlist_token, account_is_active
from accounts.services.players import player_device_uid, player_session_open
from accounts.services.sessions import LoginError, LoginErrorKind, LoginRequest
from accounts.services.throttling import login_attempt_take
from channels.selectors import location_for_ip, viewer_tariff_ids
from clients.selectors import client_get_by_prefix
from smarty.api.registry import client_ip
from smarty.i18n import lang_index
from smarty.logging import log_event
from tariffs.selectors import account_tariff_ids, players_allowed


class Why(StrEnum):
    NO_OPERATOR = "no_operator"  # the address names no enabled operator
    CREDENTIALS = "credentials"  # wrong token, abonement, password or unknown MAC
    INACTIVE = "inactive"  # the account is not active or has no tariff
    FORBIDDEN = "forbidden"  # players are not enabled for the account
    THROTTLED = "throttled"  # too many failed attempts
    LIMIT = "limit"  # a device or session limit of the account's tariffs
    NOT_FOUND = "not_found"  # no such content for the account
    UNAVAILABLE = "unavailable"  # no streaming service, technical work
    BAD_REQUEST = "bad_request"  # a parameter that is not what the protocol says


class RefusedError(Exception):
    def __init__(self, why: Why, message: str = "") -> None:
        super().__init__(message or str(why))
        self.why = why
        self.message = message or str(why)


_LOGIN_REASONS = {
    LoginErrorKind.ACCOUNT_NOT_FOUND: Why.CREDENTIALS,
    LoginErrorKind.BAD_UNBINDING_DEVICE: Why.CREDENTIALS,
    LoginErrorKind.ACCOUNT_INACTIVE: Why.INACTIVE,
    LoginErrorKind.NO_TARIFF: Why.INACTIVE,
    LoginErrorKind.TOO_MANY_ATTEMPTS: Why.THROTTLED,
    LoginErrorKind.BASIC_SESSIONS_LIMIT: Why.LIMIT,
    LoginErrorKind.DEVICE_GROUP_SESSIONS_LIMIT: Why.LIMIT,
    LoginErrorKind.BASIC_DEVICES_FORBIDDEN: Why.LIMIT,
    LoginErrorKind.ADDITIONAL_DEVICES_FORBIDDEN: Why.LIMIT,
    LoginErrorKind.DEVICE_INVALID: Why.LIMIT,
    LoginErrorKind.DEVICE_GROUP_FORBIDDEN: Why.LIMIT,
    LoginErrorKind.FORBIDDEN_SUBNET: Why.FORBIDDEN,
}


@dataclass
class Subscriber:
    """An account a player request is answered for."""

    client: object
    account: object
    ip: str
    session: object = None
    device_uid: str = ""
    lang: int = 0
    extra: dict = field(default_factory=dict)

    @cached_property
    def tariff_ids(self) -> frozenset[int]:
        """The tariffs that open live content to this account from this address."""
        location = location_for_ip(client=self.client, ip=self.ip)
        return viewer_tariff_ids(self.account, device_group=None, location=location)


# Secrets that players carry in the path: the playlist token, the Xtream password.
_PATH_SECRETS = (
    re.compile(r"(/play/)[^/]+"),
    re.compile(r"(/(?:live|movie|series|timeshift)/[^/]+/)[^/]+"),
)


def log_path(request) -> str:
    """The request's path for logs, its secrets masked."""
    path = request.path
    for pattern in _PATH_SECRETS:
        path = pattern.sub(r"\1***", path, count=1)
    return path


def operator(prefix: str):
    client = client_get_by_prefix(prefix)
    if client is None:
        raise RefusedError(Why.NO_OPERATOR, "Unknown operator")
    return client


def request_lang(request) -> int:
    return lang_index(request.GET.get("lang", ""))


def _admitted(client, account) -> None:
    """What every player door checks of an account it found."""
    if not account_is_active(account) or not account_tariff_ids(account):
        raise RefusedError(Why.INACTIVE, "The account is not active")
    if not players_allowed(client=client, account=account):
        raise RefusedError(Why.FORBIDDEN, "Players are not enabled for this account")


def by_playlist_token(request, client, token: str) -> Subscriber:
    """The account of a playlist token; a wrong token is a failed login attempt."""
    ip = client_ip(request)
    attempt = login_attempt_take(client_id=client.pk, ip=ip)
    if attempt.refused:
        raise RefusedError(Why.THROTTLED, "Too many attempts, try again later")
    account = account_by_playlist_token(client=client, token=token)
    if account is None:  # a wrong guess keeps its slot
        log_event("smarty_accounts", "LOGIN_ERROR", reason="playlist_token_invalid", params={"path": log_path(request)})
        raise RefusedError(Why.CREDENTIALS, "Unknown playlist token")
    attempt.release()
    _admitted(client, account)
    device_uid = player_device_uid(kind="m3u", abonement=account.abonement)
    login = LoginRequest(
        client=client,
        ip=ip,
        device_uid=device_uid,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        log_params={"path": log_path(request), "token": "***"},
    )
    session = _session(login, token_account=account)
    return Subscriber(
        client=client, account=account, ip=ip, session=session, device_uid=device_uid, lang=request_lang(request)
    )


def _log_params(request, **values: str) -> dict:
    masked = {k: ("***" if k in {"password", "token"} else v) for k, v in values.items()}
    return {"path": log_path(request), **masked}


def by_password(request, client, *, abonement: str, password: str, kind: str = "xtream") -> Subscriber:
    """The account of an abonement and password, in a player session (the device API's login
    rules: throttling, activity, tariffs, device and session limits)."""
    abonement = (abonement or "").strip()
    if not abonement or not password or len(abonement) > 32 or len(password) > 128:
        raise RefusedError(Why.CREDENTIALS, "Wrong abonement or password")
    return _signed_in(
        request,
        client,
        abonement=abonement,
        password=password,
        device_uid=player_device_uid(kind=kind, abonement=abonement),
        log_params=_log_params(request, abonement=abonement, password=password),
    )


def by_mac(request, client, *, mac: str, abonement: str = "", password: str = "") -> Subscriber:
    """The account a MAG box's MAC address is a device of; with abonement and password the
    box is registered to that account first (the device API's login by device UID)."""
    return _signed_in(
        request,
        client,
        abonement=abonement,
        password=password,
        device_uid=mac,
        log_params=_log_params(request, mac=mac, login=abonement, password=password),
    )


def _signed_in(request, client, *, abonement: str, password: str, device_uid: str, log_params) -> Subscriber:
    """Log in through the device API's rules as this player device and admit the account."""
    ip = client_ip(request)
    login = LoginRequest(
        client=client,
        ip=ip,
        abonement=abonement,
        password=password,
        device_uid=device_uid,
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        log_params=log_params,
    )
    session = _session(login)
    _admitted(client, session.account)
    return Subscriber(
        client=client,
        account=session.account,
        ip=ip,
        session=session,
        device_uid=device_uid,
        lang=request_lang(request),
    )


def _session(login: LoginRequest, *, token_account=None):
    try:
        return player_session_open(request=login, token_account=token_account)
    except LoginError as exc:
        raise RefusedError(_LOGIN_REASONS.get(exc.kind, Why.CREDENTIALS), exc.message) from None
