"""Shared pieces of the live-TV and TV-guide methods: who is asking (`Viewer`), the common
parameters, JSON bodies of the v2 methods, icon sizes and times."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from channels.selectors import (
    ALL_TARIFFS,
    AccountChannels,
    account_channels,
    channel_view,
    location_for_ip,
    viewer_tariff_ids,
)
from clients.selectors import play_device_get
from smarty.api import ApiError, Call, Number, String, json_loads
from smarty.i18n import lang_index

COMMON_PARAMS = [String("authkey"), Number("client_id"), String("device"), String("device_uid"), String("lang")]
NOAUTH_PARAMS = [Number("client_id"), String("api_key"), String("device"), String("device_uid"), String("lang")]
ICON_PARAMS = [Number("icon_width"), Number("icon_height")]
DAY = 86400


def device_group(call: Call) -> int | None:
    """The PlayDevice group of the session's device type, else of the `device` parameter."""

    session = call.session
    if session is not None and session.play_device_id and session.play_device is not None:
        return session.play_device.device_group
    device = play_device_get(call.data.get("device", ""))
    return device.device_group if device is not None else None


def request_lang_index(call: Call) -> int:
    lang = call.data.get("lang") or (getattr(call.session, "lang", "") if call.session is not None else "")
    return lang_index(lang)


def host_of(call: Call) -> str:
    """scheme://host of the request, to make icon paths absolute."""
    return f"{call.request.scheme}://{call.request.get_host()}"


@dataclass
class Viewer:
    """The account (or, without a session, the operator) a request is answered for."""

    call: Call
    client_id: int
    account: Any
    lang_index: int
    now: int

    @cached_property
    def device_group(self) -> int | None:
        return device_group(self.call)

    @cached_property
    def tariff_ids(self) -> frozenset[int] | None:
        if self.account is None:
            return ALL_TARIFFS
        return viewer_tariff_ids(self.account, device_group=self.device_group, location=self.location)

    @cached_property
    def radio_tariff_ids(self) -> frozenset[int]:
        return viewer_tariff_ids(self.account, device_group=self.device_group, location=self.location, purpose="radio")

    @cached_property
    def location(self):
        """The subscriber's country/city from the request's address (tariff geo limits)."""

        return location_for_ip(client=self.call.client, ip=self.call.ip)

    @cached_property
    def host(self) -> str:
        return host_of(self.call)

    @cached_property
    def stream_query(self) -> str:
        """The query that opens this session's `channel/url` and `program/url` addresses
        (client_id, authkey, the device as asked), or "" without a session. Built once per
        request: the list items add only their ids, no token is made before the device opens
        the address (which redirects to the routed, tokenised stream)."""
        session = self.call.session
        if session is None:
            return ""
        data = self.call.data
        pairs = [("client_id", self.client_id), ("authkey", session.authkey)]
        pairs += [(name, data[name]) for name in ("device", "device_uid") if data.get(name)]
        return urlencode(pairs)

    @cached_property
    def _stream_base(self) -> str:
        return f"{self.host}/tvmiddleware/api"

    def stream_addresses(self, path: str, name: str) -> Callable[[int], str]:
        """stream_address(path, name=id) for many ids: the address around the id made once."""
        query = self.stream_query
        if not query:
            return lambda ident: ""
        head, tail = f"{self._stream_base}{path}?{name}=", f"&{query}"
        return lambda ident: f"{head}{int(ident)}{tail}"

    def stream_address(self, path: str, **ids: int) -> str:
        """The redirecting address of a stream (`/channel/url/` or `/program/url/`) for this
        session; "" without a session. The ids are whole numbers, written as they are (a
        channel list makes one address per channel: urlencode was two fifths of its time)."""
        query = self.stream_query
        if not query:
            return ""
        ids_query = "&".join([f"{name}={int(value)}" for name, value in ids.items()])
        return f"{self._stream_base}{path}?{ids_query}&{query}"

    @cached_property
    def settings(self):
        return account_channels(self.account) if self.account is not None else AccountChannels()

    @cached_property
    def timeshift_offset(self) -> int:
        account = self.account
        if account is not None and account.use_timeshift:
            return int(account.preferred_timeshift_offset or 0)
        return 0

    @cached_property
    def tz(self) -> dt.tzinfo:
        try:
            return zoneinfo.ZoneInfo(self.call.client.timezone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return dt.UTC

    def entries(self, compact: bool = False):
        return channel_view(self.client_id, self.tariff_ids, self.lang_index, compact)

    def entry(self, channel_id: int | None):
        if channel_id is None:
            return None
        for item in self.entries():
            if item.id == channel_id:
                return item
        return None


def now_ts() -> int:
    """The request's clock (Unix seconds); tests move it."""
    return int(time.time())


def viewer(call: Call) -> Viewer:
    return Viewer(
        call=call,
        client_id=call.client.pk,
        account=call.account,
        lang_index=request_lang_index(call),
        now=now_ts(),
    )


def icon_size(call: Call) -> tuple[int | None, int | None]:
    width, height = call.params.get("icon_width"), call.params.get("icon_height")
    bad = {
        name: "must be positive"
        for name, v in (("icon_width", width), ("icon_height", height))
        if v is not None and v < 1
    }
    if bad:
        raise ApiError(call.method.param_error_code, "Invalid parameters: icon size must be positive", bad)
    return width, height


def json_body(call: Call) -> dict:
    """The JSON object a v2 POST method was sent, or {} for form/query requests."""
    content_type = call.request.META.get("CONTENT_TYPE", "")
    if "json" not in content_type or not call.request.body:
        return {}
    try:
        body = json_loads(call.request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(call.method.param_error_code, "The request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ApiError(call.method.param_error_code, "The request body must be a JSON object")
    return body


def id_list(value: Any, name: str, code: int) -> list[int]:
    """A list of whole numbers from JSON, or the method's parameter error naming `name`."""
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise ApiError(code, f"Invalid parameters: {name}: expected a list of whole numbers", {name: "expected a list"})
    out = []
    for item in value:
        if isinstance(item, bool) or not (isinstance(item, int) or (isinstance(item, str) and item.strip().isdigit())):
            raise ApiError(
                code, f"Invalid parameters: {name}: expected a list of whole numbers", {name: "expected whole numbers"}
            )
        out.append(int(item))
    return out


def page_slice(call: Call, items: list, *, code: int = 1) -> list:
    """`page` (from 1) and `limit`: without `limit` the whole list."""
    page, limit = call.params.get("page"), call.params.get("limit")
    page = 1 if page is None else page
    bad = {}
    if page < 1:
        bad["page"] = "must be 1 or more"
    if limit is not None and limit < 1:
        bad["limit"] = "must be 1 or more"
    if bad:
        raise ApiError(code, "Invalid parameters: " + ", ".join(bad), bad)
    if limit is None:
        return items
    return items[(page - 1) * limit : page * limit]


def parse_day(value: str, tz: dt.tzinfo) -> tuple[int, int]:
    """dd.mm.YYYY (the reference's `date`) -> [start, end) of that day in the operator's zone.
    ValueError for anything else, the first and last days of the calendar included (their
    bounds fall outside what a datetime holds)."""
    day = dt.datetime.strptime(value.strip(), "%d.%m.%Y").date()
    try:
        start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        return int(start.timestamp()), int(end.timestamp())
    except OverflowError as exc:
        raise ValueError(f"{value}: out of range") from exc


def has_record(row: dict, recording_days: int, now: int) -> int:
    """Catch-up is available for a programme that has started, is not blocked and is within
    the channel's recording depth."""
    if not recording_days or row["blocked"] or row["b"] > now:
        return 0
    return 1 if row["b"] >= now - recording_days * DAY else 0
