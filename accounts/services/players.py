"""Accounts in third-party players (docs/players.md): the playlist token of an account's M3U
and XMLTV addresses, and the session a player that sends abonement and password on every
request (the Xtream API) or only a MAC address (a MAG box) is served under.

A player is one device of the account: it logs in through `sessions.login` (a playlist token
through `sessions.login_vouched`, login method `playlist_token`), so throttling, activity,
tariffs, device binding and the session limits are those of the device API. The session it
gets is remembered in the cache under the credentials it sent, so repeated requests do not
open a session each; the remembered session is used only while it is active, the account
still is, and the account's stored password (or playlist token) is the one it was opened
with.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction

from ..invalidation import accounts_changed
from ..models import Account, Session
from ..selectors import account_credential_stamps, account_get_cached, account_is_active, session_get_active
from .sessions import LoginError, LoginErrorKind, LoginMethod, LoginRequest, LoginResult, login, login_vouched


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def account_playlist_token_reset(*, account: Account) -> str:
    """Give the account a new playlist token: addresses holding the old one stop working."""
    for _attempt in range(3):
        token = _new_token()
        try:
            with transaction.atomic():
                Account.objects.filter(pk=account.pk, client_id=account.client_id).update(playlist_token=token)
                accounts_changed(account.pk)
        except IntegrityError:  # 192 random bits collided: draw again
            continue
        account.playlist_token = token
        return token
    raise RuntimeError("could not draw a unique playlist token")


def account_playlist_token_ensure(*, account: Account) -> str:
    """The account's playlist token, drawn on first use. Conditional: of two concurrent
    first requests, both return the token that was stored."""
    if account.playlist_token:
        return account.playlist_token
    with transaction.atomic():
        if Account.objects.filter(pk=account.pk, playlist_token__isnull=True).update(playlist_token=_new_token()):
            accounts_changed(account.pk)
        account.playlist_token = Account.objects.filter(pk=account.pk).values_list("playlist_token", flat=True)[0]
    return account.playlist_token


def _digest(*parts: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.blake2b).hexdigest()[:40]


def player_device_uid(*, kind: str, abonement: str) -> str:
    """The device UID the players of one protocol are registered under: one device per
    account and protocol, whatever the address or the program, so a player keeps its device
    slot when it moves and the players of one account share one session."""
    return f"{kind}-{_digest(kind, abonement)[:24]}"


def _remembered_key(client_id: int, *parts: str) -> str:
    return f"player_session:{client_id}:{_digest(*parts)}"


def _stamp(account_id: int, *, by_token: bool) -> str | None:
    """The credential a remembered session stays tied to: a new password (or a reset playlist
    token) ends it. A keyed digest kept with the account's cached record, so a warm check reads
    no secret from the database."""
    stamps = account_credential_stamps(account_id=account_id)
    if stamps is None:
        return None
    return stamps[1] if by_token else stamps[0]


def _still_valid(authkey: str, stamp: str, *, by_token: bool) -> Session | None:
    session = session_get_active(authkey=authkey)
    if session is None:
        return None
    account = account_get_cached(account_id=session.account_id)
    if account is None or not account_is_active(account):
        return None
    current = _stamp(account.pk, by_token=by_token)
    if current is None or not hmac.compare_digest(stamp, current):
        return None
    return session


def player_session_open(*, request: LoginRequest, token_account: Account | None = None) -> Session:
    """The session of a player: a remembered one for the same credentials and device, or a
    new login (raises LoginError with the device API's kinds). `token_account`: the account
    a playlist token named, signed in without a password."""
    by_token = token_account is not None
    secret = token_account.playlist_token if by_token else request.password
    key = _remembered_key(request.client.pk, "token" if by_token else request.abonement, secret, request.device_uid)
    remembered = cache.get(key)
    if remembered:
        authkey, stamp = remembered
        session = _still_valid(authkey, stamp, by_token=by_token)
        if session is not None:
            return session
    if by_token:
        result: LoginResult = login_vouched(request, token_account, method=LoginMethod.PLAYLIST_TOKEN)
    else:
        result = login(request)
    ttl = max(int((result.session.expires_at - result.session.created_at).total_seconds()), 1)
    stamp = _stamp(result.account.pk, by_token=by_token)
    if stamp is not None:
        cache.set(key, (result.session.authkey, stamp), timeout=min(ttl, 86400))
    session = session_get_active(authkey=result.session.authkey)
    if session is None:
        raise LoginError(LoginErrorKind.SESSION_CREATE_FAILED, "The session could not be read back")
    return session
