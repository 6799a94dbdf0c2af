"""/category/list/, /noauth/category/list/, /camera/category/list/ (reference tvmw/Category.md)."""

from __future__ import annotations

import pytest

from channels.models import Camera, CameraCategory
from clients.models import City, Country
from tests import factories as f

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import spec_fields

pytestmark = pytest.mark.django_db


def test_category_list_counts_the_accounts_channels_per_category(api, operator, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    sport = f.ChannelCategoryFactory(
        client=operator.client, name="Sport", name_lang1="Спорт", sort_order=5, color="#00ff00", icon="sport.png"
    )
    operator.channels[2].additional_categories.add(sport)
    locked = f.ChannelFactory(client=operator.client, category=sport)  # no tariff of the account
    assert locked.pk
    body = api("category/list/", lang="ru")
    assert body["error"] == 0
    assert [(c["name"], c["channels_count"]) for c in body["categories"]] == [("News", 3), ("Спорт", 1)]
    assert set(body["categories"][0]) == spec_fields("/category/list/", "categories")
    sport_row = body["categories"][1]
    assert sport_row["color"] == "#00ff00"
    assert sport_row["icon_url"] == sport_row["icon_tv_url"] == "http://testserver/media/icons/sport.png"


def test_noauth_category_list_counts_every_enabled_channel(noauth, operator, other_operator):
    sport = f.ChannelCategoryFactory(client=operator.client, name="Sport", sort_order=5)
    f.ChannelFactory(client=operator.client, category=sport)
    body = noauth("noauth/category/list/")
    assert [(c["name"], c["channels_count"]) for c in body["categories"]] == [("News", 3), ("Sport", 1)]
    ids = {c["id"] for c in body["categories"]}
    assert other_operator.category.id not in ids
    assert noauth("noauth/category/list/", api_key="nope")["error"] == 403


def test_another_operators_categories_never_show(api, operator, other_operator, other_session):
    mine = {c["id"] for c in api("category/list/")["categories"]}
    theirs = {c["id"] for c in api("category/list/", _session=other_session)["categories"]}
    assert mine == {operator.category.id} and theirs == {other_operator.category.id}


def test_a_new_category_shows_on_the_next_request(api, operator):
    api("category/list/")
    f.ChannelCategoryFactory(client=operator.client, name="Kids", sort_order=9)
    assert [c["name"] for c in api("category/list/")["categories"]] == ["News", "Kids"]


def test_camera_category_list_counts_visible_cameras_per_city(api, operator, other_operator):
    country = Country.objects.create(code="LV", name="Latvia")
    riga, jurmala = (
        City.objects.create(country=country, name="Riga"),
        City.objects.create(country=country, name="Jurmala"),
    )
    streets = CameraCategory.objects.create(client=operator.client, name="Streets", city=riga)
    beaches = CameraCategory.objects.create(client=operator.client, name="Beaches", city=jurmala, sort_order=1)
    for name, category, city in (("A", streets, riga), ("B", beaches, jurmala), ("C", beaches, jurmala)):
        camera = Camera.objects.create(client=operator.client, name=name, camera_category=category, geo_city=city)
        camera.tariffs.add(operator.tariff)
    Camera.objects.create(client=operator.client, name="Locked", camera_category=streets, geo_city=riga)
    CameraCategory.objects.create(client=other_operator.client, name="Theirs")
    body = api("camera/category/list/")
    assert [(c["name"], c["city_name"], c["cameras_count"]) for c in body["categories"]] == [
        ("Streets", "Riga", 1),
        ("Beaches", "Jurmala", 2),
    ]
    assert set(body["categories"][0]) == spec_fields("/camera/category/list/", "categories")
    only_riga = api("camera/category/list/", city_id=riga.id)
    assert [c["name"] for c in only_riga["categories"]] == ["Streets"]
    assert api("camera/category/list/", city_id="riga")["error"] == 1
