"""Operations on an account's view of its channels (favourites, hidden, own order, parental
overrides, last viewed: at once with channel_viewed, or behind channel/url in batches with
channels_viewed_store). Bulk writes send no signals, so they bump the account's cache
generation themselves (channels/invalidation.py, accounts/invalidation.py). Cameras bound
to accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.invalidation import accounts_changed, accounts_invalidate
from accounts.models import Account
from clients.invalidation import client_content_changed, clients_changed
from clients.models import Client
from clients.services import clone_row, clone_rows, clone_with_tariffs
from epg import icons
from epg.selectors import program_on_epg_channel

from .invalidation import last_viewed_changed
from .models import AccountChannelSetting, Camera, CameraCategory, Channel, ChannelCategory, ProgramReminder, Radio
from .selectors import CHANNEL_ORDERINGS


class ChannelNotFoundError(LookupError):
    """Channel ids that are not enabled channels of the account's operator."""

    def __init__(self, ids: Iterable[int]) -> None:
        self.ids = sorted(set(ids))
        super().__init__(f"channels not found: {self.ids}")


def _check_channels(account, channel_ids: Iterable[int]) -> set[int]:
    wanted = set(channel_ids)
    found = set(
        Channel.objects.filter(client_id=account.client_id, enabled=True, pk__in=wanted).values_list("id", flat=True)
    )
    if wanted - found:
        raise ChannelNotFoundError(wanted - found)
    return found


def _ensure_rows(account, channel_ids: Iterable[int]) -> dict[int, AccountChannelSetting]:
    ids = set(channel_ids)
    # The unique (account, channel) constraint settles concurrent first writes.
    AccountChannelSetting.objects.bulk_create(
        [AccountChannelSetting(client_id=account.client_id, account_id=account.pk, channel_id=cid) for cid in ids],
        ignore_conflicts=True,
    )
    rows = AccountChannelSetting.objects.select_for_update().filter(account_id=account.pk, channel_id__in=ids)
    return {row.channel_id: row for row in rows}


def account_channel_settings_save(*, account, changes: Mapping[int, Mapping[str, object]]) -> None:
    """Store flags and positions (AccountChannelSetting fields) of channels of the account's
    operator, one row per channel id (/settings/save/). Raises ChannelNotFoundError for ids
    that are not channels of the operator."""
    if not changes:
        return
    known = set(Channel.objects.filter(client_id=account.client_id, pk__in=changes).values_list("pk", flat=True))
    if set(changes) - known:
        raise ChannelNotFoundError(set(changes) - known)
    with transaction.atomic():
        for channel_id, values in changes.items():
            AccountChannelSetting.objects.update_or_create(
                client_id=account.client_id, account_id=account.pk, channel_id=channel_id, defaults=dict(values)
            )
        # The account's channel view is cached on the account's generation.
        accounts_changed(account.pk)


def account_channel_set(
    *,
    account,
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


def account_channels_update(*, account, items: Sequence[ChannelFlags]) -> int:
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
        accounts_changed(account.pk)
    return len(rows)


def account_channels_sort(*, account, channel_ids: Sequence[int]) -> None:
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
        accounts_changed(account.pk)


def account_channels_sort_reset(*, account) -> int:
    """Forget the account's own channel order (a device's `account_sort=0`): its lists follow
    the operator's order again. One conditional UPDATE; returns the rows it cleared."""
    with transaction.atomic():
        cleared = AccountChannelSetting.objects.filter(account_id=account.pk, sort_order__isnull=False).update(
            sort_order=None
        )
        if cleared:
            accounts_changed(account.pk)
    return cleared


def channel_viewed(*, account, channel_id: int) -> None:
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
    last_viewed_changed(account.pk)


def channels_viewed_store(views: Iterable[tuple[int, int, int, dt.datetime]]) -> int:
    """Store when accounts watched channels, given as (operator id, account id, channel id,
    moment): the write behind channel/url, which keeps its views in the cache
    (monitoring.recording) and lets the minute's flush call this. Keeps the newest moment of
    each (account, channel), never moving a stored one back (a concurrent channel_viewed wins
    if it is newer); skips channels that are no longer the operator's and accounts that no
    longer exist. Call it inside the transaction that stores the views. Returns the rows set."""
    newest: dict[tuple[int, int, int], dt.datetime] = {}
    for client_id, account_id, channel_id, moment in views:
        key = (client_id, account_id, int(channel_id))
        if key not in newest or moment > newest[key]:
            newest[key] = moment
    if not newest:
        return 0
    known: set[tuple[int, int]] = set()
    accounts: set[tuple[int, int]] = set()
    by_client: dict[int, set[int]] = {}
    for client_id, account_id, channel_id in newest:
        by_client.setdefault(client_id, set()).add(channel_id)
        accounts.add((client_id, account_id))
    for client_id, channel_ids in by_client.items():
        known.update(
            (client_id, pk)
            for pk in Channel.objects.filter(client_id=client_id, pk__in=channel_ids).values_list("pk", flat=True)
        )
    existing = set(
        Account.objects.filter(pk__in={account_id for _, account_id in accounts}).values_list("client_id", "pk")
    )
    wanted = {
        key: moment for key, moment in newest.items() if (key[0], key[2]) in known and (key[0], key[1]) in existing
    }
    if not wanted:
        return 0
    # The unique (account, channel) constraint settles concurrent first writes.
    AccountChannelSetting.objects.bulk_create(
        [AccountChannelSetting(client_id=c, account_id=a, channel_id=ch) for c, a, ch in wanted],
        ignore_conflicts=True,
        batch_size=500,
    )
    rows: list[AccountChannelSetting] = []
    pairs = sorted((a, ch) for _, a, ch in wanted)
    moments = {(a, ch): moment for (_, a, ch), moment in wanted.items()}
    for start in range(0, len(pairs), 500):
        chunk = pairs[start : start + 500]
        found = AccountChannelSetting.objects.filter(
            account_id__in={a for a, _ in chunk}, channel_id__in={ch for _, ch in chunk}
        ).only("pk", "account_id", "channel_id")
        for row in found:
            moment = moments.get((row.account_id, row.channel_id))
            if moment is not None:
                # The newer of the stored moment and this one, decided by the UPDATE itself.
                row.last_viewed_at = Greatest(Coalesce(F("last_viewed_at"), Value(moment)), Value(moment))
                rows.append(row)
    rows.sort(key=lambda row: row.pk)  # one lock order for every writer
    AccountChannelSetting.objects.bulk_update(rows, ["last_viewed_at"], batch_size=500)
    changed = sorted({a for _, a, _ in wanted})
    for start in range(0, len(changed), 500):  # bounded broadcasts
        last_viewed_changed(*changed[start : start + 500])
    return len(rows)


# --- programme reminders (TVMW notification/*) ------------------------------------------------


class ReminderTargetNotFoundError(LookupError):
    """The channel is not an enabled channel of the account's operator, or the programme is
    not in its guide."""


@transaction.atomic
def program_reminder_set(
    *, account: Account, channel_id: int, program_id: int, timeshift_offset: int = 0
) -> ProgramReminder:
    """Remind the account of a programme of one of its operator's enabled channels; setting
    it again keeps one reminder (with the new offset). Raises ReminderTargetNotFoundError."""
    channel = Channel.objects.for_client(account.client_id).filter(pk=channel_id, enabled=True).first()
    if channel is None or not channel.epg_channel_id:
        raise ReminderTargetNotFoundError(channel_id)
    if not program_on_epg_channel(program_id=program_id, epg_channel_id=channel.epg_channel_id):
        raise ReminderTargetNotFoundError(program_id)
    reminder, _created = ProgramReminder.objects.update_or_create(
        account=account,
        program_id=program_id,
        defaults={"client_id": account.client_id, "channel": channel, "timeshift_offset": timeshift_offset},
    )
    return reminder


@transaction.atomic
def program_reminder_delete(*, account: Account, program_id: int | None) -> int:
    """Forget the account's reminder of one programme, or all of them (`program_id` None);
    the number deleted."""
    rows = ProgramReminder.objects.filter(client_id=account.client_id, account=account)
    if program_id is not None:
        rows = rows.filter(program_id=program_id)
    deleted, _ = rows.delete()
    return deleted


# --- cameras bound to an account ---------------------------------------------------------------


def account_camera_assign(*, account: Account, cameras: Iterable) -> list[int]:
    """Bind the operator's cameras to the account (a camera belongs to at most one account).
    Row by row, so the signal handlers refresh the operator's camera catalogue (camera lists)
    and routing inputs (camera URLs): a camera's previous account must stop seeing it."""
    ids = [c.pk for c in cameras]
    with transaction.atomic():
        for camera in Camera.objects.select_for_update().filter(client_id=account.client_id, pk__in=ids):
            camera.account = account
            camera.save(update_fields=["account"])
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk])
    return ids


def account_camera_remove(*, account: Account, cameras: Iterable) -> list[int]:
    """Unbind cameras from the account (row by row, as account_camera_assign)."""
    ids = [c.pk for c in cameras]
    with transaction.atomic():
        for camera in Camera.objects.select_for_update().filter(
            client_id=account.client_id, account=account, pk__in=ids
        ):
            camera.account = None
            camera.save(update_fields=["account"])
        accounts_invalidate(client_id=account.client_id, account_ids=[account.pk])
    return ids


# --- copying an operator ---------------------------------------------------------------------


def content_clone(*, source, new, options: Mapping[str, bool], context: dict) -> dict[str, int]:
    """client_clone's step (registered in ChannelsConfig.ready()): the channels with their
    categories and tariffs, radio, cameras not bound to an account with their categories, as
    `options` ask."""
    tariff_map = context["tariff_map"]
    counts: dict[str, int] = {}
    if options.get("channels"):
        category_map: dict[int, ChannelCategory] = {}
        for category in ChannelCategory.objects.filter(client=source):
            old_id = category.pk
            category_map[old_id] = clone_row(category, client=new)
        channels = 0
        for channel in Channel.objects.filter(client=source).prefetch_related("tariffs", "additional_categories"):
            tariffs = [tariff_map[t.pk] for t in channel.tariffs.all() if t.pk in tariff_map]
            extra = [category_map[c.pk] for c in channel.additional_categories.all() if c.pk in category_map]
            category = category_map.get(channel.category_id)
            copy = clone_row(channel, client=new, category=category)
            copy.tariffs.set(tariffs)
            copy.additional_categories.set(extra)
            channels += 1
        counts["categories"] = len(category_map)
        counts["channels"] = channels
    if options.get("radio"):
        counts["radio"] = clone_with_tariffs(Radio.objects.filter(client=source), new, tariff_map)
    if options.get("cameras"):
        # Categories are the operator's own rows: a copied camera points at the copy's.
        camera_categories = clone_rows(CameraCategory.objects.filter(client=source), new)
        counts["cameras"] = clone_with_tariffs(
            Camera.objects.filter(client=source, account__isnull=True),
            new,
            tariff_map,
            foreign_keys={"camera_category": camera_categories},
        )
    return counts


def channel_sort_set(*, client: Client, mode: str) -> Client:
    """Switch the operator's channel auto-sort mode; devices see the new order at once."""
    if mode not in CHANNEL_ORDERINGS:
        raise ValueError(f"unknown channel sort mode {mode!r}")
    with transaction.atomic():
        Client.objects.filter(pk=client.pk).update(channel_sort=mode)
        client.channel_sort = mode
        clients_changed(client.pk)
    return client


# --- content management (the Content API's channel, radio and camera methods) ----------------


def _same_operator(client_id: int, **related: object) -> None:
    """Every related row (or row of a list) belongs to the operator: a content row never
    points at another operator's category, tariff or streaming server."""
    for field, value in related.items():
        rows = value if isinstance(value, (list, tuple, set)) else [value]
        if any(row is not None and getattr(row, "client_id", client_id) != client_id for row in rows):
            raise ValidationError({field: "belongs to another operator"})


def _place_after(model, *, client_id: int, after) -> int:
    """The sort_order of a new row: right after `after` (the rows behind it move one down,
    in one UPDATE, so the caches are bumped here), else at the end."""
    rows = model.objects.filter(client_id=client_id)
    if after is None:
        return (rows.aggregate(top=Max("sort_order"))["top"] or 0) + 1
    rows.filter(sort_order__gt=after.sort_order).update(sort_order=F("sort_order") + 1)
    client_content_changed(client_id)
    return after.sort_order + 1


def _create(model, *, client, fields: dict, m2m: dict, sort_after=None, **fks):
    _same_operator(client.pk, **fks, **m2m, sort_after=sort_after)
    row = model(client=client, **fields, **fks)
    row.sort_order = _place_after(model, client_id=client.pk, after=sort_after)
    row.full_clean()
    row.save()
    for name, values in m2m.items():
        getattr(row, name).set(values)
    return row


def _modify(row, *, fields: dict, m2m: dict, **fks):
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
    client,
    fields: dict,
    category=None,
    epg_channel=None,
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
def radio_create(*, client, fields: dict, tariffs: Sequence = ()) -> Radio:
    """A radio station of the operator, at the end of the list."""
    return _create(Radio, client=client, fields=fields, m2m={"tariffs": list(tariffs)})


@transaction.atomic
def radio_delete(*, radio: Radio) -> None:
    """Delete a radio station."""
    radio.delete()


@transaction.atomic
def camera_create(
    *,
    client,
    fields: dict,
    camera_category=None,
    epg_channel=None,
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


# --- logos ------------------------------------------------------------------------------------


class LogoError(ValueError):
    """An uploaded logo we refuse (the reason in the message)."""


def is_safe_icon_value(value: str) -> bool:
    """A typed icon value the API may hand out: a URL, an absolute URL path, or a file below
    the icon directory without `..` segments, backslashes or NUL bytes."""
    if not value or value.startswith(("http://", "https://")):
        return True
    if "\\" in value or "\x00" in value:
        return False
    return ".." not in value.split("/")


def channel_logo_store(*, client_id: int, data: bytes) -> str:
    """Check an uploaded logo (Pillow decodes it; byte and pixel limits) and store it below
    MEDIA_ROOT/icons under a generated name with every size channel/list hands out
    (`<name><w>_<h>.png`, epg.icons). Returns the stored name (the channel's `icon`).
    LogoError when the data is not an image we accept."""
    if len(data) > settings.SMARTY_EPG_MAX_ICON_BYTES:
        raise LogoError(f"larger than {settings.SMARTY_EPG_MAX_ICON_BYTES} bytes")
    try:
        return icons.store_icon(stem=f"channel{int(client_id)}", data=data)
    except icons.IconError as exc:
        raise LogoError(str(exc)) from exc


@transaction.atomic
def channel_logo_set(*, channel: Channel, data: bytes) -> Channel:
    """Replace a channel's logo by an uploaded image with its resized copies."""
    channel.icon = channel_logo_store(client_id=channel.client_id, data=data)
    channel.save(update_fields=["icon"])  # the channels signal refreshes the channel lists
    return channel
