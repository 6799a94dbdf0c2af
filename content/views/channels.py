"""Channel group: ChannelCreate, ChannelList, ChannelDelete (reference content.md)."""

from __future__ import annotations

from django.db.models import Q

from channels import services
from channels.models import Channel, ChannelCategory
from epg.models import EpgChannel
from smarty.api import ApiError, Call, json_loads
from streaming.models import StreamService
from tariffs.models import Tariff

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
            category=one(ChannelCategory.objects.for_client(client), p["category"], "category"),
            epg_channel=one(EpgChannel.objects.all(), p["epg_channel"], "epg_channel"),
            additional_categories=related(
                ChannelCategory.objects.for_client(client), p["additional_categories"], "additional_categories"
            ),
            tariffs=related(Tariff.objects.for_client(client), p["tariffs"], "tariffs"),
            stream_services=related(StreamService.objects.for_client(client), p["stream_services"], "stream_services"),
            sort_after=one(Channel.objects.for_client(client), p["sort_after_cid"], "sort_after_cid"),
        )
    return {"id": channel.pk}


def _names(rows) -> list[dict]:
    return [{"id": row.pk, "name": row.name} for row in rows]


def _shape(channel: Channel) -> dict:
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
    qs = Channel.objects.for_client(call.client)
    if p["search"]:
        qs = qs.filter(Q(*[Q(**{f"{name}__icontains": p["search"]}) for name in lang_names("name")], _connector=Q.OR))
    if p["search_tariff"]:
        qs = qs.filter(tariffs__name__icontains=p["search_tariff"])
    if p["tariffs"]:
        qs = qs.filter(tariffs__in=p["tariffs"])
    if p["search_stream_service"]:
        qs = qs.filter(stream_services__name__icontains=p["search_stream_service"])
    if p["stream_services"]:
        qs = qs.filter(stream_services__in=p["stream_services"])
    ids = qs.order_by("sort_order", "id").values_list("id", flat=True).distinct()
    count = ids.count()
    chosen = list(page(ids, call))
    rows = (
        Channel.objects.filter(pk__in=chosen)
        .select_related("category", "epg_channel")
        .prefetch_related("additional_categories", "tariffs", "stream_services")
        .order_by("sort_order", "id")
    )
    return {"channels": [_shape(channel) for channel in rows], "count": count}


@endpoint("/channel/delete/", "Channel", params=[Id("id", required=True)])
def channel_delete(call: Call) -> dict:
    """Delete one of the operator's channels."""
    channel = owned(Channel.objects.for_client(call.client), call.params["id"])
    with saving():
        services.channel_delete(channel=channel)
    return {}
