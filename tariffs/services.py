"""Operations on tariff packages: create, modify, delete, their streaming services, and tariff
subscriptions (paid periods of a tariff for a customer or one account). Every change bumps the
operator's tariff generation after commit, so channel lists and entitlements follow at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.selectors import client_dep
from smarty.cache import bump

from .models import Tariff, TariffSubscription
from .selectors import tariffs_dep

TARIFF_FIELDS = frozenset(
    {
        "name",
        "ext_id",
        "kind",
        "enabled",
        "hidden",
        "period",
        "price",
        "default_activation_price",
        "assigned_by_default",
        "required",
        "sessions_count",
        "basic_sessions_count",
        "basic_tariff_priority",
        "ip_restriction",
        "available_for_inactive_accounts",
        "available_everywhere",
        "display_in_channels_widget",
        "used_for_channel_list",
        "used_for_video_list",
        "used_for_radio_list",
        "available_to_unsubscribe",
        "allowed_device_groups",
        "sort_order",
    }
)
MAX_BASIC_PRIORITY = 10


def _tariffs_changed(client_id: int) -> None:
    transaction.on_commit(lambda: bump(tariffs_dep(client_id), client_dep(client_id)))


def _validate(tariff: Tariff) -> None:
    errors: dict[str, list[str]] = {}
    try:
        tariff.full_clean(exclude=["client"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not str(tariff.name or "").strip():
        errors.setdefault("name", []).append("required")
    if tariff.price is not None and Decimal(tariff.price) < 0:
        errors.setdefault("price", []).append("must not be negative")
    if tariff.default_activation_price is not None and Decimal(tariff.default_activation_price) < 0:
        errors.setdefault("default_activation_price", []).append("must not be negative")
    if not 0 <= int(tariff.basic_tariff_priority or 0) <= MAX_BASIC_PRIORITY:
        errors.setdefault("basic_tariff_priority", []).append(f"0..{MAX_BASIC_PRIORITY}")
    if errors:
        raise ValidationError(errors)


def _kind_for(tariff: Tariff) -> int:
    """Basic when it has a basic priority (1..10), additional otherwise; options stay options."""
    if tariff.kind == Tariff.Kind.OPTION:
        return tariff.kind
    return Tariff.Kind.BASIC if tariff.basic_tariff_priority else Tariff.Kind.ADDITIONAL


def _check_fields(data: Mapping[str, Any]) -> None:
    unknown = set(data) - TARIFF_FIELDS
    if unknown:
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def tariff_create(*, client, data: Mapping[str, Any]) -> Tariff:  # noqa: ANN001
    """Create a tariff. Without an explicit `kind` it is basic when basic_tariff_priority is
    1..10 and additional when 0. Raises ValidationError."""
    data = dict(data)
    _check_fields(data)
    tariff = Tariff(client=client, **data)
    if "kind" not in data:
        tariff.kind = _kind_for(tariff)
    _validate(tariff)
    with transaction.atomic():
        tariff.save()
        _tariffs_changed(client.pk)
    return tariff


def tariff_modify(*, tariff: Tariff, data: Mapping[str, Any]) -> list[str]:
    """Change the given fields; returns the changed ones. Raises ValidationError."""
    data = dict(data)
    _check_fields(data)
    with transaction.atomic():
        tariff = Tariff.objects.select_for_update().get(pk=tariff.pk)
        before = {name: getattr(tariff, name) for name in [*data, "kind"]}
        for name, value in data.items():
            setattr(tariff, name, value)
        if "basic_tariff_priority" in data and "kind" not in data:
            tariff.kind = _kind_for(tariff)
        _validate(tariff)
        changed = [name for name in before if getattr(tariff, name) != before[name]]
        if changed:
            tariff.save(update_fields=changed)
            _tariffs_changed(tariff.client_id)
    return changed


def tariff_save(*, tariff: Tariff, m2m: dict | None = None) -> Tariff:
    """Create or change a package as the admin's form built it, with the checks of
    tariff_create/tariff_modify; `m2m` maps many-to-many field names to their new values."""
    _validate(tariff)
    with transaction.atomic():
        tariff.save()
        for name, values in (m2m or {}).items():
            getattr(tariff, name).set(values)
        _tariffs_changed(tariff.client_id)
    return tariff


def tariff_delete(*, tariff: Tariff) -> None:
    """Delete a tariff: its assignments and subscriptions go with it; transactions keep their
    amounts (their tariff link is cleared)."""
    with transaction.atomic():
        _tariffs_changed(tariff.client_id)
        tariff.delete()


def tariff_stream_service_assign(*, tariff: Tariff, service) -> bool:  # noqa: ANN001
    """Let the tariff's subscribers use a streaming service. Returns whether it was new."""
    if service.client_id != tariff.client_id:
        raise ValidationError({"service_id": ["not found"]})
    with transaction.atomic():
        if tariff.stream_services.filter(pk=service.pk).exists():
            return False
        tariff.stream_services.add(service)
        _tariffs_changed(tariff.client_id)
    return True


def tariff_stream_service_remove(*, tariff: Tariff, service) -> bool:  # noqa: ANN001
    """Returns whether the service was linked."""
    with transaction.atomic():
        if not tariff.stream_services.filter(pk=service.pk).exists():
            return False
        tariff.stream_services.remove(service)
        _tariffs_changed(tariff.client_id)
    return True


# --- subscriptions ----------------------------------------------------------------------------


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)


def tariff_subscription_create(
    *,
    customer,  # noqa: ANN001
    tariff: Tariff,
    account=None,  # noqa: ANN001
    price: Decimal | None = None,
    duration: int | None = None,
    price_expiration: dt.date | None = None,
    end_date: dt.date | None = None,
    now: dt.datetime | None = None,
    charge: bool = True,
) -> TariffSubscription:
    """Subscribe the customer (or one of its accounts) to a tariff from now on. A given
    `price` overrides the tariff's (until `price_expiration`); `duration` (days) or
    `end_date` make it a fixed-length subscription, otherwise it renews every tariff period.
    The tariff is assigned to the owner if it was not; an open subscription of the same
    tariff and owner is replaced. The internal billing charges it (billing.services).

    Raises ValidationError."""
    from accounts.services.accounts import account_tariff_assign
    from accounts.services.customers import customer_tariff_assign

    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if price is not None and Decimal(price) < 0:
        errors["price"] = ["must not be negative"]
    if price_expiration is not None and price is None:
        errors["price_expiration"] = ["only together with price"]
    if duration is not None and duration < 1:
        errors["duration"] = ["at least 1 day"]
    if end_date is not None and _end_of(end_date) <= now:
        errors["end_date"] = ["must be in the future"]
    if tariff.client_id != customer.client_id:
        errors["tariff_id"] = ["not found"]
    if account is not None and account.customer_id != customer.pk:
        errors["account"] = ["not an account of this customer"]
    if errors:
        raise ValidationError(errors)
    if end_date is not None:
        end = _end_of(end_date)
    elif duration is not None:
        end = now + dt.timedelta(days=duration)
    else:
        end = None
    with transaction.atomic():
        TariffSubscription.objects.filter(customer=customer, account=account, tariff=tariff, is_closed=False).update(
            is_closed=True
        )
        subscription = TariffSubscription.objects.create(
            client_id=customer.client_id,
            customer=customer,
            account=account,
            tariff=tariff,
            price=tariff.price if price is None else Decimal(price),
            is_price_overridden=price is not None,
            price_expiration=price_expiration,
            start_date=now,
            end_date=end,
            is_periodical=end is None,
        )
        if account is None:
            customer_tariff_assign(customer=customer, tariffs=[tariff])
        else:
            account_tariff_assign(account=account, tariffs=[tariff])
        _tariffs_changed(customer.client_id)
        if charge:
            from billing.services import customer_charge

            customer_charge(customer=customer, now=now)
    return subscription


def tariff_subscription_delete(*, subscription: TariffSubscription) -> None:
    """Delete a subscription; its tariff is taken from the owner unless another open
    subscription of it remains."""
    from accounts.services.accounts import account_tariff_remove
    from accounts.services.customers import customer_tariff_remove

    with transaction.atomic():
        others = (
            TariffSubscription.objects.filter(
                customer_id=subscription.customer_id,
                account_id=subscription.account_id,
                tariff_id=subscription.tariff_id,
                is_closed=False,
            )
            .exclude(pk=subscription.pk)
            .exists()
        )
        tariff, account, customer = subscription.tariff, subscription.account, subscription.customer
        subscription.delete()
        removed: list[int] = []
        if not others and not subscription.is_closed:
            if account is None:
                removed = customer_tariff_remove(customer=customer, tariffs=[tariff])
            else:
                removed = account_tariff_remove(account=account, tariffs=[tariff])
        _tariffs_changed(customer.client_id)
        if removed:
            from billing.services import customer_charge

            customer_charge(customer=customer)
