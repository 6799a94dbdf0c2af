"""Read queries about tariffs. `account_tariff_ids` is the one definition of what an account
is entitled to: its own tariffs and its customer's, enabled ones only."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q

from smarty.cache import cached, dep
from smarty.device_reads import DeviceRead

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

    name, parts, deps, timeout = account_tariffs_read(account.client_id, account.pk)
    return cached(name, parts, deps, build, timeout=timeout, local="device")


def account_tariffs_read(client_id: int, account_id: int) -> DeviceRead:
    """How account_tariff_ids is cached, for a request that reads it with the session's other
    values in one round trip (smarty.device_reads.prefetch_device)."""
    return "account_tariffs", (client_id, account_id), [tariffs_dep(client_id), dep("account", account_id)], None


def players_tariff_ids(client_id: int) -> frozenset[int]:
    """The operator's enabled tariffs that open the third-party players (docs/players.md)."""
    return cached(
        "players_tariffs",
        (client_id,),
        [tariffs_dep(client_id)],
        lambda: frozenset(
            Tariff.objects.filter(client_id=client_id, enabled=True, players_enabled=True).values_list("id", flat=True)
        ),
    )


def players_allowed(*, client, account) -> bool:
    """Third-party players are open to the account: on for the whole operator, or through one
    of its tariffs."""
    return bool(client.players_enabled) or bool(account_tariff_ids(account) & players_tariff_ids(client.pk))


def account_basic_device_limit(account) -> int:
    """How many basic devices the account's tariffs allow (the largest of their limits)."""
    ids = account_tariff_ids(account)
    if not ids:
        return 0
    limits = cached(
        "tariff_basic_limits",
        (account.client_id,),
        [tariffs_dep(account.client_id)],
        lambda: dict(Tariff.objects.filter(client_id=account.client_id).values_list("id", "basic_sessions_count")),
    )
    return max((limits.get(tid, 0) for tid in ids), default=0)


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


# --- device API (tvmiddleware: customer, portal, legal documents, video library) ----------------


def tariff_public_list(*, client) -> list[Tariff]:
    """The operator's enabled, visible tariffs in their display order."""
    return list(Tariff.objects.for_client(client).filter(enabled=True, hidden=False).order_by("sort_order", "id"))


def account_subscription_list(*, client, account) -> list[TariffSubscription]:
    """Open subscriptions of the account or its customer, with their tariffs, oldest first."""
    return list(
        TariffSubscription.objects.for_client(client)
        .filter(customer_id=account.customer_id, is_closed=False)
        .filter(Q(account__isnull=True) | Q(account=account))
        .select_related("tariff")
        .order_by("pk")
    )


def video_tariff_list(*, client) -> list[Tariff]:
    """Enabled tariffs that carry videos and are listed in the video library."""
    return list(
        Tariff.objects.for_client(client)
        .filter(enabled=True, used_for_video_list=True, videos__isnull=False)
        .distinct()
        .order_by("sort_order", "id")
    )


def video_tariff_subscription_get(*, client, customer_id: int, tariff_id: int) -> TariffSubscription | None:
    """The customer's open subscription to a video tariff it may unsubscribe from."""
    return (
        TariffSubscription.objects.for_client(client)
        .filter(
            customer_id=customer_id,
            tariff_id=tariff_id,
            is_closed=False,
            tariff__available_to_unsubscribe=True,
            tariff__videos__isnull=False,
        )
        .distinct()
        .first()
    )


# --- the Content API (content/views/channels.py, cameras.py, radio.py) ---------------------


def tariff_list(*, client):
    """The operator's tariffs (a queryset: the doors resolve id lists against it)."""
    return Tariff.objects.for_client(client)


# Billing API (billing/views/): tariffs and subscriptions by id

TariffKind = Tariff.Kind


def tariff_list_by_ids(*, client, ids: Iterable[int]) -> list[Tariff]:
    """The operator's tariffs among those ids (unknown ids are simply absent)."""
    return list(Tariff.objects.for_client(client).filter(pk__in=set(ids)))


def tariff_subscription_get(*, client, subscription_id: int) -> TariffSubscription | None:
    """The operator's subscription with its tariff and customer."""
    return (
        TariffSubscription.objects.for_client(client)
        .filter(pk=subscription_id)
        .select_related("tariff", "customer")
        .first()
    )


# --- ViewStats (tvmiddleware/other_apis/): CustomerStatsInfo ----------------------------------


def tariff_brief_list(*, client, tariff_ids) -> list[dict]:
    """id, name and price of the operator's tariffs among `tariff_ids`, by id."""
    return list(
        Tariff.objects.for_client(client).filter(pk__in=tariff_ids).order_by("id").values("id", "name", "price")
    )
