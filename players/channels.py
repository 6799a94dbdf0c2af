"""The account's channels as the players show them: the device API's channel view (the
operator's order, the account's tariffs, hidden channels left out), with the ids the M3U,
the XMLTV and the Xtream and Stalker lists share."""

from __future__ import annotations

from dataclasses import dataclass

from channels.selectors import account_channels, channel_catalogue, channel_view, icon_url
from smarty.i18n import translated_value

from .access import Subscriber


@dataclass(frozen=True, slots=True)
class PlayerChannel:
    id: int
    number: int
    name: str
    tvg_id: str
    logo: str
    category_id: int
    category_name: str
    archive_days: int
    epg_channel_id: int
    adult: bool


@dataclass(frozen=True, slots=True)
class PlayerCategory:
    id: int
    name: str
    adult: bool


def tvg_id(client, channel_id: int) -> str:
    """The guide id of a channel in every player format: unique across operators."""
    return f"{channel_id}.{client.domain_prefix}"


def subscriber_channels(sub: Subscriber, *, host: str) -> list[PlayerChannel]:
    client = sub.client
    entries = channel_view(client.pk, sub.tariff_ids, sub.lang, compact=True)
    hidden = account_channels(sub.account).hidden
    categories = channel_catalogue(client.pk)["category_by_id"]
    out = []
    for entry in entries:
        if entry.id in hidden:
            continue
        category = categories.get(entry.category_id)
        out.append(
            PlayerChannel(
                id=entry.id,
                number=len(out) + 1,
                name=entry.name,
                tvg_id=tvg_id(client, entry.id),
                logo=icon_url(entry.icon, None, None, host) if entry.icon and entry.icon[0] else "",
                category_id=entry.category_id,
                category_name=translated_value(category, "name", sub.lang) if category else "",
                archive_days=max(entry.recording_days, 0),
                epg_channel_id=entry.epg_id,
                adult=entry.parent,
            )
        )
    return out


def subscriber_categories(sub: Subscriber, channels: list[PlayerChannel]) -> list[PlayerCategory]:
    """The categories of the account's channels, in the operator's category order."""
    used = {c.category_id for c in channels if c.category_id}
    rows = [row for row in channel_catalogue(sub.client.pk)["categories"] if row["id"] in used]
    rows.sort(key=lambda row: (row["sort_order"], row["id"]))
    return [PlayerCategory(row["id"], translated_value(row, "name", sub.lang), bool(row["is_adult"])) for row in rows]
