"""Operations the admin performs on operators, device types, dealers and staff logins.
Each runs in one transaction and bumps the cache generations (clients/invalidation.py)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from .invalidation import clients_changed, device_types_changed
from .models import Client, ClientPlayDevice, ClientUser, Dealer, PlayDevice, PlayDeviceTemplate


def client_save(*, client: Client) -> Client:
    """Create or change an operator (service panel, seed 3.1.1)."""
    with transaction.atomic():
        client.full_clean()
        client.save()
        clients_changed(client.pk)
    return client


def play_device_save(*, device: PlayDevice | PlayDeviceTemplate) -> PlayDevice | PlayDeviceTemplate:
    """Create or change a device type or portal template (seed 3.1.2-3.1.3)."""
    with transaction.atomic():
        device.full_clean()
        device.save()
        device_types_changed()
    return device


def client_play_device_save(*, allowed: ClientPlayDevice) -> ClientPlayDevice:
    """Allow a device type for an operator or change its settings (seed 3.1.4, 3.2.4.1)."""
    with transaction.atomic():
        allowed.full_clean()
        allowed.save()
        clients_changed(allowed.client_id)
        device_types_changed()
    return allowed


def staff_user_bind(
    *,
    user,
    client_id: int | None,
    dealer: Dealer | None = None,
    is_monitoring: bool | None = None,
    is_admin: bool | None = None,
) -> ClientUser:
    """Bind an admin login to an operator (and optionally a dealer or the monitoring role)."""
    with transaction.atomic():
        profile, _created = ClientUser.objects.select_for_update().get_or_create(
            user=user, defaults={"client_id": client_id}
        )
        profile.client_id = client_id
        if dealer is not None:
            profile.dealer = dealer
        if is_monitoring is not None:
            profile.is_monitoring = is_monitoring
        if is_admin is not None:
            profile.is_admin = is_admin
        if profile.dealer_id and profile.dealer.client_id != client_id:
            raise ValidationError(gettext("The dealer belongs to another operator."))
        profile.save()
    return profile


def dealer_save(*, dealer: Dealer, username: str = "", password: str = "") -> Dealer:
    """Create or change a dealer; `username` (and `password`) create or update the dealer's
    admin login, bound to the dealer (seed 3.2.8.6)."""
    user_model = get_user_model()
    with transaction.atomic():
        dealer.full_clean()
        dealer.save()
        if username:
            user = user_model.objects.select_for_update().filter(username=username).first()
            if user is None:
                user = user_model(username=username, is_staff=True, is_active=True)
                if not password:
                    raise ValidationError({"password": gettext("A new login needs a password.")})
            else:
                profile = getattr(user, "smarty_profile", None)
                if user.is_superuser or profile is None or profile.dealer_id != dealer.pk:
                    raise ValidationError({"username": gettext("This username is taken.")})
            if password:
                user.set_password(password)
            user.is_staff = True
            user.save()
            staff_user_bind(user=user, client_id=dealer.client_id, dealer=dealer)
        clients_changed(dealer.client_id)
    return dealer


def dealer_login(dealer: Dealer):
    """The admin login of a dealer, if any."""
    profile = ClientUser.objects.filter(dealer=dealer).select_related("user").first()
    return profile.user if profile is not None else None
