"""Reading XMLTV: times, episode numbers, ratings, languages, and the real files' quirks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from epg.models import EpgSource
from epg.parsers import available_parsers, get_parser
from epg.parsers._xmltv import age_from_rating, parse_onscreen, parse_xmltv_ns
from epg.parsers.base import EpgParserBase, FeedError, parse_xmltv_time, source_time_zone

from .conftest import data_file


def read(name: str, **source_fields) -> tuple[list, list]:
    """(channels, programmes) of a test file, all channel ids of its programmes wanted."""
    source = EpgSource(name="t", parser="xmltv_from_file", url=str(data_file(name)), **source_fields)
    parser = get_parser("xmltv_from_file")(source)
    channels = list(parser.channel_list(None))

    class Everything(dict):
        def __contains__(self, key):
            return True

    (feed,) = parser.feeds({})
    with feed:
        programmes = list(parser.programmes(feed, Everything()))
    return channels, programmes


# -- times ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("20250922014500 +0300", datetime(2025, 9, 21, 22, 45, tzinfo=UTC)),
        ("20260503000000 -0400", datetime(2026, 5, 3, 4, 0, tzinfo=UTC)),
        ("20010829000500 BST", datetime(2001, 8, 28, 23, 5, tzinfo=UTC)),
        ("200204201725", datetime(2002, 4, 20, 17, 25, tzinfo=UTC)),
        ("20011228113100", datetime(2001, 12, 28, 11, 31, tzinfo=UTC)),
        ("20200101000000 +05:30", datetime(2019, 12, 31, 18, 30, tzinfo=UTC)),
        ("  20200101000000 +0000  ", datetime(2020, 1, 1, tzinfo=UTC)),
    ],
)
def test_xmltv_times_with_offsets_named_zones_and_short_forms_become_utc(value, expected):
    assert parse_xmltv_time(value, UTC) == expected


def test_a_time_without_offset_is_in_the_source_time_zone():
    moscow = source_time_zone("Europe/Moscow")
    assert parse_xmltv_time("20250101120000", moscow) == datetime(2025, 1, 1, 9, tzinfo=UTC)
    assert parse_xmltv_time("20250101120000", source_time_zone("+0200")) == datetime(2025, 1, 1, 10, tzinfo=UTC)
    assert parse_xmltv_time("20250101120000", source_time_zone("")) == datetime(2025, 1, 1, 12, tzinfo=UTC)


def test_a_time_without_offset_follows_daylight_saving_of_the_source_zone():
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_xmltv_time("20250701120000", berlin) == datetime(2025, 7, 1, 10, tzinfo=UTC)
    assert parse_xmltv_time("20250101120000", berlin) == datetime(2025, 1, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize("value", ["", "tomorrow", "2025-01-01 10:00", "20251301000000 +0000", "20250101000000 +9999x"])
def test_times_that_do_not_parse_raise_value_error(value):
    with pytest.raises(ValueError):
        parse_xmltv_time(value, UTC)


def test_an_unknown_source_time_zone_is_a_feed_error():
    with pytest.raises(FeedError):
        source_time_zone("Mars/Olympus")


# -- episode numbers and ratings ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2 . 9 . 0/1", (3, 10)), ("18.50/30.", (19, 51)), ("7.232.", (8, 233)), (".4.", (None, 5)), ("", (None, None))],
)
def test_xmltv_ns_episode_numbers_count_from_zero(value, expected):
    assert parse_xmltv_ns(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("S05E36", (5, 36)), ("S5 E36", (5, 36)), ("s01e273", (1, 273)), ("5x36", (5, 36)), ("Ep. 12", (None, 12))],
)
def test_onscreen_episode_numbers(value, expected):
    assert parse_onscreen(value) == expected


@pytest.mark.parametrize(
    ("value", "age"),
    [("16+", "16"), ("-12", "12"), ("TV-14", "14"), ("TV14", "14"), ("TVG", "0"), ("Tout public", "0"), ("R", "17")],
)
def test_age_ratings_are_normalised_to_an_age(value, age):
    assert age_from_rating(value) == age


def test_unknown_ratings_give_no_age():
    assert age_from_rating("Not rated at all") == ""
    assert age_from_rating("") == ""


# -- real files ---------------------------------------------------------------------------------


def test_plus_0300_guide_reads_cyrillic_titles_in_utc_and_never_fetches_its_remote_dtd(http_server):
    channels, programmes = read("iptv-org_epg.iptvx.one_ru_+0300.xml")
    assert [c.ext_id for c in channels] == ["12-omsk"]
    assert channels[0].names[0] == "12 канал Омск"
    assert channels[0].icon_url == "https://iptvx.one/picons/12-omsk.png"
    assert len(programmes) == 230
    first = programmes[0]
    assert first.start == datetime(2025, 9, 21, 22, 45, tzinfo=UTC)
    assert first.stop == datetime(2025, 9, 22, 0, 0, tzinfo=UTC)
    assert first.names[0] == "д/с Необыкновенные люди"
    assert first.descriptions[0].startswith("В этом документальном цикле")


def test_gzipped_and_plain_copies_of_a_guide_read_the_same():
    _, plain = read("iptv-org_epg.iptvx.one_ru_+0300.xml")
    _, packed = read("iptv-org_epg.iptvx.one_ru_+0300.xml.gz")
    assert plain == packed


def test_every_language_of_a_multilingual_guide_lands_in_its_slot():
    channels, programmes = read("iptv-org_epg.tmacaraibes.com_multilang.xml")
    first = programmes[0]
    # en is the default language (slot 0); fr, es are additional slots 1 and 2; pt is not configured
    assert first.descriptions == {
        0: "All African and Caribbean music.",
        1: "Toutes les musiques africaines et caribéennes.",
        2: "Toda la música africana y caribeña.",
    }
    assert first.start == datetime(2026, 5, 3, 4, 0, tzinfo=UTC)  # -0400
    assert first.age_rating == "0"  # CSA "Tout public", the first rating system
    assert first.categories == ["music"]
    assert first.preview == "http://www.tmacaraibes.com/images/global/global-001.jpg"
    assert first.length == 180 * 60
    # a channel named only in French still gets a default-language name
    assert channels[0].names == {0: "TMA", 1: "TMA"}


def test_titles_without_a_known_language_are_the_fallback_for_the_default_language(settings):
    settings.SMARTY_DEFAULT_LANGUAGE = "de"
    settings.SMARTY_ADDITIONAL_LANGUAGES = ["en"]
    _, programmes = read("jellyfin_MultilanguageData_iso-8859-1.xml")
    first = programmes[0]
    assert first.names == {0: "Homes Under the Hammer - Empty Language", 1: "Homes Under the Hammer - English"}


def test_several_titles_per_language_keep_the_first_of_each():
    _, programmes = read("jellyfin_MultilanguageData_iso-8859-1.xml")
    assert programmes[0].names == {0: "Homes Under the Hammer - English", 2: "Homes Under the Hammer - Spanish"}
    assert (programmes[0].season, programmes[0].episode) == (19, 51)


def test_programmes_without_stop_times_are_read_with_stop_none():
    _, programmes = read("xmltv-project_t-data_all-quirks.xml")
    assert len(programmes) == 65
    assert sum(1 for p in programmes if p.stop is None) == 24
    assert not [p.error for p in programmes if p.error]


def test_the_canonical_sample_gives_episode_credits_year_country_and_previews():
    _, (item,) = read("xmltv-project_test.xml")
    assert (item.season, item.episode, item.episode_num) == (3, 10, "S03E10")
    assert item.age_rating == "10"  # MPAA PG
    assert item.year == "1990" and item.country == "ES"
    assert item.meta["participants"]["actor"] == ["a", "b", "c", "d", "e"]
    assert item.preview == "http://image.example.com/dgXPhzNJH8H.jpg"
    assert item.meta["previews"][1] == "https://www.example.com/xxxx.jpg"
    assert item.length == 3600
    assert item.descriptions[0] == "Blah Blah Blah."


def test_a_bom_and_relative_icons_are_read():
    channels, programmes = read("jellyfin_schedulesdirect_bom.xml")
    assert channels[0].ext_id == "EPG123.10108.schedulesdirect.org"
    assert channels[0].icon_url == "s10108_dark_360w_270h.png"
    assert programmes[0].names[0] == "Match Game"
    assert programmes[0].age_rating == "14"
    assert programmes[0].meta["extra_name"] == "Match Game"


def test_many_episode_num_systems_and_locale_languages():
    channels, programmes = read("iptv-org_nzxmltv.com_custom-tags.xml")
    assert channels[0].names[0] == "TVNZ 1"  # lang="en_NZ" is English
    second = programmes[1]
    assert (second.season, second.episode) == (8, 6)
    assert second.categories == ["Documentary", "Factual"]
    assert programmes[0].year == ""  # <date></date>


def test_onscreen_episode_numbers_are_used_when_there_is_no_xmltv_ns(tmp_path):
    path = tmp_path / "onscreen.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE tv SYSTEM "xmltv.dtd"><tv>'
        '<programme channel="metv" start="20260822150000 +0000" stop="20260822160000 +0000">'
        "<title>Wagon Train</title><sub-title>The Hiram Winthrop Story</sub-title>"
        '<episode-num system="onscreen">S05E36</episode-num><desc>Duke quits.</desc></programme></tv>'
    )
    source = EpgSource(name="t", parser="xmltv_from_file", url=str(path))
    parser = get_parser("xmltv_from_file")(source)
    (feed,) = parser.feeds({"metv": ""})
    with feed:
        (item,) = parser.programmes(feed, {"metv": ""})
    assert (item.season, item.episode, item.episode_num) == (5, 36, "S05E36")
    assert item.meta["extra_name"] == "The Hiram Winthrop Story"


def test_single_quoted_files_without_declaration_and_wrong_languages_are_read():
    _, makro = read("iptv-org_makrodigitaltelevision.com_single-quotes.xml")
    assert makro[0].start == datetime(2025, 2, 16, 13, 0, tzinfo=UTC)  # -0500
    assert makro[0].names[2] == "Programación Infantil"  # es
    _, arabic = read("iptv-org_epgshare01.online_wrong-lang.xml")
    assert arabic[0].names[0] == "نشرة الأخبار"  # labelled en: stored as the default language
    assert arabic[0].start == datetime(2025, 2, 7, 23, 0, tzinfo=UTC)


def test_the_encoding_option_overrides_a_wrong_declaration(tmp_path):
    path = tmp_path / "latin.xml"
    path.write_bytes(
        '<?xml version="1.0" encoding="ISO-8859-1"?><tv><programme channel="a" start="20250101000000 +0000">'
        "<title>£500,000</title></programme></tv>".encode()
    )
    _, (declared,) = read(str(path))
    _, (fixed,) = read(str(path), options={"encoding": "utf-8"})
    assert declared.names[0] == "Â£500,000"
    assert fixed.names[0] == "£500,000"


def test_programmes_of_channels_not_wanted_are_skipped():
    source = EpgSource(
        name="t", parser="xmltv_from_file", url=str(data_file("iptv-org_epgshare01.online_wrong-lang.xml"))
    )
    parser = get_parser("xmltv_from_file")(source)
    (feed,) = parser.feeds({})
    with feed:
        items = list(parser.programmes(feed, {"AlJazeera.English.net": ""}))
    assert items and {i.channel for i in items} == {"AlJazeera.English.net"}


# -- the plugin registry -----------------------------------------------------------------------


def test_the_registry_lists_and_loads_the_parsers():
    assert {"dummy_source", "epgservice", "xmltv_common", "xmltv_from_file"} <= set(available_parsers())
    assert "base" not in available_parsers() and "_xmltv" not in available_parsers()
    for name in available_parsers():
        assert issubclass(get_parser(name), EpgParserBase)


@pytest.mark.parametrize("name", ["", "base", "_xmltv", "nope", "../etc", "os.path"])
def test_unknown_or_private_parser_names_are_refused(name):
    with pytest.raises(FeedError):
        get_parser(name)


def test_the_dummy_source_makes_hour_blocks_around_today_in_the_source_zone():
    source = EpgSource(name="d", parser="dummy_source", time_zone="+0530", options={"days_before": 0, "days_after": 0})
    parser = get_parser("dummy_source")(source)
    (feed,) = parser.feeds({"x": "Camera 1"})
    items = list(parser.programmes(feed, {"x": "Camera 1"}))
    assert len(items) == 24
    assert {i.names[0] for i in items} == {"Camera 1"}
    assert all(i.stop - i.start == timedelta(hours=1) for i in items)
    local = items[0].start.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert (local.hour, local.minute) == (0, 0)
    assert all(a.stop == b.start for a, b in zip(items, items[1:], strict=False))
