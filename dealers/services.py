"""The Dealers API's own writes: a dealer's API access (key and allowed networks)."""

from __future__ import annotations

from django.db import transaction

from clients.models import generate_key

from .models import DealerApiAccess


def dealer_api_access_save(*, access: DealerApiAccess, new_key: bool = False) -> DealerApiAccess:
    """Create or change a dealer's API access; `new_key` replaces the key (the old one stops
    working at once: the key is read from the database on every request)."""
    with transaction.atomic():
        if new_key or not access.api_key:
            access.api_key = generate_key()
        access.full_clean()
        access.save()
    return access
