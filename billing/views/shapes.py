"""How accounts, customers, devices, subscriptions and tariffs look on the wire (field names
and types of the reference's responses). Flags are 0/1, dates yyyy-mm-dd; device groups are
0 STB, 1 Smart TV, 2 Mobile, 3 Other on the wire, the PlayDevice.Group values stored."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

# The queries that load what these shapes read, re-exported for the doors that share them.
from accounts.selectors import accounts_for_listing, customers_for_listing  # noqa: F401

from ..api import day, flag, stamp

WIRE_DEVICE_GROUPS = (0, 1, 2, 3)


def subscription(sub, *, full: bool = False) -> dict:
    body = {
        "tariff_id": sub.tariff_id,
        "api_config_id": None,
        "price": sub.price,
        "start_date": day(sub.start_date),
        "end_date": day(sub.end_date),
        "is_periodical": flag(sub.is_periodical),
    }
    if full:
        body["price_expiration"] = day(sub.price_expiration)
        body["is_price_overridden"] = flag(sub.is_price_overridden)
        body["is_closed"] = flag(sub.is_closed)
    return body


def activation_days_left(account) -> int:
    """The reference: deactivation date minus activation date (0 when either is unset)."""
    if account.activation_date and account.deactivation_date:
        return max((account.deactivation_date - account.activation_date).days, 0)
    return 0


def on_trial_period(account, client) -> int:
    days = getattr(client, "trial_period_days", 0) or 0
    return flag(days and account.created_at and account.created_at + timedelta(days=days) > timezone.now())


# --- accounts ----------------------------------------------------------------------------


def device(dev) -> dict:
    return {
        "id": dev.pk,
        "system_name": dev.play_device.system_name if dev.play_device_id else "",
        "device_uid": dev.device_uid,
        "serial_number": dev.serial_number,
        "created_at": stamp(dev.created_at),
        "is_basic": flag(dev.is_basic),
    }


def account(acc) -> dict:
    """AccountInfo / AccountList item (expects accounts_for_listing's prefetches)."""
    subs = [s for s in acc.customer.open_subscriptions if s.account_id in (None, acc.pk)]
    return {
        "id": acc.pk,
        "abonement": acc.abonement,
        "active": flag(acc.active),
        "last_active": day(acc.last_active),
        "created_at": day(acc.created_at),
        "status_reason": acc.status_reason,
        "auto_activation_period": acc.auto_activation_period,
        "extension_date": day(acc.extension_date),
        "activation_date": day(acc.activation_date),
        "deactivation_date": day(acc.deactivation_date),
        "allow_multiple_login": flag(acc.allow_multiple_login),
        "allow_login_by_abonement": flag(acc.allow_login_by_abonement),
        "allow_login_by_device_uid": flag(acc.allow_login_by_device_uid),
        "allow_login_by_ip": flag(acc.allow_login_by_ip),
        "parent_code": acc.parent_code,
        "use_timeshift": flag(acc.use_timeshift),
        "preferred_timeshift_offset": acc.preferred_timeshift_offset,
        "devices": [device(d) for d in sorted(acc.devices.all(), key=lambda d: d.pk)],
        "tariffs": sorted(t.pk for t in acc.tariffs.all()),
        "customer_id": acc.customer_id,
        "subnets": ";".join(p for p in (acc.subnets or "").split(",") if p),
        "subscriptions": [subscription(s) for s in subs],
        "allowed_device_groups": [int(g) for g in acc.allowed_device_groups or []],
    }


# --- customers ----------------------------------------------------------------------------


def customer(cust, *, listing: bool) -> dict:
    """CustomerInfo (listing=False) or a CustomerList item (expects customers_for_listing)."""
    client = cust.client
    accounts = []
    for acc in cust.accounts.all():
        item = {
            "id": acc.pk,
            "abonement": acc.abonement,
            "activation_days_left": activation_days_left(acc),
            "on_trial_period": on_trial_period(acc, client),
        }
        if listing:
            item["active"] = flag(acc.active)
        accounts.append(item)
    tariffs = sorted(cust.tariffs.all(), key=lambda t: t.pk)
    body = {
        "accounts": accounts,
        "subscriptions": [subscription(s, full=True) for s in cust.open_subscriptions],
        "balance": cust.balance,
        "payments_count": cust.payments_count,
        "tariffs_info": [{"id": t.pk, "ext_id": t.ext_id} for t in tariffs],
        "vtariffs_info": [],
        "meta": cust.meta if isinstance(cust.meta, dict) else {},
        "birthdate": day(cust.birthdate),
        "autopayment_enabled": flag(cust.autopayment_enabled),
        "tariffs": [t.pk for t in tariffs],
    }
    if listing:
        body = {"id": cust.pk, **body, "mobile_phone_number": cust.mobile_phone_number}
    return body


# --- tariffs ----------------------------------------------------------------------------------


def icon_url(request, icon: str) -> str:
    if not icon:
        return ""
    if "://" in icon:
        return icon
    path = f"{settings.MEDIA_URL.rstrip('/')}/{settings.SMARTY_ICONS_DIR}/{icon.lstrip('/')}"
    return request.build_absolute_uri(path) if path.startswith("/") else path


def tariff(t, request, *, priority: bool = True, channels: bool = True) -> dict:
    body = {
        "id": t.pk,
        "name": t.name,
        "period": t.period,
        "price": t.price,
        "activation_price": t.default_activation_price if t.default_activation_price is not None else 0,
    }
    if priority:
        body["basic_tariff_priority"] = t.basic_tariff_priority
    body.update(
        {
            "sessions_count": t.sessions_count,
            "basic_sessions_count": t.basic_sessions_count,
            "ip_restriction": flag(t.ip_restriction),
        }
    )
    if channels:
        body["channels"] = [{"id": c.pk, "name": c.name, "icon": icon_url(request, c.icon)} for c in t.enabled_channels]
    return body
