"""Money: transactions (payments and charges), promo codes, payments through gateways and the
cards gateways saved for later payments."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models

from accounts.models import MAX_ACTIVATION_DAYS, ext_id_key
from smarty.tenancy import ClientOwned


class Transaction(ClientOwned):
    """A movement on a customer's balance: positive amounts are payments, negative charges.
    The customer's balance is the sum of its transactions' amounts (billing.services keeps
    Customer.balance equal to it)."""

    class Source(models.TextChoices):
        BILLING_API = "billing_api", "Billing API"
        ADMIN = "admin", "admin panel"
        CHARGE = "charge", "tariff charge"
        PAYMENT = "payment", "payment gateway"
        PROMO = "promo", "promo code"
        DEALERS_API = "dealers_api", "Dealers API"

    class Type(models.IntegerChoices):
        VIDEO_PURCHASE = 1, "video purchase"

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="transactions")
    ext_id = models.CharField(max_length=128, blank=True, default="")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    processed = models.BooleanField(default=False)
    comment = models.TextField(blank=True, default="")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.BILLING_API)
    transaction_type = models.IntegerField(null=True, blank=True, choices=Type.choices)
    tariff = models.ForeignKey("tariffs.Tariff", null=True, blank=True, on_delete=models.SET_NULL)
    subscription = models.ForeignKey(
        "tariffs.TariffSubscription", null=True, blank=True, on_delete=models.SET_NULL, related_name="charges"
    )
    video_ext_id = models.CharField(max_length=128, blank=True, default="")
    video_available_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ext_id_key = ext_id_key()

    class Meta:
        constraints = [
            # MySQL/MariaDB ignore the conditional constraint above; this one holds everywhere.
            models.UniqueConstraint(fields=["client", "ext_id_key"], name="uniq_transaction_ext_id_key_per_client"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.amount} ({self.ext_id or self.pk})"


class PromoCode(ClientOwned):
    """A promo code: tops up the balance (`amount`), gives tariffs for free (`free_tariffs`,
    for `days` when set) or a percent `discount` on the charges of `discount_tariffs` (all
    priced tariffs when empty). `account` restricts it to one account."""

    code = models.CharField(max_length=64)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tariff = models.ForeignKey("tariffs.Tariff", null=True, blank=True, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    discount = models.PositiveSmallIntegerField(default=0, help_text="percent", validators=[MaxValueValidator(100)])
    discount_tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="+")
    free_tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="+")
    days = models.PositiveIntegerField(
        default=0,
        help_text="how long free tariffs and the discount last; 0: always",
        validators=[MaxValueValidator(MAX_ACTIVATION_DAYS)],
    )
    max_activations = models.PositiveIntegerField(default=1)
    activations = models.PositiveIntegerField(default=0)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "code"], name="uniq_promo_code_per_client")]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            raise ValidationError({"valid_until": "must not be before valid_from"})


class PromoActivation(ClientOwned):
    """One customer's use of a promo code; `discount_until` bounds the discount (None: open)."""

    promo = models.ForeignKey(PromoCode, on_delete=models.CASCADE, related_name="activation_rows")
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="promo_activations")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL)
    transaction = models.ForeignKey(Transaction, null=True, blank=True, on_delete=models.SET_NULL)
    discount_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["promo", "customer"], name="uniq_promo_per_customer")]


class Payment(ClientOwned):
    """A payment through a gateway (built-in test gateway or a real one). Its `transaction`
    exists once the gateway confirmed the money."""

    class Status(models.TextChoices):
        CREATED = "created", "created"
        PROCESSING = "processing", "sent to the gateway"
        PAID = "paid", "paid"
        FAILED = "failed", "failed"

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="payments")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    gateway = models.CharField(max_length=32, default="test")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    gateway_ref = models.CharField(max_length=128, blank=True, default="")
    session_id = models.CharField(max_length=128, blank=True, default="")
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=255, blank=True, default="")
    transaction = models.OneToOneField(Transaction, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["client", "gateway", "gateway_ref"])]


class SavedCard(ClientOwned):
    """A card a gateway keeps for the customer (only the gateway's token and a mask are stored)."""

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="saved_cards")
    gateway = models.CharField(max_length=32)
    token = models.CharField(max_length=255)
    card_mask = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class GatewayAccount(ClientOwned):
    """An operator's account with a payment gateway: its shop id, secret (write-only in the
    admin) and API address. A gateway without one for the operator is not offered to it
    (the built-in test gateway needs none)."""

    gateway = models.CharField(max_length=32, help_text="gateway name, e.g. yookassa")
    enabled = models.BooleanField(default=True)
    shop_id = models.CharField(max_length=64, blank=True, default="")
    secret_key = models.CharField(max_length=255, blank=True, default="")
    api_url = models.URLField(blank=True, default="", help_text="empty: the gateway's public API")
    return_url = models.URLField(blank=True, default="", help_text="where the payment page sends the subscriber back")
    currency = models.CharField(max_length=3, blank=True, default="", help_text="empty: the operator's currency")
    save_cards = models.BooleanField(
        default=False, help_text="ask the gateway to keep the subscriber's card for later top-ups (saved cards)"
    )
    vat_code = models.PositiveSmallIntegerField(
        default=1, help_text="VAT code of the receipt lines (payment/cheque), as the gateway numbers them"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "gateway"], name="uniq_gateway_account_per_client")]

    def __str__(self) -> str:
        return self.gateway


class Refund(ClientOwned):
    """Money of a paid payment given back through its gateway. Created `pending` (the amount is
    reserved: refunds never exceed the payment), it becomes `succeeded` (the balance is debited
    by `transaction`) or `canceled` as the gateway answers."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCEEDED = "succeeded", "succeeded"
        CANCELED = "canceled", "canceled"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    gateway_ref = models.CharField(max_length=128, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")
    error_message = models.CharField(max_length=255, blank=True, default="")
    transaction = models.OneToOneField(Transaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class PaymentEvent(models.Model):
    """One state change of a payment (who moved it where and why): the audit trail the admin
    shows next to the smarty_payment log."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16)
    to_status = models.CharField(max_length=16)
    reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
