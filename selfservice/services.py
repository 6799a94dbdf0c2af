"""Legal documents (versions, acceptance by account or device) and QR logins (a TV shows a
code, a logged-in device of an account confirms it once before it expires)."""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from accounts.services.sessions import LoginRequest, LoginResult, login_vouched
from smarty.logging import log_event

from .models import LegalAcceptance, LegalDocument, LegalDocumentVersion, QrLogin

# --- legal documents ----------------------------------------------------------------------------


class LegalError(Exception):
    pass


class DocumentNotFoundError(LegalError):
    pass


class AlreadyAcceptedError(LegalError):
    pass


class NoAcceptorError(LegalError):
    """Neither an account nor a device_uid to record the acceptance for."""


@dataclass(frozen=True)
class DocumentView:
    document: LegalDocument
    version: LegalDocumentVersion
    is_accepted: bool


def _acceptor_filter(account: Account | None, device_uid: str) -> Q:
    q = Q(pk__in=[])
    if account is not None:
        q |= Q(account=account)
    if device_uid:
        q |= Q(device_uid=device_uid)
    return q


def legal_document_list(
    *,
    client,
    document_type: int | None = None,
    tariff_id: int | None = None,
    account: Account | None = None,
    device_uid: str = "",
) -> list[DocumentView]:
    """The operator's enabled documents that have a version, with whether the current
    version is accepted by the account or device."""
    docs = LegalDocument.objects.for_client(client).filter(enabled=True).prefetch_related("versions")
    if document_type is not None:
        docs = docs.filter(document_type=document_type)
    if tariff_id is not None:
        docs = docs.filter(Q(tariffs__isnull=True) | Q(tariffs=tariff_id)).distinct()
    views = []
    current = {}
    for doc in docs:
        versions = list(doc.versions.all())
        if versions:
            current[doc.pk] = versions[0]
    accepted = set()
    if current and (account is not None or device_uid):
        accepted = set(
            LegalAcceptance.objects.filter(version__in=current.values())
            .filter(_acceptor_filter(account, device_uid))
            .values_list("version_id", flat=True)
        )
    for doc in docs:
        version = current.get(doc.pk)
        if version is not None:
            views.append(DocumentView(doc, version, version.pk in accepted))
    return views


def legal_document_get(
    *, client, document_id: int, account: Account | None = None, device_uid: str = ""
) -> DocumentView:
    """Raises DocumentNotFoundError."""
    for view in legal_document_list(client=client, account=account, device_uid=device_uid):
        if view.document.pk == document_id:
            return view
    raise DocumentNotFoundError(document_id)


def legal_document_accept(
    *,
    client,
    document_id: int,
    account: Account | None = None,
    device_uid: str = "",
    device_model: str = "",
    ip: str = "",
) -> LegalAcceptance:
    """Record that the account (or, without one, the device) accepted the document's current
    version. Raises DocumentNotFoundError, NoAcceptorError, AlreadyAcceptedError."""
    view = legal_document_get(client=client, document_id=document_id)
    if account is None and not device_uid:
        raise NoAcceptorError("device_uid or a valid authkey is required")
    if LegalAcceptance.objects.filter(version=view.version).filter(_acceptor_filter(account, device_uid)).exists():
        raise AlreadyAcceptedError(document_id)
    acceptance = LegalAcceptance(
        client_id=view.document.client_id,
        version=view.version,
        account=account,
        device_uid=device_uid[:128] if account is None else None,
        device_model=device_model[:128],
        ip_address=ip or None,
    )
    try:
        with transaction.atomic():
            acceptance.save(force_insert=True)
    except IntegrityError:
        raise AlreadyAcceptedError(document_id) from None
    return acceptance


def legal_document_version_create(*, document: LegalDocument, version: str, html_content: str) -> LegalDocumentVersion:
    """Publish a new wording: it becomes the current version (acceptances of older ones stay
    recorded but no longer count)."""
    return LegalDocumentVersion.objects.create(document=document, version=version, html_content=html_content)


# --- QR login ---------------------------------------------------------------------------------------


class QrLoginError(Exception):
    """`reason`: not_found (or expired), used, no_device, no_device_type."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _login_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(settings.SMARTY_QR_LOGIN_CODE_LENGTH))


def qr_login_create(*, client, device_uid: str, play_device, ip: str = "") -> QrLogin:
    """A new pending QR login for the TV `device_uid` (its expired ones are dropped)."""
    now = timezone.now()
    QrLogin.objects.for_client(client).filter(Q(expires_at__lte=now) | Q(device_uid=device_uid)).delete()
    for _attempt in range(20):
        qr = QrLogin(
            client=client,
            token=secrets.token_hex(20),
            login_code=_login_code(),
            device_uid=device_uid[:128],
            play_device=play_device,
            ip_address=ip or None,
            expires_at=now + dt.timedelta(seconds=settings.SMARTY_QR_LOGIN_TTL),
        )
        try:
            with transaction.atomic():
                qr.save(force_insert=True)
            return qr
        except IntegrityError:
            continue
    raise QrLoginError("busy")


def qr_image(*, text: str, kind: str = "png") -> bytes:
    """`text` as a QR code image, PNG or SVG (pure Python: segno)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind=kind, scale=8, border=2)
    return out.getvalue()


def qr_login_image(*, qr: QrLogin, kind: str = "png") -> bytes:
    """The QR code the TV shows: the login link with the code, as PNG or SVG."""
    return qr_image(text=settings.SMARTY_QR_LOGIN_LINK.format(code=qr.login_code, client_id=qr.client_id), kind=kind)


def qr_login_confirm(*, account: Account, login_code: str, ip: str = "", log_params: dict | None = None) -> LoginResult:
    """The account's logged-in device confirms the TV's code: the TV gets a session of the
    account (every login rule applies) and its device is bound to it, so its next login by
    device_uid finds the account. The code works once. Raises QrLoginError, LoginError."""
    now = timezone.now()
    with transaction.atomic():
        qr = (
            QrLogin.objects.select_for_update()
            .select_related("play_device")
            .filter(client_id=account.client_id, login_code=login_code, expires_at__gt=now)
            .first()
        )
        if qr is None:
            raise QrLoginError("not_found")
        if qr.used_at is not None:
            raise QrLoginError("used")
        if not qr.device_uid:
            raise QrLoginError("no_device")
        if qr.play_device is None:
            raise QrLoginError("no_device_type")
        result = login_vouched(
            LoginRequest(
                client=account.client,
                ip=ip,
                device_uid=qr.device_uid,
                play_device=qr.play_device,
                log_params=log_params or {},
            ),
            Account.objects.select_related("customer", "client").get(pk=account.pk),
        )
        qr.used_at, qr.account = now, account
        qr.save(update_fields=["used_at", "account"])
    log_event("smarty_accounts", "QR_LOGIN_CONFIRMED", account_id=account.pk, device_uid=qr.device_uid)
    return result
