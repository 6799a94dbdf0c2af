"""Money operations: transactions and the customer's balance, the internal billing (charging
priced tariffs every period, DEBT and back), promo codes, payments through gateways, and
messages to accounts sent by the billing system.

Balance: Customer.balance is the sum of the customer's transactions' amounts. Every change
locks the customer row (select_for_update) and moves the balance with an F() update in the
same database transaction as the transaction row, so concurrent requests cannot lose money.

Internal billing (operators whose Client.payment_method is "internal"): every enabled tariff
with a price and a period (days) that a customer or one of its accounts has is a periodical
TariffSubscription; `customer_charge` charges those that are due (a negative transaction,
`paid_until` moves one period on). When the balance does not cover a due charge, the accounts
that tariff serves go to DEBT (inactive, sessions ended); when a later charge succeeds and
nothing is left unpaid, accounts in DEBT come back (ACTIVE). It runs on a schedule
(`charge_tariffs`) and at once after payments, tariff and account changes."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.invalidation import accounts_changed
from accounts.models import MAX_ACTIVATION_DAYS, Account, Customer
from accounts.services.accounts import (
    Action,
    Source,
    StatusReason,
    account_set_status,
    account_tariff_assign,
    account_tariff_remove,
    accounts_expire_due,
    accounts_invalidate,
    customer_action_log,
)
from accounts.services.customers import customer_tariff_remove
from smarty.logging import log_event
from tariffs.models import Tariff, TariffSubscription
from vod import services as vod_services
from vod.models import Video, VideoPurchase

from .gateways import CardData, GatewayError, GatewayPayment, get_gateway
from .models import Payment, PromoActivation, PromoCode, SavedCard, Transaction

INTERNAL_BILLING = "internal"
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")
PROMO_ALPHABET = string.ascii_uppercase + string.digits
PROMO_MAX_COUNT = 1000
PROMO_ATTEMPTS = 20


# --- exceptions -------------------------------------------------------------------------------


class BillingError(Exception):
    """A refused billing operation; `field` names the parameter at fault (if one is)."""

    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        if field is not None:
            self.field = field


class TransactionExtIdTakenError(BillingError):
    field = "ext_id"


class TransactionNotFoundError(BillingError):
    field = "ext_id"


class VideoExtIdMissingError(BillingError):
    field = "video_ext_id"


class VideoNotFoundError(BillingError):
    field = "video_ext_id"


class PromoInvalidError(BillingError):
    pass


class PromoAlreadyActivatedError(BillingError):
    field = "code"


class PromoNotValidNowError(BillingError):
    field = "code"


class PaymentInvalidError(BillingError):
    pass


# --- helpers ----------------------------------------------------------------------------------


def uses_internal_billing(client) -> bool:
    return getattr(client, "payment_method", "") == INTERNAL_BILLING


def money(value: object, *, name: str = "amount") -> Decimal:
    """A finite amount with at most 2 decimals, else ValidationError naming `name`."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({name: ["not a number"]}) from exc
    # copy_abs, not abs(): abs() rounds in the context and overflows on 1E+999999999.
    if not amount.is_finite() or amount.copy_abs() > MAX_AMOUNT:
        raise ValidationError({name: ["out of range"]})
    if amount != amount.quantize(CENT):
        raise ValidationError({name: ["at most 2 decimal places"]})
    return amount.quantize(CENT)


def _lock_customer(customer: Customer) -> Customer:
    """Lock the customer row, and only it. A join in the same SELECT ... FOR UPDATE would lock
    the operator's row too, which every concurrent INSERT of the operator holds in shared mode
    through its foreign key: the two wait on each other (MariaDB error 1213). Lock order
    everywhere: the customer, then its accounts."""
    return Customer.objects.select_for_update().get(pk=customer.pk)


# --- transactions -------------------------------------------------------------------------------


def video_exists(*, client, video_ext_id: str) -> bool:
    """Whether the operator has the video: by its ext_id once the VOD models carry one,
    otherwise by its id."""

    qs = Video.objects.for_client(client)
    if any(f.name == "ext_id" for f in Video._meta.get_fields()):
        return qs.filter(ext_id=video_ext_id).exists()
    return (
        video_ext_id.isascii()
        and video_ext_id.isdigit()
        and len(video_ext_id) < 16
        and qs.filter(pk=int(video_ext_id)).exists()
    )


def video_buy(*, account: Account, video: Video) -> VideoPurchase:
    """The device's video/action "buy"/"rent": charge the customer's balance through the
    internal billing and open the video (vod.services.video_purchase_grant). Raises
    vod.services.NotEnoughMoneyError."""

    category = video.price_category
    price = category.price if category is not None else Decimal("0")
    until = timezone.now() + dt.timedelta(hours=category.rent_hours) if category and category.rent_hours else None
    with transaction.atomic():
        locked = _lock_customer(account.customer)
        if price > 0 and locked.balance < price:
            raise vod_services.NotEnoughMoneyError("not enough money on the balance")
        tx = transaction_create(
            customer=account.customer,
            amount=-price,
            comment=f"video {video.pk}",
            transaction_type=1 if video.ext_id else None,
            video_ext_id=video.ext_id,
            video_available_until=until,
            processed=True,
        )
        return vod_services.video_purchase_grant(
            customer=account.customer,
            video=video,
            price=price,
            available_until=until,
            transaction_row=tx,
            account=account,
        )


def transaction_create(
    *,
    customer: Customer,
    amount: object,
    ext_id: str = "",
    processed: bool = False,
    comment: str = "",
    source: str = Transaction.Source.BILLING_API,
    transaction_type: int | None = None,
    video_ext_id: str = "",
    video_available_until: dt.datetime | None = None,
    activate_accounts: bool = False,
    tariff: Tariff | None = None,
    action_source: str = Source.SYSTEM,
    user: str = "",
) -> Transaction:
    """Record a movement on the customer's balance (payment > 0, charge < 0) and move the
    balance. `ext_id` is unique per operator (the constraint decides concurrent requests).
    Unless `processed`, the internal billing processes it at once (settles due charges, lifts
    DEBT) and marks it processed. `activate_accounts` activates the customer's inactive
    accounts afterwards. A video purchase (transaction_type 1) names an existing video.

    Raises ValidationError, TransactionExtIdTakenError, VideoExtIdMissingError, VideoNotFoundError."""
    amount = money(amount)
    ext_id = (ext_id or "").strip()
    if transaction_type == Transaction.Type.VIDEO_PURCHASE:
        if not video_ext_id:
            raise VideoExtIdMissingError("video_ext_id is required for a video purchase")
        if not video_exists(client=customer.client, video_ext_id=video_ext_id):
            raise VideoNotFoundError(f"No video with ext_id {video_ext_id!r}")
    tx = Transaction(
        client_id=customer.client_id,
        customer=customer,
        ext_id=ext_id,
        amount=amount,
        processed=bool(processed),
        comment=comment or "",
        source=source,
        transaction_type=transaction_type,
        tariff=tariff,
        video_ext_id=video_ext_id or "",
        video_available_until=video_available_until,
    )
    tx.full_clean(
        exclude=["client", "customer", "tariff", "subscription"], validate_unique=False, validate_constraints=False
    )
    with transaction.atomic():
        locked = _lock_customer(customer)
        try:
            with transaction.atomic():
                tx.save(force_insert=True)
        except IntegrityError:
            if ext_id:
                raise TransactionExtIdTakenError(f"A transaction with ext_id {ext_id!r} already exists") from None
            raise
        Customer.objects.filter(pk=locked.pk).update(balance=F("balance") + amount)
        customer_action_log(
            client_id=locked.client_id,
            customer=locked,
            source=action_source,
            action=Action.TRANSACTION_CREATED,
            details={"transaction_id": tx.pk, "ext_id": ext_id, "amount": amount},
            user=user,
        )
        # The balance is part of what the customer's accounts show.
        accounts_invalidate(client_id=locked.client_id, account_ids=locked.accounts.values_list("id", flat=True))
        if not tx.processed and uses_internal_billing(locked.client):
            customer_charge(customer=locked)
            tx.processed = True
            tx.save(update_fields=["processed"])
        if activate_accounts:
            for account in Account.objects.filter(customer=locked, active=False).select_related("customer"):
                account_set_status(
                    account=account, active=True, status_reason=StatusReason.ACTIVE, source=action_source
                )
    customer.balance = Customer.objects.values_list("balance", flat=True).get(pk=customer.pk)
    return tx


def transaction_delete(
    *,
    client,
    ext_id: str = "",
    row: Transaction | None = None,
    action_source: str = Source.SYSTEM,
    user: str = "",
) -> Transaction:
    """Delete the operator's transaction `ext_id` (or the `row` the admin picked) and take its
    amount back from the balance. Raises TransactionNotFoundError."""
    ext_id = (ext_id or "").strip()
    txs = Transaction.objects.for_client(client)
    if row is not None:
        found = txs.filter(pk=row.pk).only("customer_id", "ext_id").first()
        ext_id = found.ext_id if found is not None else ""
    else:
        found = txs.filter(ext_id=ext_id).only("customer_id").first() if ext_id else None
    if found is None:
        raise TransactionNotFoundError(f"No transaction with ext_id {ext_id!r}")
    with transaction.atomic():
        locked = Customer.objects.select_for_update().get(pk=found.customer_id)
        tx = Transaction.objects.filter(pk=found.pk).first()
        if tx is None:
            raise TransactionNotFoundError(f"No transaction with ext_id {ext_id!r}")
        tx.delete()
        Customer.objects.filter(pk=locked.pk).update(balance=F("balance") - tx.amount)
        customer_action_log(
            client_id=locked.client_id,
            customer=locked,
            source=action_source,
            action=Action.TRANSACTION_DELETED,
            details={"transaction_id": found.pk, "ext_id": ext_id, "amount": tx.amount},
            user=user,
        )
        accounts_invalidate(client_id=locked.client_id, account_ids=locked.accounts.values_list("id", flat=True))
    return tx


def transaction_comment_set(*, row: Transaction, comment: str) -> Transaction:
    """Change a transaction's comment, the one thing of it that may change (its money never does)."""
    row.comment = comment or ""
    row.full_clean(
        exclude=["client", "customer", "tariff", "subscription"], validate_unique=False, validate_constraints=False
    )
    Transaction.objects.filter(pk=row.pk).update(comment=row.comment)
    return row


def customer_balance_recalculate(*, customer: Customer) -> Decimal:
    """Set Customer.balance to the sum of its transactions (a repair tool; the services keep
    it equal in normal operation). Returns the balance."""
    from django.db.models import Sum

    with transaction.atomic():
        locked = _lock_customer(customer)
        total = Transaction.objects.filter(customer=locked).aggregate(s=Sum("amount"))["s"] or Decimal("0")
        Customer.objects.filter(pk=locked.pk).update(balance=total)
    customer.balance = total
    return total


# --- internal billing ------------------------------------------------------------------------------


@dataclass
class ChargeResult:
    charged: Decimal = Decimal("0")
    charges: int = 0
    unpaid: int = 0
    debt: list[int] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def add(self, other: ChargeResult) -> None:
        self.charged += other.charged
        self.charges += other.charges
        self.unpaid += other.unpaid
        self.debt += other.debt
        self.restored += other.restored
        self.failed += other.failed


def _chargeable(tariff: Tariff) -> bool:
    return tariff.enabled and tariff.price > 0 and tariff.period > 0


def _discounts(customer: Customer, now: dt.datetime) -> list[tuple[frozenset[int], int]]:
    rows = (
        PromoActivation.objects.filter(customer=customer, promo__discount__gt=0)
        .filter(Q(discount_until__isnull=True) | Q(discount_until__gt=now))
        .select_related("promo")
        .prefetch_related("promo__discount_tariffs")
    )
    return [(frozenset(t.pk for t in row.promo.discount_tariffs.all()), row.promo.discount) for row in rows]


def subscription_price(
    sub: TariffSubscription, *, now: dt.datetime, discounts: Iterable[tuple[frozenset[int], int]] = ()
) -> Decimal:
    """The price of the next charge: the overriding price while it holds, else the tariff's,
    less the best promo discount for the tariff."""
    overridden = sub.is_price_overridden and (sub.price_expiration is None or sub.price_expiration >= now.date())
    base = Decimal(sub.price if overridden else sub.tariff.price)
    percent = max((d for tariffs, d in discounts if not tariffs or sub.tariff_id in tariffs), default=0)
    percent = min(max(percent, 0), 100)
    return (base * (100 - percent) / 100).quantize(CENT)


def subscription_paid_until(
    *, customer: Customer, tariff_id: int, account_id: int | None, now: dt.datetime
) -> dt.datetime | None:
    """How far an earlier subscription of the same tariff already paid for the accounts a new
    one serves (None: nothing beyond `now`). A new subscription starts there, so moving a
    tariff between a customer and its account, or unsubscribing and subscribing again, never
    charges the same period twice."""
    earlier = TariffSubscription.objects.filter(customer=customer, tariff_id=tariff_id, paid_until__gt=now)
    if account_id is not None:
        earlier = earlier.filter(Q(account__isnull=True) | Q(account_id=account_id))
    return earlier.order_by("-paid_until").values_list("paid_until", flat=True).first()


def customer_charge(*, customer: Customer, now: dt.datetime | None = None) -> ChargeResult:
    """Charge the customer's due subscriptions and set its accounts' DEBT status accordingly
    (internal billing only; a no-op for other operators). Idempotent: running it twice in a
    row charges nothing the second time."""
    result = ChargeResult()
    if not uses_internal_billing(customer.client):
        return result
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_customer(customer)
        accounts = list(Account.objects.filter(customer=locked).select_related("customer", "client"))
        by_id = {a.pk: a for a in accounts}
        customer_tariffs = {t.pk: t for t in locked.tariffs.all()}
        account_tariffs = {
            (link.account_id, link.tariff_id): link.tariff
            for link in Account.tariffs.through.objects.filter(account__customer=locked).select_related("tariff")
        }
        subs = list(TariffSubscription.objects.filter(customer=locked, is_closed=False).select_related("tariff"))
        covered = {(s.account_id, s.tariff_id) for s in subs}
        # A tariff the customer has covers every account: an account's own assignment of the
        # same tariff is not charged (nor listed) a second time.
        owned = [((None, pk), t) for pk, t in customer_tariffs.items()] + [
            (key, t) for key, t in account_tariffs.items() if key[1] not in customer_tariffs
        ]
        for (account_id, tariff_id), tariff in owned:
            if (account_id, tariff_id) not in covered and _chargeable(tariff):
                subs.append(
                    TariffSubscription.objects.create(
                        client_id=locked.client_id,
                        customer=locked,
                        account_id=account_id,
                        tariff=tariff,
                        price=tariff.price,
                        start_date=now,
                        is_periodical=True,
                        paid_until=subscription_paid_until(
                            customer=locked, tariff_id=tariff_id, account_id=account_id, now=now
                        ),
                    )
                )
        subs.sort(key=lambda s: (s.tariff.kind, s.tariff.sort_order, s.pk))
        discounts = _discounts(locked, now)
        balance = locked.balance
        unpaid_owners: set[int | None] = set()
        ended: list[TariffSubscription] = []
        for sub in subs:
            owned_now = (
                sub.tariff_id in customer_tariffs
                if sub.account_id is None
                else (sub.account_id, sub.tariff_id) in account_tariffs and sub.tariff_id not in customer_tariffs
            )
            if not owned_now or (sub.end_date is not None and sub.end_date <= now):
                sub.is_closed = True
                sub.save(update_fields=["is_closed"])
                if owned_now:
                    ended.append(sub)
                continue
            if not sub.tariff.enabled:
                continue
            if sub.is_periodical:
                if sub.tariff.period == 0 or (sub.paid_until is not None and sub.paid_until > now):
                    continue
            elif sub.paid_until is not None:
                continue
            price = subscription_price(sub, now=now, discounts=discounts)
            if price > balance:
                unpaid_owners.add(sub.account_id)
                result.unpaid += 1
                continue
            start = max(sub.paid_until or now, now)
            if sub.is_periodical:
                sub.paid_until = start + dt.timedelta(days=sub.tariff.period)
            else:
                sub.paid_until = sub.end_date or now
            sub.save(update_fields=["paid_until"])
            if price > 0:
                until = f" - {sub.paid_until:%Y-%m-%d}" if sub.end_date or sub.is_periodical else ""
                Transaction.objects.create(
                    client_id=locked.client_id,
                    customer=locked,
                    amount=-price,
                    processed=True,
                    source=Transaction.Source.CHARGE,
                    tariff=sub.tariff,
                    subscription=sub,
                    comment=f"{sub.tariff.name}: {start:%Y-%m-%d}{until}",
                )
                balance -= price
                result.charged += price
                result.charges += 1
        if result.charged:
            Customer.objects.filter(pk=locked.pk).update(balance=F("balance") - result.charged)
        for sub in ended:
            _end_subscription(sub, locked, by_id)
        for account in accounts:
            unpaid = None in unpaid_owners or account.pk in unpaid_owners
            if unpaid and account.active and account.status_reason == StatusReason.ACTIVE:
                account_set_status(account=account, active=False, status_reason=StatusReason.DEBT)
                result.debt.append(account.pk)
            elif not unpaid and account.status_reason == StatusReason.DEBT:
                account_set_status(account=account, active=True, status_reason=StatusReason.ACTIVE)
                result.restored.append(account.pk)
        _set_extension_dates(accounts, subs)
    customer.balance = balance
    return result


def _end_subscription(sub: TariffSubscription, customer: Customer, accounts: dict[int, Account]) -> None:
    """A fixed-length subscription is over: its tariff leaves the owner (unless another open
    subscription of it remains)."""
    if TariffSubscription.objects.filter(
        customer=customer, account_id=sub.account_id, tariff_id=sub.tariff_id, is_closed=False
    ).exists():
        return
    if sub.account_id is None:
        customer_tariff_remove(customer=customer, tariffs=[sub.tariff])
    elif sub.account_id in accounts:
        account_tariff_remove(account=accounts[sub.account_id], tariffs=[sub.tariff])


def _set_extension_dates(accounts: list[Account], subs: list[TariffSubscription]) -> None:
    """Account.extension_date = the next charge date of the periodical subscriptions that
    serve it (left alone when none does)."""
    for account in accounts:
        dates = [
            s.paid_until
            for s in subs
            if s.is_periodical and not s.is_closed and s.paid_until is not None and s.account_id in (None, account.pk)
        ]
        if not dates:
            continue
        next_day = min(dates).date()
        if account.extension_date != next_day:
            Account.objects.filter(pk=account.pk).update(extension_date=next_day)
            account.extension_date = next_day
            accounts_changed(account.pk)


def charge_due(*, client=None, now: dt.datetime | None = None) -> ChargeResult:
    """The scheduled run: for every internal-billing operator (or one), charge every customer
    that has something to charge or is in DEBT, then deactivate accounts whose
    deactivation_date passed. Each customer is its own database transaction."""
    now = now or timezone.now()
    total = ChargeResult()
    customers = Customer.objects.filter(client__payment_method=INTERNAL_BILLING, client__enabled=True)
    if client is not None:
        customers = customers.for_client(client)
    priced = Q(tariffs__price__gt=0, tariffs__period__gt=0)
    account_priced = Q(accounts__tariffs__price__gt=0, accounts__tariffs__period__gt=0)
    candidates = customers.filter(
        priced | account_priced | Q(subscriptions__is_closed=False) | Q(accounts__status_reason=StatusReason.DEBT)
    )
    for pk in candidates.values_list("pk", flat=True).distinct().order_by("pk"):
        customer = Customer.objects.select_related("client").get(pk=pk)
        try:
            total.add(customer_charge(customer=customer, now=now))
        except Exception:  # noqa: BLE001 - one customer's bad data never stops the others
            # customer_charge is one transaction: this customer's part is rolled back.
            log_event(
                "smarty_main",
                "INTERNAL_BILLING_CHARGE_ERROR",
                level="ERROR",
                exc_info=True,
                client_id=customer.client_id,
                customer_id=pk,
            )
            total.failed.append(pk)
    accounts_expire_due(client=client, today=now.date())
    return total


# --- promo codes ---------------------------------------------------------------------------------


def _promo_code(length: int) -> str:
    return "".join(secrets.choice(PROMO_ALPHABET) for _ in range(length))


def promo_create(
    *,
    client,
    count: int = 1,
    length: int | None = None,
    account: Account | None = None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    activation_count: int = 1,
    discount: int = 0,
    discount_tariffs: Iterable[Tariff] = (),
    amount: object = 0,
    free_tariffs: Iterable[Tariff] = (),
    days: int = 0,
) -> list[PromoCode]:
    """Generate `count` unique codes (per operator) of `length` characters. A code gives a
    percent `discount` (on `discount_tariffs`, or on every charge when none), or else tops up
    the balance by `amount` and/or gives `free_tariffs`. Raises ValidationError."""
    from django.conf import settings

    length = settings.BILLING_PROMO_CODE_LENGTH if length is None else length
    errors: dict[str, list[str]] = {}
    discount_tariffs, free_tariffs = list(discount_tariffs), list(free_tariffs)
    try:
        amount = money(amount)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        amount = Decimal("0")
    if not 1 <= count <= PROMO_MAX_COUNT:
        errors["count"] = [f"1..{PROMO_MAX_COUNT}"]
    if not 4 <= length <= 64:
        errors["length"] = ["4..64"]
    if not 0 <= discount <= 100:
        errors["discount"] = ["0..100 percent"]
    if amount < 0:
        errors["amount"] = ["must not be negative"]
    if activation_count < 1:
        errors["activation_count"] = ["at least 1"]
    if days < 0 or days > MAX_ACTIVATION_DAYS:
        errors["days"] = [f"0..{MAX_ACTIVATION_DAYS}"]
    if valid_from and valid_until and valid_from > valid_until:
        errors["valid_until"] = ["before valid_from"]
    if not discount and not amount and not free_tariffs:
        errors["discount"] = ["pass discount, amount or free_tariffs"]
    for name, tariffs in (("tariffs", discount_tariffs), ("free_tariffs", free_tariffs)):
        if any(t.client_id != client.pk for t in tariffs):
            errors[name] = ["not found"]
    if account is not None and account.client_id != client.pk:
        errors["account_id"] = ["not found"]
    if errors:
        raise ValidationError(errors)
    created: list[PromoCode] = []
    with transaction.atomic():
        for _ in range(count):
            for _attempt in range(PROMO_ATTEMPTS):
                promo = PromoCode(
                    client=client,
                    code=_promo_code(length),
                    account=account,
                    amount=amount,
                    discount=discount,
                    days=days,
                    max_activations=activation_count,
                    valid_from=valid_from,
                    valid_until=valid_until,
                )
                try:
                    with transaction.atomic():
                        promo.save(force_insert=True)
                    break
                except IntegrityError:
                    continue
            else:
                raise ValidationError({"length": ["too short to generate unique codes"]})
            promo.discount_tariffs.set(discount_tariffs)
            promo.free_tariffs.set(free_tariffs)
            created.append(promo)
    return created


@dataclass
class PromoOutcome:
    activation: PromoActivation
    amount: Decimal
    discount: int
    free_tariffs: list[int]


def promo_activate(*, promo: PromoCode, account: Account, now: dt.datetime | None = None) -> PromoOutcome:
    """Use a promo code for an account (and its customer). Raises PromoInvalidError (bound to
    another account), PromoNotValidNowError (outside valid_from..valid_until),
    PromoAlreadyActivatedError (by this customer, or no activations left)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if promo.client_id != account.client_id:
        raise PromoInvalidError("Promo code not found", field="code")
    if promo.account_id is not None and promo.account_id != account.pk:
        raise PromoInvalidError("This promo code belongs to another account", field="account_id")
    if (promo.valid_from and today < promo.valid_from) or (promo.valid_until and today > promo.valid_until):
        raise PromoNotValidNowError("The promo code is expired or not valid yet")
    customer = account.customer
    with transaction.atomic():
        locked = PromoCode.objects.select_for_update().get(pk=promo.pk)
        if PromoActivation.objects.filter(promo=locked, customer=customer).exists():
            raise PromoAlreadyActivatedError("The promo code is already activated")
        if not PromoCode.objects.filter(pk=locked.pk, activations__lt=F("max_activations")).update(
            activations=F("activations") + 1
        ):
            raise PromoAlreadyActivatedError("The promo code has no activations left")
        activation = PromoActivation(
            client_id=locked.client_id,
            promo=locked,
            customer=customer,
            account=account,
            discount_until=now + dt.timedelta(days=locked.days) if locked.days else None,
        )
        try:
            with transaction.atomic():
                activation.save(force_insert=True)
        except IntegrityError:
            raise PromoAlreadyActivatedError("The promo code is already activated") from None
        free = list(locked.free_tariffs.all())
        for tariff in free:
            # A zero-price subscription keeps the internal billing from charging the tariff;
            # with `days` it ends (and the tariff leaves the account) after that many days.
            TariffSubscription.objects.filter(
                customer=customer, account=account, tariff=tariff, is_closed=False
            ).update(is_closed=True)
            TariffSubscription.objects.create(
                client_id=locked.client_id,
                customer=customer,
                account=account,
                tariff=tariff,
                price=Decimal("0"),
                is_price_overridden=True,
                start_date=now,
                end_date=now + dt.timedelta(days=locked.days) if locked.days else None,
                is_periodical=False,
            )
        if free:
            account_tariff_assign(account=account, tariffs=free)
        if locked.amount > 0:
            tx = transaction_create(
                customer=customer,
                amount=locked.amount,
                comment=f"promo code {locked.code}",
                source=Transaction.Source.PROMO,
            )
            activation.transaction = tx
            activation.save(update_fields=["transaction"])
        else:
            customer_charge(customer=customer, now=now)
    return PromoOutcome(activation, locked.amount, locked.discount, [t.pk for t in free])


# --- payments ------------------------------------------------------------------------------------


def _gateway_payment(payment: Payment) -> GatewayPayment:
    return GatewayPayment(
        id=payment.pk,
        amount=payment.amount,
        currency=payment.client.default_currency,
        customer_id=payment.customer_id,
        gateway_ref=payment.gateway_ref,
        session_id=payment.session_id,
    )


def _positive(amount: object) -> Decimal:
    value = money(amount)
    if value <= 0:
        raise ValidationError({"amount": ["must be positive"]})
    return value


def payment_merchant_url(*, customer: Customer, amount: object, merchant_type: str = "") -> tuple[Payment, str, str]:
    """Start a payment on the merchant's page: (payment, url, merchant name). An empty url
    means the application uses its own card form. Raises ValidationError, UnknownGatewayError,
    GatewayConfigError, GatewayError."""
    amount = _positive(amount)
    gateway = get_gateway(merchant_type)
    with transaction.atomic():
        payment = Payment.objects.create(
            client_id=customer.client_id, customer=customer, gateway=gateway.name, amount=amount
        )
        url = gateway.merchant_url(_gateway_payment(payment))
    return payment, url, gateway.title or gateway.name


def payment_create(*, customer: Customer, amount: object, merchant_type: str = "") -> Payment:
    """Register a payment with the gateway (payment_id, session_id). Raises ValidationError,
    UnknownGatewayError, GatewayConfigError, GatewayError."""
    amount = _positive(amount)
    gateway = get_gateway(merchant_type)
    with transaction.atomic():
        payment = Payment.objects.create(
            client_id=customer.client_id, customer=customer, gateway=gateway.name, amount=amount
        )
        result = gateway.create_payment(_gateway_payment(payment))
        payment.gateway_ref, payment.session_id = result.payment_id, result.session_id
        payment.save(update_fields=["gateway_ref", "session_id", "updated_at"])
    return payment


def _claim(payment: Payment) -> None:
    # Only one request may send a payment to the gateway: a conditional update claims it.
    claimed = Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
        status=Payment.Status.PROCESSING, updated_at=timezone.now()
    )
    if not claimed:
        raise PaymentInvalidError("The payment is already processed", field="payment_id")
    payment.status = Payment.Status.PROCESSING


def _fail(payment: Payment, exc: GatewayError) -> None:
    Payment.objects.filter(pk=payment.pk).update(
        status=Payment.Status.FAILED, error_code=exc.code, error_message=exc.message[:255], updated_at=timezone.now()
    )
    log_event(
        "smarty_payment",
        "NOTIFY_ERROR",
        level="WARNING",
        client=payment.customer_id,
        transaction=payment.pk,
        payment_source=payment.gateway,
        params={"amount": str(payment.amount)},
        error=exc.message,
    )


def _settle(payment: Payment, *, card_token: str = "", card_mask: str = "") -> Payment:
    with transaction.atomic():
        tx = transaction_create(
            customer=payment.customer,
            amount=payment.amount,
            comment=f"payment {payment.gateway} {payment.gateway_ref or payment.pk}",
            source=Transaction.Source.PAYMENT,
        )
        payment.transaction, payment.status = tx, Payment.Status.PAID
        payment.save(update_fields=["transaction", "status", "updated_at"])
        if card_token:
            SavedCard.objects.create(
                client_id=payment.client_id,
                customer=payment.customer,
                gateway=payment.gateway,
                token=card_token,
                card_mask=card_mask,
            )
    log_event(
        "smarty_payment",
        "NOTIFY_SUCCESS",
        client=payment.customer_id,
        transaction=payment.pk,
        payment_source=payment.gateway,
        params={"amount": str(payment.amount)},
    )
    return payment


def payment_process(*, payment: Payment, card: CardData) -> Payment:
    """Send the card to the gateway; on success the amount reaches the balance as a
    transaction (processed by the internal billing). Raises PaymentInvalidError (not payable any
    more), UnknownGatewayError, GatewayConfigError, GatewayError."""
    gateway = get_gateway(payment.gateway)
    _claim(payment)
    try:
        result = gateway.process_payment(_gateway_payment(payment), card)
    except GatewayError as exc:
        _fail(payment, exc)
        raise
    return _settle(payment, card_token=result.card_token, card_mask=result.card_mask)


def saved_card_pay(*, account: Account, amount: object) -> Payment:
    """Top up the balance of the account's customer with its most recent saved card.
    Raises ValidationError, PaymentInvalidError (no saved card), GatewayError."""
    amount = _positive(amount)
    card = SavedCard.objects.filter(customer_id=account.customer_id).first()
    if card is None:
        raise PaymentInvalidError("The customer has no saved card", field="abonement")
    gateway = get_gateway(card.gateway)
    payment = Payment.objects.create(
        client_id=account.client_id,
        customer=account.customer,
        account=account,
        gateway=gateway.name,
        amount=amount,
        status=Payment.Status.PROCESSING,
    )
    try:
        result = gateway.pay_with_token(_gateway_payment(payment), card.token)
    except GatewayError as exc:
        _fail(payment, exc)
        raise
    payment.gateway_ref = result.payment_id
    return _settle(payment)


# --- device API (tvmiddleware: payment) ----------------------------------------------------------


@transaction.atomic
def saved_card_delete(*, customer_id: int, card_id: int) -> bool:
    """Forget one of the customer's saved cards; False when it has no such card."""
    deleted, _ = SavedCard.objects.filter(customer_id=customer_id, pk=card_id).delete()
    return bool(deleted)


# Billing API (billing/views/transactions.py): a transaction and the video purchase it records


@transaction.atomic
def transaction_create_with_video(
    *,
    customer: Customer,
    amount: object,
    ext_id: str,
    processed: bool,
    comment: str,
    transaction_type: int | None,
    video_ext_id: str,
    video_available_until: dt.datetime | None,
    activate_accounts: bool,
    action_source: str,
) -> Transaction:
    """transaction_create, then (transaction_type 1) the purchase of the video it names, in
    one transaction: TransactionCreate's step."""
    row = transaction_create(
        customer=customer,
        amount=amount,
        ext_id=ext_id,
        processed=processed,
        comment=comment,
        transaction_type=transaction_type,
        video_ext_id=video_ext_id,
        video_available_until=video_available_until,
        activate_accounts=activate_accounts,
        action_source=action_source,
    )
    vod_services.video_purchase_from_transaction(transaction_row=row)
    return row
