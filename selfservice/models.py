"""Subscriber self-service state: legal documents (with versions and who accepted which) and
QR logins waiting for a logged-in phone to confirm them."""

from __future__ import annotations

from django.db import models

from smarty.tenancy import ClientOwned


class LegalDocument(ClientOwned):
    """A document shown to subscribers (terms of service, privacy policy...). Its current
    version is the newest LegalDocumentVersion; an acceptance is of one version."""

    class Type(models.IntegerChoices):
        LOGIN = 1, "show at login"
        REGISTRATION = 2, "show at registration"
        PAYMENT = 3, "show at payment"
        TARIFF = 4, "show when subscribing to a tariff"

    name = models.CharField(max_length=255)
    document_type = models.PositiveSmallIntegerField(choices=Type.choices, default=Type.LOGIN)
    need_acceptance = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="+", help_text="for type 4")
    sort_order = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class LegalDocumentVersion(models.Model):
    """One wording of a document; the newest is the one shown and accepted."""

    document = models.ForeignKey(LegalDocument, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=32)
    html_content = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["document", "version"], name="uniq_legal_document_version")]

    def __str__(self) -> str:
        return f"{self.document} {self.version}"


class LegalAcceptance(ClientOwned):
    """A version accepted by an account (from an authorised device) or by a device not yet
    logged in (its device_uid)."""

    version = models.ForeignKey(LegalDocumentVersion, on_delete=models.CASCADE, related_name="acceptances")
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # NULL when an account accepted: unique constraints ignore NULLs, not empty strings.
    device_uid = models.CharField(max_length=128, null=True, blank=True)
    device_model = models.CharField(max_length=128, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    accepted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "account"], name="uniq_legal_acceptance_account"),
            models.UniqueConstraint(fields=["version", "device_uid"], name="uniq_legal_acceptance_device"),
        ]


class QrLogin(ClientOwned):
    """A TV waiting to be logged in: it shows `login_code` as a QR code; an already logged-in
    device of an account confirms it once before `expires_at` (qr/login/sync)."""

    token = models.CharField(max_length=64, unique=True, help_text="connection token of the TV")
    login_code = models.CharField(max_length=16)
    device_uid = models.CharField(max_length=128)
    play_device = models.ForeignKey("clients.PlayDevice", null=True, on_delete=models.SET_NULL, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey("accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "login_code"], name="uniq_qr_login_code")]
