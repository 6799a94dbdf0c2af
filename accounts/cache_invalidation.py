"""Cache generations of subscriber data, bumped on every save/delete wherever it comes from
(services, the admin, the Billing API). Signals are used for this one thing only.

Each bump happens at once (so the same transaction reads fresh values) and again after
commit (so a reader that rebuilt a value between the two from the old rows is overridden)."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from smarty.cache import bump

from .models import Account, AccountDevice, Customer, DeviceCommand, Message, Session
from .selectors import account_dep, inbox_dep, session_dep


def bump_now_and_on_commit(*deps: str) -> None:
    bump(*deps)
    transaction.on_commit(lambda: bump(*deps))


@receiver([post_save, post_delete], sender=Account)
def _account_changed(sender, instance: Account, **kwargs) -> None:
    bump_now_and_on_commit(account_dep(instance.pk))


@receiver([post_save, post_delete], sender=Customer)
def _customer_changed(sender, instance: Customer, **kwargs) -> None:
    # Cached accounts carry their customer (names, contract number, meta).
    ids = list(Account.objects.filter(customer_id=instance.pk).values_list("pk", flat=True))
    if ids:
        bump_now_and_on_commit(*(account_dep(pk) for pk in ids))


@receiver(m2m_changed, sender=Account.tariffs.through)
def _account_tariffs_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Account):
        bump_now_and_on_commit(account_dep(instance.pk))
    else:  # reverse side: a tariff's accounts changed
        for pk in pk_set or ():
            bump_now_and_on_commit(account_dep(pk))


@receiver(m2m_changed, sender=Customer.tariffs.through)
def _customer_tariffs_changed(sender, instance, action: str, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    customer_ids = [instance.pk] if isinstance(instance, Customer) else list(pk_set or ())
    ids = list(Account.objects.filter(customer_id__in=customer_ids).values_list("pk", flat=True))
    if ids:
        bump_now_and_on_commit(*(account_dep(pk) for pk in ids))


@receiver([post_save, post_delete], sender=Session)
def _session_changed(sender, instance: Session, **kwargs) -> None:
    bump_now_and_on_commit(session_dep(instance.authkey))


@receiver(post_delete, sender=AccountDevice)
def _device_deleted(sender, instance: AccountDevice, **kwargs) -> None:
    # Sessions of the device are deleted by cascade; their cached copies must go too.
    keys = list(Session.objects.filter(device_id=instance.pk).values_list("authkey", flat=True))
    if keys:
        bump_now_and_on_commit(*(session_dep(k) for k in keys))


@receiver([post_save, post_delete], sender=Message)
@receiver([post_save, post_delete], sender=DeviceCommand)
def _inbox_changed(sender, instance, **kwargs) -> None:
    bump_now_and_on_commit(inbox_dep(instance.account_id))
