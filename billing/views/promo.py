"""Promo group: create promo codes and activate them for an account."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from smarty.api import ApiError, Call, Date, String
from smarty.api.params import is_digits
from tariffs.selectors import tariff_list_by_ids

from .. import errors, services
from ..api import Amount, Id, Int, account_from, domain_errors, endpoint
from ..selectors import promo_get_by


def _tariffs(call: Call, name: str, code: int) -> list:
    """Comma-separated (or repeated) tariff ids of the operator."""
    raw = call.data.getlist(name) + call.data.getlist(f"{name}[]")
    values = [v.strip() for item in raw for v in str(item).split(",") if v.strip()]
    if any(not is_digits(v) or len(v) > 15 for v in values):
        raise ApiError(code, f"Invalid parameters: {name}: comma-separated tariff ids", {name: "not a list of ids"})
    ids = {int(v) for v in values}
    found = tariff_list_by_ids(client=call.client, ids=ids)
    if len(found) != len(ids):
        raise ApiError(code, f"Invalid parameters: {name}: tariff not found", {name: "tariff not found"})
    return found


@endpoint(
    "/promo/create/",
    "PromoCreate",
    params=[
        Id("account_id"),
        Int("length", lo=4, hi=64),
        Int("count", lo=1, hi=services.PROMO_MAX_COUNT, default=1),
        Date("valid_from"),
        Date("valid_until"),
        Int("activation_count", lo=1, hi=1_000_000, default=1),
        Int("discount", lo=0, hi=100, default=0),
        String("tariffs", max_length=2000),
        Amount("amount", default=0),
        String("free_tariffs", max_length=2000),
        Int("days", lo=0, hi=36500, default=0),
    ],
    param_error=errors.PromoCreate.FAILED,
    with_fields=True,
)
def promo_create(call: Call) -> dict:
    code = errors.PromoCreate
    p = call.params
    account = account_from(call, code.ACCOUNT_NOT_FOUND, abonement_param="") if p["account_id"] is not None else None
    with domain_errors({ValidationError: code.FAILED}):
        codes = services.promo_create(
            client=call.client,
            count=p["count"],
            length=p["length"],
            account=account,
            valid_from=p["valid_from"],
            valid_until=p["valid_until"],
            activation_count=p["activation_count"],
            discount=p["discount"],
            discount_tariffs=_tariffs(call, "tariffs", code.FAILED),
            amount=p["amount"],
            free_tariffs=_tariffs(call, "free_tariffs", code.FAILED),
            days=p["days"],
        )
    return {"promo_codes": [{"id": c.pk, "code": c.code} for c in codes]}


@endpoint(
    "/promo/activate/",
    "PromoActivate",
    params=[Id("id"), String("code", max_length=64), Id("account_id")],
    param_error=errors.PromoActivate.INVALID,
)
def promo_activate(call: Call) -> dict:
    code = errors.PromoActivate
    p = call.params
    account = account_from(call, code.ACCOUNT_NOT_FOUND, abonement_param="")
    if p["id"] is not None:
        promo, field = promo_get_by(client=call.client, promo_id=p["id"]), "id"
    elif (p["code"] or "").strip():
        promo, field = promo_get_by(client=call.client, code=p["code"].strip()), "code"
    else:
        raise ApiError(code.PROMO_NOT_FOUND, "Pass id or code", {"id": "required", "code": "required"})
    if promo is None:
        raise ApiError(code.PROMO_NOT_FOUND, "Promo code not found", {field: "not found"})
    with domain_errors(
        {
            services.PromoInvalidError: code.INVALID,
            services.PromoAlreadyActivatedError: code.ALREADY_ACTIVATED,
            services.PromoNotValidNowError: code.NOT_VALID_NOW,
            ValidationError: code.FAILED,
        }
    ):
        outcome = services.promo_activate(promo=promo, account=account)
    return {
        "amount": outcome.amount,
        "discount": outcome.discount,
        "free_tariffs": ",".join(str(pk) for pk in outcome.free_tariffs),
    }
