"""EPG group: EPGChannelList, EPGChannelIconUpload, EPGProgramTimeSpecify (reference
content.md). EPG channels and programmes are shared by the operators (one guide feeds many):
listing them is open to every operator, the icon upload only to the operators named in
CONTENT_FULL_ACCESS_CLIENTS (the reference's note), and a programme's times only change
through an operator whose channels show that guide."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from lxml import etree

from channels import selectors as channel_selectors
from epg import icons
from epg import selectors as epg_selectors
from epg import services as epg_services
from smarty.api import ApiError, Call

from .. import errors
from ..api import Flag, Id, Int, Text, _datetime, endpoint, owned, page

_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
MAX_XML_BYTES = 1024 * 1024


def _icon_link(name: str) -> str:
    if not name:
        return ""
    if name.startswith(("http://", "https://", "/")):
        return name
    return f"{settings.MEDIA_URL.rstrip('/')}/{settings.SMARTY_ICONS_DIR}/{name}"


def _shape(channel) -> dict:
    source = channel.source
    updated = source.last_import_at if source is not None else None
    extra = {
        f"{w}_{h}": _icon_link(icons.sized_name(channel.icon, w, h)) for w, h in icons.available_sizes(channel.icon)
    }
    return {
        "id": channel.pk,
        "source": channel.source_id,
        "icon_url": _icon_link(channel.icon) or channel.icon_url,
        "source_channel_id": channel.ext_id,
        # Extra categories and a sort number of EPG channels are not modelled.
        "extra_category_ids": [],
        "sort_number": 0,
        "timeshift": channel.hour_shift,
        "source_update_date": updated.date().isoformat() if updated else None,
        "extra_icons": extra,
    }


@endpoint("/epgchannel/list/", "EPGChannelList", params=[Int("limit"), Int("page"), Id("source")])
def epg_channel_list(call: Call) -> dict:
    """The EPG channels (of one source when `source` is given), by id."""
    qs = epg_selectors.epg_channel_list(source_id=call.params["source"])
    return {"channels": [_shape(channel) for channel in page(qs, call)], "count": qs.count()}


def _extra_sizes(text: str | None) -> list[tuple[int, int]]:
    code = errors.EPGChannelIconUpload.BAD_EXTRA_SIZES
    sizes: list[tuple[int, int]] = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        width, _, height = item.strip().partition("_")
        if not (width.isascii() and width.isdigit() and height.isascii() and height.isdigit()):
            raise ApiError(code, f"extra_sizes: {item!r} is not width_height", {"extra_sizes": "width_height,..."})
        size = (int(width), int(height))
        if size not in icons.icon_sizes():
            raise ApiError(code, f"extra_sizes: {item} is not a configured icon size", {"extra_sizes": item})
        sizes.append(size)
    return sizes


@endpoint(
    "/epgchannel/icon/upload/",
    "EPGChannelIconUpload",
    params=[
        Text("icon_url", required=True, max_length=2048),
        Id("epg_channel_id", required=True),
        Text("extra_sizes", max_length=1000),
        Flag("skip_main_size", default=0),
    ],
)
def epg_channel_icon_upload(call: Call) -> dict:
    """Download an icon for an EPG channel (Pillow verifies it) and store its sizes."""
    code = errors.EPGChannelIconUpload
    if call.client.pk not in {int(i) for i in settings.CONTENT_FULL_ACCESS_CLIENTS}:
        raise ApiError(code.CLIENT_NOT_ALLOWED, "The client may not call this method (CONTENT_FULL_ACCESS_CLIENTS)")
    p = call.params
    channel = owned(epg_selectors.epg_channel_list(), p["epg_channel_id"], field="epg_channel_id")
    sizes = _extra_sizes(p["extra_sizes"])
    if p["skip_main_size"] and not channel.icon:
        raise ApiError(code.NO_MAIN_ICON, "The channel has no main icon to add sizes to")
    try:
        data = icons.download_icon(p["icon_url"].strip())
        epg_services.epg_channel_icon_upload(
            epg_channel=channel, data=data, extra_sizes=sizes, skip_main_size=bool(p["skip_main_size"])
        )
    except icons.IconError as exc:
        raise ApiError(code.ICON_DOWNLOAD, f"Icon upload failed: {exc}", {"icon_url": str(exc)}) from exc
    return {}


def _time(value: str, field: str) -> dt.datetime:
    """XMLTV `YYYYMMDDhhmmss [+hhmm]` (UTC without an offset), ISO 8601 or a Unix timestamp."""
    text = value.strip()
    try:
        if len(text) >= 14 and text[:14].isascii() and text[:14].isdigit():
            moment = dt.datetime.strptime(text[:14], "%Y%m%d%H%M%S")
            offset = text[14:].strip()
            if offset:
                moment = dt.datetime.strptime(text[:14] + offset, "%Y%m%d%H%M%S%z")
                return moment.astimezone(dt.UTC)
            return moment.replace(tzinfo=dt.UTC)
        return _datetime(text)
    except ValueError as exc:
        raise ApiError(errors.BAD_PARAM, f"Invalid parameters: {field}: not a time", {field: "not a time"}) from exc


def _items(call: Call) -> list[dict[str, str]]:
    """The programmes to change: the form parameters, or the reference's XML body
    (<exact-time-event><programme external_id=".." start=".." stop=".."/>...)."""
    if call.params["external_id"]:
        return [{"external_id": call.params["external_id"], "start": call.params["start"] or "",
                 "stop": call.params["stop"] or ""}]  # fmt: skip
    kind = call.request.META.get("CONTENT_TYPE", "")
    is_form = kind.startswith(("multipart/", "application/x-www-form-urlencoded"))
    body = call.request.body if call.request.method == "POST" and not is_form else b""
    if not body.strip():
        raise ApiError(errors.BAD_PARAM, "Invalid parameters: external_id: required", {"external_id": "required"})
    if len(body) > MAX_XML_BYTES:
        raise ApiError(errors.BAD_PARAM, "The XML body is too large")
    try:
        root = etree.fromstring(body, _SAFE_XML)
    except etree.XMLSyntaxError as exc:
        raise ApiError(errors.BAD_PARAM, f"Invalid XML body: {exc}") from exc
    items = [dict(node.attrib) for node in root.iter("programme")]
    if not items:
        raise ApiError(errors.BAD_PARAM, "The XML body names no programme")
    return items


@endpoint(
    "/epg/program/time/specify/",
    "EPGProgramTimeSpecify",
    params=[Text("external_id", max_length=255), Text("start", max_length=64), Text("stop", max_length=64)],
)
def epg_program_time_specify(call: Call) -> dict:
    """Set the exact times of programmes by their event id (kept in the programme's meta as
    `external_id`), among the guides the operator's channels show."""
    guides = channel_selectors.guide_id_list(client=call.client)
    changes = []
    for item in _items(call):
        external_id = (item.get("external_id") or "").strip()
        if not external_id or not (item.get("start") or "").strip():
            raise ApiError(errors.BAD_PARAM, "Invalid parameters: external_id and start are required")
        start = _time(item["start"], "start")
        stop = _time(item["stop"], "stop") if (item.get("stop") or "").strip() else None
        program = epg_selectors.program_of_guides_by_external_id(epg_channel_ids=guides, external_id=external_id)
        if program is None:
            raise ApiError(errors.NOT_FOUND, f"Programme not found: {external_id}", {"external_id": "not found"})
        changes.append((program, start, stop))
    try:
        with transaction.atomic():  # all the programmes of a body, or none
            for program, start, stop in changes:
                epg_services.program_time_specify(program=program, time_begin=start, time_end=stop)
    except ValueError as exc:
        raise ApiError(errors.INVALID, f"Invalid data: {exc}", {"stop": str(exc)}) from exc
    return {}
