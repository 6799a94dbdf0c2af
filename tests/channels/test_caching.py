"""The caches of live content: generations bumped by signals and services, the warming
command, EPG day windows and the now/next snapshot."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import channel_list_version
from channels import selectors as live
from channels import services
from channels.models import AccountChannelSetting, Camera, ChannelSort, Radio
from epg import selectors as epg_selectors
from epg.models import EpgCategory, EpgGenre
from epg.selectors import DAY, epg_channel_dep, epg_days, programs_between, programs_from
from smarty.cache import generations
from tests import factories as f

pytestmark = pytest.mark.django_db


def gen(dep: str) -> int:
    return generations([dep])[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda op: op.channels[0].save(),
        lambda op: op.channels[0].delete(),
        lambda op: op.channels[0].tariffs.remove(op.tariff),
        lambda op: op.tariff.channels.clear(),
        lambda op: op.category.save(),
        lambda op: Radio.objects.create(client=op.client, name="R", uri="http://r"),
        lambda op: Camera.objects.create(client=op.client, name="C"),
        lambda op: ChannelSort.objects.create(client=op.client, name="S"),
    ],
)
def test_any_change_of_an_operators_content_bumps_its_generation_only(operator, other_operator, change):
    mine, theirs = live.client_content_dep(operator.client.pk), live.client_content_dep(other_operator.client.pk)
    before, other_before = gen(mine), gen(theirs)
    change(operator)
    assert gen(mine) != before
    assert gen(theirs) == other_before


def test_programme_saves_bump_their_epg_channel(db):
    program = f.ProgramFactory()
    dep = epg_channel_dep(program.epg_channel_id)
    before = gen(dep)
    program.name = "changed"
    program.save()
    assert gen(dep) != before
    before = gen(dep)
    program.genres.add(EpgGenre.objects.create(name="Drama"))
    assert gen(dep) != before


def test_an_epg_channels_new_icon_reaches_the_channel_list_of_operators_using_it(operator):
    epg = f.EpgChannelFactory(icon="old.png")
    operator.channels[0].epg_channel = epg
    operator.channels[0].save()
    assert live.channel_catalogue(operator.client.pk)["by_id"][operator.channels[0].id]["icon_parts"][0].endswith("old")
    epg.icon = "new.png"
    epg.save()
    assert live.channel_catalogue(operator.client.pk)["by_id"][operator.channels[0].id]["icon_parts"][0].endswith("new")


def test_customer_tariff_changes_reach_the_accounts_entitlement(operator):
    account = operator.account
    assert live.viewer_tariff_ids(account, device_group=None) == {operator.tariff.id}
    extra = f.TariffFactory(client=operator.client)
    operator.customer.tariffs.add(extra)
    assert live.viewer_tariff_ids(account, device_group=None) == {operator.tariff.id, extra.id}
    extra.enabled = False
    extra.save()
    assert live.viewer_tariff_ids(account, device_group=None) == {operator.tariff.id}


def test_tariff_geo_rules_apply_when_the_location_is_known(operator):
    from clients.models import City, Country

    latvia = Country.objects.create(code="LV", name="Latvia")
    estonia = Country.objects.create(code="EE", name="Estonia")
    tallinn = City.objects.create(country=estonia, name="Tallinn")
    operator.tariff.available_everywhere = False
    operator.tariff.save()
    operator.tariff.countries.add(latvia)
    account = operator.account
    assert live.viewer_tariff_ids(account, device_group=None, location=live.Location(latvia.id)) == {operator.tariff.id}
    assert live.viewer_tariff_ids(account, device_group=None, location=live.Location(estonia.id, tallinn.id)) == set()
    operator.tariff.cities.add(tallinn)
    assert live.viewer_tariff_ids(account, device_group=None, location=live.Location(estonia.id, tallinn.id)) == {
        operator.tariff.id
    }
    assert live.viewer_tariff_ids(account, device_group=None, location=None) == {operator.tariff.id}


def test_account_channel_services_validate_ids_and_bump_the_account(operator, other_operator):
    from accounts.selectors import account_dep

    dep = account_dep(operator.account.pk)
    before = gen(dep)
    services.account_channels_sort(account=operator.account, channel_ids=[operator.channels[2].id])
    assert gen(dep) != before
    assert live.account_channels(operator.account).order == (operator.channels[2].id,)
    with pytest.raises(services.ChannelNotFoundError) as caught:
        services.account_channels_sort(account=operator.account, channel_ids=[other_operator.channels[0].id])
    assert caught.value.ids == [other_operator.channels[0].id]
    services.channel_viewed(account=operator.account, channel_id=operator.channels[1].id)
    services.channel_viewed(account=operator.account, channel_id=operator.channels[1].id)
    assert AccountChannelSetting.objects.filter(account=operator.account).count() == 2
    assert live.account_last_viewed(operator.account) == (operator.channels[1].id,)


def test_channel_list_version_changes_with_the_content_and_the_account(operator):
    first = channel_list_version(operator.account)
    assert channel_list_version(operator.account) == first
    operator.channels[0].save()
    second = channel_list_version(operator.account)
    assert second != first
    services.account_channel_set(account=operator.account, channel_id=operator.channels[0].id, is_favorite=True)
    assert channel_list_version(operator.account) != second


def test_epg_day_windows_hold_programmes_crossing_midnight_once_per_range(db):
    epg = f.EpgChannelFactory()
    midnight = dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    late = f.ProgramFactory(
        epg_channel=epg, time_begin=midnight - dt.timedelta(hours=1), time_end=midnight + dt.timedelta(hours=1)
    )
    early = f.ProgramFactory(
        epg_channel=epg, time_begin=midnight + dt.timedelta(hours=1), time_end=midnight + dt.timedelta(hours=2)
    )
    day2 = int(midnight.timestamp())
    windows = epg_days([epg.id], [day2 - DAY, day2])
    assert [r["id"] for r in windows[(epg.id, day2 - DAY)]] == [late.id]
    assert [r["id"] for r in windows[(epg.id, day2)]] == [late.id, early.id]
    assert [r["id"] for r in programs_between(epg.id, day2 - 7200, day2 + 7200)] == [late.id, early.id]


def test_the_next_programmes_are_those_of_the_range_read_one_day_window_at_a_time(db, monkeypatch):
    epg = f.EpgChannelFactory()
    midnight = dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    # Two-hour programmes from 20:00 the day before over three days, one crossing each midnight.
    ids = [
        f.ProgramFactory(
            epg_channel=epg,
            time_begin=midnight + dt.timedelta(hours=2 * n - 4),
            time_end=midnight + dt.timedelta(hours=2 * n - 2),
        ).id
        for n in range(30)
    ]
    day2 = int(midnight.timestamp())
    for start in (day2 - 3 * 3600, day2 - 1800, day2 + 5400, day2 + DAY - 60):
        for limit in (1, 3, 6, 40):
            expected = programs_between(epg.id, start, start + 7 * DAY)[:limit]
            assert programs_from(epg.id, start, limit, 7 * DAY) == expected
    assert [r["id"] for r in programs_from(epg.id, day2 - 1800, 2, 7 * DAY)] == ids[1:3]
    # Within the horizon only: the same as the range's own end.
    assert programs_from(epg.id, day2, 40, 3 * 3600) == programs_between(epg.id, day2, day2 + 3 * 3600)

    read: list[list[int]] = []
    days = epg_selectors.epg_days
    monkeypatch.setattr(epg_selectors, "epg_days", lambda e, d: read.append(list(d)) or days(e, d))
    programs_from(epg.id, day2 + 3600, 6, 7 * DAY)
    assert read == [[day2]]  # six programmes in the day of the start: its window alone is read
    read.clear()
    programs_from(epg.id, day2 + DAY - 3600, 6, 7 * DAY)
    assert read == [[day2], [day2 + DAY]]
    read.clear()
    programs_from(epg.id, day2, 40, 7 * DAY)  # more than the guide holds: the rest in one read
    assert read == [[day2], [day2 + DAY], [day2 + n * DAY for n in range(2, 7)]]


def test_epg_day_windows_are_built_together_and_then_read_without_queries(db):
    epgs = [f.EpgChannelFactory() for _ in range(5)]
    for epg in epgs:
        f.ProgramFactory(epg_channel=epg)
    today = int(dt.datetime.now(dt.UTC).timestamp()) // DAY * DAY
    with CaptureQueriesContext(connection) as cold:
        epg_days([e.id for e in epgs], [today, today + DAY])
    assert len(cold) <= 4  # programmes, their genres, categories and genres: once for all ten windows
    with CaptureQueriesContext(connection) as warm:
        windows = epg_days([e.id for e in epgs], [today, today + DAY])
    assert len(warm) == 0 and len(windows) == 10


def test_now_next_picks_the_programme_on_air_at_any_moment_of_the_bucket(operator, settings):
    settings.SMARTY_EPG_NOW_WINDOW = 3600
    epg = f.EpgChannelFactory()
    operator.channels[0].epg_channel = epg
    operator.channels[0].save()
    base = (int(dt.datetime.now(dt.UTC).timestamp()) // 3600 + 2) * 3600  # a future bucket start
    at = lambda s: dt.datetime.fromtimestamp(base + s, dt.UTC)  # noqa: E731
    first = f.ProgramFactory(epg_channel=epg, time_begin=at(-600), time_end=at(1200))
    second = f.ProgramFactory(epg_channel=epg, time_begin=at(1200), time_end=at(5000))
    third = f.ProgramFactory(epg_channel=epg, time_begin=at(5000), time_end=at(9000))
    f.ProgramFactory(epg_channel=epg, time_begin=at(9000), time_end=at(9999))
    snapshot = live.now_next(operator.client.pk, 0, base + 10)
    slots = snapshot[epg.id]
    assert [s.current["program_id"] for s in slots] == [first.id, second.id, third.id]
    current, following = live.current_and_next(slots, base + 10)
    assert (current.current["program_id"], following.next["next_program_id"]) == (first.id, second.id)
    current, following = live.current_and_next(slots, base + 3000)
    assert (current.current["program_id"], following.next["next_program_id"]) == (second.id, third.id)
    assert live.current_and_next(slots, base - 5000) == (None, slots[0])


def test_cache_channel_list_warms_every_operator_so_devices_never_find_a_cold_list(operator, other_operator, client):
    f.SessionFactory(account=operator.account)  # a recently active device
    records: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(getattr(record, "event", ""))

    handler = Catch()
    for name in ("smarty_content_requests", "smarty_management"):
        logging.getLogger(name).addHandler(handler)
    try:
        call_command("cache_channel_list")
        session = f.SessionFactory(account=operator.account)
        response = client.get("/tvmiddleware/api/channel/list/", {"authkey": session.authkey})
    finally:
        for name in ("smarty_content_requests", "smarty_management"):
            logging.getLogger(name).removeHandler(handler)
    assert response.json()["error"] == 0
    assert "MANAGEMENT_COMMAND_SUCCESS" in records
    assert "CLIENT_CHANNELS_NOT_FOUND" not in records


def test_cache_channel_list_takes_one_operator_or_refuses_an_unknown_one(operator, capsys):
    call_command("cache_channel_list", client_id=operator.client.pk)
    assert "1 operator(s)" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("cache_channel_list", client_id=999999)


def test_epg_dictionary_changes_reach_cached_rows(operator):
    from epg.selectors import epg_dictionaries

    category = EpgCategory.objects.create(name="Films")
    assert epg_dictionaries()["categories"][category.id]["name"] == "Films"
    category.name = "Movies"
    category.save()
    assert epg_dictionaries()["categories"][category.id]["name"] == "Movies"


class RaisingCache(LocMemCache):
    """A cache whose every operation fails, like a Redis that went away without
    IGNORE_EXCEPTIONS."""

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache down")

    get = set = add = get_many = set_many = incr = delete = _fail


def test_live_content_is_built_from_the_database_when_the_cache_raises(operator):
    from django.test import override_settings

    from smarty.cache import local_values

    local_values.clear()
    with override_settings(CACHES={"default": {"BACKEND": "tests.channels.test_caching.RaisingCache"}}):
        catalogue = live.channel_catalogue(operator.client.pk)
        view = live.channel_view(operator.client.pk, frozenset({operator.tariff.id}), 0)
        windows = epg_days([1], [0])
    assert [row["name"] for row in catalogue["channels"]] == ["Channel 0", "Channel 1", "Channel 2"]
    assert [e.id for e in view] == [c.id for c in operator.channels]
    assert windows == {(1, 0): []}


def test_the_warming_task_runs_every_minute_and_warms(operator):
    from channels.tasks import cache_channel_list
    from smarty.cache import local_values
    from smarty.schedules import SCHEDULES, crontab

    task, schedule = SCHEDULES["cache_channel_list"]
    assert task == "channels.tasks.cache_channel_list" and schedule == crontab()
    cache_channel_list.delay()
    local_values.clear()  # read from the shared cache, as another process would
    with CaptureQueriesContext(connection) as queries:
        assert len(live.channel_catalogue(operator.client.pk)["channels"]) == 3
    assert len(queries) == 0


def _operator_generations(op) -> dict:
    from clients.selectors import client_dep
    from epg.selectors import client_epg_dep
    from streaming.selectors import streaming_dep
    from tariffs.selectors import tariffs_dep

    pk = op.client.pk
    deps = [client_dep(pk), live.client_content_dep(pk), tariffs_dep(pk), streaming_dep(pk), client_epg_dep(pk)]
    deps += [f"account:{a}" for a in (op.account.pk, op.account_without_tariff.pk, op.inactive_account.pk)]
    return dict(zip(deps, generations(deps), strict=True))


def _theirs_changes():
    from channels.services import account_camera_assign, channel_sort_set
    from clients.models import PortalSettings
    from streaming.models import Maintenance
    from tariffs.services import tariff_stream_service_assign

    return [
        lambda op: op.channels[0].save(),
        lambda op: op.tariff.save(),
        lambda op: op.customer.tariffs.add(f.TariffFactory(client=op.client)),
        lambda op: op.account.tariffs.add(op.tariff),
        lambda op: tariff_stream_service_assign(tariff=op.tariff, service=f.StreamServiceFactory(client=op.client)),
        lambda op: f.ProgramFactory(epg_channel=op.channels[0].epg_channel),
        lambda op: PortalSettings.objects.create(client=op.client),
        lambda op: Maintenance.objects.create(client=op.client, start_time=dt.datetime(2030, 1, 1, tzinfo=dt.UTC)),
        lambda op: account_camera_assign(account=op.account, cameras=[Camera.objects.create(client=op.client)]),
        lambda op: channel_sort_set(client=op.client, mode="name"),
        lambda op: services.account_channel_set(account=op.account, channel_id=op.channels[0].pk, is_favorite=True),
    ]


@pytest.mark.parametrize("change", range(11))
def test_a_change_of_one_operator_leaves_every_cached_value_of_the_other_valid(
    operator, other_operator, change, django_capture_on_commit_callbacks
):
    for op in (operator, other_operator):
        op.channels[0].epg_channel = f.EpgChannelFactory()
        op.channels[0].save()
    mine, version = _operator_generations(operator), channel_list_version(operator.account)
    with django_capture_on_commit_callbacks(execute=True):
        _theirs_changes()[change](other_operator)
    assert _operator_generations(operator) == mine
    assert channel_list_version(operator.account) == version
