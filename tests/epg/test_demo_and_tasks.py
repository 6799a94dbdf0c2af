"""The demo guide (load_demo calls epg.demo.load) and the Celery tasks with their schedule."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from epg import demo, tasks
from epg.models import EpgChannel, EpgSource, Program
from smarty.schedules import SCHEDULES

from .conftest import programme, xmltv


def test_the_demo_guide_ships_inside_the_project_with_its_notice():
    assert not Path(demo.DEMO_FILE).is_absolute()
    assert (Path(settings.BASE_DIR) / demo.DEMO_FILE).is_file()
    assert "Unlicense" in (Path(settings.BASE_DIR) / "epg/demo_data/NOTICE.md").read_text()


def test_demo_load_links_every_demo_channel_to_a_guide_that_covers_now(operator, other_operator):
    result = demo.load(operator.client, operator.channels)
    assert result["epg_channels"] == 5
    assert result["linked_channels"] == 3
    assert result["programmes"] > 500
    source = EpgSource.objects.get(pk=result["source_id"])
    assert source.parser == "xmltv_from_file" and source.url == demo.DEMO_FILE
    now = timezone.now()
    for channel in operator.channels:
        channel.refresh_from_db()
        assert channel.epg_channel is not None
        assert Program.objects.filter(epg_channel=channel.epg_channel, time_begin__lte=now, time_end__gt=now).exists()
    for channel in other_operator.channels:
        channel.refresh_from_db()
        assert channel.epg_channel is None  # another operator's channels are not touched


def test_demo_load_twice_reuses_the_source_and_channels(operator):
    demo.load(operator.client, operator.channels)
    again = demo.load(operator.client, operator.channels)
    assert EpgSource.objects.count() == 1 and EpgChannel.objects.count() == 5
    assert again["programmes"] > 500


def test_the_schedule_registers_the_seed_crontab():
    task, schedule = SCHEDULES["epg_import"]
    assert task == "epg.tasks.epg_import"
    assert schedule.hour == {5, 9, 13} and schedule.minute == {0}
    assert SCHEDULES["epg_cleanup"][0] == "epg.tasks.epg_cleanup"
    assert SCHEDULES["premiere_import"][0] == "epg.tasks.premiere_import"


def test_the_import_task_imports_and_the_cleanup_task_cleans(make_source, make_channel, tmp_path):
    path = tmp_path / "guide.xml"
    path.write_bytes(xmltv(programme("a", "20200301100000 +0000", "20200301110000 +0000", "Long ago")))
    channel = make_channel(make_source(path), "a")
    assert "1 programmes imported" in tasks.epg_import.delay().get()
    assert Program.objects.filter(epg_channel=channel).count() == 1
    assert tasks.epg_cleanup.delay().get() == "1 programmes removed"
    assert not Program.objects.filter(epg_channel=channel).exists()


def test_the_force_import_task_reimports_one_channel(make_source, make_channel, tmp_path):
    path = tmp_path / "guide.xml"
    path.write_bytes(xmltv(programme("a", "20250301100000 +0000", "20250301110000 +0000", "A")))
    channel = make_channel(make_source(path), "a")
    tasks.epg_channel_force_import.delay(channel.pk).get()
    assert Program.objects.filter(epg_channel=channel).count() == 1
    assert "has no source" in tasks.epg_channel_force_import.delay(999).get()


def test_a_periodic_task_skips_while_the_command_runs(db):
    from smarty.commands import command_lock

    with command_lock("epg_import"):
        assert tasks.epg_import.delay().get() == "epg_import is already running"
    assert tasks.premiere_import.delay().get() == "0 premieres"
