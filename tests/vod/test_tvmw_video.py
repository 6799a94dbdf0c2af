"""TVMW Video group over HTTP (reference tvmw/Video.md): list, detail, episodes, url with a
stream token the token check accepts, marks, favourites, lists; both response formats; the
second operator's library never shows."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from streaming.services import stream_token_check
from streaming.tokens import token_decode
from vod.models import AccountVideo, Video

from .conftest import spec_fields

pytestmark = pytest.mark.django_db


def ids(body: dict) -> list[int]:
    return [v["id"] for v in body["videos"]]


def test_video_list_shows_the_videos_of_the_accounts_tariffs(api, library, other_library):
    body = api("video/list/")
    assert body["error"] == 0
    assert set(ids(body)) == {library.film.pk, library.series.pk, library.paid.pk}
    assert body["count"] == 3
    assert library.hidden.pk not in ids(body)
    others = {other_library.film.pk, other_library.series.pk, other_library.paid.pk, other_library.hidden.pk}
    assert not others & set(ids(body))
    film = next(v for v in body["videos"] if v["id"] == library.film.pk)
    assert set(film) == spec_fields("/video/list/", "videos")
    assert film["name"] == "Blue Film" and film["year"] == 2020 and film["rating"] == 12
    assert film["genres"] == "Drama, Films" and film["actors"] == "Anna Actress"
    assert film["director"] == "Dan Director" and film["has_subscription"] == 1
    assert film["thumbnail_small"] == "http://testserver/media/vod/1/poster/blue_160x240.jpg"
    assert [f["name"] for f in film["files"]] == ["HD", "Trailer"]
    assert set(film["files"][0]) == spec_fields("/video/list/", "videos.files")


def test_a_video_s_genres_come_in_the_genres_order_not_the_order_they_were_attached(api, library):
    first = next(v for v in api("video/list/")["videos"] if v["id"] == library.film.pk)
    assert first["genres"] == "Drama, Films"  # the same sort order: by id
    library.category.sort_order = -1
    library.category.save()
    again = next(v for v in api("video/list/")["videos"] if v["id"] == library.film.pk)
    assert again["genres"] == "Films, Drama"


def test_video_list_filters_search_sort_and_pages(api, library, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    assert ids(api("video/list/", search="blue")) == [library.film.pk]
    assert ids(api("video/list/", search="синий")) == [library.film.pk]
    ru = api("video/list/", lang="ru", search="СИНИЙ")
    assert ru["videos"][0]["name"] == "Синий фильм" and ru["videos"][0]["genres"].startswith("Драма")
    assert ids(api("video/list/", gid=library.genre.pk)) == [library.film.pk]
    assert ids(api("video/list/", aid=library.actor.pk)) == [library.film.pk]
    assert ids(api("video/list/", season=1)) == [library.series.pk]
    assert ids(api("video/list/", year_from=2021)) == [library.series.pk]
    assert ids(api("video/list/", country="italy")) == [library.film.pk]
    assert ids(api("video/list/", video_provider_id=library.provider.pk)) == [library.film.pk]
    names = [v["name"] for v in api("video/list/", order="name")["videos"]]
    assert names == sorted(names)
    page = api("video/list/", order="name", limit=1, page=2)
    assert page["count"] == 3 and [v["name"] for v in page["videos"]] == names[1:2]


def test_video_list_filters_each_narrow_the_list_and_combine(api, library):
    """Every filter of video/list on the account's three videos: the film (2020, Drama and
    Films, rating 7.5, the provider, in France and Italy), the series (2022, a season) and the
    paid premiere (no year, no genre)."""
    film, series, paid = library.film.pk, library.series.pk, library.paid.pk
    tariff = library.op.tariff.pk
    assert sorted(ids(api("video/list/"))) == sorted([film, series, paid])
    assert ids(api("video/list/", genre=[library.genre.pk, library.category.pk])) == [film]
    assert ids(api("video/list/", genre=[library.genre.pk, 999999])) == []
    assert ids(api("video/list/", cgid=library.category.pk)) == [film]
    assert ids(api("video/list/", genre_any=[999999, library.genre.pk])) == [film]
    assert ids(api("video/list/", genre_any=[999999])) == []
    assert ids(api("video/list/", year=[2022, 1999])) == [series]
    assert sorted(ids(api("video/list/", year_to=2020))) == sorted([film, paid])
    assert ids(api("video/list/", year_from=2020, year_to=2021)) == [film]
    assert ids(api("video/list/", kinopoisk_rating_from=7)) == [film]
    assert sorted(ids(api("video/list/", kinopoisk_rating_to=7))) == sorted([series, paid])
    assert ids(api("video/list/", country="Spain, italy")) == [film]
    assert sorted(ids(api("video/list/", tariff=[tariff]))) == sorted([film, series, paid])
    assert ids(api("video/list/", exclude_tariff_id=[tariff])) == []
    assert ids(api("video/list/", provider=" studio 1 ")) == [film]
    assert ids(api("video/list/", provider="Studio 2")) == []
    assert ids(api("video/list/", provider_id=library.provider.pk, provider="Studio 2")) == [film]
    assert sorted(ids(api("video/list/", season=0))) == sorted([film, paid])
    assert sorted(ids(api("video/list/", package=0))) == sorted([film, series, paid])
    assert ids(api("video/list/", package=1)) == []
    assert ids(api("video/list/", announcement=1)) == []
    assert sorted(ids(api("video/list/", source_type=[1, 2]))) == sorted([film, series, paid])  # all internal
    assert ids(api("video/list/", source_type=[2, 3])) == []
    assert ids(api("video/list/", source_internal=0)) == []
    assert ids(api("video/list/", source_external=0, year=[2020])) == [film]
    assert ids(api("video/list/", search="RED", year=[2022], season=1)) == [series]
    assert ids(api("video/list/", search="red", year=[2020])) == []


@pytest.mark.parametrize(
    "params, code",
    [
        ({"limit": 101}, 1),
        ({"page": 0}, 1),
        ({"order": "colour"}, 1),
        ({"gid": "x"}, 1),
        ({"viewed_only": 1, "favorited_only": 1}, 2),
    ],
)
def test_video_list_bad_parameters_answer_the_documented_codes(api, library, params, code):
    assert api("video/list/", **params)["error"] == code


def test_video_methods_need_a_session(client, library):
    for method in ("video/list/", "video/detail/", "video/url/", "genre/list/", "actor/list/", "selection/list/"):
        body = client.get(f"/tvmiddleware/api/{method}", {"client_id": library.op.client.pk, "vid": 1}).json()
        assert body["error"] == 403, method


def test_video_list_and_detail_answer_xml_to_an_xml_device(xml_api, library):
    root = xml_api("video/list/")
    assert root.findtext("error") == "0"
    names = [item.findtext("name") for item in root.find("videos")]
    assert "Blue Film" in names
    detail = xml_api("video/detail/", vid=library.film.pk)
    assert detail.findtext("name") == "Blue Film"
    assert detail.find("actions") is not None


def test_video_detail_shows_actions_seasons_and_people(api, library, other_library):
    body = api("video/detail/", vid=library.film.pk)
    assert body["error"] == 0
    expected = spec_fields("/video/detail/")
    assert expected <= set(body) | {"error", "error_message"}
    assert [a["action"] for a in body["actions"]] == ["get_video_url", "get_trailer_url"]
    assert [a["name"] for a in body["actors_info"]] == ["Anna Actress"]
    assert [a["name"] for a in api("video/detail/", vid=library.film.pk, type="all")["actors_info"]] == [
        "Anna Actress",
        "Dan Director",
    ]
    series = api("video/detail/", vid=library.series.pk)
    assert series["is_season"] == 1 and series["episode_count"] == 2
    assert series["seasons"] == [{"id": library.season.pk, "name": "Season 1", "number": 1}]
    assert api("video/detail/", vid=other_library.film.pk)["error"] == 1
    assert api("video/detail/", vid=library.hidden.pk)["error"] == 1
    assert api("video/detail/")["error"] == 1


def test_a_paid_video_offers_its_purchase_until_bought(api, library):
    body = api("video/detail/", vid=library.paid.pk)
    assert [a["action"] for a in body["actions"]] == ["buy"]
    assert body["actions"][0]["price"] == 3.5


def test_episode_list_and_detail(api, library, other_library):
    body = api("video/episode/list/", season_id=library.season.pk)
    assert body["error"] == 0 and body["season_number"] == 1
    assert [e["name"] for e in body["episodes"]] == ["Pilot", "Later"]
    assert set(body["episodes"][0]) == spec_fields("/video/episode/list/", "episodes")
    assert body["episodes"][1]["is_planned"] == 1
    detail = api("video/episode/detail/", episode_id=library.episodes[0].pk)
    assert detail["name"] == "Pilot" and detail["video_id"] == library.series.pk
    assert [f["name"] for f in detail["files"]] == ["E1"]
    assert api("video/episode/list/", season_id=other_library.season.pk)["error"] == 1
    assert api("video/episode/detail/", episode_id=other_library.episodes[0].pk)["error"] == 1


def test_video_url_routes_to_the_vod_service_with_a_token_the_check_accepts(api, client, library, other_library):
    body = api("video/url/", vid=library.film.pk, redirect=0)
    assert body["error"] == 0, body
    assert body["uri"].startswith("http://vod1.test/films/blue1.mp4/index.m3u8?token=")
    assert body["stream_service_id"] == library.service.pk
    assert body["audio_tracks"][0]["lang"] == "fr"
    token = body["uri"].rsplit("=", 1)[1]
    assert token_decode(token).kind == "vod"
    assert stream_token_check(token=token, name="films/blue1.mp4").allowed
    check = client.get("/tvmiddleware/api/streamservice/token/check/", {"token": token, "name": "films/blue1.mp4"})
    assert check.status_code == 200
    redirect = api("video/url/", vid=library.film.pk, _status=302)
    assert urlsplit(redirect["Location"]).hostname == "vod1.test"
    assert api("video/url/", vid=other_library.film.pk, redirect=0)["error"] == 1
    assert api("video/url/", vid=library.film.pk, vfid=other_library.files["Blue Film"][0].pk, redirect=0)["error"] == 1


def test_video_url_of_a_planned_episode_answers_4(api, library):
    planned = library.files["Red Series"][1]
    assert api("video/url/", vid=library.series.pk, vfid=planned.pk, redirect=0)["error"] == 4


def test_a_paid_video_plays_only_its_trailer_until_bought(api, library):
    assert api("video/url/", vid=library.paid.pk, redirect=0)["error"] == 1


def test_noauth_video_methods_show_the_catalogue_and_play_only_trailers(noauth, library, other_library):
    body = noauth("noauth/video/list/")
    assert body["error"] == 0 and library.hidden.pk in ids(body)
    assert other_library.film.pk not in ids(body)
    assert noauth("noauth/video/detail/", vid=library.film.pk)["name"] == "Blue Film"
    assert noauth("noauth/video/detail/", vid=other_library.film.pk)["error"] == 1
    assert [e["name"] for e in noauth("noauth/video/episode/list/", season_id=library.season.pk)["episodes"]] == [
        "Pilot",
        "Later",
    ]
    trailer, main = library.files["Blue Film"][1], library.files["Blue Film"][0]
    assert noauth("noauth/video/url/", vid=library.film.pk, vfid=trailer.pk, redirect=0)["error"] == 0
    assert noauth("noauth/video/url/", vid=library.film.pk, vfid=main.pk, redirect=0)["error"] == 1
    assert noauth("noauth/video/list/", api_key="wrong")["error"] == 403


def test_rating_favourites_and_lists(api, library, other_library):
    assert api("video/rating/set/", vid=library.film.pk, rating=8) == {
        "error": 0,
        "error_message": "",
        "average_rating": 8.0,
    }
    assert api("video/rating/set/", vid=library.film.pk, rating=11)["error"] == 1
    assert api("video/rating/set/", vid=other_library.film.pk, rating=5)["error"] == 1
    assert api("video/detail/", vid=library.film.pk)["customer_rating"] == 8
    assert api("video/settings/set/", vid=library.film.pk, is_favorited=1)["error"] == 0
    assert api("video/settings/set/", vid=library.film.pk, is_favorited=7)["error"] == 2
    assert api("video/settings/set/", vid=other_library.film.pk, is_favorited=1)["error"] == 1
    assert ids(api("video/list/", favorited_only=1)) == [library.film.pk]
    AccountVideo.objects.filter(video=library.film).update(is_viewing=True)
    from vod.invalidation import account_videos_changed

    account_videos_changed(library.op.account.pk)
    assert ids(api("video/list/", is_viewing=1)) == [library.film.pk]
    assert api("video/listing/delete/", vid=library.film.pk, listing="is_viewing")["error"] == 0
    assert ids(api("video/list/", is_viewing=1)) == []
    assert api("video/listing/delete/", vid=other_library.film.pk, listing="is_viewing")["error"] == 1
    assert api("video/listing/delete/", vid=library.film.pk, listing="all")["error"] == 1


def test_similar_videos(api, library, other_library):
    from vod import services

    services.video_modify(video=library.film, similar_ids=[library.series.pk, library.hidden.pk])
    body = api("video/similar/", vid=library.film.pk)
    assert ids(body) == [library.series.pk] and body["count"] == 1
    assert api("video/detail/", vid=library.film.pk)["is_similar_exist"] == 1
    assert api("video/similar/", vid=other_library.film.pk)["error"] == 1
    with pytest.raises(services.NotFoundError):
        services.video_modify(video=library.film, similar_ids=[other_library.film.pk])


def test_account_video_update_sets_favourites_in_bulk(api, library, other_library):
    body = api("v2/account/video/update/", _json={"account_video": [{"id": library.film.pk, "is_favorited": 1}]})
    assert body["error"] == 0
    assert ids(api("video/list/", favorited_only=1)) == [library.film.pk]
    bad = api("v2/account/video/update/", _json={"account_video": [{"id": other_library.film.pk, "is_favorited": 1}]})
    assert bad["error"] == 404
    assert api("v2/account/video/update/", _json={"account_video": "x"})["error"] == 400


def test_changes_to_the_library_show_at_once(api, library):
    assert library.film.pk in ids(api("video/list/"))
    Video.objects.filter(pk=library.film.pk).update(enabled=False)  # a bulk write: no signal
    from vod.invalidation import library_changed

    library_changed(library.op.client.pk)
    assert library.film.pk not in ids(api("video/list/"))
    film = Video.objects.get(pk=library.film.pk)
    film.enabled = True
    film.save()
    assert library.film.pk in ids(api("video/list/"))


def test_warm_hot_video_calls_stay_within_their_query_bounds(api, library, django_assert_max_num_queries):
    api("video/list/")
    api("video/detail/", vid=library.film.pk)
    api("video/url/", vid=library.film.pk, redirect=0)
    with django_assert_max_num_queries(2):
        api("video/list/")
    with django_assert_max_num_queries(2):
        api("video/detail/", vid=library.film.pk)
    with django_assert_max_num_queries(4):
        assert api("video/url/", vid=library.film.pk, redirect=0)["error"] == 0


def test_video_url_records_the_viewing_like_channel_url(api, library, other_library, session):
    from monitoring import recording
    from monitoring.models import ViewEvent

    assert api("video/url/", vid=library.film.pk, redirect=0)["error"] == 0
    watching = recording.watching_now(library.film.client_id, [session.account_id])[session.account_id]
    assert (watching["content_type"], watching["content_id"]) == ("video", library.film.pk)
    assert not ViewEvent.objects.exists()  # buffered: nothing written by the request
    assert recording.buffer_flush(include_current=True) == 1
    event = ViewEvent.objects.get()
    assert (event.client_id, event.account_id, event.content_type, event.content_id) == (
        library.film.client_id,
        session.account_id,
        "video",
        str(library.film.pk),
    )
    assert not ViewEvent.objects.filter(client_id=other_library.film.client_id).exists()


def test_a_trailer_or_a_refused_video_records_no_viewing(api, library, other_library):
    from monitoring import recording

    trailer = next(f for f in library.files["Blue Film"] if f.is_trailer)
    assert api("video/url/", vid=library.film.pk, vfid=trailer.pk, redirect=0)["error"] == 0
    assert api("video/url/", vid=other_library.film.pk, redirect=0)["error"] == 1
    assert recording.buffer_flush(include_current=True) == 0
