"""Programmes of channels: /channel/programs/, /channel/list/programs/, /premiere/list/."""

from __future__ import annotations

import datetime as dt

import pytest

from epg.models import EpgCategory, Premiere
from tests import factories as f

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import API, hour_start, spec_fields

pytestmark = pytest.mark.django_db


def ts(value: dt.datetime) -> int:
    return int(value.timestamp())


def test_channel_programs_returns_the_programme_on_air_and_the_next_ones(api, operator, guide):
    channel = operator.channels[0]
    body = api("channel/programs/", cid=channel.id, limit=3)
    assert body["error"] == 0
    expected = guide[channel.id][3:6]
    assert [p["id"] for p in body["programs"]] == [p.id for p in expected]
    assert set(body["programs"][0]) == spec_fields("/channel/programs/", "programs")
    assert body["programs"][0]["program_begin_time"] == ts(expected[0].time_begin)
    assert body["programs"][0]["datetime_end"] == ts(expected[0].time_end)


def test_channel_programs_defaults_to_six_and_compact_drops_descriptions(api, operator, guide):
    body = api("channel/programs/", cid=operator.channels[0].id, compact=1)
    assert len(body["programs"]) == 6
    assert set(body["programs"][0]) == {
        "id",
        "program_name",
        "program_begin_time",
        "program_end_time",
        "program_preview_url",
        "program_rating",
    }


def test_channel_programs_may_be_cached_until_the_programme_on_air_ends(client, operator, guide, session):
    response = client.get(f"{API}channel/programs/", {"authkey": session.authkey, "cid": operator.channels[0].id})
    max_age = int(response["Cache-Control"].split("=")[1])
    assert 0 < max_age <= 3600


def test_timeshift_offset_shifts_the_times_but_not_the_datetimes(api, operator, guide):
    body = api("channel/programs/", cid=operator.channels[0].id, timeshift_offset=2, limit=1)
    shown = body["programs"][0]
    original = guide[operator.channels[0].id][1]  # on air two hours ago
    assert shown["id"] == original.id
    assert shown["program_begin_time"] == ts(original.time_begin) + 7200
    assert shown["datetime_begin"] == ts(original.time_begin)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1000}, {"cid": "x"}, {"timeshift_offset": 99}])
def test_channel_programs_refuses_bad_parameters_with_error_1(api, operator, params):
    params = {"cid": operator.channels[0].id, **params}
    assert api("channel/programs/", **params)["error"] == 1


def test_channel_programs_refuses_another_operators_channel(api, other_operator, other_guide):
    body = api("channel/programs/", cid=other_operator.channels[0].id)
    assert body["error"] == 1 and "cid" in body["error_fields"]


def test_a_warm_channel_programs_call_costs_at_most_two_queries(api, operator, guide, django_assert_max_num_queries):
    api("channel/programs/", cid=operator.channels[0].id)
    with django_assert_max_num_queries(2):
        assert len(api("channel/programs/", cid=operator.channels[0].id)["programs"]) == 6


def test_channel_list_programs_gives_each_channel_its_programmes_in_the_range(api, operator, guide):
    c0, c1, c2 = operator.channels
    start = hour_start()
    body = api(
        "channel/list/programs/",
        _post=True,
        channel_ids=f"{c1.id},{c0.id}",
        programs_from_ts=ts(start - dt.timedelta(minutes=30)),
        programs_to_ts=ts(start + dt.timedelta(hours=2)),
    )
    assert body["error"] == 0
    assert [c["id"] for c in body["channels"]] == [c0.id, c1.id]  # the channel list's order
    first = body["channels"][0]
    assert [p["id"] for p in first["programs"]] == [p.id for p in guide[c0.id][2:5]]
    assert first["current_program_id"] == guide[c0.id][3].id
    assert set(first["programs"][0]) == spec_fields("/channel/list/programs/", "channels.programs")


def test_channel_list_programs_without_ids_covers_every_channel(api, operator, guide):
    start = hour_start()
    body = api(
        "channel/list/programs/",
        _post=True,
        programs_from_ts=ts(start + dt.timedelta(hours=20)),
        programs_to_ts=ts(start + dt.timedelta(hours=21)),
    )
    assert [c["id"] for c in body["channels"]] == [c.id for c in operator.channels]
    assert all(c["programs"] == [] and c["current_program_id"] == 0 for c in body["channels"])


def test_channel_list_programs_error_codes(api, operator, other_operator):
    start = ts(hour_start())
    foreign = api(
        "channel/list/programs/",
        _post=True,
        channel_ids=other_operator.channels[0].id,
        programs_from_ts=start,
        programs_to_ts=start + 60,
    )
    assert foreign["error"] == 2
    assert api("channel/list/programs/", _post=True, programs_from_ts=start)["error"] == 1
    backwards = api("channel/list/programs/", _post=True, programs_from_ts=start, programs_to_ts=start - 1)
    assert backwards["error"] == 1
    unknown_sort = api(
        "channel/list/programs/", _post=True, programs_from_ts=start, programs_to_ts=start + 60, channel_sort_id=9999
    )
    assert unknown_sort["error"] == 1


def test_channel_list_programs_translates_categories(api, operator, guide, settings):
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["ru"]
    category = EpgCategory.objects.create(name="Films", name_lang1="Фильмы")
    program = guide[operator.channels[0].id][3]
    program.category = category
    program.save()
    start = ts(program.time_begin)
    body = api(
        "channel/list/programs/",
        _post=True,
        lang="ru",
        channel_ids=operator.channels[0].id,
        programs_from_ts=start,
        programs_to_ts=start + 60,
    )
    assert body["channels"][0]["programs"][0]["category"] == "Фильмы"
    assert body["channels"][0]["programs"][0]["category_id"] == category.id


def test_premiere_list_shows_coming_premieres_of_the_accounts_channels(
    api, operator, guide, other_operator, other_guide
):
    channel = operator.channels[0]
    program = guide[channel.id][5]
    Premiere.objects.create(
        epg_channel=channel.epg_channel, program=program, name="Big film", time_begin=program.time_begin
    )
    Premiere.objects.create(
        epg_channel=other_operator.channels[0].epg_channel, name="Their film", time_begin=program.time_begin
    )
    Premiere.objects.create(
        epg_channel=channel.epg_channel, name="Old film", time_begin=program.time_begin - dt.timedelta(days=2)
    )
    body = api("premiere/list/")
    assert [p["program_name"] for p in body["premieres"]] == ["Big film"]
    item = body["premieres"][0]
    assert item["id"] == channel.id and item["program_id"] == program.id
    assert set(item) == spec_fields("/premiere/list/", "premieres")
    assert api("premiere/list/", cid=other_operator.channels[0].id)["error"] == 1


def test_a_guide_shared_by_two_operators_shows_to_both_but_each_only_through_its_own_channels(
    api, operator, other_operator, other_session
):
    shared = f.EpgChannelFactory()
    program = f.ProgramFactory(epg_channel=shared, name="Shared show")
    for channel in (operator.channels[0], other_operator.channels[0]):
        channel.epg_channel = shared
        channel.save()
    mine = api("channel/programs/", cid=operator.channels[0].id, limit=1)
    theirs = api("channel/programs/", _session=other_session, cid=other_operator.channels[0].id, limit=1)
    assert mine["programs"][0]["id"] == theirs["programs"][0]["id"] == program.id
    assert api("channel/programs/", cid=other_operator.channels[0].id)["error"] == 1


@pytest.mark.parametrize("offset", [25, -25, 10**12, 2**62, "9" * 400])
def test_premiere_list_refuses_a_timeshift_offset_beyond_a_day_naming_it(api, operator, guide, offset):
    # An offset of 10**12 hours made the premieres' start a time before year 1: error 500.
    body = api("premiere/list/", timeshift_offset=offset)
    assert body["error"] == 1 and set(body["error_fields"]) == {"timeshift_offset"}
    assert api("premiere/list/", timeshift_offset=-24)["error"] == 0


def test_a_timeshift_offset_in_seconds_is_refused_with_the_valid_range_in_hours(api, operator, guide):
    body = api("channel/programs/", cid=operator.channels[0].id, timeshift_offset=3600)
    assert body["error"] == 1
    assert body["error_fields"] == {"timeshift_offset": "expected a whole number from -24 to 24"}
    assert "timeshift_offset: expected a whole number from -24 to 24" in body["error_message"]
    assert api("channel/programs/", cid=operator.channels[0].id, timeshift_offset=24)["error"] == 0
