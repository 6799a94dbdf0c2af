"""Read queries about tariffs. `account_tariff_ids` is the one definition of what an account
is entitled to: its own tariffs and its customer's, enabled ones only."""

from __future__ import annotations

from smarty.cache import cached, dep

from .models import Tariff


def tariffs_dep(client_id: int) -> str:
    """Generation of an operator's tariff set and assignments."""
    return dep("tariffs", client_id)


def account_tariff_ids(account) -> frozenset[int]:  # noqa: ANN001
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


def tariff_list(*, client) -> "list[Tariff]":  # noqa: ANN001
    return Tariff.objects.for_client(client)
