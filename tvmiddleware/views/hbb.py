"""Hbb (reference tvmw/Hbb.md): the HbbTV interactives a provider shows on a channel, and
what devices report of them (activity logs, errors), kept for the statistics. Providers,
their channels and events are configured in the admin; nothing is forwarded to a provider."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.selectors import session_get_active
from channels.selectors import channel_get_enabled
from portal import selectors as portal
from portal.services import hbb_record_create
from smarty.api import ApiError, Call, Number, String, json_loads

from ..api import tvmw
from .live_common import NOAUTH_PARAMS

HBB_MISSING_PARAM = 1
HBB_BAD_EVENTS = 2
HBB_NO_PROVIDER = 3
HBB_NOT_SUPPORTED = 4
HBB_FORWARD_FAILED = 5  # not used: reports are kept, not forwarded
HBB_NO_CHANNEL = 2
HBB_CHANNEL_NO_PROVIDER = 3
HBB_EVENT_FAILED = 4
MAX_EVENTS = 1000

PROVIDER_PARAMS = [*NOAUTH_PARAMS, String("authkey"), Number("type", required=True), Number("hbb_id", required=True)]


def _provider(call: Call):
    provider = portal.hbb_provider_get(client=call.client, provider_id=call.params["hbb_id"], type=call.params["type"])
    if provider is None:
        raise ApiError(HBB_NO_PROVIDER, "No such provider", {"hbb_id": "not found"})
    return provider


def _account(call: Call):
    authkey = call.data.get("authkey") or call.request.COOKIES.get("authkey", "")
    session = session_get_active(authkey=authkey) if authkey else None
    return session.account if session is not None and session.client_id == call.client.pk else None


def _events(call: Call) -> tuple[list, dict]:
    """The list of events (a JSON list as the body, or the `log_events` parameter), and the
    body object's other keys when the body is an object with `log_events`."""
    raw = call.data.get("log_events")
    is_json = "json" in call.request.META.get("CONTENT_TYPE", "")
    body = call.request.body if raw is None and call.request.method == "POST" and is_json else b""
    try:
        value = json_loads(raw if raw is not None else body) if (raw or body) else None
    except (ValueError, UnicodeDecodeError):
        value = None
    extra = {}
    if isinstance(value, dict):
        extra, value = value, value.get("log_events")
    if (
        not isinstance(value, list)
        or not value
        or len(value) > MAX_EVENTS
        or any(not isinstance(e, dict) for e in value)
    ):
        raise ApiError(HBB_BAD_EVENTS, "log_events must be a non-empty list of objects", {"log_events": "invalid"})
    return value, extra


def _record(call: Call, kind: str, supported: str) -> dict:
    provider = _provider(call)
    if not getattr(provider, supported):
        raise ApiError(HBB_NOT_SUPPORTED, "The provider does not take these reports")
    events, extra = _events(call)
    error_info = None
    if kind == portal.HbbRecordKind.ERROR:
        text = call.data.get("error_info") or extra.get("error_info")
        if not text:
            raise ApiError(HBB_MISSING_PARAM, "Invalid parameters: error_info: required", {"error_info": "required"})
        try:
            error_info = json_loads(text) if isinstance(text, str) else text
        except ValueError:
            raise ApiError(HBB_MISSING_PARAM, "error_info is not JSON", {"error_info": "not JSON"}) from None
    event_id = str(call.data.get("event_id") or extra.get("event_id") or "")[:64]
    if kind == portal.HbbRecordKind.ERROR and not event_id:
        raise ApiError(HBB_MISSING_PARAM, "Invalid parameters: event_id: required", {"event_id": "required"})
    hbb_record_create(
        provider=provider, account=_account(call), kind=kind, event_id=event_id, events=events, error_info=error_info
    )
    return {"error_message": ""}


@tvmw.method(
    "/hbb/activity/",
    "HbbActivity",
    params=[*PROVIDER_PARAMS, String("event_id", max_length=64)],
    auth=["client"],
    param_error_code=HBB_MISSING_PARAM,
)
def hbb_activity(call: Call) -> dict:
    return _record(call, portal.HbbRecordKind.ACTIVITY, "accepts_activity")


@tvmw.method(
    "/hbb/event/error/",
    "HbbEventError",
    params=[*PROVIDER_PARAMS, String("event_id", max_length=64), String("error_info")],
    auth=["client"],
    param_error_code=HBB_MISSING_PARAM,
)
def hbb_event_error(call: Call) -> dict:
    return _record(call, portal.HbbRecordKind.ERROR, "accepts_errors")


def _channel_provider(call: Call) -> tuple:
    channel = channel_get_enabled(client=call.client, channel_id=call.params["cid"])
    if channel is None:
        raise ApiError(HBB_NO_CHANNEL, "No such channel", {"cid": "not found"})
    provider = portal.hbb_provider_get(
        client=call.client, provider_id=call.params["hbb_id"], type=call.params["type"], channel_id=channel.pk
    )
    if provider is None:
        raise ApiError(HBB_CHANNEL_NO_PROVIDER, "The provider is not enabled on this channel", {"hbb_id": "not found"})
    return channel, provider


@tvmw.method(
    "/hbb/channel/info/",
    "HbbChannelInfo",
    params=[*PROVIDER_PARAMS, Number("cid", required=True), Number("current_channel_time", lo=0, hi=86400 * 365)],
    auth=["client"],
    param_error_code=HBB_MISSING_PARAM,
)
def hbb_channel_info(call: Call) -> dict:
    channel, provider = _channel_provider(call)
    since = timezone.now() - dt.timedelta(seconds=call.params["current_channel_time"] or 0)
    events = portal.hbb_event_list(client=call.client, provider=provider, channel_id=channel.pk, since=since, limit=100)
    return {
        "error_message": "",
        "url": provider.url,
        "events": [{"time": int(e.time.timestamp()), "id": e.pk, "type": e.event_type, "data": e.data} for e in events],
    }


@tvmw.method(
    "/hbb/channel/event/",
    "HbbChannelEvent",
    params=[
        *PROVIDER_PARAMS,
        String("event_type", required=True, max_length=64),
        Number("cid", required=True),
        Number("event_id", required=True),
        Number("display_height", required=True, lo=1, hi=100000),
        Number("display_width", required=True, lo=1, hi=100000),
        String("aspect", default="16:9", max_length=16),
    ],
    auth=["client"],
    param_error_code=HBB_MISSING_PARAM,
)
def hbb_channel_event(call: Call) -> dict:
    channel, provider = _channel_provider(call)
    event = portal.hbb_event_get(
        client=call.client,
        provider=provider,
        channel_id=channel.pk,
        event_id=call.params["event_id"],
        event_type=call.params["event_type"],
    )
    if event is None:
        raise ApiError(HBB_EVENT_FAILED, "No such event", {"event_id": "not found"})
    data = event.data if isinstance(event.data, list) else [event.data]
    return {"error_message": "", "time": int(event.time.timestamp()), "type": event.event_type, "data": data}
