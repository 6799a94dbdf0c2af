"""Read queries of the billing app for the admin panel."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth

from accounts.models import Account
from tariffs.models import Tariff

from .models import Transaction


def summary_report(client_id: int | None) -> dict:
    """The admin's summary report (one operator, or all with None): subscribers per tariff,
    accounts in total and active, money per month (the last 24)."""

    def scoped(qs):
        return qs if client_id is None else qs.filter(client_id=client_id)

    tariffs = (
        scoped(Tariff.objects.all())
        .annotate(
            customers_count=Count("customers", distinct=True),
            accounts_count=Count("accounts", distinct=True),
        )
        .order_by("sort_order", "id")
    )
    accounts = scoped(Account.objects.all()).aggregate(total=Count("id"), active=Count("id", filter=Q(active=True)))
    months = (
        scoped(Transaction.objects.all())
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            payments=Sum("amount", filter=Q(amount__gt=0)),
            charges=Sum("amount", filter=Q(amount__lt=0)),
            count=Count("id"),
        )
        .order_by("-month")[:24]
    )
    return {"tariffs": tariffs, "accounts": accounts, "months": months}
