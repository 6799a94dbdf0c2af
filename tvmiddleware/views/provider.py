"""Content providers (reference tvmw/Provider.md)."""

from __future__ import annotations

from smarty.api import Call

from .live_common import COMMON_PARAMS, NOAUTH_PARAMS
from .vod_common import vod_method, vod_viewer


def _providers(call: Call) -> dict:
    v = vod_viewer(call)
    return {
        "providers": [
            {
                "id": p["id"],
                "name": v.t(p, "name"),
                "icon_url": v.image(p["icon"]),
                "movie_label_icon": v.image(p["movie_label_icon"]),
                "movie_label_icon_black_bg": v.image(p["movie_label_icon_black_bg"]),
                "movie_label_icon_mobile": v.image(p["movie_label_icon_mobile"]),
                "type": p["type"],
            }
            for p in v.lib["providers"]
        ]
    }


@vod_method("/provider/list/", "ProviderList", params=COMMON_PARAMS, auth=["session"])
def provider_list(call: Call) -> dict:
    return _providers(call)


@vod_method("/noauth/provider/list/", "NoAuthProviderList", params=NOAUTH_PARAMS, auth=["client"])
def noauth_provider_list(call: Call) -> dict:
    return _providers(call)
