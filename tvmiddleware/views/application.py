"""Application (reference tvmw/Application.md): the operator's application catalogue and the
data its widgets read (news, weather, exchange rates). The data is fetched on a schedule from
the sources the operator configured (portal.tasks.portal_feeds_fetch); a request never
fetches, so a slow or broken source never slows a device, and a source that fails keeps
answering its last good data."""

from __future__ import annotations

from portal import selectors as portal
from smarty.api import ApiError, Call, Flag, Number, String

from ..api import tvmw
from .live_common import COMMON_PARAMS

APPLICATION_NOT_FOUND = 1
APPLICATION_BAD_ID = 2
RSS_UNAVAILABLE = 1
WEATHER_UNAVAILABLE = 1
WEATHER_BUSY = 2  # not used: requests never fetch
WEATHER_SERVER_ERROR = 3
EXCHANGE_UNAVAILABLE = 1


def _public(app: dict) -> dict:
    return {k: v for k, v in app.items() if not k.startswith("_")}


@tvmw.method(
    "/application/list/",
    "ApplicationList",
    error_message=False,
    params=[*COMMON_PARAMS, String("template")],
    auth=["session"],
)
def application_list(call: Call) -> dict:
    apps = portal.application_list(client_id=call.client.pk, template=call.params["template"] or None)
    return {"applications": [_public(a) for a in apps]}


@tvmw.method(
    "/application/detail/",
    "ApplicationDetail",
    error_message=False,
    params=[*COMMON_PARAMS, Number("appid", lo=1)],
    auth=["session"],
    param_error_code=APPLICATION_BAD_ID,
)
def application_detail(call: Call) -> dict:
    if call.params["appid"] is None:
        raise ApiError(APPLICATION_BAD_ID, "Invalid parameters: appid: required", {"appid": "required"})
    app = portal.application_get(client_id=call.client.pk, application_id=call.params["appid"])
    if app is None:
        raise ApiError(APPLICATION_NOT_FOUND, "Application not found", {"appid": "not found"})
    shown = _public(app)
    for key in ("id", "icon", "icon_focus"):
        shown.pop(key)
    return {"error_message": "", **shown}


@tvmw.method(
    "/application/rss_data/",
    "ApplicationRSSData",
    error_message=False,
    params=[*COMMON_PARAMS, String("rss", max_length=1024)],
    auth=["session"],
    param_error_code=RSS_UNAVAILABLE,
)
def application_rss_data(call: Call) -> dict:
    url = (call.params["rss"] or "").strip()
    if not url:
        raise ApiError(RSS_UNAVAILABLE, "Invalid parameters: rss: required", {"rss": "required"})
    source = portal.data_source_get(client_id=call.client.pk, kind=portal.DataSourceKind.RSS, url=url)
    if source is None or source.fetched_at is None:
        raise ApiError(RSS_UNAVAILABLE, "The news feed is not available", {"rss": "not a configured source"})
    return {"error_message": "", "entries": list(source.data.get("entries", []))}


@tvmw.method(
    "/application/weather_data/",
    "ApplicationWeatherData",
    error_message=False,
    params=[*COMMON_PARAMS, Flag("auto_detect_current_city"), String("city"), String("ext_city_id")],
    auth=["session"],
    param_error_code=WEATHER_SERVER_ERROR,
)
def application_weather_data(call: Call) -> dict:
    wanted = (call.params["city"] or call.params["ext_city_id"] or "").strip()
    source = portal.data_source_get(client_id=call.client.pk, kind=portal.DataSourceKind.WEATHER, city=wanted or None)
    if source is None or source.fetched_at is None:
        raise ApiError(WEATHER_UNAVAILABLE, "No weather data for this city", {"city": wanted or "default"})
    data = source.data
    return {"error_message": "", "current": dict(data["current"]), "city": source.city or data.get("city", "")}


@tvmw.method(
    "/application/exchange_data/",
    "ApplicationExchangeData",
    error_message=False,
    params=COMMON_PARAMS,
    auth=["session"],
)
def application_exchange_data(call: Call) -> dict:
    source = portal.data_source_get(client_id=call.client.pk, kind=portal.DataSourceKind.EXCHANGE)
    codes = [c.strip().upper() for c in (source.currencies if source is not None else "").split(",") if c.strip()]
    rates = source.data.get("rates", {}) if source is not None and source.fetched_at is not None else {}
    if len(codes) < 2 or any(code not in rates for code in codes[:2]):
        raise ApiError(EXCHANGE_UNAVAILABLE, "Exchange rates are not available")
    first, second = codes[:2]
    return {
        "error_message": "",
        "first_currency": first,
        "second_currency": second,
        "first_currency_value": rates[first],
        "second_currency_value": rates[second],
    }
