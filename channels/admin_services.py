"""Operations the admin performs on the channel list: the channel auto-sort (seed 3.2.7.2)."""

from __future__ import annotations

from django.db import transaction

from clients.invalidation import clients_changed
from clients.models import Client

#: The order of an operator's channel list in each auto-sort mode. "custom" is the
#: operator's own order (sort_order, the arrows of the list); switching back to it restores
#: that order, since the other modes never rewrite it.
CHANNEL_ORDERINGS: dict[str, tuple[str, ...]] = {
    Client.ChannelSort.CUSTOM: ("sort_order", "id"),
    Client.ChannelSort.AUTO: ("lcn_number", "sort_order", "id"),
    Client.ChannelSort.ID: ("id",),
    Client.ChannelSort.NAME: ("name", "id"),
}


def channel_ordering(client: Client | None) -> tuple[str, ...]:
    """The ORDER BY of the operator's channel list (for the admin list and the device APIs)."""
    mode = getattr(client, "channel_sort", None) or Client.ChannelSort.CUSTOM
    return CHANNEL_ORDERINGS.get(mode, CHANNEL_ORDERINGS[Client.ChannelSort.CUSTOM])


def channel_sort_set(*, client: Client, mode: str) -> Client:
    """Switch the operator's channel auto-sort mode; devices see the new order at once."""
    if mode not in CHANNEL_ORDERINGS:
        raise ValueError(f"unknown channel sort mode {mode!r}")
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(channel_sort=mode)
        client.channel_sort = mode
        clients_changed(client.pk)
    return client
