"""The TVMW API object: GET/POST query parameters, JSON or XML by device type, numeric
`error` codes; 403 when a method needs a session and has none (reference tvmw/README.md)."""

from __future__ import annotations

from accounts.selectors import session_get_active
from channels.selectors import account_channels_read
from clients.selectors import client_get_by_api_key, play_device_formats
from smarty.api import Api, ApiError, Call
from smarty.device_reads import DeviceRead
from tariffs.selectors import account_tariffs_read
from vod.selectors import account_state_read

from . import errors

AUTH_REQUIRED = 403


def choose_format(call: Call) -> str:
    device = call.data.get("device", "")
    return play_device_formats().get(device, "json") if device else "json"


def _account_values(client_id: int, account_id: int) -> list[DeviceRead]:
    """The per-account values the live-TV and VOD views read after the session: its tariffs,
    its channel settings and its library state, fetched with the account when a round trip
    is made for it."""
    return [
        account_tariffs_read(client_id, account_id),
        account_channels_read(client_id, account_id),
        account_state_read(account_id),
    ]


def authenticate_session(call: Call) -> None:
    """`authkey` from the query or the cookie -> call.session / account / client."""

    authkey = call.data.get("authkey") or call.request.COOKIES.get("authkey", "")
    if not authkey:
        raise ApiError(AUTH_REQUIRED, "Authorization required")
    session = session_get_active(authkey=authkey, also=_account_values)
    if session is None:
        raise ApiError(AUTH_REQUIRED, "Authorization required")
    client_id = call.data.get("client_id")
    if client_id not in (None, "") and str(session.client_id) != str(client_id).strip():
        raise ApiError(AUTH_REQUIRED, "Authorization required")
    call.session = session
    call.account = session.account
    call.client = session.account.client


def authenticate_client(call: Call) -> None:
    """`client_id` + `api_key` (noauth methods and login)."""

    client = client_get_by_api_key(client_id=call.data.get("client_id", ""), api_key=call.data.get("api_key", ""))
    if client is None:
        raise ApiError(errors.BAD_CLIENT, "Invalid client_id or api_key")
    call.client = client


tvmw = Api(
    "tvmw",
    unknown_error_code=errors.UNKNOWN,
    param_error_code=errors.BAD_PARAMS,
    logger="smarty_main",
    authenticators={"session": authenticate_session, "client": authenticate_client},
    choose_format=choose_format,
    success_error_message=True,
)
