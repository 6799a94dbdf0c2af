"""Promo (reference tvmw/Promo.md): the subscriber activates a promo code on its account and
lists the codes it used or was given."""

from __future__ import annotations

from accounts.selectors import account_is_active
from billing.selectors import promo_get, promo_list_for_account
from billing.services import PromoAlreadyActivatedError, PromoInvalidError, PromoNotValidNowError, promo_activate
from smarty.api import ApiError, Call, Number, String

from .. import errors
from ..api import tvmw
from .customer import COMMON

PROMO_APPLIED, PROMO_ASSIGNED = 2, 1


def _promo_type(promo) -> int:
    return 1 if promo.discount else 0


@tvmw.method(
    "/promo/activate/",
    "PromoActivate",
    params=[String("code", required=True, max_length=64), *COMMON],
    auth=["session"],
    param_error_code=errors.PROMO_NOT_FOUND,
)
def promo_activate_view(call: Call) -> dict:
    promo = promo_get(client=call.client, code=call.params["code"].strip())
    if promo is None:
        raise ApiError(errors.PROMO_NOT_FOUND, "Promo code not found", {"code": "not found"})
    if not account_is_active(call.account):
        raise ApiError(errors.PROMO_INACTIVE_ACCOUNT, "The account is not active")
    try:
        outcome = promo_activate(promo=promo, account=call.account)
    except PromoInvalidError as exc:
        raise ApiError(errors.PROMO_INVALID, str(exc), {"code": "invalid"}) from None
    except PromoAlreadyActivatedError as exc:
        raise ApiError(errors.PROMO_ALREADY_ACTIVATED, str(exc), {"code": "already activated"}) from None
    except PromoNotValidNowError as exc:
        raise ApiError(errors.PROMO_NOT_VALID_NOW, str(exc), {"code": "not valid now"}) from None
    return {
        "error_message": "",
        "type": _promo_type(promo),
        "amount": outcome.amount,
        "discount": outcome.discount,
        "free_tariffs": ",".join(str(pk) for pk in outcome.free_tariffs),
    }


@tvmw.method(
    "/promo/list/",
    "PromoList",
    params=[Number("limit", default=20, lo=1, hi=100), Number("page", default=1, lo=1, hi=10**6), *COMMON],
    auth=["session"],
)
def promo_list_view(call: Call) -> dict:
    rows = promo_list_for_account(account=call.account)
    limit, page = call.params["limit"], call.params["page"]
    shown = rows[(page - 1) * limit : page * limit]
    return {
        "error_message": "",
        "count": len(rows),
        "promos": [
            {
                "type": _promo_type(row.promo),
                "amount": row.promo.amount,
                "discount": float(row.promo.discount),
                "free_tariffs": ",".join(str(t.pk) for t in row.promo.free_tariffs.all()),
                "code": row.promo.code,
                "date": row.activated_at.date().isoformat() if row.activated_at else "",
                "valid_from": row.promo.valid_from.isoformat() if row.promo.valid_from else "",
                "valid_until": row.promo.valid_until.isoformat() if row.promo.valid_until else "",
                "status": PROMO_APPLIED if row.activated_at else PROMO_ASSIGNED,
            }
            for row in shown
        ],
    }
