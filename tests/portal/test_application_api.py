"""Application (reference tvmw/Application.md) and the widget data sources: the catalogue,
and news, weather and exchange rates fetched from a local HTTP server (never the network).
A source that times out or answers garbage keeps its last good data and says so in the log."""

from __future__ import annotations

import http.server
import threading
import time

import pytest
from django.core.management import call_command

from portal import services
from portal.models import Application, DataSource
from portal.tasks import portal_feeds_fetch
from smarty.schedules import SCHEDULES

from .conftest import noauth  # noqa: F401

RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>News</title>
<item><title>First</title><description>One</description><enclosure url="http://img/1.jpg" type="image/jpeg"/></item>
<item><title>Second</title><description>Two</description><media:thumbnail url="http://img/2.jpg"/></item>
</channel></rss>"""
ATOM = (
    b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Atom one</title><summary>S</summary></entry></feed>"""
)
ENTITIES = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>
<rss><channel><item><title>&b;</title></item></channel></rss>"""
WEATHER = (
    b'{"name": "Kazan", "main": {"temp": -3.6, "pressure": 1013, "humidity": 80},'
    b' "wind": {"speed": 4.2, "deg": 270}, "weather": [{"icon": "13d", "description": "snow"}]}'
)
CBR = """<?xml version="1.0" encoding="windows-1251"?>
<ValCurs Date="04.12.2026"><Valute><CharCode>USD</CharCode><Nominal>1</Nominal><Value>92,5000</Value></Valute>
<Valute><CharCode>EUR</CharCode><Nominal>1</Nominal><Value>100,2500</Value></Valute>
<Valute><CharCode>JPY</CharCode><Nominal>100</Nominal><Value>61,0000</Value></Valute></ValCurs>""".encode("cp1251")


class Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, bytes, float]] = {}

    def do_GET(self) -> None:
        status, body, delay = self.routes.get(self.path, (404, b"no", 0.0))
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    Handler.routes = {}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler.routes
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def apps(operator, other_operator):
    mine = Application.objects.create(
        client=operator.client,
        name="Weather",
        system_name="WeatherWidget",
        type=Application.Type.WIDGET,
        url="/apps/weather.js",
        show_in_main_menu=True,
        icon="http://icon/w.png",
        attrs={"city__0__ext_id": "kazan"},
    )
    templated = Application.objects.create(
        client=operator.client, name="Only futuristic", system_name="X", template="futuristic", sort_order=1
    )
    theirs = Application.objects.create(client=other_operator.client, name="Their app", system_name="Y")
    return mine, templated, theirs


def test_application_list_is_the_operators_catalogue_for_the_template(tvmw_call, tvmw_xml, authkey, apps):
    mine, templated, _theirs = apps
    body = tvmw_call("/application/list/", authkey=authkey, template="default")
    assert body["error"] == 0
    assert body["applications"] == [
        {
            "id": mine.pk,
            "name": "Weather",
            "system_name": "WeatherWidget",
            "type": 4,
            "url": "/apps/weather.js",
            "show_in_main_menu": 1,
            "css_style": "",
            "icon": "http://icon/w.png",
            "icon_focus": "",
            "attrs": {"city__0__ext_id": "kazan"},
        }
    ]
    every = tvmw_call("/application/list/", authkey=authkey)["applications"]
    assert [a["name"] for a in every] == ["Weather", "Only futuristic"]
    root = tvmw_xml("/application/list/", authkey=authkey)
    assert [i.findtext("name") for i in root.findall("applications/item")] == ["Weather", "Only futuristic"]
    assert tvmw_call("/application/list/", authkey="unknown")["error"] == 403


def test_application_detail(tvmw_call, authkey, apps):
    mine, _templated, theirs = apps
    body = tvmw_call("/application/detail/", authkey=authkey, appid=mine.pk)
    assert body == {
        "error": 0,
        "error_message": "",
        "name": "Weather",
        "system_name": "WeatherWidget",
        "type": 4,
        "url": "/apps/weather.js",
        "show_in_main_menu": 1,
        "css_style": "",
        "attrs": {"city__0__ext_id": "kazan"},
    }
    posted = tvmw_call("/application/detail/", _post=True, authkey=authkey, appid=mine.pk)
    assert posted["name"] == "Weather"
    assert tvmw_call("/application/detail/", authkey=authkey, appid=theirs.pk)["error"] == 1
    assert tvmw_call("/application/detail/", authkey=authkey, appid="abc")["error"] == 2
    assert tvmw_call("/application/detail/", authkey=authkey)["error"] == 2


def test_rss_data_is_fetched_on_schedule_and_served_from_the_last_good_fetch(
    tvmw_call, tvmw_xml, authkey, operator, other_operator, server, events
):
    base, routes = server
    routes["/news"] = (200, RSS, 0)
    url = f"{base}/news"
    source = DataSource.objects.create(client=operator.client, name="News", kind="rss", url=url)
    # The other operator configured the same URL: its data never shows here and vice versa.
    DataSource.objects.create(client=other_operator.client, name="News", kind="rss", url=f"{base}/other")
    assert tvmw_call("/application/rss_data/", authkey=authkey, rss=url)["error"] == 1  # not fetched yet
    assert "portal_feeds_fetch" in SCHEDULES
    assert portal_feeds_fetch() == "portal_feeds_fetch: 1 fetched, 1 failed"
    body = tvmw_call("/application/rss_data/", authkey=authkey, rss=url)
    assert body == {
        "error": 0,
        "error_message": "",
        "entries": [
            {"title": "First", "description": "One", "preview_url": "http://img/1.jpg"},
            {"title": "Second", "description": "Two", "preview_url": "http://img/2.jpg"},
        ],
    }
    assert tvmw_xml("/application/rss_data/", authkey=authkey, rss=url).findtext("entries/item/title") == "First"
    # Garbage next time: the last good entries stay, the failure is recorded and logged.
    routes["/news"] = (200, b"<html><body>oops", 0)
    assert services.data_source_fetch(source=source) is False
    source.refresh_from_db()
    assert source.status == "failed" and "malformed" in source.last_error
    assert tvmw_call("/application/rss_data/", authkey=authkey, rss=url)["entries"] == body["entries"]
    assert events.of("PORTAL_FEED_FETCH_FAILED")[-1]["source_id"] == source.pk
    # An unknown URL is never fetched on request.
    assert tvmw_call("/application/rss_data/", authkey=authkey, rss=f"{base}/other")["error"] == 1
    assert tvmw_call("/application/rss_data/", authkey=authkey)["error"] == 1


def test_a_source_that_times_out_or_is_too_large_keeps_its_data(operator, server, settings, events):
    base, routes = server
    routes["/slow"] = (200, ATOM, 2.0)
    source = DataSource.objects.create(client=operator.client, name="Atom", kind="rss", url=f"{base}/slow")
    DataSource.objects.filter(pk=source.pk).update(data={"entries": [{"title": "kept"}]}, status="ok")
    source.refresh_from_db()
    settings.SMARTY_PORTAL_FEED_READ_TIMEOUT = 0.3
    assert services.data_source_fetch(source=source) is False
    source.refresh_from_db()
    assert source.data == {"entries": [{"title": "kept"}]} and source.status == "failed"
    assert "Timeout" in source.last_error
    routes["/slow"] = (200, ATOM * 100, 0)
    settings.SMARTY_PORTAL_FEED_MAX_BYTES = 1000
    assert services.data_source_fetch(source=source) is False
    source.refresh_from_db()
    assert "allowed" in source.last_error and source.data == {"entries": [{"title": "kept"}]}
    settings.SMARTY_PORTAL_FEED_MAX_BYTES = 10**6
    routes["/slow"] = (200, ATOM, 0)
    assert services.data_source_fetch(source=source) is True
    source.refresh_from_db()
    assert source.data["entries"][0]["title"] == "Atom one" and source.status == "ok"
    assert len(events.of("PORTAL_FEED_FETCH_FAILED")) == 2


def test_entities_are_refused(operator, server):
    base, routes = server
    routes["/bomb"] = (200, ENTITIES, 0)
    source = DataSource.objects.create(client=operator.client, name="Bomb", kind="rss", url=f"{base}/bomb")
    assert services.data_source_fetch(source=source) is False
    source.refresh_from_db()
    assert "entities" in source.last_error


def test_weather_data_by_city(tvmw_call, authkey, operator, other_operator, server):
    base, routes = server
    routes["/w"] = (200, WEATHER, 0)
    DataSource.objects.create(client=operator.client, name="Kazan", kind="weather", url=f"{base}/w", city="kazan")
    DataSource.objects.create(client=other_operator.client, name="Kazan", kind="weather", url=f"{base}/w", city="x")
    call_command("portal_feeds_fetch", "--force", "--client_id", str(operator.client.pk))
    body = tvmw_call("/application/weather_data/", authkey=authkey, city="kazan")
    assert body == {
        "error": 0,
        "error_message": "",
        "current": {
            "icon": "13d",
            "description": "snow",
            "temperature": -4,
            "pressure": 760,
            "wind_speed": 4.2,
            "wind_deg": 270,
            "humidity": 80,
        },
        "city": "kazan",
    }
    assert tvmw_call("/application/weather_data/", authkey=authkey, ext_city_id="kazan")["error"] == 0
    assert tvmw_call("/application/weather_data/", authkey=authkey, city="x")["error"] == 1
    assert tvmw_call("/application/weather_data/", authkey=authkey, auto_detect_current_city=5)["error"] == 3


def test_exchange_data_from_the_bank_xml(tvmw_call, tvmw_xml, authkey, operator, server):
    base, routes = server
    routes["/cbr"] = (200, CBR, 0)
    assert tvmw_call("/application/exchange_data/", authkey=authkey)["error"] == 1
    source = DataSource.objects.create(
        client=operator.client, name="CBR", kind="exchange", url=f"{base}/cbr", currencies="USD,JPY"
    )
    assert services.data_source_fetch(source=source) is True
    body = tvmw_call("/application/exchange_data/", authkey=authkey)
    assert body == {
        "error": 0,
        "error_message": "",
        "first_currency": "USD",
        "second_currency": "JPY",
        "first_currency_value": "92.5000",
        "second_currency_value": "0.6100",
    }
    assert tvmw_xml("/application/exchange_data/", authkey=authkey).findtext("first_currency_value") == "92.5000"
