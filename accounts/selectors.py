"""Read queries about subscribers, always scoped to one operator."""

from __future__ import annotations

from django.utils import timezone

from smarty.cache import cached, dep

from .models import Account, Customer, Session


def session_dep(authkey: str) -> str:
    return dep("session", authkey)


def account_dep(account_id: int) -> str:
    return dep("account", account_id)


def session_get_active(*, authkey: str) -> Session | None:
    """The unexpired session of an authkey with its account and operator, from the cache."""

    def build() -> Session | bool:
        return (
            Session.objects.select_related("account", "account__client", "account__customer", "play_device", "device")
            .filter(authkey=authkey)
            .first()
            or False
        )

    session = cached("session", (authkey,), [session_dep(authkey)], build, timeout=600)
    if not session or session.expires_at <= timezone.now():
        return None
    return session


def customer_list(*, client) -> "list[Customer]":  # noqa: ANN001, UP037
    return Customer.objects.for_client(client)


def account_get(*, client, account_id: int | None = None, abonement: str | None = None) -> Account | None:  # noqa: ANN001
    qs = Account.objects.for_client(client)
    if account_id is not None:
        qs = qs.filter(pk=account_id)
    if abonement is not None:
        qs = qs.filter(abonement=str(abonement))
    return qs.select_related("customer").first()
