"""ViewStats, Device Monitoring and DRM methods (reference viewstats.md, device-monitoring.md,
drm.md): parse, call the monitoring services and the selectors, shape the answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone

from accounts.selectors import session_get_active
from clients.selectors import client_get
from epg.selectors import program_epg_channel_id, program_on_epg_channel
from monitoring import services
from monitoring.selectors import device_has_system_info
from smarty.api import ApiError, Call, Number, String
from smarty.api.params import json_loads
from streaming.selectors import routing_channels
from tariffs.selectors import account_tariff_ids, tariff_brief_list
from vod.selectors import video_in_tariffs

from .api import (
    CONTENT_ISSUE,
    DRM_TYPE_ISSUE,
    CustomerStatsInfo,
    DeviceMonitoring,
    StatPush,
    device_monitoring,
    drm,
    drm_error_status,
    drm_refusal,
    viewstats,
)

ReportKind = services.ReportKind

SESSION = [
    String("authkey", required=True, max_length=64),
    Number("client_id", required=True),
    String("device", default="", max_length=64),
]

# --- ViewStats ----------------------------------------------------------------------------------


@viewstats.method(
    "/stat/customer/info",
    "CustomerStatsInfo",
    params=SESSION,
    auth=["session"],
    param_error_code=CustomerStatsInfo.AUTH_REQUIRED,
    auth_error=CustomerStatsInfo.AUTH_REQUIRED,
    not_available=CustomerStatsInfo.NOT_AVAILABLE,
)
def customer_stats_info(call: Call) -> dict:
    account = call.account
    customer = account.customer
    tariffs = tariff_brief_list(client=call.client, tariff_ids=account_tariff_ids(account))
    return {
        "error_message": "",
        "account_id": account.pk,
        "customer_id": customer.pk,
        "customer_full_name": " ".join(p for p in (customer.lastname, customer.firstname, customer.middlename) if p),
        "tariffs": [{"id": t["id"], "name": t["name"], "price": t["price"]} for t in tariffs],
        "city_id": "",
        "city_name": customer.postal_address_city,
    }


def _known_channel(call: Call, channel_id: int | None, name: str, tariff_ids: frozenset[int]) -> None:
    if channel_id is None:
        return
    channel = routing_channels(call.client.pk).get(channel_id)
    if channel is None or not (channel.tariff_ids & tariff_ids):
        raise ApiError(StatPush.BAD_PARAMS, f"{name}: unknown channel", {name: "not found"})


def _known_program(call: Call, channel_id: int, program_id: int | None) -> None:
    if program_id is None:
        return
    channel = routing_channels(call.client.pk)[channel_id]
    if channel.epg_channel_id is None or not program_on_epg_channel(
        program_id=program_id, epg_channel_id=channel.epg_channel_id
    ):
        raise ApiError(
            StatPush.BAD_PARAMS, "program_id: no such programme on this channel", {"program_id": "not found"}
        )


@viewstats.method(
    "/stat/push",
    "StatPush",
    params=[
        Number("channel_id", required=True, lo=1, hi=2**53),
        Number("program_id", lo=1, hi=2**53),
        Number("channel_session", required=True, lo=0, hi=2**63 - 1),
        Number("timeshift_offset", default=0, lo=-168, hi=168),
        String("type", default="live", choices=("live", "pvr")),
        Number("previous_channel_id", lo=1, hi=2**53),
        *SESSION,
    ],
    auth=["session"],
    param_error_code=StatPush.BAD_PARAMS,
    not_available=StatPush.NOT_AVAILABLE,
)
def stat_push(call: Call) -> dict:
    p = call.params
    tariff_ids = account_tariff_ids(call.account)
    _known_channel(call, p["channel_id"], "channel_id", tariff_ids)
    _known_channel(call, p["previous_channel_id"], "previous_channel_id", tariff_ids)
    _known_program(call, p["channel_id"], p["program_id"])
    session = call.session
    viewing = services.Viewing(
        client_id=call.client.pk,
        account_id=call.account.pk,
        content_type=p["type"],
        content_id=p["channel_id"],
        device=p["device"] or (session.play_device.system_name if session.play_device_id else ""),
        device_uid=session.device.device_uid if session.device_id else "",
        program_id=p["program_id"],
        channel_session=p["channel_session"],
        timeshift_offset=p["timeshift_offset"],
    )
    try:
        services.view_push(viewing=viewing)
    except services.PushLimitError as exc:
        raise ApiError(StatPush.LIMIT, str(exc)) from exc
    except DatabaseError as exc:
        raise ApiError(StatPush.DATABASE, "The viewing statistics database is not available") from exc
    return {"error_message": ""}


# --- Device Monitoring ------------------------------------------------------------------------

Spec = dict[str, Any]


def _bad(name: str, text: str) -> ApiError:
    return ApiError(DeviceMonitoring.BAD_PARAMS, f"Invalid parameters: {name}: {text}", {name: text})


def _string(data: dict, name: str, *, required: bool = True, max_length: int = 255) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise _bad(name, "required parameter is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _bad(name, "expected a string")
    value = str(value)
    if len(value) > max_length or "\x00" in value:
        raise _bad(name, f"longer than {max_length} characters or contains NUL")
    return value


def _number(data: dict, name: str, *, required: bool = True, lo: float = -(2**53), hi: float = 2**53) -> float | None:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise _bad(name, "required parameter is missing")
        return None
    if isinstance(value, bool):
        raise _bad(name, "expected a number")
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise _bad(name, "expected a number") from exc
    if number != number or not lo <= number <= hi:  # NaN or out of range
        raise _bad(name, f"expected a number from {lo} to {hi}")
    return int(number) if float(number).is_integer() else number


def _objects(data: dict, name: str, *, limit: int) -> list[dict]:
    value = data.get(name)
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = services_json(value)
        except ValueError as exc:
            raise _bad(name, "expected a JSON list of objects") from exc
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _bad(name, "expected a list of objects")
    if len(value) > limit:
        raise _bad(name, f"at most {limit} items")
    return value


def services_json(text: str) -> Any:
    return json_loads(text)


def _identity(data: dict) -> dict:
    return {
        "uid": _string(data, "uid", max_length=128),
        "mac": _string(data, "mac", max_length=64),
        "device_type": _string(data, "type", max_length=64),
    }


def _save(kind: str, ident: dict, payload: dict, client_id: int | None = None) -> dict:
    try:
        services.device_report_save(kind=kind, payload=payload, client_id=client_id, **ident)
    except DatabaseError as exc:
        raise ApiError(DeviceMonitoring.DATABASE, "The monitoring database is not available") from exc
    return {"error_message": ""}


DM = {"auth": ["json"], "http_methods": ("POST",)}


@device_monitoring.method(
    "/ping/push/",
    "DevicePing",
    params=[
        String("mac"),
        String("uid"),
        String("type"),
        *[Number(n) for n in ("sent", "received", "lost", "min_time", "max_time", "avg_time", "error_code")],
    ],
    **DM,
)
def ping_push(call: Call) -> dict:
    data = call.state["json"]
    ident = _identity(data)
    payload = {n: _number(data, n, lo=0, hi=10**9) for n in ("sent", "received", "lost")}
    payload.update({n: _number(data, n, lo=0, hi=10**9) for n in ("min_time", "max_time", "avg_time")})
    payload["error_code"] = _number(data, "error_code", lo=-(2**31), hi=2**31)
    if payload["received"] > payload["sent"] or payload["lost"] > payload["sent"]:
        raise _bad("received", "more packets received or lost than sent")
    return _save(ReportKind.PING, ident, payload)


@device_monitoring.method(
    "/speedtest/push/",
    "DeviceSpeedtest",
    params=[
        String("mac"),
        String("uid"),
        String("type"),
        String("min_time"),
        String("max_time"),
        String("avg_time"),
        Number("error_code"),
    ],
    **DM,
)
def speedtest_push(call: Call) -> dict:
    data = call.state["json"]
    ident = _identity(data)
    payload = {n: _number(data, n, lo=0, hi=10**12) for n in ("min_time", "max_time", "avg_time")}
    payload["error_code"] = _number(data, "error_code", lo=-(2**31), hi=2**31)
    return _save(ReportKind.SPEEDTEST, ident, payload)


METRIC_GROUPS = {
    "cpu": ("la", "t", "io", "mu"),
    "mem": ("t", "u", "f", "mu"),
    "video": ("cc-errors", "rtp-errors", "decoding-errors"),
}


@device_monitoring.method(
    "/metric/push/",
    "DeviceMetrics",
    params=[String("mac"), String("uid"), String("type"), String("channel"), String("metrics")],
    **DM,
)
def metric_push(call: Call) -> dict:
    data = call.state["json"]
    ident = _identity(data)
    if data.get("metrics") in (None, ""):
        raise _bad("metrics", "required parameter is missing")
    metrics = _objects(data, "metrics", limit=settings.SMARTY_DEVICE_MONITORING_MAX_METRICS)
    clean = []
    for item in metrics:
        entry = {}
        for group, names in METRIC_GROUPS.items():
            values = item.get(group)
            if values is None:
                continue
            if not isinstance(values, dict):
                raise _bad(f"metrics.{group}", "expected an object")
            entry[group] = {
                n: _number(values, n, required=False, lo=-(10**15), hi=10**15) for n in names if n in values
            }
        clean.append(entry)
    payload: dict[str, Any] = {"metrics": clean}
    channel = data.get("channel")
    if channel not in (None, ""):
        if isinstance(channel, str):
            try:
                channel = services_json(channel)
            except ValueError as exc:
                raise _bad("channel", "expected an object") from exc
        if not isinstance(channel, dict):
            raise _bad("channel", "expected an object")
        payload["channel"] = {
            "id": _number(channel, "id", lo=1, hi=2**53),
            "name": _string(channel, "name"),
            "url": _string(channel, "url", max_length=2048),
        }
    return _save(ReportKind.METRICS, ident, payload)


@device_monitoring.method(
    "/system_info/push/",
    "DeviceSystemInfo",
    params=[
        Number("client_id"),
        String("mac"),
        String("uid"),
        String("type"),
        *[String(n) for n in ("vendor", "model", "hw", "fw", "os", "cpu", "ram", "flash", "netif", "uptime", "apps")],
    ],
    **DM,
)
def system_info_push(call: Call) -> dict:
    data = call.state["json"]
    ident = _identity(data)
    client_id = _number(data, "client_id", required=False, lo=1, hi=2**53)
    if client_id is not None:
        client = client_get(str(client_id))
        if client is None:
            raise _bad("client_id", "unknown client")
        client_id = client.pk
    payload: dict[str, Any] = {n: _string(data, n, required=False) for n in ("vendor", "model", "hw", "fw", "os")}
    payload.update({n: _number(data, n, required=False, lo=0, hi=10**15) for n in ("ram", "flash", "uptime")})
    payload["cpu"] = [
        {
            "name": _string(c, "name"),
            "freq": _number(c, "freq", lo=0, hi=10**6),
            "cores": _number(c, "cores", lo=0, hi=4096),
        }
        for c in _objects(data, "cpu", limit=64)
    ]
    payload["netif"] = [
        {
            "name": _string(n, "name", max_length=64),
            "speed": _number(n, "speed", lo=0, hi=10**9),
            "link": bool(n.get("link")),
            "ip": _string(n, "ip", max_length=64),
            "mac": _string(n, "mac", max_length=64),
        }
        for n in _objects(data, "netif", limit=64)
    ]
    payload["apps"] = [
        {
            "name": _string(a, "name"),
            "appid": _string(a, "appid"),
            "ver": _string(a, "ver", max_length=64),
            "is_system_app": bool(a.get("is_system_app")),
        }
        for a in _objects(data, "apps", limit=1000)
    ]
    return _save(ReportKind.SYSTEM_INFO, ident, payload, client_id=client_id)


@device_monitoring.method(
    "/command/list/",
    "CommandList",
    params=[String("uid"), String("ro_build_display_id"), String("ro_build_version_incremental")],
    **DM,
)
def command_list(call: Call) -> dict:
    data = call.state["json"]
    uid = _string(data, "uid", max_length=128)
    build = {n: _string(data, n) for n in ("ro_build_display_id", "ro_build_version_incremental")}
    if not device_has_system_info(uid=uid):
        raise ApiError(
            DeviceMonitoring.SYSTEM_INFO, "No system information from this device yet", {"uid": "no system info"}
        )
    try:
        commands = services.device_commands_take(uid=uid)
    except DatabaseError as exc:
        raise ApiError(DeviceMonitoring.DATABASE, "The monitoring database is not available") from exc
    del build  # the build identifies the firmware; commands are not filtered by it yet
    return {
        "error_message": "",
        "command": [
            {"name": c.name, "is_mass_command": 0 if c.uid else 1, **({"param": c.param} if c.param else {})}
            for c in commands
        ],
    }


@device_monitoring.method("/password/generate/", "Password", params=[String("uid"), String("public_key")], **DM)
def password_generate(call: Call) -> dict:
    data = call.state["json"]
    uid = _string(data, "uid", max_length=128)
    key = _string(data, "public_key", max_length=8192)
    if not key.lstrip().startswith("-----BEGIN"):
        raise _bad("public_key", "expected a PEM key starting with -----BEGIN")
    try:
        encrypted = services.device_password_generate(uid=uid, public_key_pem=key)
    except services.BadPublicKeyError as exc:
        raise ApiError(DeviceMonitoring.BAD_KEY, str(exc), {"public_key": str(exc)}) from exc
    return {"error_message": "", "password": encrypted}


# --- DRM ----------------------------------------------------------------------------------------

CONTENT_TYPES = ("channel", "epg", "video")


def drm_type(device: str) -> str | None:
    return dict(pair.split(":", 1) for pair in settings.SMARTY_DRM_DEVICE_TYPES if ":" in pair).get(device)


@drm.method(
    "/ezdrm/content/access/",
    "DrmContentAccess",
    params=[
        String("content_id", max_length=32),
        String("content_type", max_length=16),
        String("authkey", max_length=64),
        String("client_id", max_length=32),
        String("device", max_length=64),
        String("device_uid", default="", max_length=128),
    ],
    http_methods=("GET", "POST"),
    response_format="json",
    error_status=drm_error_status,
)
def ezdrm_content_access(call: Call) -> HttpResponse | dict:
    """The license server asks whether the session may watch the content: HTTP 200 when it
    may, HTTP 404 with the reason in plain text when not (reference drm.md)."""
    p = call.params
    kind = drm_type(p["device"] or "")
    if kind is None:
        return drm_refusal(DRM_TYPE_ISSUE)
    session = session_get_active(authkey=p["authkey"] or "")
    client_id = (p["client_id"] or "").strip()
    if session is None or str(session.client_id) != client_id or not (p["content_id"] or "").isdigit():
        return drm_refusal(CONTENT_ISSUE)
    if p["content_type"] not in CONTENT_TYPES or not _may_watch(session, p["content_type"], int(p["content_id"])):
        return drm_refusal(CONTENT_ISSUE)
    return {
        "error_message": "",
        "drm_type": kind,
        "content_id": int(p["content_id"]),
        "content_type": p["content_type"],
        "account_id": session.account_id,
        "checked_at": int(timezone.now().timestamp()),
    }


def _may_watch(session, content_type: str, content_id: int) -> bool:
    account = session.account
    tariff_ids = account_tariff_ids(account)
    channels = routing_channels(session.client_id)
    if content_type == "channel":
        channel = channels.get(content_id)
        return channel is not None and channel.enabled and bool(channel.tariff_ids & tariff_ids)
    if content_type == "epg":
        epg_id = program_epg_channel_id(program_id=content_id)
        return epg_id is not None and any(
            c.epg_channel_id == epg_id and c.enabled and (c.tariff_ids & tariff_ids) for c in channels.values()
        )
    return video_in_tariffs(client_id=session.client_id, video_id=content_id, tariff_ids=tariff_ids)
