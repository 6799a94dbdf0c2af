"""Camera group: CameraCreate, CameraModify, CameraDelete (reference content.md).

The reference's url_prefix, multicast_address, secondary_multicast_address, comment,
price_category and additional_categories of a camera are accepted but not kept: the camera
model has no such fields (docs/content.md)."""

from __future__ import annotations

from channels import selectors, services
from epg import selectors as epg_selectors
from smarty.api import Call
from streaming.selectors import stream_service_list
from tariffs.selectors import tariff_list

from ..api import Flag, Id, IdList, Text, endpoint, given, lang_names, lang_params, one, owned, related, saving

UNKEPT = [
    Text("url_prefix"),
    Text("multicast_address"),
    Text("secondary_multicast_address"),
    Text("comment", max_length=10_000),
    Id("price_category"),
]


@endpoint(
    "/camera/create/",
    "CameraCreate",
    params=[
        *lang_params("name", required=True),
        Id("category"),
        IdList("additional_categories"),
        Flag("enabled", default=1),
        Id("sort_after_cid"),
        Id("epg_channel"),
        IdList("tariffs"),
        IdList("stream_services"),
        Text("uri", max_length=1024),
        Text("id_for_stream_service"),
        Text("option1"),
        Text("option2"),
        Text("option3"),
        Text("preview_url", max_length=1024),
        *UNKEPT,
    ],
)
def camera_create(call: Call) -> dict:
    """Create a camera of the operator."""
    p, client = call.params, call.client
    texts = [*lang_names("name"), "uri", "id_for_stream_service", "option1", "option2", "option3", "preview_url"]
    fields = {name: p[name] or "" for name in texts}
    fields["enabled"] = bool(p["enabled"])
    categories = selectors.camera_category_list(client=client)
    related(categories, p["additional_categories"], "additional_categories")
    with saving():
        camera = services.camera_create(
            client=client,
            fields=fields,
            camera_category=one(categories, p["category"], "category"),
            epg_channel=one(epg_selectors.epg_channel_list(), p["epg_channel"], "epg_channel"),
            tariffs=related(tariff_list(client=client), p["tariffs"], "tariffs"),
            stream_services=related(stream_service_list(client=client), p["stream_services"], "stream_services"),
            sort_after=one(selectors.camera_list(client=client), p["sort_after_cid"], "sort_after_cid"),
        )
    return {"id": camera.pk}


MODIFIABLE = [*lang_names("name"), "enabled", "uri", "preview_url"]


@endpoint(
    "/camera/modify/",
    "CameraModify",
    params=[
        Id("camera_id", required=True),
        *lang_params("name"),
        Flag("enabled"),
        IdList("tariffs"),
        IdList("stream_services"),
        Text("uri", max_length=1024),
        Text("url_prefix"),
        Text("multicast_address"),
        Id("price_category"),
        Text("preview_url", max_length=1024),
    ],
)
def camera_modify(call: Call) -> dict:
    """Change what the request carries; a list given replaces the camera's list."""
    client = call.client
    camera = owned(selectors.camera_list(client=client), call.params["camera_id"], field="camera_id")
    changes = given(call, MODIFIABLE)
    if "enabled" in changes:
        changes["enabled"] = bool(changes["enabled"])
    lists = given(call, ["tariffs", "stream_services"])
    tariffs = lists.get("tariffs")
    servers = lists.get("stream_services")
    with saving():
        services.camera_modify(
            camera=camera,
            fields=changes,
            tariffs=None if tariffs is None else related(tariff_list(client=client), tariffs, "tariffs"),
            stream_services=None
            if servers is None
            else related(stream_service_list(client=client), servers, "stream_services"),
        )
    return {}


@endpoint("/camera/delete/", "CameraDelete", params=[Id("id", required=True)])
def camera_delete(call: Call) -> dict:
    """Delete one of the operator's cameras."""
    camera = owned(selectors.camera_list(client=call.client), call.params["id"])
    with saving():
        services.camera_delete(camera=camera)
    return {}
