"""Statements for subscribers: the transactions of a period mailed to the customer
(TVMW customer/billing_details_notify)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts.models import Customer
from accounts.services.accounts import Source
from accounts.services.customers import customer_modify

from .models import Transaction


class DetailsEmailTakenError(Exception):
    """Another customer of the operator has this email."""


class NothingInPeriodError(Exception):
    """No transaction in the period asked for."""


def billing_details_text(*, customer: Customer, since: dt.datetime) -> str | None:
    """The statement's text (None when the period holds no transaction)."""
    rows = list(Transaction.objects.filter(customer=customer, created_at__gte=since).order_by("created_at", "id"))
    if not rows:
        return None
    lines = [f"{tx.created_at:%Y-%m-%d %H:%M}  {tx.amount:>12}  {tx.comment}" for tx in rows]
    return "\n".join([*lines, "", f"Balance: {customer.balance}"])


def billing_details_send(*, customer: Customer, email: str, days: int, now: dt.datetime | None = None) -> None:
    """Mail the customer's transactions of the last `days` days to `email` (after commit). A
    customer without an email gets this one recorded. Raises ValidationError (bad email),
    DetailsEmailTakenError, NothingInPeriodError."""
    email = email.strip()
    validate_email(email)
    now = now or timezone.now()
    taken = Customer.objects.for_client(customer.client_id).exclude(pk=customer.pk).filter(email__iexact=email)
    if taken.exists():
        raise DetailsEmailTakenError(email)
    text = billing_details_text(customer=customer, since=now - dt.timedelta(days=days))
    if text is None:
        raise NothingInPeriodError(days)
    with transaction.atomic():
        if not customer.email:
            customer_modify(customer=customer, data={"email": email}, source=Source.TVMW_API)
        subject = f"Statement for the last {days} days"
        transaction.on_commit(
            lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
        )
