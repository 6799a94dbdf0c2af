"""The admin's bulk import of videos from a CSV or JSON file: row-by-row checks, each video
with its files and episodes written through vod.services, the progress endpoint and report,
and another operator's library untouched."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.admin.conftest import grant, login, make_user
from vod import imports, services
from vod.models import Episode, Video, VideoFile

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/vod/video/import/"


@pytest.fixture(autouse=True)
def _fresh_permission_cache():
    """The operator permission ids are cached per process; tests that grant them start and end
    with a fresh cache (as the admin tests do), so no other module sees stale ids."""
    from clients.admin import _operator_permission_ids

    _operator_permission_ids.cache_clear()
    yield
    _operator_permission_ids.cache_clear()


@pytest.fixture
def staff(operator):
    user = make_user("importer", client=operator.client)
    grant(user, "*operator*")
    return user


@pytest.fixture
def upload(django_capture_on_commit_callbacks):
    """POST a file to the import page, running what it queues after commit (the Celery task,
    eager in the tests) as the request's commit would."""

    def post(http, name: str, body: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            return http.post(IMPORT_URL, {"file": SimpleUploadedFile(name, body)})

    return post


def status_of(http, response) -> dict:
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    progress_url = response["Location"]
    assert progress_url.startswith(IMPORT_URL)
    page = http.get(progress_url)
    assert page.status_code == 200 and "data-status-url" in page.content.decode()
    answer = http.get(progress_url + "status/")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    return json.loads(answer.content)


def test_a_csv_import_creates_good_rows_and_refuses_a_bad_one_with_its_reason(staff, operator, other_operator, upload):
    genre = services.genre_create(client=operator.client, name="Drama")
    foreign_genre = services.genre_create(client=other_operator.client, name="Drama")
    theirs = services.video_create(client=other_operator.client, name="Shared name", attrs={"ext_id": "f-1"})
    csv_text = (
        "ext_id;name;year;genres;tariffs;imdb_rating;files\n"
        f"f-1;Shared name;2020;{genre.pk};{operator.tariff.pk};7.5;https://cdn.test/a.m3u8|https://cdn.test/a-hd.m3u8\n"
        f"f-2;Second film;twenty;;;;\n"
        f"f-3;Third film;2019;{foreign_genre.pk};;;\n"
        f"f-4;Fourth film;2018;;;;https://cdn.test/d.m3u8\n"
    )
    http = login(staff)
    state = status_of(http, upload(http, "videos.csv", csv_text.encode()))
    assert state["status"] == "done" and state["total"] == 4 and state["done"] == 4
    assert state["counts"] == {"created": 2, "updated": 0, "refused": 2}
    reasons = {row["ext_id"]: row["reason"] for row in state["refused"]}
    assert reasons["f-2"].startswith("year: a whole number expected")
    assert reasons["f-3"].startswith("genre") and str(foreign_genre.pk) in reasons["f-3"]

    mine = Video.objects.get(client=operator.client, ext_id="f-1")
    assert mine.name == "Shared name" and mine.year == 2020 and mine.imdb_rating == 7.5
    assert list(mine.genres.values_list("pk", flat=True)) == [genre.pk]
    assert list(mine.tariffs.values_list("pk", flat=True)) == [operator.tariff.pk]
    assert list(mine.files.order_by("sort_order").values_list("filename", flat=True)) == [
        "https://cdn.test/a.m3u8",
        "https://cdn.test/a-hd.m3u8",
    ]
    assert not Video.objects.filter(client=operator.client, ext_id__in=["f-2", "f-3"]).exists()
    assert Video.objects.filter(client=operator.client, ext_id="f-4").count() == 1

    theirs.refresh_from_db()
    assert list(Video.objects.filter(client=other_operator.client).values_list("pk", flat=True)) == [theirs.pk]
    assert theirs.year is None and not theirs.files.exists()


def test_a_json_import_creates_a_series_with_its_episodes_and_updates_a_known_ext_id(staff, operator, upload):
    known = services.video_create(client=operator.client, name="Old title", attrs={"ext_id": "film-001"})
    body = json.dumps(
        {
            "videos": [
                {"ext_id": "film-001", "name": "New title", "year": 2021, "rating": 12},
                {
                    "ext_id": "series-1",
                    "name": "Harbour Town",
                    "is_season": 1,
                    "seasons": [
                        {
                            "name": "Season 1",
                            "episodes": [
                                {
                                    "name": "Arrival",
                                    "files": [{"filename": "https://cdn.test/s1e1.m3u8", "quality": 3}],
                                },
                                {"name": "The Fog", "files": [{"filename": "https://cdn.test/s1e2.m3u8"}]},
                            ],
                        }
                    ],
                },
                {"ext_id": "bad-1", "name": "Broken series", "seasons": [{"name": "S1", "episodes": [{"files": []}]}]},
                {"name": ""},
                "not an object",
            ]
        }
    ).encode()
    http = login(staff)
    state = status_of(http, upload(http, "videos.json", body))
    assert state["counts"] == {"created": 1, "updated": 1, "refused": 3}
    assert [row["row"] for row in state["refused"]] == [3, 4, 5]
    assert "name expected" in state["refused"][0]["reason"]
    assert state["refused"][1]["reason"] == "name: required"

    known.refresh_from_db()
    assert known.name == "New title" and known.year == 2021 and known.age_rating == 12
    assert state["updated"][0]["id"] == known.pk
    series = Video.objects.get(client=operator.client, ext_id="series-1")
    assert series.is_season and series.seasons.count() == 1
    assert list(Episode.objects.filter(video=series).order_by("pk").values_list("name", flat=True)) == [
        "Arrival",
        "The Fog",
    ]
    files = VideoFile.objects.filter(video=series).order_by("pk")
    assert [(f.filename, f.episode.name, f.quality) for f in files] == [
        ("https://cdn.test/s1e1.m3u8", "Arrival", 3),
        ("https://cdn.test/s1e2.m3u8", "The Fog", 0),
    ]
    assert not Video.objects.filter(ext_id="bad-1").exists()


def test_a_row_failing_half_way_leaves_nothing_of_its_video(operator):
    rows = [
        {
            "ext_id": "half",
            "name": "Half",
            "episodes": [{"name": "One", "files": [{"filename": "https://cdn.test/1.m3u8", "quality": 99}]}],
        }
    ]
    import_id = imports.video_import_start(client=operator.client, name="x.json", rows=rows)
    state = imports.video_import_run(client_id=operator.client.pk, import_id=import_id)
    assert len(state["refused"]) == 1 and not state["created"]
    assert "quality" in state["refused"][0]["reason"]
    assert not Video.objects.filter(ext_id="half").exists() and not Episode.objects.filter(name="One").exists()


def test_a_file_that_is_neither_csv_nor_json_is_refused_on_the_form(staff, operator, upload):
    http = login(staff)
    for name, body, message in [
        ("v.json", b"[{broken", "not valid JSON"),
        ("v.csv", b"title,year\nX,2000\n", "`name` column"),
        ("v.csv", b"name,colour\nX,red\n", "unknown columns: colour"),
        ("v.csv", b"\xff\xfe\x00garbage", "not UTF-8"),
    ]:
        response = upload(http, name, body)
        assert response.status_code == 200
        assert message in str(response.context["form"].errors["file"]), name
    assert not Video.objects.exists()


def test_the_progress_of_another_operator_is_not_visible(staff, operator, other_operator):
    theirs = imports.video_import_start(client=other_operator.client, name="t.csv", rows=[{"name": "T"}])
    http = login(staff)
    assert http.get(f"{IMPORT_URL}{theirs}/status/").status_code == 404
    assert http.get(f"{IMPORT_URL}{theirs}/").status_code == 404
    mine = imports.video_import_start(client=operator.client, name="m.csv", rows=[{"name": "M"}, {"name": "N"}])
    queued = json.loads(http.get(f"{IMPORT_URL}{mine}/status/").content)
    assert queued["status"] == "queued" and queued["done"] == 0 and queued["total"] == 2
    imports.video_import_run(client_id=operator.client.pk, import_id=mine)
    done = json.loads(http.get(f"{IMPORT_URL}{mine}/status/").content)
    assert done["status"] == "done" and done["done"] == 2 and done["counts"]["created"] == 2


def test_the_import_page_links_sample_files_that_import_cleanly(staff, operator, upload):
    http = login(staff)
    assert "Import videos" in http.get("/admin/vod/video/").content.decode()
    page = http.get(IMPORT_URL).content.decode()
    for fmt in ("csv", "json"):
        assert f"{IMPORT_URL}sample.{fmt}" in page
        sample = http.get(f"{IMPORT_URL}sample.{fmt}")
        assert sample.status_code == 200
        rows = imports.parse_file(name=f"s.{fmt}", data=sample.content)
        assert rows and all(imports.row_arguments(row)["name"] for row in rows)
    state = status_of(http, upload(http, "sample.json", http.get(f"{IMPORT_URL}sample.json").content))
    assert state["counts"] == {"created": 2, "updated": 0, "refused": 0}


def test_a_superuser_without_an_operator_is_asked_for_one(operator):
    response = login(make_user("root", superuser=True)).post(
        IMPORT_URL, {"file": SimpleUploadedFile("v.csv", b"name\nX\n")}
    )
    assert response.status_code == 200
    assert "Choose an operator in the header selector first." in response.content.decode()
    assert not Video.objects.exists()


def test_a_second_run_of_a_finished_or_running_import_writes_nothing_more(operator):
    from django.core.cache import cache

    import_id = imports.video_import_start(client=operator.client, name="r.csv", rows=[{"name": "Once"}])
    cache.add(f"vod_import:{operator.client.pk}:{import_id}:lock", 1)  # a run going on elsewhere
    assert imports.video_import_run(client_id=operator.client.pk, import_id=import_id)["status"] == "queued"
    assert not Video.objects.filter(name="Once").exists()
    cache.delete(f"vod_import:{operator.client.pk}:{import_id}:lock")
    assert imports.video_import_run(client_id=operator.client.pk, import_id=import_id)["status"] == "done"
    again = imports.video_import_run(client_id=operator.client.pk, import_id=import_id)
    assert again["status"] == "done" and len(again["created"]) == 1
    assert Video.objects.filter(name="Once").count() == 1
