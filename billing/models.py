"""Money: transactions (payments and charges), promo codes and payment records."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from smarty.tenancy import ClientOwned


class Transaction(ClientOwned):
    """A movement on a customer's balance: positive amounts are payments, negative charges."""

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="transactions")
    ext_id = models.CharField(max_length=128, blank=True, default="")
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    processed = models.BooleanField(default=False)
    comment = models.TextField(blank=True, default="")
    transaction_type = models.IntegerField(null=True, blank=True)
    tariff = models.ForeignKey("tariffs.Tariff", null=True, blank=True, on_delete=models.SET_NULL)
    video_ext_id = models.CharField(max_length=128, blank=True, default="")
    video_available_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "ext_id"], condition=~Q(ext_id=""), name="uniq_transaction_ext_id_per_client"
            )
        ]
        ordering = ["-created_at", "-id"]


class PromoCode(ClientOwned):
    code = models.CharField(max_length=64)
    tariff = models.ForeignKey("tariffs.Tariff", null=True, blank=True, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    days = models.PositiveIntegerField(default=0)
    max_activations = models.PositiveIntegerField(default=1)
    activations = models.PositiveIntegerField(default=0)
    valid_until = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "code"], name="uniq_promo_code_per_client")]


class PromoActivation(ClientOwned):
    promo = models.ForeignKey(PromoCode, on_delete=models.CASCADE, related_name="activation_rows")
    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["promo", "customer"], name="uniq_promo_per_customer")]


class Payment(ClientOwned):
    """A payment through a gateway (built-in test gateway or a real one)."""

    class Status(models.TextChoices):
        CREATED = "created", "created"
        PAID = "paid", "paid"
        FAILED = "failed", "failed"

    customer = models.ForeignKey("accounts.Customer", on_delete=models.CASCADE, related_name="payments")
    gateway = models.CharField(max_length=32, default="test")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    gateway_ref = models.CharField(max_length=128, blank=True, default="")
    transaction = models.OneToOneField(Transaction, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
