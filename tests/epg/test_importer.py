"""The importer against the database: real guides, time zones and shifts, maps, languages,
replacement of the covered range, unchanged input, logging and cache generations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from epg.models import EpgCategory, EpgGenre, EpgSource, EpgSourceCategoryMap, EpgSourceGenreMap, Program
from epg.services import (
    epg_channel_set_hour_shift,
    epg_import,
    epg_source_import,
    epg_source_set_hour_shift,
)
from smarty.cache import dep, generations
from tests import factories as f

from .conftest import data_file, programme, xmltv

pytestmark = pytest.mark.usefixtures("both_import_ways")


def t(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=UTC)


def stamp(hour: int, minute: int = 0, day: int = 1, zone: str = "+0000") -> str:
    return f"202503{day:02d}{hour:02d}{minute:02d}00 {zone}".strip()


def guide(tmp_path, *programmes: str, name: str = "guide.xml") -> str:
    path = tmp_path / name
    path.write_bytes(xmltv(*programmes))
    return str(path)


def programmes_of(channel) -> list[tuple]:
    return list(
        Program.objects.filter(epg_channel=channel).order_by("time_begin").values_list("name", "time_begin", "time_end")
    )


# -- real guides ----------------------------------------------------------------------------------


def test_a_real_plus_0300_guide_is_imported_in_utc_and_reported(make_source, make_channel, epg_events):
    source = make_source(data_file("iptv-org_epg.iptvx.one_ru_+0300.xml"))
    channel = make_channel(source, "12-omsk")
    summary = epg_import(sources=[source])
    assert summary.programmes_imported == 230
    first = Program.objects.filter(epg_channel=channel).order_by("time_begin").first()
    assert first.name == "д/с Необыкновенные люди"
    assert (first.time_begin, first.time_end) == (
        datetime(2025, 9, 21, 22, 45, tzinfo=UTC),
        datetime(2025, 9, 22, 0, 0, tzinfo=UTC),
    )
    (imported,) = epg_events.events("EPG_CHANNEL_IMPORTED")
    assert imported == {"epg_channel": f"12-omsk ({channel.pk})", "source": source.name, "programs_imported": 230}
    assert epg_events.events("EPG_IMPORT_FINISHED") == [{"channels_processed": 1, "programms_imported": 230}]
    source.refresh_from_db()
    assert source.last_import_status.startswith("ok: 1 imported")
    assert source.last_import_at is not None


def test_multilingual_titles_and_descriptions_fill_the_language_columns(make_source, make_channel):
    source = make_source(data_file("iptv-org_epg.tmacaraibes.com_multilang.xml"))
    channel = make_channel(source, "TMA.gp@SD")
    epg_import(sources=[source])
    first = Program.objects.filter(epg_channel=channel).order_by("time_begin").first()
    assert (first.name, first.name_lang1, first.name_lang2, first.name_lang3) == ("GLOBAL", "GLOBAL", "GLOBAL", "")
    assert first.description == "All African and Caribbean music."
    assert first.description_lang1 == "Toutes les musiques africaines et caribéennes."
    assert first.description_lang2 == "Toda la música africana y caribeña."
    assert first.age_rating == "0"
    assert first.preview == "http://www.tmacaraibes.com/images/global/global-001.jpg"
    assert first.meta["genres"] == ["music"]


def test_missing_stop_times_take_the_next_start_and_a_last_programme_without_one_is_dropped(make_source, make_channel):
    source = make_source(data_file("xmltv-project_t-data_all-quirks.xml"))
    channel = make_channel(source, "1")  # 13 programmes, most without stop, several per start
    epg_import(sources=[source])
    assert programmes_of(channel) == [
        # B at 03:00 has no stop and the next start is two years later: dropped, not stretched
        ("A", datetime(2000, 1, 1, 0, 0, tzinfo=UTC), datetime(2000, 1, 1, 2, 0, tzinfo=UTC)),
        ("A", datetime(2001, 12, 28, 11, 31, 0, tzinfo=UTC), datetime(2001, 12, 28, 11, 31, 1, tzinfo=UTC)),
        ("B", datetime(2001, 12, 28, 11, 31, 1, tzinfo=UTC), datetime(2001, 12, 28, 11, 31, 2, tzinfo=UTC)),
    ]


def test_a_last_programme_without_stop_uses_its_length(make_source, make_channel):
    source = make_source(data_file("xmltv-project_test.xml"))
    channel = make_channel(source, "3sat.de")
    epg_import(sources=[source])
    item = Program.objects.get(epg_channel=channel)
    assert item.time_end - item.time_begin == timedelta(minutes=60)
    assert (item.season, item.episode, item.episode_num) == (3, 10, "S03E10")
    assert item.meta["participants"]["director"] == ["blah"]


def test_named_zones_and_clumps_of_the_quirks_file_import(make_source, make_channel):
    source = make_source(data_file("xmltv-project_t-data_all-quirks.xml"))
    bbc = make_channel(source, "south-east.bbc1.bbc.co.uk")
    epg_import(sources=[source])
    # two programmes of one clump share a start: the first is kept
    assert programmes_of(bbc) == [
        ("Kilroy", datetime(2002, 10, 4, 8, 0, tzinfo=UTC), datetime(2002, 10, 4, 9, 0, tzinfo=UTC)),
    ]


# -- zones and shifts -------------------------------------------------------------------------------


def test_times_without_offset_use_the_source_time_zone(make_source, make_channel, tmp_path):
    path = guide(tmp_path, programme("a", "20250301120000", "20250301130000", "Noon in Moscow"))
    source = make_source(path, time_zone="Europe/Moscow")
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    assert programmes_of(channel) == [("Noon in Moscow", t(9), t(10))]


def test_the_epg_channel_and_source_hour_shifts_move_the_guide(make_source, make_channel, tmp_path):
    path = guide(tmp_path, programme("a", stamp(12), stamp(13), "Shifted"))
    source = make_source(path, hour_shift=-1)
    channel = make_channel(source, "a", hour_shift=3)
    epg_import(sources=[source])
    assert programmes_of(channel) == [("Shifted", t(14), t(15))]


def test_two_epg_channels_with_the_same_external_id_both_get_the_guide(make_source, make_channel, tmp_path):
    path = guide(tmp_path, programme("a", stamp(12), stamp(13), "News"))
    source = make_source(path)
    plain = make_channel(source, "a")
    shifted = make_channel(source, "a", hour_shift=1)
    epg_import(sources=[source])
    assert programmes_of(plain) == [("News", t(12), t(13))]
    assert programmes_of(shifted) == [("News", t(13), t(14))]


# -- categories and genres ------------------------------------------------------------------------


def test_unknown_source_categories_are_recorded_unmapped_for_the_admin(make_source, make_channel):
    source = make_source(data_file("iptv-org_nzxmltv.com_custom-tags.xml"))
    channel = make_channel(source, "1")
    epg_import(sources=[source])
    assert set(EpgSourceCategoryMap.objects.filter(source=source).values_list("source_name", "category")) == {
        ("Documentary", None),
        ("Factual", None),
    }
    assert set(EpgSourceGenreMap.objects.filter(source=source).values_list("source_name", "genre")) == {
        ("Documentary", None),
        ("Factual", None),
    }
    assert set(Program.objects.filter(epg_channel=channel).values_list("category", flat=True)) == {None}


def test_mapped_categories_and_genres_are_applied_and_a_new_mapping_reimports(make_source, make_channel):
    source = make_source(data_file("iptv-org_nzxmltv.com_custom-tags.xml"))
    channel = make_channel(source, "1")
    epg_import(sources=[source])
    docs = EpgCategory.objects.create(name="Documentaries")
    factual = EpgGenre.objects.create(name="Factual")
    EpgSourceCategoryMap.objects.filter(source=source, source_name="Documentary").update(category=docs)
    EpgSourceGenreMap.objects.filter(source=source, source_name="Factual").update(genre=factual)
    source.refresh_from_db()
    summary = epg_import(sources=[source])
    assert summary.results[0].channels_imported == 1  # the maps changed: not skipped as unchanged
    first, second = Program.objects.filter(epg_channel=channel).order_by("time_begin")
    assert first.category == docs and second.category == docs
    assert list(first.genres.all()) == []
    assert list(second.genres.all()) == [factual]
    assert second.meta["genres"] == ["Documentary", "Factual"]


# -- replacing and skipping -------------------------------------------------------------------------


def test_the_new_guide_replaces_the_old_one_only_in_the_covered_range(make_source, make_channel, tmp_path, epg_events):
    source = make_source(
        guide(tmp_path, programme("a", stamp(10), stamp(11), "New 10"), programme("a", stamp(11), stamp(12), "New 11"))
    )
    channel = make_channel(source, "a")
    f.ProgramFactory(epg_channel=channel, name="Old 8", time_begin=t(8), time_end=t(9))
    f.ProgramFactory(epg_channel=channel, name="Old 10", time_begin=t(10), time_end=t(11))
    f.ProgramFactory(epg_channel=channel, name="Old 1130", time_begin=t(11, 30), time_end=t(12, 30))
    f.ProgramFactory(epg_channel=channel, name="Old 13", time_begin=t(13), time_end=t(14))
    epg_import(sources=[source])
    assert [name for name, *_ in programmes_of(channel)] == ["Old 8", "New 10", "New 11", "Old 13"]
    assert epg_events.events("EPG_REMOVED") == [
        {"epg_channel": f"a ({channel.pk})", "source": source.name, "removed_objects": 2}
    ]


def test_an_unchanged_file_is_skipped_before_parsing(make_source, make_channel, django_assert_max_num_queries):
    source = make_source(data_file("iptv-org_epg.iptvx.one_ru_+0300.xml"))
    channel = make_channel(source, "12-omsk")
    epg_import(sources=[source])
    ids = set(Program.objects.filter(epg_channel=channel).values_list("pk", flat=True))
    source.refresh_from_db()
    with django_assert_max_num_queries(8):
        summary = epg_import(sources=[source])
    result = summary.results[0]
    assert result.unchanged_input and result.programmes_imported == 0
    assert set(Program.objects.filter(epg_channel=channel).values_list("pk", flat=True)) == ids
    source.refresh_from_db()
    assert source.last_import_status == "unchanged"


def test_an_unchanged_channel_in_a_changed_file_is_skipped(make_source, make_channel, tmp_path):
    first = [programme("a", stamp(10), stamp(11), "A"), programme("b", stamp(10), stamp(11), "B")]
    path = guide(tmp_path, *first)
    source = make_source(path)
    a, b = make_channel(source, "a"), make_channel(source, "b")
    epg_import(sources=[source])
    kept = list(Program.objects.filter(epg_channel=a).values_list("pk", flat=True))
    guide(tmp_path, first[0], programme("b", stamp(10), stamp(11), "B changed"))
    source.refresh_from_db()
    result = epg_import(sources=[source]).results[0]
    assert (result.channels_imported, result.channels_unchanged) == (1, 1)
    assert list(Program.objects.filter(epg_channel=a).values_list("pk", flat=True)) == kept
    assert programmes_of(b) == [("B changed", t(10), t(11))]


def test_force_imports_an_unchanged_guide_again(make_source, make_channel, tmp_path):
    source = make_source(guide(tmp_path, programme("a", stamp(10), stamp(11), "A")))
    make_channel(source, "a")
    epg_import(sources=[source])
    source.refresh_from_db()
    result = epg_import(sources=[source], force=True).results[0]
    assert (result.unchanged_input, result.channels_imported, result.programmes_imported) == (False, 1, 1)


def test_a_changed_hour_shift_reimports_an_unchanged_file(make_source, make_channel, tmp_path):
    source = make_source(guide(tmp_path, programme("a", stamp(10), stamp(11), "A")))
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    epg_channel_set_hour_shift(epg_channel=channel, hour_shift=2)
    assert programmes_of(channel) == [("A", t(12), t(13))]  # the stored guide moves at once
    source.refresh_from_db()
    result = epg_import(sources=[source]).results[0]
    assert (result.channels_imported, result.removed) == (1, 1)  # the shift is part of the content hash
    assert programmes_of(channel) == [("A", t(12), t(13))]


def test_a_changed_source_hour_shift_moves_every_channel_of_the_source(make_source, make_channel, tmp_path):
    source = make_source(guide(tmp_path, programme("a", stamp(10), stamp(11), "A")))
    channel = make_channel(source, "a", hour_shift=1)
    epg_import(sources=[source])
    epg_source_set_hour_shift(source=source, hour_shift=-2)
    assert programmes_of(channel) == [("A", t(9), t(10))]
    source.refresh_from_db()
    epg_import(sources=[source])
    assert programmes_of(channel) == [("A", t(9), t(10))]


def test_duplicate_programmes_with_the_same_start_are_stored_once(make_source, make_channel, tmp_path):
    source = make_source(
        guide(tmp_path, programme("a", stamp(10), stamp(11), "A"), programme("a", stamp(10), stamp(11), "A"))
    )
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    assert programmes_of(channel) == [("A", t(10), t(11))]


def test_channels_spread_through_the_file_are_gathered_even_when_spilled_to_disk(
    make_source, make_channel, tmp_path, settings
):
    settings.SMARTY_EPG_SPOOL_PROGRAMMES = 3
    items = []
    for hour in range(10, 16):
        items.append(programme("b", stamp(hour), stamp(hour + 1), f"B{hour}"))
        items.append(programme("a", stamp(hour), stamp(hour + 1), f"A{hour}"))
    source = make_source(guide(tmp_path, *reversed(items)))
    a, b = make_channel(source, "a"), make_channel(source, "b")
    epg_import(sources=[source])
    assert [name for name, *_ in programmes_of(a)] == [f"A{h}" for h in range(10, 16)]
    assert [name for name, *_ in programmes_of(b)] == [f"B{h}" for h in range(10, 16)]


def test_overlaps_holes_and_repeated_names_are_logged(make_source, make_channel, tmp_path, epg_events):
    source = make_source(
        guide(
            tmp_path,
            programme("a", stamp(10), stamp(11, 10), "News"),
            programme("a", stamp(11), stamp(12), "News"),
            programme("a", stamp(13), stamp(14), "Film"),
        )
    )
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    label = f"a ({channel.pk})"
    assert epg_events.events("EPG_TIME_OVERLAP") == [
        {
            "epg_channel": label,
            "source": source.name,
            "program_name": "News",
            "previous_program_name": "News",
            "program_time_begin": t(11).isoformat(),
            "previous_time_end": t(11, 10).isoformat(),
        }
    ]
    assert epg_events.events("EPG_TIME_HOLE")[0]["program_name"] == "Film"
    assert epg_events.events("EPG_TIME_HOLE")[0]["previous_time_end"] == t(12).isoformat()
    assert epg_events.events("EPG_NAME_DOUBLE") == [
        {"epg_channel": label, "source": source.name, "program_name": "News"}
    ]


def test_the_channel_cache_generation_is_bumped_after_commit(
    make_source, make_channel, tmp_path, django_capture_on_commit_callbacks
):
    source = make_source(guide(tmp_path, programme("a", stamp(10), stamp(11), "A")))
    channel = make_channel(source, "a")
    (before,) = generations([dep("epg_channel", channel.pk)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        epg_import(sources=[source])
    assert generations([dep("epg_channel", channel.pk)]) == [before]  # not before the commit
    for callback in callbacks:
        callback()
    assert generations([dep("epg_channel", channel.pk)]) == [before + 1]


def test_disabled_sources_and_channels_are_left_alone(make_source, make_channel, tmp_path):
    path = guide(tmp_path, programme("a", stamp(10), stamp(11), "A"), programme("b", stamp(10), stamp(11), "B"))
    source = make_source(path)
    a = make_channel(source, "a")
    b = make_channel(source, "b", enabled=False)
    off = make_source(path, enabled=False)
    c = make_channel(off, "a")
    summary = epg_import()
    assert [r.source for r in summary.results] == [source.name]
    assert programmes_of(a) and not programmes_of(b) and not programmes_of(c)


def test_one_channel_of_a_source_can_be_imported(make_source, make_channel, tmp_path):
    path = guide(tmp_path, programme("a", stamp(10), stamp(11), "A"), programme("b", stamp(10), stamp(11), "B"))
    source = make_source(path)
    a, b = make_channel(source, "a"), make_channel(source, "b")
    result = epg_source_import(source=source, epg_channel_ids=[b.pk])
    assert not programmes_of(a) and programmes_of(b)
    assert result.channels_processed == 1
    assert EpgSource.objects.get(pk=source.pk).content_hash == ""  # a partial import is not remembered


@pytest.mark.parametrize("languages", [[], ["de"]])
def test_a_programme_in_an_unconfigured_language_still_gets_a_name(
    make_source, make_channel, tmp_path, settings, languages
):
    settings.SMARTY_ADDITIONAL_LANGUAGES = languages
    source = make_source(
        guide(tmp_path, programme("a", stamp(10), stamp(11), "x").replace("<title>", '<title lang="pt">'))
    )
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    assert programmes_of(channel) == [("x", t(10), t(11))]


def test_columns_that_vary_inside_a_channel_are_stored_row_by_row(make_source, make_channel, tmp_path):
    source = make_source(
        guide(
            tmp_path,
            programme("a", stamp(10), stamp(11), "Plain"),
            programme("a", stamp(11), stamp(12), "First run", "<premiere/><category>Film</category>"),
            programme(
                "a", stamp(12), stamp(13), "Old", '<desc lang="fr">Vieux</desc><rating><value>16+</value></rating>'
            ),
        )
    )
    channel = make_channel(source, "a")
    film = EpgCategory.objects.create(name="Films")
    EpgSourceCategoryMap.objects.create(source=source, source_name="Film", category=film)
    epg_import(sources=[source])
    rows = list(
        Program.objects.filter(epg_channel=channel)
        .order_by("time_begin")
        .values_list("name", "is_premiere", "category", "description_lang1", "age_rating", "is_blocked")
    )
    assert rows == [
        ("Plain", False, None, "", "", False),
        ("First run", True, film.pk, "", "", False),
        ("Old", False, None, "Vieux", "16", False),
    ]


def test_sequence_events_are_capped_per_channel_and_the_rest_counted(
    make_source, make_channel, tmp_path, epg_events, settings
):
    settings.SMARTY_EPG_SEQUENCE_EVENTS = 2
    # five holes and four repeated names in a row; the cap keeps two of each
    items = [programme("a", stamp(hour), stamp(hour, 30), "Loop") for hour in range(10, 16)]
    source = make_source(guide(tmp_path, *items))
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    assert [e["program_time_begin"] for e in epg_events.events("EPG_TIME_HOLE")] == [
        t(11).isoformat(),
        t(12).isoformat(),
    ]
    assert len(epg_events.events("EPG_NAME_DOUBLE")) == 2
    (imported,) = epg_events.events("EPG_CHANNEL_IMPORTED")
    assert imported == {
        "epg_channel": f"a ({channel.pk})",
        "source": source.name,
        "programs_imported": 6,
        "sequence_events_suppressed": 3 + 3,
    }


def test_without_a_cap_every_sequence_event_is_logged(make_source, make_channel, tmp_path, epg_events, settings):
    settings.SMARTY_EPG_SEQUENCE_EVENTS = 0
    items = [programme("a", stamp(hour), stamp(hour, 30), "Loop") for hour in range(10, 16)]
    source = make_source(guide(tmp_path, *items))
    make_channel(source, "a")
    epg_import(sources=[source])
    assert len(epg_events.events("EPG_TIME_HOLE")) == 5
    assert len(epg_events.events("EPG_NAME_DOUBLE")) == 5
    assert "sequence_events_suppressed" not in epg_events.events("EPG_CHANNEL_IMPORTED")[0]


def test_a_streamed_input_grouped_by_channel_needs_no_spool(make_source, make_channel, tmp_path, settings, monkeypatch):
    import epg.importer.source

    settings.SMARTY_EPG_STREAMING = True

    def no_spool(*args, **kwargs):
        raise AssertionError("a grouped input is written while it is read")

    monkeypatch.setattr(epg.importer.source, "Spool", no_spool)
    source = make_source(
        guide(
            tmp_path,
            programme("a", stamp(10), stamp(11), "A1"),
            programme("a", stamp(11), stamp(12), "A2"),
            programme("b", stamp(10), stamp(12), "B1"),
        )
    )
    a, b = make_channel(source, "a"), make_channel(source, "b")
    result = epg_import(sources=[source]).results[0]
    assert (result.channels_imported, result.programmes_imported) == (2, 3)
    assert [p[0] for p in programmes_of(a)] == ["A1", "A2"] and [p[0] for p in programmes_of(b)] == ["B1"]


def test_an_input_listing_a_channel_in_two_places_is_imported_whole_and_reported_once(
    make_source, make_channel, tmp_path, settings, epg_events
):
    settings.SMARTY_EPG_STREAMING = True
    source = make_source(
        guide(
            tmp_path,
            programme("a", stamp(10), stamp(11), "A1"),
            programme("bad", "not a time", stamp(11), "Broken"),
            programme("b", stamp(10), stamp(12), "B1"),
            programme("a", stamp(11), stamp(12), "A2"),
        )
    )
    a, b, bad = make_channel(source, "a"), make_channel(source, "b"), make_channel(source, "bad")
    result = epg_import(sources=[source]).results[0]
    assert [p[0] for p in programmes_of(a)] == ["A1", "A2"]
    assert [p[0] for p in programmes_of(b)] == ["B1"]
    assert (result.channels_processed, result.channels_imported, result.channels_failed) == (3, 2, 1)
    assert result.programmes_imported == 3
    imported = sorted(e["epg_channel"] for e in epg_events.events("EPG_CHANNEL_IMPORTED"))
    assert imported == sorted([f"a ({a.pk})", f"b ({b.pk})"])
    assert [e["epg_channel"] for e in epg_events.events("EPG_CHANNEL_IMPORT_ERROR")] == [f"bad ({bad.pk})"]


def test_meta_does_not_repeat_the_columns_and_the_guide_still_shows_previews_and_year(
    make_source, make_channel, tmp_path
):
    import json

    from epg.selectors import program_rows

    one = '<icon src="http://img.example/a.jpg"/><date>2019</date>'
    two = '<icon src="http://img.example/b1.jpg"/><icon src="http://img.example/b2.jpg"/>'
    source = make_source(
        guide(tmp_path, programme("a", stamp(10), stamp(11), "A", one), programme("a", stamp(11), stamp(12), "B", two))
    )
    channel = make_channel(source, "a")
    epg_import(sources=[source])
    a, b = Program.objects.filter(epg_channel=channel).order_by("time_begin")
    assert (a.preview, a.year) == ("http://img.example/a.jpg", "2019")
    assert "previews" not in a.meta and "year" not in a.meta  # the columns say it
    assert b.meta["previews"] == ["http://img.example/b1.jpg", "http://img.example/b2.jpg"]
    shown = [json.loads(row["meta"]) for row in program_rows(Program.objects.filter(epg_channel=channel))]
    assert shown[0]["previews"] == ["http://img.example/a.jpg"] and shown[0]["year"] == "2019"
    assert shown[1]["previews"] == ["http://img.example/b1.jpg", "http://img.example/b2.jpg"]
