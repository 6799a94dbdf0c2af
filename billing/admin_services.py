"""Operations the admin performs on money (to be folded into billing/services.py): manual
transactions move the customer's balance in the same database transaction."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F

from accounts.admin_services import customer_log_action
from accounts.invalidation import accounts_invalidate
from accounts.models import Customer

from .models import Transaction


def _bump_customer_on_commit(customer: Customer) -> None:
    accounts_invalidate(client_id=customer.client_id, account_ids=customer.accounts.values_list("id", flat=True))


def transaction_create(
    *,
    customer: Customer,
    amount: Decimal,
    comment: str = "",
    transaction_type: int | None = None,
    tariff=None,
    ext_id: str = "",
    processed: bool = True,
    user: str = "",
) -> Transaction:
    """Record a payment (positive) or charge (negative); a processed one changes the balance."""
    with transaction.atomic():
        row = Transaction(
            client_id=customer.client_id,
            customer=customer,
            amount=amount,
            comment=comment,
            transaction_type=transaction_type,
            tariff=tariff,
            ext_id=ext_id,
            processed=processed,
        )
        row.full_clean()
        row.save()
        if processed and amount:
            Customer.objects.filter(pk=customer.pk).update(balance=F("balance") + amount)
        customer_log_action(
            client_id=customer.client_id,
            action="transaction_create",
            customer=customer,
            details={"transaction_id": row.pk, "amount": str(amount), "ext_id": ext_id},
            user=user,
        )
        _bump_customer_on_commit(customer)
    return row


def transaction_delete(*, row: Transaction, user: str = "") -> None:
    """Delete a transaction; a processed one gives its amount back to the balance."""
    with transaction.atomic():
        customer = row.customer
        if row.processed and row.amount:
            Customer.objects.filter(pk=customer.pk).update(balance=F("balance") - row.amount)
        customer_log_action(
            client_id=row.client_id,
            action="transaction_delete",
            customer=customer,
            details={"transaction_id": row.pk, "amount": str(row.amount), "ext_id": row.ext_id},
            user=user,
        )
        row.delete()
        _bump_customer_on_commit(customer)
