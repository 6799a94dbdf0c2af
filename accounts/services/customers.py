"""Operations on customers (subscribers): create, modify, delete and their tariffs. Used by the
Billing API, the Dealers API and the admin. Logs CUSTOMER_CREATED / CUSTOMER_CHANGED /
CUSTOMER_TARIFFS_* on smarty_accounts, writes the customer action log and bumps the cache
generations after commit (a customer's tariffs are every one of its accounts' tariffs)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Customer
from smarty.logging import log_event
from tariffs.models import Tariff

from ..invalidation import accounts_invalidate
from .accounts import (
    Action,
    Source,
    TariffUnavailableError,
    _check_fields,
    _usable_tariffs,
    customer_action_log,
    plain,
    tariffs_change,
)

CUSTOMER_FIELDS = frozenset(
    {
        "ext_id",
        "dealer",
        "firstname",
        "middlename",
        "lastname",
        "birthdate",
        "passport_number",
        "passport_series",
        "passport_issue_date",
        "passport_issued_by",
        "postal_address_street",
        "postal_address_bld",
        "postal_address_apt",
        "postal_address_zip",
        "postal_address_city",
        "postal_address_country",
        "billing_address_street",
        "billing_address_bld",
        "billing_address_apt",
        "billing_address_zip",
        "mobile_phone_number",
        "phone_number_1",
        "phone_number_2",
        "fax_phone_number",
        "email",
        "company_name",
        "comment",
        "contract_number",
        "bank_account_blz",
        "bank_account_bic",
        "bank_account_number",
        "bank_account_iban",
        "bank_account_bank_name",
        "bank_account_owner_name",
        "meta",
        "send_sms",
        "send_sms_messages",
        "send_email_messages",
        "custom_billing_api",
        "autopayment_enabled",
    }
)
NAME_FIELDS = ("firstname", "middlename", "lastname", "comment")

__all__ = [
    "CUSTOMER_FIELDS",
    "CustomerExtIdTakenError",
    "TariffUnavailableError",
    "customer_create",
    "customer_delete",
    "customer_modify",
    "customer_tariff_assign",
    "customer_tariff_remove",
    "customer_validate",
]


class CustomerExtIdTakenError(Exception):
    field = "ext_id"

    def __init__(self, message: str = "A customer with this ext_id already exists") -> None:
        super().__init__(message)


def customer_validate(customer: Customer) -> None:
    """The checks every door's customer passes (the admin's form runs them before saving)."""
    errors: dict[str, list[str]] = {}
    try:
        customer.full_clean(exclude=["client", "dealer", "balance"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not any(str(getattr(customer, name) or "").strip() for name in NAME_FIELDS):
        for name in NAME_FIELDS:
            errors.setdefault(name, []).append("one of firstname, middlename, lastname or comment is required")
    if not isinstance(customer.meta, dict):
        errors.setdefault("meta", []).append("must be a JSON object")
    if customer.dealer_id is not None and customer.dealer.client_id != customer.client_id:
        errors.setdefault("dealer", []).append("not found")
    if errors:
        raise ValidationError(errors)


def _save_new(customer: Customer) -> None:
    try:
        with transaction.atomic():
            customer.save(force_insert=True)
    except IntegrityError:
        customer.pk = None
        customer._state.adding = True
        if customer.ext_id:
            raise CustomerExtIdTakenError() from None
        raise


def customer_create(
    *,
    client,
    data: Mapping[str, Any],
    tariffs: Iterable = (),
    assign_default_tariffs: bool = True,
    source: str = Source.SYSTEM,
    user: str = "",
) -> Customer:
    """Create a customer of `client`. At least one of the names or the comment is required;
    `meta` is a JSON object; `ext_id`, when given, is unique per operator (also under
    concurrent requests: the database constraint decides). Tariffs marked assigned_by_default
    are given to every new customer unless `assign_default_tariffs` is False.

    Raises ValidationError, CustomerExtIdTakenError, TariffUnavailableError."""

    data = dict(data)
    _check_fields(data, CUSTOMER_FIELDS)
    data.setdefault("meta", {})
    customer = Customer(client=client, **data)
    customer_validate(customer)
    tariffs = _usable_tariffs(client.pk, tariffs)
    if assign_default_tariffs:
        defaults = Tariff.objects.for_client(client).filter(enabled=True, assigned_by_default=True)
        tariffs += [t for t in defaults if t.pk not in {x.pk for x in tariffs}]
    with transaction.atomic():
        _save_new(customer)
        if tariffs:
            customer.tariffs.add(*tariffs)
        log_event("smarty_accounts", "CUSTOMER_CREATED", customer_id=customer.pk)
        customer_action_log(
            client_id=client.pk,
            customer=customer,
            source=source,
            action=Action.CUSTOMER_CREATED,
            details={"ext_id": customer.ext_id},
            user=user,
        )
        if tariffs:
            ids = [t.pk for t in tariffs]
            log_event("smarty_accounts", "CUSTOMER_TARIFFS_ASSIGNED", customer_id=customer.pk, tariffs_ids=ids)
            accounts_invalidate(client_id=client.pk, account_ids=[], tariffs=True)
    return customer


def customer_modify(
    *, customer: Customer, data: Mapping[str, Any], source: str = Source.SYSTEM, user: str = ""
) -> list[str]:
    """Change the given fields (only those). Returns the names of the changed fields.

    Raises ValidationError, CustomerExtIdTakenError."""
    data = dict(data)
    _check_fields(data, CUSTOMER_FIELDS)
    with transaction.atomic():
        # Only the customer row: a joined operator row would be locked with it.
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        before = {name: getattr(customer, name) for name in data}
        for name, value in data.items():
            setattr(customer, name, value)
        customer_validate(customer)
        changed = [name for name in data if getattr(customer, name) != before[name]]
        if not changed:
            return []
        try:
            with transaction.atomic():
                customer.save(update_fields=[*changed, "updated_at"])
        except IntegrityError:
            raise CustomerExtIdTakenError() from None
        values = {name: plain(getattr(customer, name)) for name in changed}
        log_event("smarty_accounts", "CUSTOMER_CHANGED", customer_id=customer.pk, **values)
        customer_action_log(
            client_id=customer.client_id,
            customer=customer,
            source=source,
            action=Action.CUSTOMER_CHANGED,
            details=values,
            user=user,
        )
        accounts_invalidate(client_id=customer.client_id, account_ids=customer.accounts.values_list("id", flat=True))
    return changed


def customer_delete(*, customer: Customer, source: str = Source.SYSTEM, user: str = "") -> None:
    """Delete the customer with its accounts, devices, sessions and transactions."""
    with transaction.atomic():
        customer_action_log(
            client_id=customer.client_id,
            source=source,
            action=Action.CUSTOMER_DELETED,
            details={"customer_id": customer.pk, "ext_id": customer.ext_id},
            user=user,
        )
        accounts_invalidate(
            client_id=customer.client_id, account_ids=customer.accounts.values_list("id", flat=True), tariffs=True
        )
        customer.delete()


def customer_tariff_assign(
    *, customer: Customer, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Give the customer (so every account of it) the tariffs. Returns the ids newly assigned."""
    return tariffs_change(holder=customer, tariffs=tariffs, add=True, source=source, user=user)


def customer_tariff_remove(
    *, customer: Customer, tariffs: Iterable, source: str = Source.SYSTEM, user: str = ""
) -> list[int]:
    """Take the tariffs from the customer; its open subscriptions of them are closed."""
    return tariffs_change(holder=customer, tariffs=tariffs, add=False, source=source, user=user)
