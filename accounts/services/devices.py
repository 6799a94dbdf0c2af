"""Devices of accounts: registration at login (basic or additional), unbinding."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from smarty.logging import log_event

from ..models import Account, AccountDevice, Session


class DeviceNotFoundError(Exception):
    """The device id does not name a device of this account."""


def device_register(
    *,
    account: Account,
    device_uid: str,
    is_basic: bool,
    play_device=None,
    serial_number: str = "",
    brand_name: str = "",
    device_model: str = "",
    app_build_version: str = "",
) -> AccountDevice:
    """Register (or refresh) the device `device_uid` on the account. An already registered
    device keeps its kind; details the device sent replace the stored ones."""
    now = timezone.now()
    device, created = AccountDevice.objects.get_or_create(
        client_id=account.client_id,
        account=account,
        device_uid=device_uid,
        defaults={
            "is_basic": is_basic,
            "play_device": play_device,
            "serial_number": serial_number[:128],
            "brand_name": brand_name[:128],
            "device_model": device_model[:128],
            "app_build_version": app_build_version[:64],
            "last_active": now,
        },
    )
    if not created:
        changes = {"last_active": now}
        for field, value, size in (
            ("serial_number", serial_number, 128),
            ("brand_name", brand_name, 128),
            ("device_model", device_model, 128),
            ("app_build_version", app_build_version, 64),
        ):
            if value and getattr(device, field) != value[:size]:
                changes[field] = value[:size]
        if play_device is not None and device.play_device_id != play_device.pk:
            changes["play_device"] = play_device
        AccountDevice.objects.filter(pk=device.pk).update(**changes)
        for field, value in changes.items():
            setattr(device, field, value)
    return device


def device_unbind(*, account: Account, device_id: int) -> None:
    """Remove a device of the account with its sessions (login's device_id_for_unbinding)."""
    with transaction.atomic():
        device = AccountDevice.objects.filter(client_id=account.client_id, account=account, pk=device_id).first()
        if device is None:
            raise DeviceNotFoundError(device_id)
        # Delete sessions one by one so each cached copy is invalidated.
        for session in Session.objects.filter(device=device):
            session.delete()
        device_uid = device.device_uid
        device.delete()
    log_event("smarty_accounts", "ACCOUNT_DEVICE_REMOVED", account_id=account.pk, device_uid=device_uid)


def device_clear_reset_flag(*, device: AccountDevice) -> bool:
    """Deliver `reset_settings` once: True if it was set (and is now cleared)."""
    if not device.reset_settings:
        return False
    return AccountDevice.objects.filter(pk=device.pk, reset_settings=True).update(reset_settings=False) == 1
