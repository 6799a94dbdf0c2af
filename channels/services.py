"""Operations on an account's view of its channels (favourites, hidden, own order, parental
overrides, last viewed). Bulk writes send no signals, so they bump the account's cache
generation themselves (after commit, and at once for readers in the same transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.selectors import account_dep
from smarty.cache import bump, dep

from .models import AccountChannelSetting, Camera, Channel, Radio
from .selectors import client_content_changed


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


# --- content management (the Content API's channel, radio and camera methods) ----------------


def _same_operator(client_id: int, **related: object) -> None:
    """Every related row (or row of a list) belongs to the operator: a content row never
    points at another operator's category, tariff or streaming server."""
    from django.core.exceptions import ValidationError

    for field, value in related.items():
        rows = value if isinstance(value, (list, tuple, set)) else [value]
        if any(row is not None and getattr(row, "client_id", client_id) != client_id for row in rows):
            raise ValidationError({field: "belongs to another operator"})


def _place_after(model, *, client_id: int, after) -> int:  # noqa: ANN001
    """The sort_order of a new row: right after `after` (the rows behind it move one down,
    in one UPDATE, so the caches are bumped here), else at the end."""
    from django.db.models import F, Max

    rows = model.objects.filter(client_id=client_id)
    if after is None:
        return (rows.aggregate(top=Max("sort_order"))["top"] or 0) + 1
    rows.filter(sort_order__gt=after.sort_order).update(sort_order=F("sort_order") + 1)
    client_content_changed(client_id)
    transaction.on_commit(lambda: client_content_changed(client_id))
    return after.sort_order + 1


def _create(model, *, client, fields: dict, m2m: dict, sort_after=None, **fks):  # noqa: ANN001, ANN003, ANN202
    _same_operator(client.pk, **fks, **m2m, sort_after=sort_after)
    row = model(client=client, **fields, **fks)
    row.sort_order = _place_after(model, client_id=client.pk, after=sort_after)
    row.full_clean()
    row.save()
    for name, values in m2m.items():
        getattr(row, name).set(values)
    return row


def _modify(row, *, fields: dict, m2m: dict, **fks):  # noqa: ANN001, ANN003, ANN202
    _same_operator(row.client_id, **fks, **{k: v for k, v in m2m.items() if v is not None})
    for name, value in {**fields, **fks}.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    for name, values in m2m.items():
        if values is not None:
            getattr(row, name).set(values)
    return row


@transaction.atomic
def channel_create(
    *,
    client,  # noqa: ANN001
    fields: dict,
    category=None,  # noqa: ANN001
    epg_channel=None,  # noqa: ANN001
    additional_categories: Sequence = (),
    tariffs: Sequence = (),
    stream_services: Sequence = (),
    sort_after: Channel | None = None,
) -> Channel:
    """A channel of the operator with its categories, tariffs and streaming servers, placed
    after `sort_after` or at the end; validated before anything is written."""
    return _create(
        Channel,
        client=client,
        fields=fields,
        m2m={
            "additional_categories": list(additional_categories),
            "tariffs": list(tariffs),
            "stream_services": list(stream_services),
        },
        sort_after=sort_after,
        category=category,
        epg_channel=epg_channel,
    )


@transaction.atomic
def channel_delete(*, channel: Channel) -> None:
    """Delete a channel (its account settings go with it)."""
    channel.delete()


@transaction.atomic
def radio_create(*, client, fields: dict, tariffs: Sequence = ()) -> Radio:  # noqa: ANN001
    """A radio station of the operator, at the end of the list."""
    return _create(Radio, client=client, fields=fields, m2m={"tariffs": list(tariffs)})


@transaction.atomic
def radio_delete(*, radio: Radio) -> None:
    """Delete a radio station."""
    radio.delete()


@transaction.atomic
def camera_create(
    *,
    client,  # noqa: ANN001
    fields: dict,
    camera_category=None,  # noqa: ANN001
    epg_channel=None,  # noqa: ANN001
    tariffs: Sequence = (),
    stream_services: Sequence = (),
    sort_after: Camera | None = None,
) -> Camera:
    """A camera of the operator (open to its tariffs), placed after `sort_after` or at the end."""
    return _create(
        Camera,
        client=client,
        fields=fields,
        m2m={"tariffs": list(tariffs), "stream_services": list(stream_services)},
        sort_after=sort_after,
        camera_category=camera_category,
        epg_channel=epg_channel,
    )


@transaction.atomic
def camera_modify(
    *,
    camera: Camera,
    fields: dict,
    tariffs: Sequence | None = None,
    stream_services: Sequence | None = None,
) -> Camera:
    """Change the given fields of a camera; a list given replaces the camera's list."""
    return _modify(
        camera,
        fields=fields,
        m2m={
            "tariffs": None if tariffs is None else list(tariffs),
            "stream_services": None if stream_services is None else list(stream_services),
        },
    )


@transaction.atomic
def camera_delete(*, camera: Camera) -> None:
    """Delete a camera."""
    camera.delete()
