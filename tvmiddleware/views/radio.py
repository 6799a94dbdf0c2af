"""Radio stations (reference tvmw/Radio.md): the stations the account's tariffs open."""

from __future__ import annotations

from channels import selectors as live
from smarty.api import Call, String
from smarty.i18n import translated_value

from ..api import tvmw
from .live_common import COMMON_PARAMS, ICON_PARAMS, icon_size, viewer


@tvmw.method("/radio/list/", "RadioList", params=[*COMMON_PARAMS, *ICON_PARAMS, String("search")], auth=["session"])
def radio_list(call: Call) -> dict:
    v = viewer(call)
    width, height = icon_size(call)
    tariffs = v.radio_tariff_ids
    needle = (call.params["search"] or "").strip().lower()
    radio = []
    for row in live.radio_catalogue(v.client_id):
        if not row["tariff_ids"] & tariffs:
            continue
        name = translated_value(row, "name", v.lang_index)
        if needle and needle not in name.lower() and needle not in row["name"].lower():
            continue
        radio.append(
            {
                "id": row["id"],
                "name": name,
                "url": row["uri"],
                "logo_url": live.icon_url(row["icon_parts"], width, height, v.host),
                "channel_name": row["name"],
                "description": translated_value(row, "description", v.lang_index),
                "has_subscription": 1,
            }
        )
    return {"radio": radio}
