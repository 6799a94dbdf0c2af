"""The portal methods' error-code constants, frozen: literals from the reference (tvmw/*.md)
and, when SMARTY_REFERENCE_SPEC names a spec.json, checked against it."""

from __future__ import annotations

import json
import os

import pytest

from tvmiddleware.views import (
    ads,
    application,
    camera_settings,
    content_position,
    feed,
    game,
    hbb,
    portal,
    portaldashboard,
)

# (module, constant) -> (value, a method whose documented errors include it)
FROZEN = {
    (portaldashboard, "DASHBOARD_REQUEST_FAILED"): (1, "/portaldashboard/list/"),
    (portal, "PORTAL_CLIENT_BAD_CLIENT"): (1, "/portal/client/detail/"),
    (portal, "PORTAL_CLIENT_NO_ID"): (2, "/portal/client/detail/"),
    (portal, "PORTAL_CLIENT_NOT_FOUND"): (3, "/portal/client/detail/"),
    (portal, "PORTAL_CLIENT_NO_SEARCH"): (2, "/portal/client/search/"),
    (portal, "NOAUTH_CHANNELS_BAD_TARIFF"): (1, "/noauth/portal/client/channel/list/"),
    (portal, "NOAUTH_CHANNELS_BAD_SORT"): (2, "/noauth/portal/client/channel/list/"),
    (portal, "NOAUTH_CHANNELS_BAD_ICON"): (3, "/noauth/portal/client/channel/list/"),
    (application, "APPLICATION_NOT_FOUND"): (1, "/application/detail/"),
    (application, "APPLICATION_BAD_ID"): (2, "/application/detail/"),
    (application, "RSS_UNAVAILABLE"): (1, "/application/rss_data/"),
    (application, "WEATHER_UNAVAILABLE"): (1, "/application/weather_data/"),
    (application, "WEATHER_BUSY"): (2, "/application/weather_data/"),
    (application, "WEATHER_SERVER_ERROR"): (3, "/application/weather_data/"),
    (application, "EXCHANGE_UNAVAILABLE"): (1, "/application/exchange_data/"),
    (ads, "ADS_NO_TARGET"): (1, "/ads/list/"),
    (ads, "ADS_DISABLED"): (2, "/ads/list/"),
    (ads, "ADS_PROVIDER_ERROR"): (3, "/ads/list/"),
    (ads, "ADS_BAD_CONTEXT"): (4, "/ads/list/"),
    (ads, "ADS_BAD_TIMEZONE"): (5, "/ads/list/"),
    (ads, "ADS_BOTH_TARGETS"): (6, "/ads/list/"),
    (ads, "ADS_LIMIT_REACHED"): (7, "/ads/list/"),
    (feed, "FEED_LIST_FAILED"): (1, "/feed/list/"),
    (feed, "FEED_NOT_FOUND"): (1, "/feed/detail/"),
    (feed, "FEED_AUTH_REQUIRED"): (2, "/feed/detail/"),
    (feed, "FEED_BAD_DEVICE"): (3, "/feed/detail/"),
    (feed, "FEED_BAD_CONTENT"): (4, "/feed/detail/"),
    (feed, "FEED_DISABLED"): (5, "/feed/detail/"),
    (game, "SCORE_LIST_NONE"): (2, "/game/score/list/"),
    (game, "SCORE_SAVE_NO_GAME"): (1, "/game/score/save/"),
    (game, "SCORE_SAVE_NO_SCORE"): (2, "/game/score/save/"),
    (game, "SCORE_SAVE_UNKNOWN_GAME"): (3, "/game/score/save/"),
    (game, "SCORE_SAVE_FAILED"): (4, "/game/score/save/"),
    (game, "SCOREBOARD_NO_GAME"): (1, "/game/scoreboard/list/"),
    (game, "SCOREBOARD_UNKNOWN_GAME"): (2, "/game/scoreboard/list/"),
    (hbb, "HBB_MISSING_PARAM"): (1, "/hbb/activity/"),
    (hbb, "HBB_BAD_EVENTS"): (2, "/hbb/activity/"),
    (hbb, "HBB_NO_PROVIDER"): (3, "/hbb/activity/"),
    (hbb, "HBB_NOT_SUPPORTED"): (4, "/hbb/event/error/"),
    (hbb, "HBB_FORWARD_FAILED"): (5, "/hbb/event/error/"),
    (hbb, "HBB_NO_CHANNEL"): (2, "/hbb/channel/info/"),
    (hbb, "HBB_CHANNEL_NO_PROVIDER"): (3, "/hbb/channel/event/"),
    (hbb, "HBB_EVENT_FAILED"): (4, "/hbb/channel/event/"),
    (content_position, "POSITION_BAD_PARAMS"): (1, "/content/position/set/"),
    (content_position, "POSITION_SAVE_FAILED"): (2, "/content/position/delete/"),
    (content_position, "POSITION_ASSET_REQUIRED"): (3, "/content/position/set/"),
    (content_position, "POSITION_NOT_FOUND"): (404, "/content/position/set/"),
    (content_position, "REMEMBER_BAD_PARAMS"): (1, "/content/position/remember/channel/"),
    (camera_settings, "CAMERA_SETTINGS_NOT_FOUND"): (1, "/camera/settings/set/"),
}


@pytest.mark.parametrize(("key", "expected"), [(k, v) for k, (v, _p) in FROZEN.items()], ids=lambda k: str(k))
def test_error_code_constant_has_the_reference_value(key, expected):
    module, name = key
    assert getattr(module, name) == expected


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_constants_match_the_reference_spec_json():
    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        spec = json.load(handle)
    codes = {m["path"]: {str(e["code"]) for e in m.get("errors", [])} for m in spec["methods"] if m["api"] == "tvmw"}
    for (module, name), (value, path) in FROZEN.items():
        assert str(value) in codes[path], f"{module.__name__}.{name}={value} is not an error code of {path}"


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_every_method_of_the_portal_groups_is_answered():
    from tvmiddleware.api import tvmw

    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        spec = json.load(handle)
    groups = {"PortalDashboard", "Portal", "Application", "Ads", "Feed", "Game", "Hbb", "ContentPosition"}
    wanted = {
        m["path"].strip("/")
        for m in spec["methods"]
        if m["api"] == "tvmw" and (m["group"] in groups or m["path"] == "/camera/settings/set/")
    }
    assert wanted - set(tvmw.methods) == set()
