"""/portal/settings/list/ (tvmw/Portal.md) and /country/list/, /country/info/ (tvmw/Country.md)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from lxml import etree

from clients.models import Client, ClientPlayDevice, Country, PlayDeviceTemplate, PortalSettings

GEOIP = Path(__file__).resolve().parent.parent / "data" / "geoip"
BASE = "/tvmiddleware/api"

PORTAL_FIELDS = {
    "error",
    "error_message",
    "random_uuid4",
    "show_tvchannels",
    "show_categorizedtv",
    "show_archive",
    "show_videocatalog",
    "show_cctv",
    "show_radio",
    "show_games",
    "show_balance",
    "show_payment",
    "show_info",
    "show_settings",
    "show_exit",
    "template",
    "custom_api_url",
    "custom_css_url",
    "client_logo_url",
    "client_logo_login_url",
    "client_logo_loading_url",
    "login_text",
    "reports_enabled",
    "data_autorefresh_enabled",
    "standby_timer",
    "pvr_standby_timer",
    "has_child_clients",
    "redirect_to_portal_url",
    "backend_version",
    "auth_mode",
    "mediascope_enabled",
    "start_stat_enabled",
    "mvision_stat_enabled",
    "mvision_server_url",
    "premier_stat_enabled",
    "premier_stat_start_event_url",
    "premier_stat_heartbeat_event_url",
    "client_uid",
    "use_new_billing_logic",
    "portal_config",
    "available_country_phone_codes",
    "banner_video",
}


def portal(tvmw_call, op, **params):
    return tvmw_call("/portal/settings/list/", client_id=op.client.pk, api_key=op.client.api_key, **params)


def test_portal_settings_have_every_documented_field_with_defaults(tvmw_call, operator):
    body = portal(tvmw_call, operator, device="android")
    assert set(body) == PORTAL_FIELDS
    assert body["error"] == 0 and body["show_tvchannels"] == 1 and body["show_cctv"] == 0
    assert str(uuid.UUID(body["random_uuid4"])) == body["random_uuid4"]
    assert body["random_uuid4"] != portal(tvmw_call, operator, device="android")["random_uuid4"]
    assert body["has_child_clients"] == 0 and body["auth_mode"] == "" and body["backend_version"]
    assert body["banner_video"] == {
        "video_id": 0,
        "image_url": "",
        "video_id_for_child_mode": 0,
        "image_url_for_child_mode": "",
    }


def test_portal_settings_come_from_the_operators_row_and_the_device_types_overrides(tvmw_call, operator, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    PortalSettings.objects.create(
        client=operator.client,
        show_games=True,
        login_text="Welcome",
        login_text_lang1="Добро пожаловать",
        standby_timer=120,
        auth_mode="device_uid",
        available_country_phone_codes=[{"country_name": "Russia", "region_code": "RU", "country_code": "7"}],
    )
    body = portal(tvmw_call, operator, device="android")
    assert body["show_games"] == 1 and body["login_text"] == "Welcome" and body["standby_timer"] == 120
    assert body["auth_mode"] == "device_uid" and body["available_country_phone_codes"][0]["region_code"] == "RU"
    assert portal(tvmw_call, operator, device="android", lang="ru")["login_text"] == "Добро пожаловать"
    link = ClientPlayDevice.objects.get(client=operator.client, play_device__system_name="android")
    link.template = PlayDeviceTemplate.objects.create(name="Impuls", system_name="impuls")
    link.settings = {"show_games": 0, "client_logo_url": "http://logo.test/a.png"}
    link.save()
    body = portal(tvmw_call, operator, device="android")
    assert body["show_games"] == 0 and body["client_logo_url"] == "http://logo.test/a.png"
    assert body["template"] == "impuls"


def test_portal_settings_changes_are_seen_on_the_next_request(tvmw_call, operator):
    assert portal(tvmw_call, operator, device="android")["show_radio"] == 1
    row = PortalSettings.objects.create(client=operator.client, show_radio=False)
    assert portal(tvmw_call, operator, device="android")["show_radio"] == 0
    row.show_radio = True
    row.save()
    assert portal(tvmw_call, operator, device="android")["show_radio"] == 1


def test_portal_settings_errors(tvmw_call, operator, mag_device):
    assert portal(tvmw_call, operator)["error"] == 1
    assert portal(tvmw_call, operator, device="mag")["error"] == 2  # not enabled for the operator
    assert portal(tvmw_call, operator, device="nope")["error"] == 2
    ClientPlayDevice.objects.filter(client=operator.client, play_device__system_name="android").update(enabled=False)
    ClientPlayDevice.objects.get(client=operator.client, play_device__system_name="android").save()
    assert portal(tvmw_call, operator, device="android")["error"] == 2
    assert (
        tvmw_call("/portal/settings/list/", client_id=operator.client.pk, api_key="bad", device="android")["error"]
        == 403
    )


def test_portal_settings_in_xml_for_an_xml_device(client, operator):
    response = client.get(
        f"{BASE}/portal/settings/list/", {"client_id": operator.client.pk, "api_key": "api-key-1", "device": "sagemcom"}
    )
    root = etree.fromstring(response.content)
    assert root.findtext("error") == "0" and root.findtext("show_tvchannels") == "1"


def test_portal_settings_never_mix_operators(tvmw_call, operator, other_operator):
    PortalSettings.objects.create(client=other_operator.client, show_games=True, login_text="Theirs")
    assert portal(tvmw_call, operator, device="android")["login_text"] == ""
    assert portal(tvmw_call, other_operator, device="android")["login_text"] == "Theirs"
    body = tvmw_call(
        "/portal/settings/list/", client_id=operator.client.pk, api_key=other_operator.client.api_key, device="android"
    )
    assert body["error"] == 403


# --- countries ----------------------------------------------------------------------------------


def test_country_list(tvmw_call, operator):
    Country.objects.create(code="SE", name="Sweden")
    Country.objects.create(code="GB", name="United Kingdom")
    body = tvmw_call("/country/list/", client_id=operator.client.pk, api_key="api-key-1")
    assert [(c["code"], c["name"]) for c in body["countries"]] == [("SE", "Sweden"), ("GB", "United Kingdom")]
    Country.objects.create(code="AT", name="Austria")
    body = tvmw_call("/country/list/", client_id=operator.client.pk, api_key="api-key-1")
    assert body["countries"][0]["code"] == "AT"
    assert tvmw_call("/country/list/", client_id=operator.client.pk, api_key="bad")["error"] == 403


@pytest.fixture
def geoip_operator(operator, settings):
    settings.SMARTY_GEOIP_DB = str(GEOIP / "GeoIP2-City-Test.mmdb")
    Client.objects.filter(pk=operator.client.pk).update(geo_locator="geoip2")
    Client.objects.get(pk=operator.client.pk).save()
    return operator


@pytest.mark.parametrize(
    ("ip", "expected"),
    [
        ("81.2.69.142", {"country_code": "GB", "country_name": "United Kingdom", "city_name": "London"}),
        ("89.160.20.113", {"country_code": "SE", "country_name": "Sweden", "city_name": "Linköping"}),
        ("67.43.156.1", {"country_code": "BT", "country_name": "Bhutan", "city_name": ""}),
        ("10.0.0.1", {"country_code": "", "country_name": "", "city_name": ""}),
    ],
)
def test_country_info_locates_the_caller(tvmw_call, geoip_operator, ip, expected):
    body = tvmw_call("/country/info/", _ip=ip, client_id=geoip_operator.client.pk, api_key="api-key-1")
    assert body == {"error": 0, **expected}


def test_country_info_with_a_country_database(tvmw_call, geoip_operator, settings):
    settings.SMARTY_GEOIP_DB = str(GEOIP / "GeoLite2-Country-Test.mmdb")
    body = tvmw_call("/country/info/", _ip="81.2.69.142", client_id=geoip_operator.client.pk, api_key="api-key-1")
    assert body["country_code"] == "GB" and body["city_name"] == ""


def test_country_info_is_empty_when_the_operator_has_no_locator(tvmw_call, operator, other_operator, settings):
    settings.SMARTY_GEOIP_DB = str(GEOIP / "GeoIP2-City-Test.mmdb")
    body = tvmw_call("/country/info/", _ip="81.2.69.142", client_id=operator.client.pk, api_key="api-key-1")
    assert body == {"error": 0, "country_name": "", "country_code": "", "city_name": ""}
    assert tvmw_call("/country/info/", client_id=operator.client.pk, api_key="api-key-2")["error"] == 403
