"""Country (reference tvmw/Country.md): the country list and the caller's location."""

from __future__ import annotations

from clients.selectors import client_uses_geoip, country_list, geo_locate
from smarty.api import Call, String

from ..api import tvmw

COMMON = [String("device"), String("device_uid"), String("lang", default="")]


@tvmw.method("/country/list/", "CountryList", error_message=False, params=COMMON, auth=["client"])
def country_list_view(call: Call) -> dict:
    return {"countries": country_list()}


@tvmw.method("/country/info/", "CountryInfo", error_message=False, params=COMMON, auth=["client"])
def country_info(call: Call) -> dict:
    if not client_uses_geoip(call.client):
        return {"country_name": "", "country_code": "", "city_name": ""}
    return geo_locate(call.ip)
