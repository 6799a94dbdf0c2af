"""The Stalker portal's video club as a MAG box uses it: categories, the ordered list with
paging, search, sorting and the category filter, a series opened into seasons and episodes,
create_link ending in a URL the token check accepts once; favourites answered harmlessly;
the other operator's videos never listed nor played."""

from __future__ import annotations

import pytest

from tests.vod.conftest import build_library

from .conftest import assert_played_once

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(world):
    return build_library(world.op, 1)


@pytest.fixture
def other_library(other_world, library):
    return build_library(other_world.op, 2)


@pytest.fixture
def box(known_box):
    known_box.handshake()
    return known_box


def names(listing: dict) -> list[str]:
    return [item["name"] for item in listing["data"]]


def test_categories_are_the_library_genres(box, library, other_library):
    categories = box.js("vod", "get_categories")
    assert categories == [
        {"id": "*", "title": "All", "alias": "*", "censored": 0},
        {"id": str(library.genre.pk), "title": "Drama", "alias": str(library.genre.pk), "censored": 0},
        {"id": str(library.category.pk), "title": "Films", "alias": str(library.category.pk), "censored": 0},
    ]
    assert box.js("vod", "get_genres_by_category_alias", cat_alias=str(library.genre.pk)) == [{"id": "*", "title": "*"}]


def test_the_ordered_list_shows_films_and_series_with_the_fields_a_box_reads(box, library, other_library):
    listing = box.js("vod", "get_ordered_list", category="*", genre="*", p=1, sortby="name")
    assert listing["max_page_items"] == 14 and listing["cur_page"] == 1
    assert "Blue Film" in names(listing) and "Red Series" in names(listing)
    assert "Grey Locked" not in names(listing)
    other_ids = {str(other_library.film.pk), str(other_library.series.pk), str(other_library.paid.pk)}
    assert not {item["id"] for item in listing["data"]} & other_ids
    assert names(listing) == sorted(names(listing), key=str.casefold)
    assert listing["total_items"] == len(listing["data"])
    blue = next(item for item in listing["data"] if item["name"] == "Blue Film")
    assert blue["id"] == str(library.film.pk) and blue["cmd"] == f"/media/{library.film.pk}.mpg"
    assert blue["is_movie"] == 1 and blue["is_series"] == 0 and blue["time"] == "95" and blue["year"] == "2020"
    assert blue["rating_kinopoisk"] == "7.5" and blue["rating_imdb"] == "7.1" and blue["age"] == "12+"
    assert blue["genres_str"] == "Drama, Films" and blue["actors"] == "Anna Actress"
    assert blue["director"] == "Dan Director" and blue["screenshot_uri"].endswith("blue.jpg")
    assert blue["category_id"] == str(library.genre.pk) and blue["censored"] == 0
    red = next(item for item in listing["data"] if item["name"] == "Red Series")
    assert red["is_series"] == 1 and red["is_movie"] == 0


def test_filter_search_and_paging(box, library):
    only_films = box.js("vod", "get_ordered_list", category=str(library.category.pk), p=1)
    assert names(only_films) == ["Blue Film"]
    assert names(box.js("vod", "get_ordered_list", search="blue", p=1)) == ["Blue Film"]
    assert names(box.js("vod", "get_ordered_list", search="nothing like it", p=1)) == []
    assert names(box.js("vod", "get_ordered_list", abc="R", p=1)) == ["Red Series"]
    assert box.js("vod", "get_ordered_list", p=2)["data"] == []  # fewer than a page
    assert box.js("vod", "get_ordered_list", fav=1)["total_items"] == 0
    assert box.ask("vod", "get_ordered_list", category="drama").json()["js"]["error"] == "bad_request"
    assert box.ask("vod", "get_ordered_list", sortby="colour").json()["js"]["error"] == "bad_request"


def test_a_series_opens_into_seasons_and_episodes_and_an_episode_plays_once(box, library):
    series = library.series
    seasons = box.js("vod", "get_ordered_list", movie_id=series.pk, season_id=0, episode_id=0)
    season = library.season
    assert [(s["name"], s["is_season"], s["series"]) for s in seasons["data"]] == [("Season 1", True, [1])]
    assert seasons["data"][0]["season_id"] == str(season.pk) and seasons["data"][0]["video_id"] == str(series.pk)
    episodes = box.js("vod", "get_ordered_list", movie_id=series.pk, season_id=season.pk)
    assert [(e["name"], e["is_episode"], e["series_number"]) for e in episodes["data"]] == [("Pilot", True, 1)]
    pilot_file = library.files["Red Series"][0]
    assert episodes["data"][0]["cmd"] == f"/media/file_{pilot_file.pk}.mpg"
    link = box.js("vod", "create_link", cmd=episodes["data"][0]["cmd"], series="", forced_storage="undefined")
    command, url = link["cmd"].split(" ", 1)
    assert link["error"] == "" and command == "ffmpeg" and link["id"] == str(series.pk)
    assert url.startswith("http://vod1.test/series/red1-1.mp4/index.m3u8?token=")
    assert_played_once(box.client, url, name="series/red1-1.mp4")
    by_number = box.js("vod", "create_link", cmd=f"/media/{series.pk}.mpg", series=1)
    assert by_number["cmd"].startswith("ffmpeg http://vod1.test/series/red1-1.mp4/")
    assert box.js("vod", "create_link", cmd=f"/media/{series.pk}.mpg", series=2)["error"] == "nothing_to_play"
    planned = library.files["Red Series"][1]
    assert box.js("vod", "create_link", cmd=f"/media/file_{planned.pk}.mpg")["error"] == "nothing_to_play"
    assert box.ask("vod", "get_ordered_list", movie_id=series.pk, season_id=999999).json()["js"]["error"] == (
        "not_found"
    )


def test_create_link_plays_a_film_once_and_never_another_operators(box, library, other_library):
    link = box.js("vod", "create_link", cmd=f"/media/{library.film.pk}.mpg")
    assert link["error"] == "" and link["id"] == str(library.film.pk)
    url = link["cmd"].split(" ", 1)[1]
    assert url.startswith("http://vod1.test/films/blue1.mp4/index.m3u8?token=")
    assert_played_once(box.client, url, name="films/blue1.mp4")
    for stolen in (f"/media/{other_library.film.pk}.mpg", f"/media/file_{other_library.files['Blue Film'][0].pk}.mpg"):
        refused = box.js("vod", "create_link", cmd=stolen)
        assert refused["error"] == "nothing_to_play" and refused["cmd"] == ""
    assert box.js("vod", "create_link", cmd=f"/media/{library.hidden.pk}.mpg")["error"] == "nothing_to_play"
    assert box.ask("vod", "create_link", cmd="rtsp://elsewhere").json()["js"]["error"] == "bad_request"


def test_favourites_are_answered_harmlessly_and_need_a_token(box, library):
    assert box.js("vod", "set_fav", video_id=library.film.pk) is True
    assert box.js("vod", "get_fav_ids") == []
    assert box.js("itv", "set_fav", fav_ch="1,2") is True
    assert box.js("itv", "get_fav_ids") == []
    box.token = "forged"
    assert box.ask("vod", "get_fav_ids").status_code == 401
    assert box.ask("vod", "get_categories").status_code == 401


def test_repeated_video_club_requests_are_served_from_the_cache(box, library, django_assert_max_num_queries):
    box.js("vod", "get_categories")
    box.js("vod", "get_ordered_list", p=1)
    with django_assert_max_num_queries(0):
        box.js("vod", "get_categories")
    with django_assert_max_num_queries(0):
        assert box.js("vod", "get_ordered_list", p=1, sortby="added")["total_items"] >= 2
