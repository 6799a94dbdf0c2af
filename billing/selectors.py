"""Read queries about money; every one takes the operator or an object of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Account

from .models import PromoActivation, PromoCode


def promo_get(*, client, code: str) -> PromoCode | None:  # noqa: ANN001
    return PromoCode.objects.for_client(client).filter(code=code).first() if code else None


@dataclass(frozen=True)
class PromoRow:
    promo: PromoCode
    activated_at: dt.datetime | None


def promo_list_for_account(*, account: Account) -> list[PromoRow]:
    """The promo codes the account's customer activated (newest first), then the codes bound
    to the account that are not used yet."""
    used = list(
        PromoActivation.objects.filter(client_id=account.client_id, customer_id=account.customer_id)
        .select_related("promo")
        .prefetch_related("promo__free_tariffs")
        .order_by("-created_at", "-id")
    )
    used_ids = {a.promo_id for a in used}
    assigned = (
        PromoCode.objects.for_client(account.client_id)
        .filter(Q(account=account))
        .exclude(pk__in=used_ids)
        .prefetch_related("free_tariffs")
        .order_by("-created_at", "-id")
    )
    return [PromoRow(a.promo, a.created_at) for a in used] + [PromoRow(p, None) for p in assigned]
