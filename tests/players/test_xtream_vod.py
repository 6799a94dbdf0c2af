"""The Xtream API's video library: categories, films and their info, series with seasons
and episodes, with the field names and types players read; the movie and series paths
redirect to a URL the token check accepts once; what the account does not see stays out."""

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


def api(client, world, **params):
    query = {"username": world.op.account.abonement, "password": world.op.password, **params}
    return client.get(world.url("player_api.php"), query)


def test_vod_categories_and_streams(client, world, library, other_library):
    categories = api(client, world, action="get_vod_categories").json()
    assert categories == [
        {"category_id": str(library.genre.pk), "category_name": "Drama", "parent_id": 0},
        {"category_id": str(library.category.pk), "category_name": "Films", "parent_id": 0},
    ]
    streams = api(client, world, action="get_vod_streams").json()
    names = [s["name"] for s in streams]
    assert "Blue Film" in names and "Grey Locked" not in names and "Red Series" not in names
    blue = next(s for s in streams if s["name"] == "Blue Film")
    assert blue["stream_type"] == "movie" and blue["stream_id"] == library.film.pk
    assert blue["container_extension"] == "mp4" and blue["rating"] == "7.5" and blue["rating_5based"] == 3.8
    assert blue["category_id"] == str(library.genre.pk) and blue["category_ids"] == [
        library.genre.pk,
        library.category.pk,
    ]
    assert isinstance(blue["added"], str) and blue["is_adult"] == "0" and blue["stream_icon"].endswith("blue.jpg")
    assert not {s["stream_id"] for s in streams} & {other_library.film.pk, other_library.paid.pk}
    only_films = api(client, world, action="get_vod_streams", category_id=library.category.pk).json()
    assert [s["name"] for s in only_films] == ["Blue Film"]


def test_vod_info(client, world, library, other_library):
    body = api(client, world, action="get_vod_info", vod_id=library.film.pk).json()
    info, data = body["info"], body["movie_data"]
    assert info["name"] == "Blue Film" and info["releasedate"] == "2020"
    assert info["duration_secs"] == 5700 and info["duration"] == "01:35:00"
    assert info["cast"] == "Anna Actress" and info["director"] == "Dan Director"
    assert info["genre"] == "Drama, Films" and info["country"] == "France, Italy"
    assert data["stream_id"] == library.film.pk and data["container_extension"] == "mp4"
    assert api(client, world, action="get_vod_info", vod_id=other_library.film.pk).status_code == 404
    assert api(client, world, action="get_vod_info", vod_id=library.hidden.pk).status_code == 404


def test_series_and_their_episodes(client, world, library):
    assert api(client, world, action="get_series_categories").json() == []  # the series has no genre
    series = api(client, world, action="get_series").json()
    assert [(s["name"], s["series_id"]) for s in series] == [("Red Series", library.series.pk)]
    assert isinstance(series[0]["last_modified"], str) and series[0]["releaseDate"] == "2022"
    info = api(client, world, action="get_series_info", series_id=library.series.pk).json()
    assert info["info"]["name"] == "Red Series"
    assert [s["episode_count"] for s in info["seasons"]] == [1]  # the planned episode is left out
    (season,) = info["episodes"].values()
    assert [e["title"] for e in season] == ["Pilot"]
    assert season[0]["id"] == str(library.files["Red Series"][0].pk) and season[0]["container_extension"] == "mp4"


def test_movie_and_series_paths_redirect_to_urls_the_token_check_accepts_once(client, world, library):
    account = world.op.account
    movie = client.get(world.url(f"movie/{account.abonement}/{world.op.password}/{library.film.pk}.mp4"))
    assert movie.status_code == 302
    assert movie["Location"].startswith("http://vod1.test/films/blue1.mp4/index.m3u8?token=")
    assert_played_once(client, movie["Location"], name="films/blue1.mp4")
    episode_file = library.files["Red Series"][0]
    episode = client.get(world.url(f"series/{account.abonement}/{world.op.password}/{episode_file.pk}.mp4"))
    assert episode.status_code == 302
    assert episode["Location"].startswith("http://vod1.test/series/red1-1.mp4/index.m3u8?token=")
    assert_played_once(client, episode["Location"], name="series/red1-1.mp4")
    planned = library.files["Red Series"][1]
    assert client.get(world.url(f"series/{account.abonement}/{world.op.password}/{planned.pk}.mp4")).status_code == 404
    hidden = client.get(world.url(f"movie/{account.abonement}/{world.op.password}/{library.hidden.pk}.mp4"))
    assert hidden.status_code == 404
