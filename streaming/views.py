"""Streaming API methods (reference streaming.md) and the stream token check shared with the
TVMW API (tvmiddleware/views/stream.py registers the same handler at its own base)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse

from smarty.api import ApiError, Call, DateTime, Number, String, json_loads
from smarty.api.render import render

from . import services
from .api import (
    MAINTENANCE_CREATE_CHANNELS_NOT_FOUND,
    MAINTENANCE_EDIT_CHANNELS_NOT_FOUND,
    MAINTENANCE_EDIT_NOT_FOUND,
    streaming_api,
)
from .selectors import maintenance_get

SIGNED = [Number("client_id", required=True), String("signature", required=True)]


def _prefixes(value: str) -> list[str]:
    return [p for p in (part.strip() for part in value.split(",")) if p]


def _validation_error(exc: ValidationError) -> ApiError:
    fields = {name: "; ".join(str(m) for m in messages) for name, messages in exc.message_dict.items()}
    names = {"start_time": "datetime_begin", "end_time": "datetime_end", "message": "description"}
    fields = {names.get(name, name): text for name, text in fields.items()}
    message = "; ".join(f"{name}: {text}" for name, text in fields.items())
    return ApiError(streaming_api.param_error_code, f"Invalid parameters: {message}", fields)


@streaming_api.method(
    "/maintenance/create/",
    "MaintenanceCreate",
    params=[
        String("channel_prefix", required=True),
        DateTime("datetime_begin", required=True),
        DateTime("datetime_end"),
        String("description", default=""),
        *SIGNED,
    ],
    auth=["signed"],
)
def maintenance_create(call: Call) -> dict:
    p = call.params
    try:
        window = services.maintenance_create(
            client=call.client,
            channel_prefixes=_prefixes(p["channel_prefix"]),
            start=p["datetime_begin"],
            end=p["datetime_end"],
            description=p["description"],
        )
    except services.ChannelPrefixNotFoundError as exc:
        raise ApiError(MAINTENANCE_CREATE_CHANNELS_NOT_FOUND, str(exc), {"channel_prefix": str(exc)}) from exc
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    return {"error_message": "", "id": window.pk}


@streaming_api.method(
    "/maintenance/edit/",
    "MaintenanceEdit",
    params=[
        Number("id", required=True),
        String("channel_prefix"),
        DateTime("datetime_begin"),
        DateTime("datetime_end"),
        String("description"),
        *SIGNED,
    ],
    auth=["signed"],
)
def maintenance_edit(call: Call) -> dict:
    p = call.params
    window = maintenance_get(client=call.client, maintenance_id=p["id"])
    if window is None:
        raise ApiError(MAINTENANCE_EDIT_NOT_FOUND, "id: no technical work with this id", {"id": "not found"})
    try:
        window = services.maintenance_edit(
            maintenance=window,
            channel_prefixes=_prefixes(p["channel_prefix"]) if p["channel_prefix"] is not None else None,
            start=p["datetime_begin"],
            end=p["datetime_end"],
            description=p["description"],
        )
    except services.ChannelPrefixNotFoundError as exc:
        raise ApiError(MAINTENANCE_EDIT_CHANNELS_NOT_FOUND, str(exc), {"channel_prefix": str(exc)}) from exc
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    return {"error_message": "", "id": window.pk}


# --- the token check ------------------------------------------------------------------------

TOKEN_CHECK_PARAMS = [
    String("token"),
    String("name"),
    String("ip"),
    # Flussonic's auth backend also sends these (session_id ties re-checks to one viewer).
    String("session_id"),
    String("request_type"),
    String("proto"),
]


def _json_body(call: Call) -> dict:
    """Newer Flussonic versions may POST the same fields as a JSON object."""
    request = call.request
    if request.method != "POST" or not request.content_type.endswith("json"):
        return {}
    try:
        body = json_loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def token_check(call: Call) -> HttpResponse:
    """One answer for three callers (docs/streaming.md):

    - Flussonic's auth backend (`name`, `ip`, `token`, `session_id`...): HTTP 200 allows and
      sets X-AuthDuration / X-UserId / X-Max-Sessions; a denial is HTTP 403.
    - Astra / Alta (the viewer's query params, `X-Real-IP`, `X-Real-Path`, `X-Session-ID`):
      HTTP 200 allows, anything else denies.
    - Direct callers read the JSON `error`: 0 valid, 1 expired, 2 other content, 3 other IP.
    """
    p = dict(call.params)
    for key, value in _json_body(call).items():
        if p.get(key) in (None, "") and isinstance(value, (str, int)):
            p[key] = str(value)
    meta = call.request.META
    path = meta.get("HTTP_X_REAL_PATH", "")
    ip = p.get("ip") or (meta.get("HTTP_X_REAL_IP", "") if path else "")
    session_id = p.get("session_id") or meta.get("HTTP_X_SESSION_ID", "")
    token = (p.get("token") or "").strip()
    if not token:
        verdict = services.TokenVerdict(services.TOKEN_EXPIRED, "token: required parameter is missing")
    else:
        verdict = services.stream_token_check(
            token=token, name=(p.get("name") or "").strip(), path=path, ip=(ip or "").strip(), session_id=session_id
        )
    body = {"error": verdict.code, "error_message": verdict.message}
    status = 200 if verdict.allowed else settings.SMARTY_STREAM_TOKEN_DENY_STATUS
    response = render(body, "json", status=status)
    if verdict.allowed and verdict.account_id is not None:
        response["X-AuthDuration"] = str(verdict.session_ttl)
        response["X-UserId"] = str(verdict.account_id)
        if verdict.max_sessions:
            response["X-Max-Sessions"] = str(verdict.max_sessions)
    return response


def token_deny_status() -> int:
    """The HTTP status of every token check answer but "allowed", refusals of the request
    itself (a NUL in a parameter, an unreadable body) and unexpected errors included:
    Flussonic and Astra read any 200 as "allowed"."""
    return settings.SMARTY_STREAM_TOKEN_DENY_STATUS


streaming_api.method(
    "/streamservice/token/check/",
    "FlussonicTokenCheck",
    params=TOKEN_CHECK_PARAMS,
    response_format="json",
    error_status=token_deny_status,
)(token_check)
