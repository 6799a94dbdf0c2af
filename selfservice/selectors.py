"""Read queries of subscriber self-service."""

from __future__ import annotations

from django.utils import timezone

from .models import QrLogin

# --- device API (tvmiddleware: QR login) ---------------------------------------------------------


def qr_login_get_open(*, token: str) -> QrLogin | None:
    """The QR login of this token, unless it expired or was used (the token is the secret and
    names its operator)."""
    return QrLogin.objects.filter(token=token, expires_at__gt=timezone.now(), used_at__isnull=True).first()
