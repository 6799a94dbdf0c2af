"""The Streaming API object (reference streaming.md): POST form parameters, `client_id` and a
`signature` made with the operator's Streaming API key (smarty/api/signature.py), JSON
answers with numeric `error` codes. The token check is unsigned: streaming servers call it."""

from __future__ import annotations

from clients.selectors import client_get
from smarty.api import Api, ApiError, Call
from smarty.api.signature import request_items, signature_matches

OK = 0
BAD_PARAMS = 20  # "Неправильно передан параметр" (both maintenance methods)
UNKNOWN = 500
MAINTENANCE_CREATE_CHANNELS_NOT_FOUND = 1
MAINTENANCE_EDIT_NOT_FOUND = 1
MAINTENANCE_EDIT_CHANNELS_NOT_FOUND = 2


def authenticate_signed(call: Call) -> None:
    """`client_id` + `signature` (md5 of base64 of the sorted params and the Streaming API key)."""

    client = client_get(call.data.get("client_id", ""))
    if client is None or not client.enabled:
        raise ApiError(BAD_PARAMS, "client_id: unknown operator", {"client_id": "unknown operator"})
    if not signature_matches(request_items(call.request), client.streaming_api_key, call.data.get("signature", "")):
        raise ApiError(BAD_PARAMS, "signature: does not match", {"signature": "does not match"})
    call.client = client


streaming_api = Api(
    "streaming",
    unknown_error_code=UNKNOWN,
    param_error_code=BAD_PARAMS,
    logger="smarty_stream_services",
    authenticators={"signed": authenticate_signed},
)
