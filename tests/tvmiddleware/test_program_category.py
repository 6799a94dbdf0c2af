""" "TV by interest": /program/category/*, /noauth/program/category/*, /program/genre/list/
(reference tvmw/ProgramCategory.md, ProgramGenre.md)."""

from __future__ import annotations

import pytest

from epg.models import EpgCategory, EpgGenre

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import spec_compact_dropped, spec_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def films(operator, guide):
    """Channel 0 airs a film now, channel 1 airs one next; channel 0 records one day."""
    category = EpgCategory.objects.create(name="Films", icon="films.png")
    EpgCategory.objects.create(name="Sport", sort_order=1)
    c0, c1, _ = operator.channels
    for program in (guide[c0.id][3], guide[c1.id][4], guide[c0.id][1]):
        program.category = category
        program.save()
    c0.recording_days = 1
    c0.save()
    return category


def test_program_category_list_lists_the_guides_categories(api, films):
    body = api("program/category/list/")
    assert [c["name"] for c in body["categories"]] == ["Films", "Sport"]
    assert set(body["categories"][0]) == spec_fields("/program/category/list/", "categories")
    assert body["categories"][0]["icon"] == "http://testserver/media/icons/films.png"
    assert [c["name"] for c in api("program/category/list/", only_records_categories=1)["categories"]] == ["Films"]
    assert [c["name"] for c in api("program/category/list/", consider_program_category=0)["categories"]] == ["Films"]


def test_noauth_program_category_list_needs_the_api_key(noauth, films):
    assert [c["name"] for c in noauth("noauth/program/category/list/")["categories"]] == ["Films", "Sport"]
    assert noauth("noauth/program/category/list/", api_key="x")["error"] == 403


def test_channels_by_the_category_of_what_is_on_now_or_next(api, operator, films, other_operator, other_guide):
    c0, c1, _ = operator.channels
    now = api("program/category/channel/list/", category_id=films.id)
    assert [p["id"] for p in now["programs"]] == [c0.id]
    assert set(now["programs"][0]) == spec_fields("/program/category/channel/list/", "programs") | {"drm_available"}
    following = api("program/category/channel/list/", category_id=films.id, next=1)
    assert [p["id"] for p in following["programs"]] == [c1.id]
    every = api("program/category/channel/list/")
    assert [p["id"] for p in every["programs"]] == [c.id for c in operator.channels]


def test_compact_and_wrt_compact_drop_the_documented_fields_and_exclude_each_other(api, films):
    path = "/program/category/channel/list/"
    full = spec_fields(path, "programs") | {"drm_available"}
    compact = api("program/category/channel/list/", compact=1)["programs"][0]
    assert set(compact) == full - spec_compact_dropped(path, "programs")
    brief = api("program/category/channel/list/", wrt_compact=1)["programs"][0]
    assert "next_program_name" in brief and "next_program_description" not in brief
    assert api("program/category/channel/list/", compact=1, wrt_compact=1)["error"] == 2


def test_noauth_channels_by_category_have_the_noauth_fields(noauth, operator, films):
    body = noauth("noauth/program/category/channel/list/", category_id=films.id)
    assert [p["id"] for p in body["programs"]] == [operator.channels[0].id]
    assert set(body["programs"][0]) == spec_fields("/noauth/program/category/channel/list/", "programs")


def test_record_list_groups_recorded_programmes_into_selections(api, operator, guide, films):
    body = api("program/category/record/list/", category_id=films.id)
    assert body["error"] == 0 and body["count"] == 2  # two recorded films with different names
    channels = {r["channel"]["id"] for r in body["records"]}
    assert channels == {operator.channels[0].id}
    assert all(len(r["record"]) == 1 for r in body["records"])
    assert api("program/category/record/list/", category_id=films.id, genre_id=1)["error"] == 1
    assert api("program/category/record/list/", limit=101)["error"] == 1


def test_genre_list_lists_genres_and_those_with_records(api, operator, guide, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    drama = EpgGenre.objects.create(name="Drama", name_lang1="Драма")
    EpgGenre.objects.create(name="Comedy", sort_order=1)
    operator.channels[0].recording_days = 1
    operator.channels[0].save()
    guide[operator.channels[0].id][2].genres.add(drama)
    body = api("program/genre/list/", lang="ru")
    assert [g["name"] for g in body["genres"]] == ["Драма", "Comedy"]
    assert set(body["genres"][0]) == spec_fields("/program/genre/list/", "genres")
    assert [g["id"] for g in api("program/genre/list/", only_records_genres=1)["genres"]] == [drama.id]


def test_another_operators_programmes_never_count(api, other_operator, other_guide, films, other_session):
    theirs = api("program/category/channel/list/", _session=other_session, category_id=films.id)
    assert theirs["programs"] == []
    ids = {p["id"] for p in api("program/category/channel/list/")["programs"]}
    assert not ids & {c.id for c in other_operator.channels}
