"""The TV guide: /program/list/, /program/detail/, /program/list/search/, /noauth/program/*
(reference tvmw/Program.md)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from epg.invalidation import epg_programmes_changed
from epg.models import EpgCategory, Program
from tests import factories as f

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import hour_start, spec_fields

pytestmark = pytest.mark.django_db


def ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def ids(body: dict, key: str = "programs") -> list[int]:
    return [p["id"] for p in body[key]]


def test_program_list_returns_programmes_in_the_range_with_documented_fields(api, operator, guide):
    channel = operator.channels[0]
    start = hour_start()
    body = api("program/list/", cid=channel.id, time_from=ts(start), time_to=ts(start + dt.timedelta(hours=2)))
    assert body["error"] == 0
    assert ids(body) == [p.id for p in guide[channel.id][3:5]]
    assert set(body["programs"][0]) == spec_fields("/program/list/", "programs")
    first = body["programs"][0]
    assert first["begin_time"] == ts(start) and first["end_time"] == ts(start + dt.timedelta(hours=1))
    assert first["has_record"] == 0  # no recording on the channel


def test_has_record_follows_the_channels_recording_depth_and_blocking(api, operator, guide):
    channel = operator.channels[0]
    channel.recording_days = 1
    channel.save()
    blocked = guide[channel.id][1]
    blocked.is_blocked = True
    blocked.save()
    start = hour_start()
    body = api(
        "program/list/",
        cid=channel.id,
        time_from=ts(start - dt.timedelta(hours=3)),
        time_to=ts(start + dt.timedelta(hours=2)),
    )
    flags = [(p["has_record"], p["blocked"]) for p in body["programs"]]
    assert flags == [(1, 0), (0, 1), (1, 0), (1, 0), (0, 0)]


def test_program_list_by_date_uses_the_operators_time_zone(api, operator, guide):
    operator.client.timezone = "Asia/Vladivostok"
    operator.client.save()
    session_client = type(operator.client).objects.get(pk=operator.client.pk)
    sess = f.SessionFactory(account=type(operator.account).objects.select_related("client").get(pk=operator.account.pk))
    assert session_client.timezone == "Asia/Vladivostok"
    local_day = dt.datetime.now(zoneinfo.ZoneInfo("Asia/Vladivostok")).strftime("%d.%m.%Y")
    body = api("program/list/", _session=sess, cid=operator.channels[0].id, date=local_day)
    assert body["error"] == 0
    zone = zoneinfo.ZoneInfo("Asia/Vladivostok")
    day = dt.datetime.strptime(local_day, "%d.%m.%Y").date()
    begin = ts(dt.datetime.combine(day, dt.time(), tzinfo=zone))
    expected = [
        p.id for p in guide[operator.channels[0].id] if ts(p.time_end) > begin and ts(p.time_begin) < begin + 86400
    ]
    assert ids(body) == expected


def test_program_list_without_a_range_shows_today(api, operator, guide):
    body = api("program/list/", cid=operator.channels[0].id)
    assert guide[operator.channels[0].id][3].id in ids(body)


def test_pid_from_starts_the_range_at_that_programme(api, operator, guide):
    programmes = guide[operator.channels[0].id]
    body = api("program/list/", cid=operator.channels[0].id, pid_from=programmes[4].id)
    assert ids(body)[0] == programmes[4].id
    missing = api("program/list/", cid=operator.channels[0].id, pid_from=999999)
    assert missing["error"] == 2


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2024-01-01"},
        {"date": "31.02.2024"},
        {"time_from": "x"},
        {"time_from": 100, "time_to": 50},
        {"time_from": 0, "time_to": 86400 * 400},
    ],
)
def test_program_list_refuses_bad_ranges_with_error_1(api, operator, params):
    assert api("program/list/", cid=operator.channels[0].id, **params)["error"] == 1


def test_program_list_refuses_channels_the_account_cannot_see(api, operator, other_operator, other_guide):
    assert api("program/list/", cid=other_operator.channels[0].id)["error"] == 1
    assert api("program/list/")["error"] == 1


def test_a_warm_program_list_costs_at_most_two_queries(api, operator, guide, django_assert_max_num_queries):
    params = {"cid": operator.channels[0].id, "time_from": ts(hour_start()), "time_to": ts(hour_start()) + 7200}
    api("program/list/", **params)
    with django_assert_max_num_queries(2):
        assert len(api("program/list/", **params)["programs"]) == 2


def test_an_import_shows_after_epg_channel_changed_is_called(api, operator, guide):
    channel = operator.channels[0]
    start = hour_start()
    params = {"cid": channel.id, "time_from": ts(start), "time_to": ts(start) + 3600}
    assert len(api("program/list/", **params)["programs"]) == 1
    Program.objects.filter(epg_channel=channel.epg_channel, time_begin=start).update(name="Bulk renamed")
    assert api("program/list/", **params)["programs"][0]["name"] != "Bulk renamed"  # bulk writes send no signal
    epg_programmes_changed(channel.epg_channel_id)
    assert api("program/list/", **params)["programs"][0]["name"] == "Bulk renamed"


def test_program_list_of_a_camera_uses_the_cameras_guide(api, operator, other_operator):
    from channels.models import Camera

    epg = f.EpgChannelFactory()
    program = f.ProgramFactory(epg_channel=epg, name="Street view")
    camera = Camera.objects.create(client=operator.client, name="Cam", epg_channel=epg)
    camera.tariffs.add(operator.tariff)
    body = api("program/list/", cid=camera.id, is_camera=1)
    assert ids(body) == [program.id]
    foreign = Camera.objects.create(client=other_operator.client, name="Cam", epg_channel=epg)
    foreign.tariffs.add(other_operator.tariff)
    assert api("program/list/", cid=foreign.id, is_camera=1)["error"] == 1


def test_program_detail_gives_one_programme(api, operator, guide, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    program = guide[operator.channels[0].id][3]
    program.category = EpgCategory.objects.create(name="News", name_lang1="Новости")
    program.description_lang1 = "Описание"
    program.age_rating = "12+"
    program.save()
    body = api("program/detail/", pid=program.id, lang="ru")
    assert body["error"] == 0 and body["id"] == program.id
    assert body["category"] == "Новости" and body["description"] == "Описание" and body["rating"] == 12
    from .live_fixtures import SPEC

    documented = {name for name in SPEC["/program/detail/"]["response"] if "." not in name}
    assert set(body) == documented
    assert json.loads(body["meta"]) == {}


def test_program_detail_refuses_programmes_off_the_accounts_channels(api, operator, guide, other_operator, other_guide):
    theirs = other_guide[other_operator.channels[0].id][3]
    assert api("program/detail/", pid=theirs.id)["error"] == 1
    mine = guide[operator.channels[0].id][3]
    assert api("program/detail/", pid=mine.id, cid=operator.channels[1].id)["error"] == 1
    assert api("program/detail/", pid=mine.id, cid=operator.channels[0].id)["error"] == 0
    assert api("program/detail/", pid=999999)["error"] == 1


def test_program_search_finds_future_and_recorded_programmes_of_the_accounts_channels(
    api, operator, guide, other_operator, other_guide
):
    channel = operator.channels[0]
    short = api("program/list/search/", search="ab")
    assert short["error"] == 1 and "search" in short["error_fields"]
    body = api("program/list/search/", search="show channel 0")
    names = [r["program_name"] for r in body["results"]]
    assert names == [p.name for p in guide[channel.id][3:]]  # past ones have no record
    assert set(body["results"][0]) == spec_fields("/program/list/search/", "results")
    assert body["results"][0]["id"] == channel.id
    channel.recording_days = 1
    channel.save()
    archive = api("program/list/search/", search="show channel 0", only_archive=1)
    assert [r["program_id"] for r in archive["results"]] == [p.id for p in guide[channel.id][:4]]
    assert api("program/list/search/", search="Other channel")["results"] == []
    paged = api("program/list/search/", search="show channel 0", limit=2, page=2)
    assert [r["program_id"] for r in paged["results"]] == [p.id for p in guide[channel.id][2:4]]


def test_noauth_program_list_and_detail(noauth, operator, guide, other_operator, other_guide):
    channel = operator.channels[0]
    start = hour_start()
    body = noauth("noauth/program/list/", cid=channel.id, time_from=ts(start), time_to=ts(start) + 3600)
    assert ids(body) == [guide[channel.id][3].id]
    assert set(body["programs"][0]) == spec_fields("/noauth/program/list/", "programs")
    assert noauth("noauth/program/list/", cid=other_operator.channels[0].id)["error"] == 1
    assert noauth("noauth/program/list/", cid=channel.id, api_key="bad")["error"] == 403
    detail = noauth("noauth/program/detail/", pid=guide[channel.id][3].id)
    assert detail["channel_name"] == "Channel 0" and detail["blocked"] == 0
    assert noauth("noauth/program/detail/", pid=other_guide[other_operator.channels[0].id][3].id)["error"] == 1
    assert noauth("noauth/program/detail/", pid="x")["error"] == 1


@pytest.mark.parametrize("day", ["31.12.9999", "32.01.2024", "1.1", "٣١.١٢.٢٠٢٤"])
def test_program_list_refuses_a_date_it_cannot_turn_into_a_day_naming_it(api, operator, guide, day):
    # The last day of the calendar has no end within what a datetime holds: it was error 500.
    body = api("program/list/", cid=operator.channels[0].id, date=day)
    assert body["error"] == 1 and set(body["error_fields"]) == {"date"}
