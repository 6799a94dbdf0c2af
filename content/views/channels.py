"""Channel group: ChannelCreate, ChannelList, ChannelDelete (reference content.md)."""

from __future__ import annotations

from channels import selectors, services
from epg import selectors as epg_selectors
from smarty.api import ApiError, Call, json_loads
from streaming.selectors import stream_service_list
from tariffs.selectors import tariff_list

from .. import errors
from ..api import Flag, Id, IdList, Int, Text, endpoint, lang_names, lang_params, one, owned, page, related, saving

TEXT_FIELDS = {
    "hbb_channel_pid": 64,
    "uri": 1024,
    "url_prefix": 255,
    "multicast_address": 255,
    "secondary_multicast_address": 255,
    "id_for_stream_service": 255,
    "comment": 10_000,
    "version": 64,
    "option1": 255,
    "option2": 255,
    "option3": 255,
    "telemeter_account_name": 255,
    "telemeter_tmsec_name": 255,
    "telemeter_cat_id": 255,
    "telemeter_vc_id": 255,
    "telemeter_vc_version": 255,
}
NUMBER_FIELDS = ("mediahills_id", "pause_live_tv_shift", "lcn_number", "recording_days")
FLAG_DEFAULTS = {"show_in_all": 1, "parent_control": 0, "enabled": 1, "display_on_site": 1}


@endpoint(
    "/channel/create/",
    "ChannelCreate",
    params=[
        *lang_params("name", required=True),
        *(Text(name, max_length=length) for name, length in TEXT_FIELDS.items()),
        *(Int(name, default=0) for name in NUMBER_FIELDS),
        Int("telemeter", choices=(0,)),
        Int("aspect_ratio", default=0, choices=(0, 1, 2, 3)),
        *(Flag(name, default=default) for name, default in FLAG_DEFAULTS.items()),
        Id("category"),
        Id("epg_channel"),
        Id("copyright_holder"),
        Id("price_category"),
        Id("sort_after_cid"),
        IdList("additional_categories"),
        IdList("tariffs"),
        IdList("stream_services"),
        IdList("hbb_providers"),
        Text("meta", max_length=65_536),
    ],
)
def channel_create(call: Call) -> dict:
    """Create a channel; related ids must be the operator's (21 naming the field otherwise)."""
    p, client = call.params, call.client
    if p["recording_days"] < 0:
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: recording_days: 0 or more", {"recording_days": ">= 0"})
    meta = {}
    if p["meta"]:
        try:
            meta = json_loads(p["meta"])
        except ValueError:
            meta = None
        if not isinstance(meta, dict):
            raise ApiError(errors.BAD_PARAM, "Invalid parameters: meta: a JSON object", {"meta": "a JSON object"})
    fields = {name: p[name] or "" for name in [*lang_names("name"), *TEXT_FIELDS]}
    fields.update({name: p[name] for name in NUMBER_FIELDS})
    fields.update({name: bool(p[name]) for name in FLAG_DEFAULTS})
    fields.update(
        telemeter=p["telemeter"],
        aspect_ratio=p["aspect_ratio"],
        copyright_holder=p["copyright_holder"],
        price_category=p["price_category"],
        meta=meta,
    )
    with saving():
        channel = services.channel_create(
            client=client,
            fields=fields,
            category=one(selectors.channel_category_list(client=client), p["category"], "category"),
            epg_channel=one(epg_selectors.epg_channel_list(), p["epg_channel"], "epg_channel"),
            additional_categories=related(
                selectors.channel_category_list(client=client), p["additional_categories"], "additional_categories"
            ),
            tariffs=related(tariff_list(client=client), p["tariffs"], "tariffs"),
            stream_services=related(stream_service_list(client=client), p["stream_services"], "stream_services"),
            sort_after=one(selectors.channel_list(client=client), p["sort_after_cid"], "sort_after_cid"),
        )
    return {"id": channel.pk}


def _names(rows) -> list[dict]:
    return [{"id": row.pk, "name": row.name} for row in rows]


def _shape(channel) -> dict:
    category, epg = channel.category, channel.epg_channel
    return {
        "id": channel.pk,
        **{name: getattr(channel, name) for name in lang_names("name")},
        "category_id": category.pk if category else None,
        "category_name": category.name if category else None,
        "price_category_id": channel.price_category,
        # Price categories are not modelled: the id is all the project keeps.
        "price_category_name": None,
        "epg_channel_id": epg.pk if epg else None,
        "epg_channel_name": epg.name if epg else None,
        "enabled": int(channel.enabled),
        "uri": channel.uri,
        "url_prefix": channel.url_prefix,
        "option1": channel.option1,
        "option2": channel.option2,
        "option3": channel.option3,
        "additional_categories": _names(channel.additional_categories.all()),
        "tariffs": _names(channel.tariffs.all()),
        "stream_services": _names(channel.stream_services.all()),
        "multicast_address": channel.multicast_address,
        "secondary_multicast_address": channel.secondary_multicast_address,
        "comment": channel.comment,
        "id_for_stream_service": channel.id_for_stream_service,
    }


@endpoint(
    "/channel/list/",
    "ChannelList",
    params=[
        Int("limit"),
        Int("page"),
        Text("search"),
        Text("search_tariff"),
        IdList("tariffs"),
        Text("search_stream_service"),
        IdList("stream_services"),
    ],
)
def channel_list(call: Call) -> dict:
    """The operator's channels in their order, filtered by name, tariff and streaming server."""
    p = call.params
    ids = selectors.channel_id_search(
        client=call.client,
        search=p["search"] or "",
        search_tariff=p["search_tariff"] or "",
        tariff_ids=p["tariffs"],
        search_stream_service=p["search_stream_service"] or "",
        stream_service_ids=p["stream_services"],
    )
    count = ids.count()
    chosen = list(page(ids, call))
    rows = selectors.channels_with_relations(client=call.client, channel_ids=chosen)
    return {"channels": [_shape(channel) for channel in rows], "count": count}


@endpoint("/channel/delete/", "Channel", params=[Id("id", required=True)])
def channel_delete(call: Call) -> dict:
    """Delete one of the operator's channels."""
    channel = owned(selectors.channel_list(client=call.client), call.params["id"])
    with saving():
        services.channel_delete(channel=channel)
    return {}
