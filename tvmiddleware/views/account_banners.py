"""Account target banners (reference tvmw/Account.md, account/targetbanner/list): the
operator's advertising banners (the VOD library's TargetBanner, managed by the Content API's
targetbanner/* and the admin) that are aimed at the session's account today."""

from __future__ import annotations

import datetime as dt
import json

from smarty.api import Call, Number
from tariffs.selectors import account_tariff_ids
from vod.images import image_url
from vod.selectors import account_target_banner_list

from .. import errors
from ..api import tvmw
from .live_common import COMMON_PARAMS, page_slice, viewer


def _meta(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""


@tvmw.method(
    "/account/targetbanner/list",
    "AccountTargetBannerList",
    params=[*COMMON_PARAMS, Number("page"), Number("limit")],
    auth=["session"],
    param_error_code=errors.BAD_PARAMS,
    error_message=False,
)
def account_target_banner_list_view(call: Call) -> dict:
    account = call.account
    v = viewer(call)
    location = v.location
    banners = account_target_banner_list(
        client=call.client,
        account=account,
        tariff_ids=account_tariff_ids(account),
        city_id=location.city_id if location is not None else None,
        today=dt.datetime.fromtimestamp(v.now, v.tz).date(),
        birthdate=account.customer.birthdate,
    )
    host = v.host
    shown = page_slice(call, banners, code=errors.BAD_PARAMS)
    return {
        "target_banners": [
            {
                "id": b.pk,
                "name": b.name,
                "image_url": image_url(b.image, host),
                "message": b.message,
                "deep_link": b.deep_link,
                "meta": _meta(b.meta),
            }
            for b in shown
        ],
        "count": len(banners),
    }
