"""Radio group: RadioCreate, RadioDelete (reference content.md). `radio_channel` (the id of a
radio icon in the vendor's system) is accepted but not kept: radio icons are files here."""

from __future__ import annotations

from channels import selectors, services
from smarty.api import Call
from tariffs.selectors import tariff_list

from ..api import Flag, Id, IdList, Text, endpoint, lang_names, lang_params, owned, related, saving


@endpoint(
    "/radio/create/",
    "RadioCreate",
    params=[
        *lang_params("name", required=True),
        Flag("enabled", default=0),
        IdList("tariffs"),
        Text("uri", max_length=1024),
        *lang_params("description", max_length=10_000),
        Id("radio_channel"),
    ],
)
def radio_create(call: Call) -> dict:
    """Create a radio station of the operator (disabled unless `enabled=1`)."""
    p = call.params
    fields = {name: p[name] or "" for name in [*lang_names("name"), *lang_names("description"), "uri"]}
    fields["enabled"] = bool(p["enabled"])
    with saving():
        radio = services.radio_create(
            client=call.client,
            fields=fields,
            tariffs=related(tariff_list(client=call.client), p["tariffs"], "tariffs"),
        )
    return {"id": radio.pk}


@endpoint("/radio/delete/", "RadioDelete", params=[Id("id", required=True)])
def radio_delete(call: Call) -> dict:
    """Delete one of the operator's radio stations."""
    radio = owned(selectors.radio_list(client=call.client), call.params["id"])
    with saving():
        services.radio_delete(radio=radio)
    return {}
