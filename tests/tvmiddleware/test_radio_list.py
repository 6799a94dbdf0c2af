"""/radio/list/ (reference tvmw/Radio.md)."""

from __future__ import annotations

import pytest

from channels.models import Radio

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import spec_fields

pytestmark = pytest.mark.django_db


def make_radio(operator, name, **kwargs):
    radio = Radio.objects.create(client=operator.client, name=name, uri=f"http://radio.test/{name}", **kwargs)
    radio.tariffs.add(operator.tariff)
    return radio


def test_radio_list_shows_the_stations_of_the_accounts_tariffs(api, operator, other_operator, other_session):
    jazz = make_radio(operator, "Jazz", icon="jazz.png", description="Smooth")
    make_radio(operator, "Rock", sort_order=2)
    Radio.objects.create(client=operator.client, name="Locked", uri="http://radio.test/locked")
    make_radio(other_operator, "Jazz")
    body = api("radio/list/", icon_width=50, icon_height=50)
    assert body["error"] == 0
    assert [r["name"] for r in body["radio"]] == ["Jazz", "Rock"]
    first = body["radio"][0]
    assert set(first) == spec_fields("/radio/list/", "radio")
    assert first == {
        "id": jazz.id,
        "name": "Jazz",
        "url": "http://radio.test/Jazz",
        "logo_url": "http://testserver/media/icons/jazz50_50.png",
        "channel_name": "Jazz",
        "description": "Smooth",
        "has_subscription": 1,
    }
    theirs = api("radio/list/", _session=other_session)["radio"]
    assert [r["id"] for r in theirs] != [r["id"] for r in body["radio"]] and len(theirs) == 1


def test_radio_search_and_translation(api, operator, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    make_radio(operator, "Jazz", name_lang1="Джаз")
    make_radio(operator, "Rock")
    assert [r["name"] for r in api("radio/list/", search="JAZ")["radio"]] == ["Jazz"]
    ru = api("radio/list/", lang="ru", search="джаз")["radio"]
    assert [(r["name"], r["channel_name"]) for r in ru] == [("Джаз", "Jazz")]


def test_a_tariff_not_used_for_radio_opens_no_stations(api, operator):
    make_radio(operator, "Jazz")
    operator.tariff.used_for_radio_list = False
    operator.tariff.save()
    assert api("radio/list/")["radio"] == []


def test_radio_needs_a_session(client, db):
    import json

    assert json.loads(client.get("/tvmiddleware/api/radio/list/").content)["error"] == 403


def test_a_new_station_shows_on_the_next_request(api, operator):
    assert api("radio/list/")["radio"] == []
    make_radio(operator, "New")
    assert [r["name"] for r in api("radio/list/")["radio"]] == ["New"]
