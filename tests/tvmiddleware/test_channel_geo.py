"""Tariffs limited to countries or cities open their channels only to subscribers located
there by the operator's geo locator (GeoIP2 test database shipped in tests/data/geoip)."""

from pathlib import Path

import pytest

from clients.models import City, Client, Country

GEOIP = Path(__file__).resolve().parents[1] / "data" / "geoip" / "GeoIP2-City-Test.mmdb"
LONDON, LINKOPING, PRIVATE = "81.2.69.142", "89.160.20.113", "10.0.0.1"


@pytest.fixture
def uk_only(operator, settings):
    settings.SMARTY_GEOIP_DB = str(GEOIP)
    Client.objects.filter(pk=operator.client.pk).update(geo_locator=Client.GeoLocator.GEOIP2)
    Client.objects.get(pk=operator.client.pk).save()  # the cached operator sees the change
    uk = Country.objects.create(code="GB", name="United Kingdom")
    Country.objects.create(code="SE", name="Sweden")
    operator.tariff.available_everywhere = False
    operator.tariff.save()
    operator.tariff.countries.add(uk)
    return uk


def channel_ids(tvmw_call, authkey, ip):
    body = tvmw_call("/channel/list/", authkey=authkey, _ip=ip)
    assert body["error"] == 0, body
    return [c["id"] for c in body["channels"]]


def test_a_country_limited_tariff_opens_its_channels_only_in_that_country(tvmw_login, tvmw_call, operator, uk_only):
    authkey = tvmw_login()["authkey"]
    assert len(channel_ids(tvmw_call, authkey, LONDON)) == 3
    assert channel_ids(tvmw_call, authkey, LINKOPING) == []
    # an address no locator knows (a private network) leaves geo limits open
    assert len(channel_ids(tvmw_call, authkey, PRIVATE)) == 3


def test_listed_cities_open_the_tariff_outside_its_countries(tvmw_login, tvmw_call, operator, uk_only):
    sweden = Country.objects.get(code="SE")
    operator.tariff.cities.add(City.objects.create(country=sweden, name="Stockholm"))
    authkey = tvmw_login()["authkey"]
    assert channel_ids(tvmw_call, authkey, LINKOPING) == []
    operator.tariff.cities.add(City.objects.create(country=sweden, name="Linköping"))
    assert len(channel_ids(tvmw_call, authkey, LINKOPING)) == 3
    assert len(channel_ids(tvmw_call, authkey, LONDON)) == 3


def test_operators_without_a_geo_locator_ignore_geo_limits(tvmw_login, tvmw_call, operator, uk_only):
    Client.objects.filter(pk=operator.client.pk).update(geo_locator=Client.GeoLocator.NONE)
    Client.objects.get(pk=operator.client.pk).save()
    authkey = tvmw_login()["authkey"]
    assert len(channel_ids(tvmw_call, authkey, LINKOPING)) == 3
