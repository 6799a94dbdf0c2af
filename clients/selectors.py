"""Read queries about operators and device types."""

from __future__ import annotations

import hmac

from smarty.cache import cached, dep

from .models import Client, PlayDevice

DEVICE_TYPES = dep("system", "play_devices")


def client_dep(client_id: int) -> str:
    """Generation counter of everything an operator configures (bumped on any change)."""
    return dep("client", client_id)


def play_device_formats() -> dict[str, str]:
    """system_name -> response format, cached until a device type changes."""
    return cached(
        "play_device_formats",
        (),
        [DEVICE_TYPES],
        lambda: dict(PlayDevice.objects.values_list("system_name", "response_format")),
    )


def play_device_get(system_name: str) -> PlayDevice | None:
    if not system_name:
        return None
    return (
        cached(
            "play_device",
            (system_name,),
            [DEVICE_TYPES],
            lambda: PlayDevice.objects.filter(system_name=system_name).first() or False,
        )
        or None
    )


def client_get(client_id: object) -> Client | None:
    try:
        pk = int(str(client_id).strip())
    except (TypeError, ValueError):
        return None
    found = cached("client", (pk,), [client_dep(pk)], lambda: Client.objects.filter(pk=pk).first() or False)
    return found or None


def client_get_by_api_key(*, client_id: object, api_key: str) -> Client | None:
    """The enabled operator whose TVMW api_key matches (constant-time compare)."""
    client = client_get(client_id)
    if client is None or not client.enabled or not api_key:
        return None
    if not hmac.compare_digest(client.api_key.encode(), str(api_key).encode()):
        return None
    return client
