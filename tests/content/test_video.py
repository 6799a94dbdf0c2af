"""Video, asset, season and episode methods over HTTP, including the flows of the vendor's
import scripts (import_video_from_file: one video_create per spreadsheet row, blank cells
sent as empty strings; sync_content: video_list, then seasons, episodes and assets)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.epg.conftest import LocalServer
from tests.tenancy import cross_operator_links, operator_snapshot
from vod.models import Actor, Episode, PriceCategory, Season, Video, VideoFile, VideoGenre, VideoProvider

from .conftest import ContentClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


def jpeg(width: int = 60, height: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 10)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def genre(operator):
    return VideoGenre.objects.create(client=operator.client, name="Drama")


def test_a_spreadsheet_row_as_import_video_from_file_sends_it(content_client, operator):
    row = {
        "name_lang1": "Film",
        "description": "A story",
        "year": "2020",
        "countries": "FR, BE",
        "director": "",
        "ext_id": "row-1",
        "premiere_date": "2020-05-01 00:00:00",
        "kinopoisk_rating": "7.5",
        "imdb_rating": "",
        "duration": "95",
        "parent_control": "0",
        "tariffs": "",
    }
    body = content_client.ok("video/create", {"name": "Фильм", "rating": "16", **row})
    video = Video.objects.get(pk=body["id"])
    assert body["upload_errors"] == []
    assert (video.client, video.name, video.name_lang1, video.year, video.ext_id) == (
        operator.client,
        "Фильм",
        "Film",
        2020,
        "row-1",
    )
    assert (video.age_rating, video.kinopoisk_rating, video.duration, video.countries) == (16, 7.5, 95, "FR, BE")
    assert video.premiere_date.year == 2020 and video.tariffs.count() == 0


@pytest.mark.parametrize("style", ["python", "go", "node", "java"])
def test_every_client_creates_a_video_with_its_lists(style, operator, genre):
    other = VideoGenre.objects.create(client=operator.client, name="Comedy")
    actor = Actor.objects.create(client=operator.client, name="A. Actor")
    body = ContentClient(operator.client, style).ok(
        "video/create",
        {
            "name": "Two genres",
            "rating": 0,
            "genres": [genre.pk, other.pk],
            "tariffs": [operator.tariff.pk],
            "actors_set": [actor.pk],
        },
    )
    video = Video.objects.get(pk=body["id"])
    assert set(video.genres.values_list("id", flat=True)) == {genre.pk, other.pk}
    assert list(video.actors.all()) == [actor] and list(video.tariffs.all()) == [operator.tariff]


@pytest.mark.parametrize("field", ["genres", "actors_set", "tariffs", "video_provider", "price_category"])
def test_unknown_or_another_operators_ids_are_404_and_nothing_is_created(
    content_client, operator, other_operator, field
):
    theirs = {
        "genres": [VideoGenre.objects.create(client=other_operator.client, name="x").pk],
        "actors_set": [Actor.objects.create(client=other_operator.client, name="x").pk],
        "tariffs": [other_operator.tariff.pk],
        "video_provider": VideoProvider.objects.create(client=other_operator.client, name="p").pk,
        "price_category": PriceCategory.objects.create(client=other_operator.client, name="c").pk,
    }[field]
    before = operator_snapshot(other_operator.client)
    body = content_client.call("video/create", {"name": "x", field: theirs})
    assert body["error"] == 404 and body["error_fields"]
    assert not Video.objects.filter(client=operator.client).exists()
    assert content_client.call("video/create", {"name": "x", "genres": [999999]})["error"] == 404
    assert operator_snapshot(other_operator.client) == before
    assert cross_operator_links() == []


def test_a_duplicate_ext_id_is_22_but_another_operator_may_use_it(content_client, other_content_client):
    assert content_client.ok("video/create", {"name": "a", "ext_id": "same"})
    body = content_client.call("video/create", {"name": "b", "ext_id": "same"})
    assert body["error"] == 22 and "ext_id" in body["error_fields"]
    assert other_content_client.ok("video/create", {"name": "c", "ext_id": "same"})
    assert Video.objects.filter(ext_id="same").count() == 2


@pytest.mark.parametrize(
    ("field", "value"), [("year", "MMXX"), ("parent_control", "2"), ("premiere_date", "soon"), ("meta", "[]")]
)
def test_malformed_video_parameters_are_20(content_client, field, value):
    body = content_client.call("video/create", {"name": "x", field: value})
    assert body["error"] == 20 and field in body["error_fields"]
    assert not Video.objects.exists()


def test_images_by_url_are_stored_below_media_and_failures_listed(content_client, operator, settings, http_server):
    good = http_server.serve("/poster.jpg", jpeg())
    bad = http_server.serve("/shot.jpg", b"GIF89a but not really")
    body = content_client.ok("video/create", {"name": "With images", "poster_url": good, "screenshot_url": bad})
    video = Video.objects.get(pk=body["id"])
    assert video.poster.startswith(f"vod/{operator.client.pk}/poster/") and video.screenshot == ""
    assert [e["field"] for e in body["upload_errors"]] == ["screenshot_url"]
    stored = (Path(settings.MEDIA_ROOT) / video.poster).resolve()
    assert stored.is_file() and Path(settings.MEDIA_ROOT).resolve() in stored.parents
    settings.SMARTY_VOD_MAX_IMAGE_PIXELS = 100
    body = content_client.ok("video/modify", {"id": video.pk, "poster_url": http_server.serve("/p2.jpg", jpeg(50, 50))})
    assert body["upload_errors"][0]["field"] == "poster_url"
    body = content_client.ok("video/create", {"name": "local", "poster_url": "file:///etc/passwd"})
    assert body["upload_errors"][0]["field"] == "poster_url"
    detail = content_client.ok("video/detail", {"id": video.pk})
    assert detail["poster_small"].endswith("_160x240.jpg") and detail["poster_small_lang1"] == detail["poster_small"]


def test_video_detail_by_id_or_ext_id_and_never_another_operators(content_client, other_content_client, genre):
    video_id = content_client.ok(
        "video/create", {"name": "Detail", "ext_id": "d-1", "genres": genre.pk, "meta": '{"a": 1}'}
    )["id"]
    content_client.ok("video/file/create", {"name": "4k", "vid": video_id, "quality": 6})
    body = content_client.ok("video/detail", {"id": video_id})
    assert body["id"] == video_id and body["genres"] == [genre.pk] and body["is_4k"] == 1
    assert body["ext_id"] == "d-1" and body["meta"] == '{"a":1}' and body["has_seasons"] is False
    assert content_client.ok("video/detail", {"ext_id": "d-1"})["id"] == video_id
    assert other_content_client.call("video/detail", {"id": video_id})["error"] == 404
    assert other_content_client.call("video/detail", {"ext_id": "d-1"})["error"] == 404
    assert content_client.call("video/detail", {})["error"] == 20
    # the fields the reference lists, all of them
    spec = json.loads((Path(__file__).parent / "data" / "content_spec.json").read_text())["methods"]
    documented = next(m for m in spec if m["name"] == "VideoDetail")["response"]
    assert {r["field"] for r in documented} <= set(body)


def test_the_sync_content_flow_makes_a_series(content_client, operator):
    vid = content_client.ok("video/create", {"name": "Show", "rating": 12})["id"]
    files = [
        content_client.ok("video/file/create", {"name": f"Сезон 1 Серия {n}", "vid": vid, "duration": 1800})["id"]
        for n in (1, 2)
    ]
    listing = content_client.ok("video/list", {"page": 1, "limit": 100})
    assert listing["count"] == 1
    [entry] = listing["videos"]
    assert entry["has_seasons"] is False and [f["id"] for f in entry["files"]] == files
    assert entry["files"][0] == {"id": files[0], "name": "Сезон 1 Серия 1", "duration": 1800}
    season_id = content_client.ok("season/create", {"name": "Сезон 1", "vid": vid})["id"]
    for n, file_id in enumerate(files, 1):
        episode_id = content_client.ok(
            "episode/create", {"vid": vid, "name": f"Сезон 1 Серия {n}", "season_id": season_id, "duration": 30}
        )["id"]
        content_client.ok("video/file/modify", {"id": file_id, "episode_id": episode_id})
    [entry] = content_client.ok("video/list", {"page": 1, "limit": 100})["videos"]
    assert entry["has_seasons"] is True and entry["has_episodes"] is True
    assert Video.objects.get(pk=vid).is_season
    assert set(VideoFile.objects.filter(video_id=vid).values_list("episode__season_id", flat=True)) == {season_id}


def test_video_list_pages_and_is_the_operators(content_client, other_content_client):
    ids = [content_client.ok("video/create", {"name": f"v{n}"})["id"] for n in range(3)]
    other_content_client.ok("video/create", {"name": "theirs"})
    body = content_client.ok("video/list", {"limit": 2, "page": 1})
    assert body["count"] == 3 and [v["id"] for v in body["videos"]] == ids[::-1][:2]
    assert content_client.call("video/list", {"limit": -1})["error"] == 20


def test_video_modify_changes_only_what_is_sent(content_client, operator, genre):
    vid = content_client.ok("video/create", {"name": "Old", "year": 1999, "genres": genre.pk})["id"]
    other = VideoGenre.objects.create(client=operator.client, name="Other")
    content_client.ok("video/modify", {"id": vid, "name_lang2": "Alt", "genres": [other.pk], "rating": 18})
    video = Video.objects.get(pk=vid)
    assert (video.name, video.name_lang2, video.year, video.age_rating) == ("Old", "Alt", 1999, 18)
    assert list(video.genres.all()) == [other]
    assert content_client.call("video/modify", {"id": vid, "load_meta": 1})["error"] == 1
    assert content_client.call("video/modify", {"id": 999999, "name": "x"})["error"] == 404
    second = content_client.ok("video/create", {"name": "Similar"})["id"]
    content_client.ok("video/modify", {"id": vid, "similar_add": second})
    assert list(Video.objects.get(pk=vid).similar.values_list("id", flat=True)) == [second]
    content_client.ok("video/modify", {"id": vid, "similar_remove": second})
    assert not Video.objects.get(pk=vid).similar.exists()


def test_video_delete_takes_its_files_and_never_another_operators(content_client, other_content_client):
    vid = content_client.ok("video/create", {"name": "Gone"})["id"]
    content_client.ok("video/file/create", {"name": "f", "vid": vid})
    assert other_content_client.call("video/delete", {"id": vid})["error"] == 404
    content_client.ok("video/delete", {"id": vid})
    assert not Video.objects.filter(pk=vid).exists() and not VideoFile.objects.exists()


def test_asset_create_detail_modify(content_client, other_content_client):
    vid = content_client.ok("video/create", {"name": "Assets"})["id"]
    fid = content_client.ok(
        "video/file/create",
        {"name": "HD", "name_lang1": "HD1", "vid": vid, "filename": "films/a.m3u8", "duration": 5400, "quality": 2,
         "is_trailer": 0, "ext_id": "f-1", "self_skip_fragments_priority": 1},
    )["id"]  # fmt: skip
    vf = VideoFile.objects.get(pk=fid)
    assert (vf.filename, vf.duration, vf.quality, vf.ext_id, vf.self_skip_fragments_priority) == (
        "films/a.m3u8",
        5400,
        2,
        "f-1",
        True,
    )
    content_client.ok("video/file/modify", {"id": fid, "is_trailer": 1, "quality": 15})
    detail = content_client.ok("video/file/detail", {"id": fid})
    assert (detail["name"], detail["name_lang1"], detail["is_trailer"], detail["skip_video_fragments"]) == (
        "HD",
        "HD1",
        1,
        [],
    )
    assert content_client.call("video/file/create", {"name": "x", "vid": vid, "quality": 9})["error"] == 20
    assert content_client.call("video/file/create", {"name": "x", "vid": vid, "episode_id": 999999})["error"] == 404
    assert other_content_client.call("video/file/create", {"name": "x", "vid": vid})["error"] == 404
    assert other_content_client.call("video/file/detail", {"id": fid})["error"] == 404
    assert other_content_client.call("video/file/modify", {"id": fid, "name": "mine"})["error"] == 404


def test_seasons_and_episodes(content_client, other_content_client, http_server):
    vid = content_client.ok("video/create", {"name": "Series"})["id"]
    s1 = content_client.ok("season/create", {"name": "S1", "vid": vid})["id"]
    s2 = content_client.ok("season/create", {"name": "S2", "vid": vid, "name_lang1": "Saison 2"})["id"]
    content_client.ok("season/modify", {"season_id": s2, "name": "Second", "sort_after_sid": s1})
    assert Season.objects.get(pk=s2).name == "Second"
    preview = http_server.serve("/e.jpg", jpeg(320, 180))
    e1 = content_client.ok(
        "episode/create",
        {"vid": vid, "name": "E1", "season_id": s1, "description": "d", "preview_url": preview, "is_free": 1},
    )["id"]
    episode = Episode.objects.get(pk=e1)
    assert episode.preview.startswith("vod/") and episode.is_free and episode.season_id == s1
    assert (
        content_client.call("episode/create", {"vid": vid, "name": "x", "preview_url": "http://127.0.0.1:1/n"})["error"]
        == 1
    )
    bad = http_server.serve("/bad.jpg", b"nope")
    assert content_client.call("episode/create", {"vid": vid, "name": "x", "preview_url": bad})["error"] == 2
    assert Episode.objects.count() == 1
    body = content_client.call("episode/modify", {"episode_id": e1, "name": "Renamed", "preview_url": bad})
    assert body["error"] == 1 and Episode.objects.get(pk=e1).name == "Renamed"
    content_client.ok("episode/modify", {"episode_id": e1, "duration": 44, "is_planned": 1})
    assert Episode.objects.get(pk=e1).duration == 44
    assert other_content_client.call("episode/modify", {"episode_id": e1, "name": "x"})["error"] == 404
    assert other_content_client.call("season/delete", {"id": s1})["error"] == 404
    assert other_content_client.call("episode/create", {"vid": vid, "name": "x"})["error"] == 404
    other_vid = other_content_client.ok("video/create", {"name": "Theirs"})["id"]
    assert content_client.call("episode/create", {"vid": vid, "name": "x", "season_id": 999999})["error"] == 404
    assert other_content_client.call("episode/create", {"vid": other_vid, "name": "x", "season_id": s1})["error"] == 404
    content_client.ok("episode/delete", {"id": e1})
    content_client.ok("season/delete", {"id": s1})
    assert list(Season.objects.values_list("id", flat=True)) == [s2]
