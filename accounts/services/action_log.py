"""The customer action log (seed 3.2.8.5), written when TVMIDDLEWARE_CUSTOMER_LOG_ENABLED."""

from __future__ import annotations

from django.conf import settings

from ..models import Account, CustomerActionLog


def customer_action_record(
    *, account: Account, action: str, source: str = CustomerActionLog.Source.TVMW_API, details: dict | None = None
) -> CustomerActionLog | None:
    """One row of what a subscriber did and from where; None when the log is disabled."""
    if not settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED:
        return None
    return CustomerActionLog.objects.create(
        client_id=account.client_id,
        customer_id=account.customer_id,
        account=account,
        source=source,
        action=action,
        details=details or {},
    )
