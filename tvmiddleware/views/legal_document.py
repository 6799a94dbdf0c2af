"""LegalDocument (reference tvmw/LegalDocument.md): the operator's documents, their current
version, and acceptance by the account (from a valid authkey) or by a device (device_uid)
before it logged in. Every method is authenticated by client_id + api_key."""

from __future__ import annotations

from accounts.selectors import session_get_active
from selfservice.services import (
    AlreadyAcceptedError,
    DocumentNotFoundError,
    NoAcceptorError,
    legal_document_accept,
    legal_document_get,
    legal_document_list,
)
from smarty.api import ApiError, Call, Number, String
from tariffs.selectors import tariff_get

from .. import errors
from ..api import tvmw

COMMON = [String("device"), String("device_uid", max_length=128), String("lang", default=""), String("authkey")]
TYPES = (1, 2, 3, 4)


def _account(call: Call):
    """The account of a valid authkey of this operator, else None (these methods work
    without a session too)."""
    authkey = call.params.get("authkey") or call.request.COOKIES.get("authkey", "")
    session = session_get_active(authkey=authkey) if authkey else None
    if session is None or session.client_id != call.client.pk:
        return None
    return session.account


def _row(view) -> dict:
    return {
        "id": view.document.pk,
        "name": view.document.name,
        "version": view.version.version,
        "need_acceptance": int(view.document.need_acceptance),
        "is_accepted": int(view.is_accepted),
        "document_type": view.document.document_type,
    }


def _list(call: Call) -> dict:
    p = call.params
    tariff_id = p["tariff_id"]
    if p.get("virtual_tariff_id") is not None:
        raise ApiError(errors.LEGAL_TARIFF_NOT_FOUND, "Virtual tariff not found", {"virtual_tariff_id": "not found"})
    if tariff_id is not None and tariff_get(client=call.client, tariff_id=tariff_id) is None:
        raise ApiError(errors.LEGAL_TARIFF_NOT_FOUND, "Tariff not found", {"tariff_id": "not found"})
    views = legal_document_list(
        client=call.client,
        document_type=p["document_type"],
        tariff_id=tariff_id,
        account=_account(call),
        device_uid=(p["device_uid"] or "").strip(),
    )
    return {"error_message": "", "documents": [_row(v) for v in views]}


def _detail(call: Call) -> dict:
    try:
        view = legal_document_get(
            client=call.client,
            document_id=call.params["id"],
            account=_account(call),
            device_uid=(call.params["device_uid"] or "").strip(),
        )
    except DocumentNotFoundError:
        raise ApiError(errors.LEGAL_NOT_FOUND, "Document not found", {"id": "not found"}) from None
    row = _row(view)
    row.pop("document_type")
    return {"error_message": "", **row, "html_content": view.version.html_content}


LIST_PARAMS = [Number("document_type", choices=TYPES), Number("tariff_id", lo=1), *COMMON]
DETAIL_PARAMS = [Number("id", required=True, lo=1), *COMMON]


@tvmw.method(
    "/legal/document/list/",
    "LegalDocumentList",
    params=[*LIST_PARAMS, Number("virtual_tariff_id", lo=1)],
    auth=["client"],
    param_error_code=errors.LEGAL_BAD_TYPE,
)
def legal_document_list_view(call: Call) -> dict:
    return _list(call)


@tvmw.method(
    "/noauth/legal/document/list/",
    "NoAuthLegalDocumentList",
    params=LIST_PARAMS,
    auth=["client"],
    param_error_code=errors.LEGAL_BAD_TYPE,
)
def noauth_legal_document_list(call: Call) -> dict:
    return _list(call)


@tvmw.method(
    "/legal/document/detail/",
    "LegalDocumentDetail",
    params=DETAIL_PARAMS,
    auth=["client"],
    param_error_code=errors.LEGAL_NOT_FOUND,
)
def legal_document_detail(call: Call) -> dict:
    return _detail(call)


@tvmw.method(
    "/noauth/legal/document/detail/",
    "NoAuthLegalDocumentDetail",
    params=DETAIL_PARAMS,
    auth=["client"],
    param_error_code=errors.LEGAL_NOT_FOUND,
)
def noauth_legal_document_detail(call: Call) -> dict:
    return _detail(call)


@tvmw.method(
    "/legal/document/accept/",
    "LegalDocumentAccept",
    params=[*DETAIL_PARAMS, String("device_model", max_length=128)],
    auth=["client"],
    param_error_code=errors.LEGAL_NOT_FOUND,
)
def legal_document_accept_view(call: Call) -> dict:
    try:
        legal_document_accept(
            client=call.client,
            document_id=call.params["id"],
            account=_account(call),
            device_uid=(call.params["device_uid"] or "").strip(),
            device_model=call.params["device_model"] or "",
            ip=call.ip,
        )
    except DocumentNotFoundError:
        raise ApiError(errors.LEGAL_NOT_FOUND, "Document not found", {"id": "not found"}) from None
    except NoAcceptorError:
        raise ApiError(
            errors.LEGAL_NO_ACCEPTOR, "Pass device_uid or a valid authkey", {"device_uid": "required"}
        ) from None
    except AlreadyAcceptedError:
        raise ApiError(errors.LEGAL_ALREADY_ACCEPTED, "Already accepted") from None
    return {"error_message": ""}
