"""Read queries about tariffs. `account_tariff_ids` is the one definition of what an account
is entitled to: its own tariffs and its customer's, enabled ones only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from smarty.cache import cached, dep

from .models import Tariff, TariffSubscription


def tariffs_dep(client_id: int) -> str:
    """Generation of an operator's tariff set and assignments."""
    return dep("tariffs", client_id)


def account_tariff_ids(account) -> frozenset[int]:
    """Enabled tariffs of the account and of its customer (cached per account)."""

    def build() -> frozenset[int]:
        own = Tariff.objects.filter(client_id=account.client_id, enabled=True, accounts=account)
        inherited = Tariff.objects.filter(client_id=account.client_id, enabled=True, customers=account.customer_id)
        return frozenset(own.values_list("id", flat=True)) | frozenset(inherited.values_list("id", flat=True))

    return cached(
        "account_tariffs",
        (account.client_id, account.pk),
        [tariffs_dep(account.client_id), dep("account", account.pk)],
        build,
    )


def tariff_get(*, client, tariff_id: int | None = None, ext_id: str | None = None) -> Tariff | None:
    qs = Tariff.objects.for_client(client)
    if tariff_id is not None:
        return qs.filter(pk=tariff_id).first()
    if ext_id:
        return qs.filter(ext_id=ext_id).first()
    return None


def account_tariff_offer(*, client, assigned: Iterable[int]):
    """The tariffs an account is shown (account/tariff/list): those assigned to it and the
    operator's enabled, visible ones, with their enabled channels and videos counted."""
    return (
        Tariff.objects.for_client(client)
        .filter(Q(pk__in=list(assigned)) | Q(enabled=True, hidden=False))
        .annotate(
            n_channels=Count("channels", filter=Q(channels__enabled=True), distinct=True),
            n_videos=Count("videos", distinct=True),
        )
    )


def account_open_subscriptions(*, client, account) -> dict[int, TariffSubscription]:
    """tariff id -> the open subscription of the account or its customer (the one ending
    last wins)."""
    return {
        s.tariff_id: s
        for s in TariffSubscription.objects.for_client(client)
        .filter(customer_id=account.customer_id, is_closed=False)
        .filter(Q(account__isnull=True) | Q(account=account))
        .order_by("end_date")
    }


# --- ViewStats (tvmiddleware/other_apis/): CustomerStatsInfo ----------------------------------


def tariff_brief_list(*, client, tariff_ids) -> list[dict]:
    """id, name and price of the operator's tariffs among `tariff_ids`, by id."""
    return list(
        Tariff.objects.for_client(client).filter(pk__in=tariff_ids).order_by("id").values("id", "name", "price")
    )
