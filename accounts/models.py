"""Subscribers: customers (the person or company), their accounts (logins), devices,
sessions (authkeys), messages and commands to devices, and the customer action log."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxValueValidator, RegexValidator
from django.db import models
from django.db.models import Value
from django.db.models.functions import NullIf
from django.utils.text import Truncator
from django.utils.translation import gettext

from smarty.i18n import DescriptionTranslations, NameTranslations
from smarty.tenancy import ClientOwned

#: The longest automatic activation, in days (ten years; tariffs.models.MAX_PERIOD_DAYS).
MAX_ACTIVATION_DAYS = 3660


#: A phone number as people write it: digits, an optional leading +, spaces, dashes, dots, brackets.
validate_phone = RegexValidator(r"^\+?[0-9 ()\-.]*$", "digits, an optional leading +, spaces, -, ., ( )")


def validate_subnets(value: str) -> None:
    """Comma-separated (or ;/space-separated) IP networks in CIDR form or single addresses."""
    for part in str(value or "").replace(";", ",").replace(" ", ",").split(","):
        if part.strip():
            try:
                ipaddress.ip_network(part.strip(), strict=False)
            except ValueError:
                raise ValidationError(f"{part.strip()!r} is not an IP network (CIDR)", code="invalid") from None


def ext_id_key() -> models.GeneratedField:
    """ext_id, or NULL when empty: a plain unique index on (client, ext_id_key) keeps ext_ids
    unique per operator on every database (MySQL/MariaDB ignore conditional constraints)."""
    return models.GeneratedField(
        expression=NullIf("ext_id", Value("")),
        output_field=models.CharField(max_length=128, null=True),
        db_persist=True,
        editable=False,
    )


class Customer(ClientOwned):
    """A subscriber: one person or company with contact and billing data; owns accounts."""

    ext_id = models.CharField(max_length=128, blank=True, default="")
    dealer = models.ForeignKey("clients.Dealer", null=True, blank=True, on_delete=models.SET_NULL)
    firstname = models.CharField(max_length=128, blank=True, default="")
    middlename = models.CharField(max_length=128, blank=True, default="")
    lastname = models.CharField(max_length=128, blank=True, default="")
    birthdate = models.DateField(null=True, blank=True)
    passport_number = models.CharField(max_length=64, blank=True, default="")
    passport_series = models.CharField(max_length=64, blank=True, default="")
    passport_issue_date = models.DateField(null=True, blank=True)
    passport_issued_by = models.CharField(max_length=255, blank=True, default="")
    postal_address_street = models.CharField(max_length=255, blank=True, default="")
    postal_address_bld = models.CharField(max_length=64, blank=True, default="")
    postal_address_apt = models.CharField(max_length=64, blank=True, default="")
    postal_address_zip = models.CharField(max_length=32, blank=True, default="")
    postal_address_city = models.CharField(max_length=128, blank=True, default="")
    postal_address_country = models.CharField(max_length=128, blank=True, default="")
    billing_address_street = models.CharField(max_length=255, blank=True, default="")
    billing_address_bld = models.CharField(max_length=64, blank=True, default="")
    billing_address_apt = models.CharField(max_length=64, blank=True, default="")
    billing_address_zip = models.CharField(max_length=32, blank=True, default="")
    mobile_phone_number = models.CharField(max_length=32, blank=True, default="", validators=[validate_phone])
    phone_number_1 = models.CharField(max_length=32, blank=True, default="", validators=[validate_phone])
    phone_number_2 = models.CharField(max_length=32, blank=True, default="", validators=[validate_phone])
    fax_phone_number = models.CharField(max_length=32, blank=True, default="", validators=[validate_phone])
    email = models.CharField(max_length=255, blank=True, default="", validators=[EmailValidator()])
    company_name = models.CharField(max_length=255, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    contract_number = models.CharField(max_length=64, blank=True, default="")
    bank_account_blz = models.CharField(max_length=64, blank=True, default="")
    bank_account_bic = models.CharField(max_length=64, blank=True, default="")
    bank_account_number = models.CharField(max_length=64, blank=True, default="")
    bank_account_iban = models.CharField(max_length=64, blank=True, default="")
    bank_account_bank_name = models.CharField(max_length=255, blank=True, default="")
    bank_account_owner_name = models.CharField(max_length=255, blank=True, default="")
    meta = models.JSONField(default=dict, blank=True)
    send_sms = models.BooleanField(default=False)
    send_sms_messages = models.BooleanField(default=True)
    send_email_messages = models.BooleanField(default=True)
    custom_billing_api = models.IntegerField(null=True, blank=True)
    autopayment_enabled = models.BooleanField(default=False)
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="customers")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ext_id_key = ext_id_key()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "ext_id_key"], name="uniq_customer_ext_id_key_per_client"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        name = f"{self.firstname} {self.lastname}".strip()
        return name or f"customer {self.pk}"


PASSWORD_ALGORITHM = "pbkdf2_sha256"
# Hashes written before the iteration count was stored: "pbkdf2$<salt>$<digest>".
_LEGACY_ALGORITHM, _LEGACY_ITERATIONS = "pbkdf2", 5000


def _pbkdf2(raw: str, salt: str, iterations: int) -> str:
    return hashlib.pbkdf2_hmac("sha256", str(raw).encode(), salt.encode(), iterations).hex()


def hash_password(raw: str, *, salt: str | None = None, iterations: int | None = None) -> str:
    """Salted PBKDF2-SHA256 of an account password, so a dump does not reveal it:
    `pbkdf2_sha256$<iterations>$<salt>$<hex digest>` (SMARTY_ACCOUNT_PASSWORD_ITERATIONS)."""
    from django.conf import settings

    iterations = iterations or settings.SMARTY_ACCOUNT_PASSWORD_ITERATIONS
    salt = salt or secrets.token_hex(16)
    return f"{PASSWORD_ALGORITHM}${iterations}${salt}${_pbkdf2(raw, salt, iterations)}"


def _password_parts(stored: str) -> tuple[int, str, str] | None:
    """(iterations, salt, digest) of a stored hash, legacy form included; None if malformed."""
    parts = stored.split("$")
    if len(parts) == 4 and parts[0] == PASSWORD_ALGORITHM and parts[1].isascii() and parts[1].isdigit():
        iterations = int(parts[1])
        return (iterations, parts[2], parts[3]) if iterations > 0 else None
    if len(parts) == 3 and parts[0] == _LEGACY_ALGORITHM:
        return _LEGACY_ITERATIONS, parts[1], parts[2]
    return None


def check_password(raw: str, stored: str) -> bool:
    parts = _password_parts(stored or "")
    if parts is None:
        return False
    iterations, salt, digest = parts
    return hmac.compare_digest(_pbkdf2(raw, salt, iterations).encode(), digest.encode())


def password_needs_rehash(stored: str) -> bool:
    """True for a hash made with fewer iterations than configured now (or the legacy form)."""
    from django.conf import settings

    parts = _password_parts(stored or "")
    return (
        parts is None
        or not stored.startswith(PASSWORD_ALGORITHM + "$")
        or parts[0] < settings.SMARTY_ACCOUNT_PASSWORD_ITERATIONS
    )


class Account(ClientOwned):
    """A login of a customer (the billing world's "personal account"): abonement + password."""

    class StatusReason(models.TextChoices):
        ACTIVE = "ACTIVE", "active"
        DEBT = "DEBT", "disabled for debt"
        BLOCK = "BLOCK", "blocked at the subscriber's request"
        INACTIVE = "INACTIVE", "deactivated"
        WAIT = "WAIT", "waiting for activation in billing"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="accounts")
    abonement = models.CharField(max_length=32)
    ext_id = models.CharField(max_length=128, blank=True, default="")
    password = models.CharField(max_length=128, blank=True, default="")
    active = models.BooleanField(default=True)
    status_reason = models.CharField(max_length=16, choices=StatusReason.choices, default=StatusReason.ACTIVE)
    auto_activation_period = models.PositiveIntegerField(
        default=0, help_text="days, counted from first login", validators=[MaxValueValidator(MAX_ACTIVATION_DAYS)]
    )
    extension_date = models.DateField(null=True, blank=True)
    activation_date = models.DateField(null=True, blank=True)
    deactivation_date = models.DateField(null=True, blank=True)
    allow_multiple_login = models.BooleanField(default=False)
    allow_login_by_abonement = models.BooleanField(default=False)
    allow_login_by_device_uid = models.BooleanField(default=True)
    allow_login_by_ip = models.BooleanField(default=False)
    subnets = models.TextField(blank=True, default="", help_text="comma-separated CIDRs", validators=[validate_subnets])
    parent_code = models.CharField(max_length=16, blank=True, default="")
    use_timeshift = models.BooleanField(default=False)
    preferred_timeshift_offset = models.IntegerField(default=0)
    data_center = models.ForeignKey("streaming.DataCenter", null=True, blank=True, on_delete=models.SET_NULL)
    allowed_device_groups = models.JSONField(default=list, blank=True, help_text="PlayDevice groups; empty: all")
    template = models.CharField(max_length=64, blank=True, default="")
    option1 = models.CharField(max_length=255, blank=True, default="")
    option2 = models.CharField(max_length=255, blank=True, default="")
    option3 = models.CharField(max_length=255, blank=True, default="")
    tariffs = models.ManyToManyField("tariffs.Tariff", blank=True, related_name="accounts")
    last_active = models.DateTimeField(null=True, blank=True)
    last_channel = models.ForeignKey(
        "channels.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    settings = models.JSONField(default=dict, blank=True)
    profile_type = models.ForeignKey(
        "accounts.ProfileType", null=True, blank=True, on_delete=models.SET_NULL, related_name="accounts"
    )
    profile_name = models.CharField(max_length=128, blank=True, default="")
    # The secret in the account's M3U and XMLTV addresses (players.md); NULL until first asked
    # for, so the unique index holds on every database.
    playlist_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    ext_id_key = ext_id_key()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "abonement"], name="uniq_abonement_per_client"),
            models.UniqueConstraint(fields=["client", "ext_id_key"], name="uniq_account_ext_id_key_per_client"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.abonement

    def set_password(self, raw: str) -> None:
        self.password = hash_password(raw)

    def check_password(self, raw: str) -> bool:
        return bool(self.password) and check_password(raw, self.password)


class ProfileType(ClientOwned, NameTranslations, DescriptionTranslations):
    """A kind of account profile an operator offers (adult, child...): TVMW profile/list."""

    is_default = models.BooleanField(default=False)
    show_adult_content = models.BooleanField(default=True)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class AccountDevice(ClientOwned):
    """A device registered to an account: automatically at login or manually (billing/admin).
    Basic devices count against the tariffs' basic session limit."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="devices")
    play_device = models.ForeignKey("clients.PlayDevice", null=True, blank=True, on_delete=models.SET_NULL)
    device_uid = models.CharField(max_length=128)
    serial_number = models.CharField(max_length=128, blank=True, default="")
    brand_name = models.CharField(max_length=128, blank=True, default="")
    device_model = models.CharField(max_length=128, blank=True, default="")
    diagonal = models.CharField(max_length=16, blank=True, default="")
    is_basic = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    reset_settings = models.BooleanField(default=False)
    app_build_version = models.CharField(max_length=64, blank=True, default="")
    last_active = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "device_uid", "account"], name="uniq_device_uid_per_account")
        ]
        indexes = [models.Index(fields=["client", "device_uid"])]

    def __str__(self) -> str:
        label = " ".join(part for part in (self.brand_name, self.device_model) if part)
        return f"{label} ({self.device_uid})" if label else self.device_uid


class Session(ClientOwned):
    """A device session: the `authkey` a device sends with every TVMW request."""

    authkey = models.CharField(max_length=64, unique=True)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="sessions")
    device = models.ForeignKey(AccountDevice, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions")
    play_device = models.ForeignKey("clients.PlayDevice", null=True, blank=True, on_delete=models.SET_NULL)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    lang = models.CharField(max_length=8, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_active = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "expires_at"])]

    def __str__(self) -> str:
        return gettext("Session of %(account)s since %(start)s") % {
            "account": self.account,
            "start": self.created_at.strftime("%Y-%m-%d %H:%M") if self.created_at else "-",
        }


class Message(ClientOwned):
    """A message to an account's devices (seed 3.2.8.4); `urgent` ones pop up at once."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="messages")
    uuid = models.UUIDField(unique=True)
    subject = models.CharField(max_length=255, blank=True, default="")
    text = models.TextField()
    urgent = models.BooleanField(default=False)
    no_confirmation = models.BooleanField(default=False)
    delete_after_reading = models.BooleanField(default=False)
    is_read = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "is_deleted", "is_read"])]

    def __str__(self) -> str:
        return f"{self.subject or Truncator(self.text).chars(40)} → {self.account}"


class DeviceCommand(ClientOwned):
    """A command for an account's devices, delivered by account/status (reboot, reload...)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="commands")
    device = models.ForeignKey(AccountDevice, null=True, blank=True, on_delete=models.CASCADE)
    type = models.CharField(max_length=64)
    user_confirmation = models.BooleanField(default=False)
    deep_link = models.CharField(max_length=512, blank=True, default="")
    accompanying_text = models.TextField(blank=True, default="")
    image_url = models.CharField(max_length=512, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return gettext("Command %(type)s → %(account)s") % {"type": self.type, "account": self.account}


class CustomerActionLog(ClientOwned):
    """What happened to a customer and from where (TVMIDDLEWARE_CUSTOMER_LOG_ENABLED)."""

    class Source(models.TextChoices):
        ADMIN = "admin", "admin panel"
        BILLING_API = "billing_api", "Billing API"
        DEALERS_API = "dealers_api", "Dealers API"
        TVMW_API = "tvmw_api", "TVMW API"
        SYSTEM = "system", "system"

    class Action(models.TextChoices):
        """The one vocabulary of the log, whatever the door (admin, Billing API, Dealers API,
        TVMW API, commands). Names follow the seed's smarty_accounts events (ACCOUNT_CREATED,
        CUSTOMER_TARIFFS_ASSIGNED, ...), lower-cased."""

        LOGIN = "login", "login"
        CUSTOMER_CREATED = "customer_created", "customer created"
        CUSTOMER_CHANGED = "customer_changed", "customer changed"
        CUSTOMER_DELETED = "customer_deleted", "customer deleted"
        CUSTOMER_TARIFFS_ASSIGNED = "customer_tariffs_assigned", "customer tariffs assigned"
        CUSTOMER_TARIFFS_REMOVED = "customer_tariffs_removed", "customer tariffs removed"
        ACCOUNT_CREATED = "account_created", "account created"
        ACCOUNT_CHANGED = "account_changed", "account changed"
        ACCOUNT_DELETED = "account_deleted", "account deleted"
        ACCOUNT_ACTIVATED = "account_activated", "account activated"
        ACCOUNT_TARIFFS_ASSIGNED = "account_tariffs_assigned", "account tariffs assigned"
        ACCOUNT_TARIFFS_REMOVED = "account_tariffs_removed", "account tariffs removed"
        ACCOUNT_DEVICE_CREATED = "account_device_created", "device added"
        ACCOUNT_DEVICE_CHANGED = "account_device_changed", "device changed"
        ACCOUNT_DEVICE_REMOVED = "account_device_removed", "device removed"
        PASSWORD_CHANGED = "password_changed", "password changed"
        PARENT_CODE_CHANGED = "parent_code_changed", "parent code changed"
        TEMPLATE_CHANGED = "template_changed", "interface template changed"
        PROFILE_CHANGED = "profile_changed", "profile changed"
        SETTINGS_CHANGED = "settings_changed", "settings changed"
        TRANSACTION_CREATED = "transaction_created", "transaction created"
        TRANSACTION_DELETED = "transaction_deleted", "transaction deleted"

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions")
    source = models.CharField(max_length=16, choices=Source.choices)
    action = models.CharField(max_length=64, choices=Action.choices)
    details = models.JSONField(default=dict, blank=True)
    user = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.get_source_display()})"
