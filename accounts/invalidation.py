"""Cache invalidation of the accounts app: the generations it owns (accounts/selectors.py) and
the functions other apps call to bump them. Signals are used for this one thing only: every
save/delete, wherever it comes from (services, the admin, the Billing API), bumps through
smarty.cache.bump_now_and_on_commit.

Owned dependency names: `account:<id>` (an account as cached, with its customer and tariffs),
`session:<digest>` (a cached session) and `inbox:<account id>` (messages and commands).
The tariffs of accounts and customers (Account.tariffs, Customer.tariffs) are handled here
only, for every cache that depends on them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models.signals import m2m_changed, post_delete, post_save

from smarty.cache import bump_now_and_on_commit
from tariffs.invalidation import tariffs_changed

from .models import Account, AccountDevice, Customer, DeviceCommand, Message, Session
from .selectors import account_dep, inbox_dep, session_dep

M2M_ACTIONS = {"post_add", "post_remove", "post_clear"}
_UID = "accounts-invalidation"


def accounts_changed(*account_ids: int) -> None:
    """Accounts changed (bulk writes send no signal; other apps' rows an account is cached
    with, such as its channel settings or cameras, call this too)."""
    bump_now_and_on_commit(*(account_dep(pk) for pk in account_ids))


def customers_changed(customer_ids: Iterable[int]) -> None:
    """Cached accounts carry their customer (names, contract number, meta, tariffs)."""
    ids = list(Account.objects.filter(customer_id__in=list(customer_ids)).values_list("pk", flat=True))
    accounts_changed(*ids)


def sessions_changed(authkeys: Iterable[str]) -> None:
    bump_now_and_on_commit(*(session_dep(key) for key in authkeys))


def accounts_invalidate(*, client_id: int, account_ids: Iterable[int], tariffs: bool = False) -> None:
    """The accounts, their sessions (the cached session carries the account) and, with
    `tariffs`, the operator's tariff assignments: for the accounts services' bulk writes."""
    account_ids = list(account_ids)
    accounts_changed(*account_ids)
    sessions_changed(Session.objects.filter(account_id__in=account_ids).values_list("authkey", flat=True))
    if tariffs:
        tariffs_changed(client_id)


def inbox_changed(*account_ids: int) -> None:
    bump_now_and_on_commit(*(inbox_dep(pk) for pk in account_ids))


def _account_changed(sender, instance: Account, **kwargs) -> None:
    accounts_changed(instance.pk)


def _customer_changed(sender, instance: Customer, **kwargs) -> None:
    customers_changed([instance.pk])


def _account_tariffs_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:
        accounts_changed(instance.pk)
        return
    # tariff.accounts.add(...): the accounts are pk_set (all of them on clear); the operator's
    # entitlement inputs (tariffs generation) cover the clear.
    accounts_changed(*(pk_set or ()))
    tariffs_changed(instance.client_id)


def _customer_tariffs_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if action not in M2M_ACTIONS:
        return
    if not reverse:
        customers_changed([instance.pk])
        return
    customers_changed(pk_set or ())
    tariffs_changed(instance.client_id)


def _session_changed(sender, instance: Session, **kwargs) -> None:
    sessions_changed([instance.authkey])


def _device_deleted(sender, instance: AccountDevice, **kwargs) -> None:
    # Sessions of the device are deleted by cascade; their cached copies must go too.
    sessions_changed(Session.objects.filter(device_id=instance.pk).values_list("authkey", flat=True))


def _inbox_changed(sender, instance, **kwargs) -> None:
    inbox_changed(instance.account_id)


def connect() -> None:
    """Called once from AccountsConfig.ready()."""
    for signal in (post_save, post_delete):
        for handler, model in (
            (_account_changed, Account),
            (_customer_changed, Customer),
            (_session_changed, Session),
            (_inbox_changed, Message),
            (_inbox_changed, DeviceCommand),
        ):
            signal.connect(handler, sender=model, dispatch_uid=f"{_UID}-{model.__name__}-{signal}")
    post_delete.connect(_device_deleted, sender=AccountDevice, dispatch_uid=f"{_UID}-device-delete")
    m2m_changed.connect(_account_tariffs_changed, sender=Account.tariffs.through, dispatch_uid=f"{_UID}-acc-tariffs")
    m2m_changed.connect(_customer_tariffs_changed, sender=Customer.tariffs.through, dispatch_uid=f"{_UID}-cust-tariffs")
