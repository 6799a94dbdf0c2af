"""The customer action log (seed 3.2.8.5), written when TVMIDDLEWARE_CUSTOMER_LOG_ENABLED. The
one place a row is written: every service of every door calls `customer_action_log` with a
name of `CustomerActionLog.Action`."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from ..models import Account, Customer, CustomerActionLog

Action = CustomerActionLog.Action
Source = CustomerActionLog.Source


def plain(value: Any) -> Any:
    """A JSON-friendly copy of a value for logs and the action log."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if hasattr(value, "pk"):
        return value.pk
    return value


def customer_action_log(
    *,
    action: Action,
    source: str,
    client_id: int | None = None,
    customer: Customer | None = None,
    account: Account | None = None,
    details: Mapping[str, Any] | None = None,
    user: str = "",
) -> CustomerActionLog | None:
    """One row of what happened to a customer and from where; None when the log is disabled.
    The operator and the customer default to the account's."""
    if not settings.TVMIDDLEWARE_CUSTOMER_LOG_ENABLED:
        return None
    action = Action(action)  # an unknown name is a programming error, not a new vocabulary
    if account is not None:
        client_id = client_id or account.client_id
        if customer is None and account.customer_id:
            customer = Customer(pk=account.customer_id, client_id=account.client_id)
    if client_id is None and customer is not None:
        client_id = customer.client_id
    return CustomerActionLog.objects.create(
        client_id=client_id,
        customer=customer,
        account=account,
        source=source,
        action=action,
        details=plain(dict(details or {})),
        user=str(user or "")[:150],
    )
