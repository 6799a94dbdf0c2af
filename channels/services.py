"""Operations on an account's view of its channels (favourites, hidden, own order, parental
overrides, last viewed). Bulk writes send no signals, so they bump the account's cache
generation themselves (after commit, and at once for readers in the same transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.selectors import account_dep
from clients.models import Client
from clients.selectors import client_dep
from smarty.cache import bump, dep

from .models import AccountChannelSetting, Channel
from .selectors import CHANNEL_ORDERINGS


class ChannelNotFoundError(LookupError):
    """Channel ids that are not enabled channels of the account's operator."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = sorted(set(ids))
        super().__init__(f"channels not found: {self.ids}")


def last_viewed_dep(account_id: int) -> str:
    """Generation of what an account watched last (channel/list/last)."""
    return dep("account_last_viewed", account_id)


def bump_after_commit(*deps: str) -> None:
    """Bump now (readers in this transaction) and again after commit, so a reader that rebuilt
    a value from the old rows between the two cannot keep it."""
    bump(*deps)
    transaction.on_commit(lambda: bump(*deps))


def _check_channels(account, channel_ids: Iterable[int]) -> set[int]:  # noqa: ANN001
    wanted = set(channel_ids)
    found = set(
        Channel.objects.filter(client_id=account.client_id, enabled=True, pk__in=wanted).values_list("id", flat=True)
    )
    if wanted - found:
        raise ChannelNotFoundError(wanted - found)
    return found


def _ensure_rows(account, channel_ids: Iterable[int]) -> dict[int, AccountChannelSetting]:  # noqa: ANN001
    ids = set(channel_ids)
    # The unique (account, channel) constraint settles concurrent first writes.
    AccountChannelSetting.objects.bulk_create(
        [AccountChannelSetting(client_id=account.client_id, account_id=account.pk, channel_id=cid) for cid in ids],
        ignore_conflicts=True,
    )
    rows = AccountChannelSetting.objects.select_for_update().filter(account_id=account.pk, channel_id__in=ids)
    return {row.channel_id: row for row in rows}


def account_channel_set(
    *,
    account,  # noqa: ANN001
    channel_id: int,
    is_favorite: bool | None = None,
    is_hidden: bool | None = None,
    is_parent_control: bool | None = None,
) -> AccountChannelSetting:
    """Set the account's flags for one channel (None leaves a flag as it is)."""
    with transaction.atomic():
        _check_channels(account, [channel_id])
        row = _ensure_rows(account, [channel_id])[channel_id]
        if is_favorite is not None:
            row.is_favorite = bool(is_favorite)
        if is_hidden is not None:
            row.is_hidden = bool(is_hidden)
        if is_parent_control is not None:
            row.is_parent_control = bool(is_parent_control)
        row.full_clean(validate_unique=False)
        row.save()  # post_save bumps the account's generation
    return row


@dataclass(frozen=True)
class ChannelFlags:
    channel_id: int
    is_favorite: bool = False
    is_hidden: bool = False
    is_parent_control: bool | None = None


def account_channels_update(*, account, items: Sequence[ChannelFlags]) -> int:  # noqa: ANN001
    """Replace the flags of many channels at once (v2/account/channels/update)."""
    by_id = {item.channel_id: item for item in items}
    with transaction.atomic():
        _check_channels(account, by_id)
        rows = _ensure_rows(account, by_id)
        for channel_id, row in rows.items():
            item = by_id[channel_id]
            row.is_favorite = item.is_favorite
            row.is_hidden = item.is_hidden
            if item.is_parent_control is not None:
                row.is_parent_control = item.is_parent_control
        AccountChannelSetting.objects.bulk_update(rows.values(), ["is_favorite", "is_hidden", "is_parent_control"])
        bump_after_commit(account_dep(account.pk))
    return len(rows)


def account_channels_sort(*, account, channel_ids: Sequence[int]) -> None:  # noqa: ANN001
    """Store the account's own channel order; channels not listed lose their position."""
    order = list(dict.fromkeys(channel_ids))
    with transaction.atomic():
        _check_channels(account, order)
        rows = _ensure_rows(account, order)
        for position, channel_id in enumerate(order, start=1):
            rows[channel_id].sort_order = position
        AccountChannelSetting.objects.bulk_update(rows.values(), ["sort_order"])
        AccountChannelSetting.objects.filter(account_id=account.pk).exclude(channel_id__in=order).update(
            sort_order=None
        )
        bump_after_commit(account_dep(account.pk))


def channel_viewed(*, account, channel_id: int) -> None:  # noqa: ANN001
    """Remember that the account watched a channel (channel/list/last); /channel/url/ calls
    this. The common case is one conditional UPDATE. It bumps only the "last viewed"
    generation: zapping must not look like a channel list change to account/status."""
    now = timezone.now()
    updated = AccountChannelSetting.objects.filter(account_id=account.pk, channel_id=channel_id).update(
        last_viewed_at=now
    )
    if not updated:
        with transaction.atomic():
            _check_channels(account, [channel_id])
            rows = _ensure_rows(account, [channel_id])
            AccountChannelSetting.objects.filter(pk=rows[channel_id].pk).update(last_viewed_at=now)
    bump_after_commit(last_viewed_dep(account.pk))


def cameras_changed(*, client_id: int) -> None:
    """Cameras were moved with QuerySet.update(), which sends no signal: refresh the operator's
    camera catalogue (camera lists) and routing inputs (camera URLs), now and after commit, or
    a camera's previous account would keep seeing and streaming it."""
    from clients.selectors import client_content_dep
    from streaming.selectors import streaming_dep

    bump_after_commit(client_content_dep(client_id), streaming_dep(client_id))


def channel_sort_set(*, client: Client, mode: str) -> Client:
    """Switch the operator's channel auto-sort mode; devices see the new order at once."""
    if mode not in CHANNEL_ORDERINGS:
        raise ValueError(f"unknown channel sort mode {mode!r}")
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(channel_sort=mode)
        client.channel_sort = mode
        deps = [client_dep(client.pk)]
        transaction.on_commit(lambda: bump(*deps))
    return client
