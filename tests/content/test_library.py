"""Actor, Seance, SkipVideoFragment, Selection, TargetBanner and ProgramBlocking methods over
HTTP, with their own error codes and a second operator that is never seen or changed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from channels.models import Channel
from epg.models import EpgChannel, Program
from tests.epg.conftest import LocalServer
from tests.tenancy import operator_snapshot
from vod.models import Actor, ProgramBlocking, Seance, SeanceTicket, Selection, SkipVideoFragment, TargetBanner

pytestmark = pytest.mark.django_db


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 40), (1, 2, 3)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_actor_create_detail_list_modify_delete(content_client, other_content_client, http_server):
    photo = http_server.serve("/a.jpg", jpeg())
    body = content_client.ok(
        "actor/create",
        {"name": "Jean Actor", "name_lang1": "Жан", "birthdate": "1970-01-02", "gender": 1, "country": "France",
         "profession": "actor", "biography": "b", "name_orig": "Jean", "type": "director", "photo_url": photo},
    )  # fmt: skip
    actor = Actor.objects.get(pk=body["id"])
    assert (actor.birthdate, actor.gender, actor.type, actor.country) == (dt.date(1970, 1, 2), 1, "director", "France")
    assert actor.photo.startswith("vod/") and body["upload_errors"] == []
    detail = content_client.ok("actor/detail", {"id": actor.pk})
    assert (detail["name"], detail["name_lang1"], detail["birthdate"], detail["type"]) == (
        "Jean Actor",
        "Жан",
        "1970-01-02",
        "director",
    )
    assert detail["photo"].endswith("_120x160.jpg")
    second = content_client.ok("actor/create", {"name": "Anna", "country": "Italy"})["id"]
    listed = content_client.ok("actor/list", {"order": "name"})
    assert [a["id"] for a in listed["actors"]] == [second, actor.pk]
    assert [a["id"] for a in content_client.ok("actor/list", {"country": "ital"})["actors"]] == [second]
    assert [a["id"] for a in content_client.ok("actor/list", {"type": "director"})["actors"]] == [actor.pk]
    vid = content_client.ok("video/create", {"name": "F", "actors_set": second})["id"]
    assert [a["id"] for a in content_client.ok("actor/list", {"movie_id": vid})["actors"]] == [second]
    assert [a["id"] for a in content_client.ok("actor/list", {"order": "-film_count"})["actors"]][0] == second
    assert content_client.call("actor/list", {"order": "age"})["error"] == 20
    assert other_content_client.ok("actor/list")["actors"] == []
    content_client.ok("actor/modify", {"id": actor.pk, "biography_lang2": "bio", "gender": 2})
    actor.refresh_from_db()
    assert (actor.biography_lang2, actor.gender, actor.name) == ("bio", 2, "Jean Actor")
    assert content_client.call("actor/modify", {"id": actor.pk, "load_meta": 1})["error"] == 5
    assert content_client.call("actor/create", {"movie_db_id": 4002834})["error"] == 5
    assert content_client.call("actor/create", {"country": "x"})["error"] == 20
    assert content_client.call("actor/create", {"name": "x", "gender": 3})["error"] == 20
    assert content_client.call("actor/create", {"name": "x", "birthdate": "02.01.1970"})["error"] == 20
    assert other_content_client.call("actor/detail", {"id": actor.pk})["error"] == 404
    assert other_content_client.call("actor/delete", {"id": actor.pk})["error"] == 404
    content_client.ok("actor/delete", {"id": actor.pk})
    assert not Actor.objects.filter(pk=actor.pk).exists()


def test_seances_and_tickets(content_client, other_content_client):
    vid = content_client.ok("video/create", {"name": "Live", "duration": 90})["id"]
    fid = content_client.ok("video/file/create", {"name": "f", "vid": vid, "duration": 3600})["id"]
    sid = content_client.ok("seance/create", {"vid": vid, "vfid": fid, "date_start": "2030-01-01T20:00:00+03:00"})["id"]
    seance = Seance.objects.get(pk=sid)
    assert seance.date_start == dt.datetime(2030, 1, 1, 17, 0, tzinfo=dt.UTC)
    assert seance.date_end - seance.date_start == dt.timedelta(hours=1)
    assert (
        content_client.call(
            "seance/create", {"vid": vid, "date_start": "2030-01-01T20:00:00", "date_end": "2030-01-01T19:00:00"}
        )["error"]
        == 21
    )
    assert content_client.call("seance/create", {"vid": vid})["error"] == 20
    assert other_content_client.call("seance/create", {"vid": vid, "date_start": "2030-01-01T20:00:00"})["error"] == 404
    ticket = content_client.ok("seance/ticket/create", {"sid": sid, "code": 12345678})
    assert ticket["code"] == "12345678" and SeanceTicket.objects.get(pk=ticket["id"]).seance_id == sid
    assert content_client.call("seance/ticket/create", {"sid": sid, "code": 12345678})["error"] == 1
    drawn = content_client.ok("seance/ticket/create", {"sid": sid})
    assert len(drawn["code"]) == 8
    assert other_content_client.call("seance/ticket/create", {"sid": sid})["error"] == 404
    assert other_content_client.call("seance/ticket/delete", {"id": ticket["id"]})["error"] == 404
    content_client.ok("seance/ticket/delete", {"id": ticket["id"]})
    assert other_content_client.call("seance/delete", {"id": sid})["error"] == 404
    content_client.ok("seance/delete", {"id": sid})
    assert not Seance.objects.exists() and not SeanceTicket.objects.exists()


def test_skip_fragments(content_client, other_content_client):
    vid = content_client.ok("video/create", {"name": "F"})["id"]
    fid = content_client.ok("video/file/create", {"name": "f", "vid": vid})["id"]
    other_fid = content_client.ok("video/file/create", {"name": "g", "vid": vid})["id"]
    frag = content_client.ok("skipvideofragment/create", {"vfid": fid, "type": 0, "begin_time": "1.5", "end_time": 30})
    fragments = content_client.ok("video/file/detail", {"id": fid})["skip_video_fragments"]
    assert fragments == [{"id": frag["id"], "type": 0, "begin_time": 1.5, "end_time": 30.0}]
    assert (
        content_client.call("skipvideofragment/create", {"vfid": fid, "type": 4, "begin_time": 0, "end_time": 1})[
            "error"
        ]
        == 20
    )
    assert (
        content_client.call("skipvideofragment/create", {"vfid": fid, "type": 1, "begin_time": 5, "end_time": 2})[
            "error"
        ]
        == 21
    )
    assert content_client.call("skipvideofragment/create", {"vfid": fid, "type": 1})["error"] == 20
    content_client.ok("skipvideofragment/modify", {"id": frag["id"], "vfid": other_fid, "type": 2, "end_time": 40})
    fragment = SkipVideoFragment.objects.get(pk=frag["id"])
    assert (fragment.video_file_id, fragment.type, float(fragment.end_time)) == (other_fid, 2, 40.0)
    theirs_vid = other_content_client.ok("video/create", {"name": "T"})["id"]
    theirs = other_content_client.ok("video/file/create", {"name": "t", "vid": theirs_vid})["id"]
    assert content_client.call("skipvideofragment/modify", {"id": frag["id"], "vfid": theirs})["error"] == 404
    assert other_content_client.call("skipvideofragment/delete", {"id": frag["id"]})["error"] == 404
    content_client.ok("skipvideofragment/delete", {"id": frag["id"]})
    assert not SkipVideoFragment.objects.exists()


def test_selections(content_client, other_content_client, operator):
    a = content_client.ok("video/create", {"name": "A"})["id"]
    b = content_client.ok("video/create", {"name": "B"})["id"]
    theirs = other_content_client.ok("video/create", {"name": "T"})["id"]
    sel = content_client.ok(
        "selection/create", {"name": "Top", "type": 2, "is_hidden": 1, "promo_image": "http://i/p.jpg", "items_set": a}
    )["id"]
    selection = Selection.objects.get(pk=sel)
    assert selection.is_hidden and list(selection.items.values_list("object_id", flat=True)) == [a]
    assert content_client.call("selection/modify", {"id": sel, "type": 2, "items_add": a})["error"] == 1
    content_client.ok("selection/modify", {"id": sel, "type": 2, "items_add": b, "name": "Best"})
    assert list(Selection.objects.get(pk=sel).items.values_list("object_id", flat=True)) == [a, b]
    content_client.ok("selection/modify", {"id": sel, "type": 2, "items_remove": a})
    assert list(Selection.objects.get(pk=sel).items.values_list("object_id", flat=True)) == [b]
    assert content_client.call("selection/modify", {"id": sel, "type": 2, "items_add": theirs})["error"] == 404
    assert content_client.call("selection/create", {"name": "x", "type": 2, "items_set": [theirs]})["error"] == 404
    assert content_client.call("selection/create", {"name": "x", "type": 9})["error"] == 20
    assert content_client.call("selection/modify", {"id": sel})["error"] == 20
    channel = operator.channels[0].pk
    content_client.ok("selection/modify", {"id": sel, "type": 0, "items_set": channel})
    assert list(Selection.objects.get(pk=sel).items.values_list("object_id", flat=True)) == [channel]
    assert other_content_client.call("selection/modify", {"id": sel, "type": 2})["error"] == 404
    assert Selection.objects.get(pk=sel).name == "Best"


def test_target_banners(content_client, other_content_client, operator, other_operator, http_server):
    image = http_server.serve("/b.jpg", jpeg())
    body = content_client.ok(
        "targetbanner/create",
        {"name": "Promo", "image_url": image, "message": "Hi", "deep_link": "app://x", "published_from": "2030-01-01",
         "published_to": "2030-02-01", "enabled": 1, "meta": '{"k": 1}', "account_ids": operator.account.pk,
         "abonements": operator.account_without_tariff.abonement, "tariff_ids": operator.tariff.pk, "for_birthday": 1},
    )  # fmt: skip
    banner = TargetBanner.objects.get(pk=body["id"])
    assert banner.image.startswith("vod/") and banner.for_birthday and banner.meta == {"k": 1}
    expected = {operator.account.pk, operator.account_without_tariff.pk}
    assert set(banner.accounts.values_list("id", flat=True)) == expected
    listed = content_client.ok("targetbanner/list")
    assert listed["count"] == 1
    [row] = listed["target_banners"]
    assert (row["name"], row["published_to"], row["tariff_ids"], row["meta"]) == (
        "Promo",
        "2030-02-01",
        [operator.tariff.pk],
        '{"k":1}',
    )
    assert row["image_url"].endswith(".jpg")
    assert other_content_client.ok("targetbanner/list")["count"] == 0
    bad = http_server.serve("/x.jpg", b"xx")
    before = TargetBanner.objects.count()
    assert (
        content_client.call(
            "targetbanner/create",
            {"name": "x", "image_url": bad, "published_from": "2030-01-01", "published_to": "2030-01-02"},
        )["error"]
        == 1
    )
    assert TargetBanner.objects.count() == before
    assert content_client.call("targetbanner/create", {"name": "x", "published_from": "2030-01-01"})["error"] == 20
    assert (
        content_client.call(
            "targetbanner/create",
            {
                "name": "x",
                "published_from": "2030-01-01",
                "published_to": "2030-01-02",
                "account_ids": other_operator.account.pk,
            },
        )["error"]
        == 404
    )
    assert (
        content_client.call(
            "targetbanner/create",
            {
                "name": "x",
                "published_from": "2030-01-01",
                "published_to": "2030-01-02",
                "abonements": other_operator.account.abonement,
            },
        )["error"]
        == 404
    )
    assert (
        content_client.call(
            "targetbanner/create", {"name": "x", "published_from": "2030-02-01", "published_to": "2030-01-02"}
        )["error"]
        == 21
    )
    content_client.ok(
        "targetbanner/modify", {"id": banner.pk, "name": "Promo 2", "clear_accounts": 1, "delete_image": 1}
    )
    banner.refresh_from_db()
    assert banner.name == "Promo 2" and banner.image == "" and banner.accounts.count() == 0
    assert banner.tariffs.count() == 1
    assert content_client.call("targetbanner/modify", {"id": banner.pk, "image_url": bad})["error"] == 1
    assert other_content_client.call("targetbanner/modify", {"id": banner.pk, "name": "x"})["error"] == 404
    assert other_content_client.call("targetbanner/delete", {"id": banner.pk})["error"] == 404
    content_client.ok("targetbanner/delete", {"id": banner.pk})
    assert not TargetBanner.objects.filter(pk=banner.pk).exists()


@pytest.fixture
def guide_programme(operator):
    guide = EpgChannel.objects.create(name="G")
    Channel.objects.filter(pk=operator.channels[0].pk).update(epg_channel=guide, url_prefix="first")
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    return Program.objects.create(epg_channel=guide, name="P", time_begin=start, time_end=start + dt.timedelta(hours=1))


def test_program_blocking(content_client, other_content_client, operator, other_operator, guide_programme):
    body = content_client.ok("programblocking/create", {"pid": guide_programme.pk, "end_date": "3"})
    blocking = ProgramBlocking.objects.get(pk=body["id"])
    assert blocking.client == operator.client and blocking.program == guide_programme and blocking.end_date
    start = int(guide_programme.time_begin.timestamp())
    body = content_client.ok("programblocking/create", {"prefix": "first", "time_start": start + 600})
    assert ProgramBlocking.objects.get(pk=body["id"]).end_date is None
    code = content_client.call
    assert code("programblocking/create", {"pid": 999999})["error"] == 1
    assert code("programblocking/create", {"prefix": "nope", "time_start": start})["error"] == 2
    assert code("programblocking/create", {"prefix": "first", "time_start": start - 60})["error"] == 3
    assert code("programblocking/create", {"prefix": "first"})["error"] == 4
    assert code("programblocking/create", {})["error"] == 4
    assert code("programblocking/create", {"pid": guide_programme.pk, "end_date": "soon"})["error"] == 20
    # The other operator's channels do not show that guide: not its programme to block.
    before = operator_snapshot(operator.client)
    assert other_content_client.call("programblocking/create", {"pid": guide_programme.pk})["error"] == 1
    assert other_content_client.call("programblocking/create", {"prefix": "first", "time_start": start})["error"] == 2
    assert operator_snapshot(operator.client) == before
    assert not ProgramBlocking.objects.filter(client=other_operator.client).exists()
