"""Games, feeds, viewing positions, HbbTV reports and camera favourites over HTTP (reference
tvmw/Game.md, Feed.md, ContentPosition.md, Hbb.md, Camera.md), both operators side by side."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from channels.models import Camera
from portal.models import (
    CameraFavorite,
    ContentPosition,
    Feed,
    FeedItem,
    Game,
    GameScore,
    HbbEvent,
    HbbProvider,
    HbbRecord,
)
from vod.models import Video, VideoFile

from .conftest import BASE, noauth

# --- games -------------------------------------------------------------------------------------


@pytest.fixture
def games(operator, other_operator):
    mine = Game.objects.create(client=operator.client, name="Snake", system_name="snake")
    theirs = Game.objects.create(client=other_operator.client, name="Snake", system_name="snake")
    return mine, theirs


def test_game_score_save_and_lists(tvmw_call, tvmw_xml, authkey, other_authkey, operator, games):
    mine, theirs = games
    body = tvmw_call("/game/list/", authkey=authkey)
    assert body["games"] == [
        {"name": "Snake", "system_name": "snake", "last_record_date": "", "last_record_score": 0, "account": 100001}
    ]
    assert tvmw_call("/game/score/list/", authkey=authkey)["error"] == 2
    for score in (30, 50, 40):
        assert tvmw_call("/game/score/save/", authkey=authkey, game="snake", score=score) == {
            "error": 0,
            "error_message": "",
        }
    assert tvmw_call("/game/score/save/", authkey=other_authkey, game="snake", score=45)["error"] == 0
    assert GameScore.objects.filter(game=mine).count() == 3 and GameScore.objects.filter(game=theirs).count() == 1
    listed = tvmw_call("/game/list/", authkey=authkey)["games"][0]
    assert listed["last_record_score"] == 40 and listed["last_record_date"]
    assert tvmw_call("/game/score/list/", authkey=authkey)["score"] == [{"score": 40}, {"score": 50}, {"score": 30}]
    board = tvmw_call("/game/scoreboard/list/", authkey=authkey, game="snake")
    # The other operator's 45 is on its own board only.
    assert [(r["account"], r["score"]) for r in board["score"]] == [("100001", 50)]
    assert board["self-score"] == 50 and board["rank"] == 1
    theirs_board = tvmw_call("/game/scoreboard/list/", authkey=other_authkey, game="snake")
    assert [r["score"] for r in theirs_board["score"]] == [45]
    root = tvmw_xml("/game/scoreboard/list/", authkey=authkey, game="snake")
    assert root.findtext("self-score") == "50" and root.findtext("rank") == "1"


def test_game_errors(tvmw_call, authkey, games):
    assert tvmw_call("/game/score/save/", authkey=authkey, score=1)["error"] == 1
    assert tvmw_call("/game/score/save/", authkey=authkey, game="snake")["error"] == 2
    assert tvmw_call("/game/score/save/", authkey=authkey, game="snake", score="many")["error"] == 2
    assert tvmw_call("/game/score/save/", authkey=authkey, game="chess", score=1)["error"] == 3
    assert tvmw_call("/game/scoreboard/list/", authkey=authkey)["error"] == 1
    assert tvmw_call("/game/scoreboard/list/", authkey=authkey, game="chess")["error"] == 2
    assert tvmw_call("/game/list/", authkey="unknown")["error"] == 403


# --- viewing positions -------------------------------------------------------------------------


def test_content_position_set_and_delete(tvmw_call, authkey, other_authkey, operator, other_operator):
    video = Video.objects.create(client=operator.client, name="Film")
    their_video = Video.objects.create(client=other_operator.client, name="Film")
    asset = VideoFile.objects.create(client=operator.client, video=video, duration=100)
    their_asset = VideoFile.objects.create(client=other_operator.client, video=their_video, duration=100)
    ok = tvmw_call(
        "/content/position/set/",
        authkey=authkey,
        content_type="video",
        content_id=video.pk,
        asset_id=asset.pk,
        position=30,
    )
    assert ok == {"error": 0, "error_message": ""}
    again = tvmw_call(
        "/content/position/set/",
        authkey=authkey,
        content_type="video",
        content_id=video.pk,
        asset_id=asset.pk,
        position=95,
        duration=100,
    )
    assert again["error"] == 0
    saved = ContentPosition.objects.get()
    assert (saved.position, saved.duration, saved.is_viewed) == (95, 100, True)
    missing_asset = tvmw_call(
        "/content/position/set/", authkey=authkey, content_type="video", content_id=video.pk, position=1
    )
    assert missing_asset["error"] == 3
    unknown_asset = tvmw_call(
        "/content/position/set/",
        authkey=authkey,
        content_type="video",
        content_id=video.pk,
        asset_id=their_asset.pk,
        position=1,
    )
    assert unknown_asset["error"] == 404 and unknown_asset["error_fields"] == {"content_id": "not found"}
    theirs = tvmw_call(
        "/content/position/set/",
        authkey=authkey,
        content_type="video",
        content_id=their_video.pk,
        asset_id=their_asset.pk,
        position=1,
    )
    assert theirs["error"] == 404
    bad = tvmw_call("/content/position/set/", authkey=authkey, content_type="song", content_id=1, position=1)
    assert bad["error"] == 1
    assert tvmw_call("/content/position/set/", authkey=authkey, content_type="program", content_id=1)["error"] == 1
    # The other account deleting "all assets" of the same film leaves this account's row.
    gone = tvmw_call("/content/position/delete/", authkey=other_authkey, content_type="video", content_id=video.pk)
    assert gone["error"] == 0 and ContentPosition.objects.count() == 1
    gone = tvmw_call("/content/position/delete/", authkey=authkey, content_type="video", content_id=video.pk)
    assert gone == {"error": 0, "error_message": ""} and ContentPosition.objects.count() == 0
    assert tvmw_call("/content/position/delete/", authkey=authkey, content_type="video")["error"] == 1


def test_remember_channel_refuses_a_channel_the_account_cannot_watch(tvmw_call, authkey, operator, other_operator):
    assert (
        tvmw_call("/content/position/remember/channel/", authkey=authkey, channel_id=operator.channels[0].pk)["error"]
        == 0
    )
    theirs = tvmw_call("/content/position/remember/channel/", authkey=authkey, channel_id=other_operator.channels[0].pk)
    assert theirs["error"] == 1
    assert tvmw_call("/content/position/remember/channel/", authkey=authkey)["error"] == 1


# --- feeds ---------------------------------------------------------------------------------------


@pytest.fixture
def feeds(operator, other_operator):
    public = Feed.objects.create(client=operator.client, name="Picks")
    FeedItem.objects.create(
        client=operator.client,
        feed=public,
        type="video",
        content_id=5,
        content_name="Film",
        duration=5400,
        poster="http://p/5.jpg",
        description="A film",
    )
    FeedItem.objects.create(
        client=operator.client, feed=public, type="channel", content_id=operator.channels[0].pk, content_name="Ch"
    )
    cont = Feed.objects.create(client=operator.client, name="Continue", is_continue_watching=True, sort_order=1)
    theirs = Feed.objects.create(client=other_operator.client, name="Picks")
    return public, cont, theirs


def test_feed_list_and_detail(tvmw_call, tvmw_xml, operator, feeds):
    public, cont, theirs = feeds
    body = tvmw_call("/feed/list/", **noauth(operator))
    assert body["feeds"] == [
        {
            "name": "Picks",
            "id": public.pk,
            "auth_required": 0,
            "is_continue_watching": 0,
            "continue_watching_count": 10,
        },
        {
            "name": "Continue",
            "id": cont.pk,
            "auth_required": 1,
            "is_continue_watching": 1,
            "continue_watching_count": 10,
        },
    ]
    detail = tvmw_call("/feed/detail/", id=public.pk, **noauth(operator))
    assert detail["feed"][0] == {
        "feed_id": public.pk,
        "type": "video",
        "content_name": "Film",
        "genres": "",
        "content_id": 5,
        "rating": 0,
        "duration": 5400,
        "deeplink": "",
        "poster_aspect_ratio": "16:9",
        "poster": "http://p/5.jpg",
        "description": "A film",
        "position": 0,
        "last_viewing_date": 0,
    }
    assert detail["feed"][1]["duration"] == 0
    assert tvmw_call("/feed/detail/", id=theirs.pk, **noauth(operator))["error"] == 1
    assert tvmw_call("/feed/detail/", id=cont.pk, **noauth(operator))["error"] == 2
    assert tvmw_call("/feed/detail/", **noauth(operator))["error"] == 1
    assert tvmw_call("/feed/list/", client_id=operator.client.pk, api_key="nope")["error"] == 403
    root = tvmw_xml("/feed/list/", **noauth(operator))
    assert root.findtext("feeds/item/name") == "Picks"


def test_continue_watching_feed_shows_where_the_account_stopped(tvmw_call, authkey, operator, feeds):
    _public, cont, _theirs = feeds
    video = Video.objects.create(client=operator.client, name="Film")
    asset = VideoFile.objects.create(client=operator.client, video=video, duration=5400)
    tvmw_call(
        "/content/position/set/",
        authkey=authkey,
        content_type="video",
        content_id=video.pk,
        asset_id=asset.pk,
        position=600,
        duration=5400,
    )
    detail = tvmw_call("/feed/detail/", id=cont.pk, authkey=authkey, **noauth(operator))
    assert detail["error"] == 0
    assert [(i["type"], i["content_id"], i["position"]) for i in detail["feed"]] == [("video", video.pk, 600)]
    assert detail["feed"][0]["last_viewing_date"] > 0


# --- HbbTV -----------------------------------------------------------------------------------------


@pytest.fixture
def hbb(operator, other_operator):
    provider = HbbProvider.objects.create(client=operator.client, type=1, name="Teletarget", url="http://hbb/frame")
    provider.channels.add(operator.channels[0])
    event = HbbEvent.objects.create(
        client=operator.client,
        provider=provider,
        channel=operator.channels[0],
        event_type="banner",
        time=timezone.now() + dt.timedelta(minutes=5),
        data={"image": "http://hbb/1.png"},
    )
    theirs = HbbProvider.objects.create(client=other_operator.client, type=1, name="Teletarget")
    return provider, event, theirs


def test_hbb_channel_info_and_event(tvmw_call, operator, other_operator, hbb):
    provider, event, theirs = hbb
    base = {"type": 1, "hbb_id": provider.pk, **noauth(operator)}
    info = tvmw_call("/hbb/channel/info/", cid=operator.channels[0].pk, **base)
    assert info == {
        "error": 0,
        "error_message": "",
        "url": "http://hbb/frame",
        "events": [
            {
                "time": int(event.time.timestamp()),
                "id": event.pk,
                "type": "banner",
                "data": {"image": "http://hbb/1.png"},
            }
        ],
    }
    assert tvmw_call("/hbb/channel/info/", cid=operator.channels[1].pk, **base)["error"] == 3
    assert tvmw_call("/hbb/channel/info/", cid=other_operator.channels[0].pk, **base)["error"] == 2
    assert tvmw_call("/hbb/channel/info/", **base)["error"] == 1
    theirs_base = {**base, "hbb_id": theirs.pk}
    assert tvmw_call("/hbb/channel/info/", cid=operator.channels[0].pk, **theirs_base)["error"] == 3
    params = {"cid": operator.channels[0].pk, "display_height": 1080, "display_width": 1920, **base}
    found = tvmw_call("/hbb/channel/event/", event_type="banner", event_id=event.pk, **params)
    assert found == {
        "error": 0,
        "error_message": "",
        "time": int(event.time.timestamp()),
        "type": "banner",
        "data": [{"image": "http://hbb/1.png"}],
    }
    assert tvmw_call("/hbb/channel/event/", event_type="quiz", event_id=event.pk, **params)["error"] == 4
    assert tvmw_call("/hbb/channel/event/", event_type="banner", **params)["error"] == 1


def test_hbb_activity_and_error_reports_are_recorded(client, operator, hbb, events):
    provider, _event, theirs = hbb
    query = f"type=1&hbb_id={provider.pk}&client_id={operator.client.pk}&api_key={operator.client.api_key}"
    response = client.post(
        f"{BASE}/hbb/activity/?{query}",
        data=json.dumps([{"event": "show", "ts": 1}]),
        content_type="application/json",
    )
    assert json.loads(response.content) == {"error": 0, "error_message": ""}
    record = HbbRecord.objects.get()
    assert record.kind == "activity" and record.events == [{"event": "show", "ts": 1}]
    assert events.of("HBB_EVENT_RECORDED")[-1]["provider_id"] == provider.pk
    empty = client.post(f"{BASE}/hbb/activity/?{query}", data="[]", content_type="application/json")
    assert json.loads(empty.content)["error"] == 2
    form_without_events = client.post(f"{BASE}/hbb/activity/?{query}", {"event_id": "1"})
    assert json.loads(form_without_events.content)["error"] == 2
    error = client.post(
        f"{BASE}/hbb/event/error/?{query}",
        {"event_id": "9", "error_info": '{"code": 5}', "log_events": '[{"event": "fail"}]'},
    )
    assert json.loads(error.content) == {"error": 0, "error_message": ""}
    assert HbbRecord.objects.filter(kind="error").get().error_info == {"code": 5}
    no_info = client.post(f"{BASE}/hbb/event/error/?{query}", {"event_id": "9", "log_events": '[{"e": 1}]'})
    assert json.loads(no_info.content)["error"] == 1
    theirs_query = query.replace(f"hbb_id={provider.pk}", f"hbb_id={theirs.pk}")
    foreign = client.post(f"{BASE}/hbb/activity/?{theirs_query}", data="[{}]", content_type="application/json")
    assert json.loads(foreign.content)["error"] == 3
    provider.accepts_activity = False
    provider.save()
    refused = client.post(f"{BASE}/hbb/activity/?{query}", data='[{"a": 1}]', content_type="application/json")
    assert json.loads(refused.content)["error"] == 4


# --- camera favourites -----------------------------------------------------------------------------


def test_camera_settings_set_marks_a_visible_camera(tvmw_call, authkey, operator, other_operator):
    camera = Camera.objects.create(client=operator.client, name="Yard")
    camera.tariffs.add(operator.tariff)
    theirs = Camera.objects.create(client=other_operator.client, name="Yard")
    theirs.tariffs.add(other_operator.tariff)
    assert tvmw_call("/camera/settings/set/", authkey=authkey, cid=camera.pk, is_favorited=1) == {
        "error": 0,
        "error_message": "",
    }
    assert CameraFavorite.objects.filter(camera=camera, account=operator.account).exists()
    assert tvmw_call("/camera/settings/set/", authkey=authkey, cid=camera.pk, is_favorited=0)["error"] == 0
    assert not CameraFavorite.objects.exists()
    assert tvmw_call("/camera/settings/set/", authkey=authkey, cid=theirs.pk, is_favorited=1)["error"] == 1
    assert tvmw_call("/camera/settings/set/", authkey=authkey)["error"] == 1
