"""Read queries about tariffs. `account_tariff_ids` is the one definition of what an account
is entitled to: its own tariffs and its customer's, enabled ones only."""

from __future__ import annotations

from smarty.cache import cached, dep

from .models import Tariff


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


def tariff_list(*, client) -> "list[Tariff]":
    return Tariff.objects.for_client(client)


def tariff_get(*, client, tariff_id: int | None = None, ext_id: str | None = None) -> Tariff | None:
    qs = Tariff.objects.for_client(client)
    if tariff_id is not None:
        return qs.filter(pk=tariff_id).first()
    if ext_id:
        return qs.filter(ext_id=ext_id).first()
    return None


def tariff_list_with_channels(*, client, kind: int | None = None, with_channels: bool = True):
    """The operator's enabled tariffs (of one kind), with their enabled channels prefetched."""
    from django.db.models import Prefetch

    from channels.models import Channel

    qs = Tariff.objects.for_client(client).filter(enabled=True)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if with_channels:
        qs = qs.prefetch_related(
            Prefetch(
                "channels",
                queryset=Channel.objects.filter(enabled=True).order_by("sort_order", "id"),
                to_attr="enabled_channels",
            )
        )
    return qs.order_by("sort_order", "id")
