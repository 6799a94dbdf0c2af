"""Payment gateways. `get_gateway(name)` returns the configured gateway called `name` (the
request's merchant_type), or the first configured one when `name` is empty.

settings.BILLING_PAYMENT_GATEWAYS lists built-in names ("test") or dotted paths of
`billing.gateways.base.Gateway` subclasses."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import (
    CardData,
    Gateway,
    GatewayConfigError,
    GatewayError,
    GatewayPayment,
    GatewayResult,
    UnknownGatewayError,
)

BUILT_IN = {"test": "billing.gateways.test.TestGateway", "yookassa": "billing.gateways.yookassa.YooKassaGateway"}

__all__ = [
    "CardData",
    "Gateway",
    "GatewayConfigError",
    "GatewayError",
    "GatewayPayment",
    "GatewayResult",
    "UnknownGatewayError",
    "configured_gateways",
    "get_gateway",
]


def configured_gateways() -> dict[str, Gateway]:
    """name -> gateway instance, in the configured order. Raises GatewayConfigError."""
    gateways: dict[str, Gateway] = {}
    for entry in settings.BILLING_PAYMENT_GATEWAYS:
        path = BUILT_IN.get(entry, entry)
        try:
            cls = import_string(path)
        except ImportError as exc:
            raise GatewayConfigError(f"payment gateway {entry!r} cannot be loaded") from exc
        if not (isinstance(cls, type) and issubclass(cls, Gateway)):
            raise GatewayConfigError(f"payment gateway {entry!r} is not a Gateway")
        gateway = cls()
        gateways[gateway.name] = gateway
    return gateways


def get_gateway(name: str | None = None) -> Gateway:
    """Raises UnknownGatewayError (no such merchant) or GatewayConfigError (none configured or
    one cannot be loaded)."""
    gateways = configured_gateways()
    if not gateways:
        raise GatewayConfigError("no payment gateway is configured")
    if not name:
        return next(iter(gateways.values()))
    try:
        return gateways[name]
    except KeyError:
        raise UnknownGatewayError(f"unknown merchant_type {name!r}") from None
