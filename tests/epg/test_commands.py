"""The EPG management commands, every argument of each."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image

from epg import icons
from epg.models import EpgChannel, EpgChannelSource, EpgPremiereSource, Premiere, Program
from tests import factories as f

from .conftest import data_file, programme, xmltv


def run(name: str, *args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def png(width: int = 300, height: int = 200, colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def channel_list(http_server, *entries: tuple[str, str, str]) -> str:
    """An XMLTV channel list served locally: (id, name, icon path)."""
    body = "".join(
        f'<channel id="{ext_id}"><display-name>{name}</display-name><icon src="{icon}"/></channel>'
        for ext_id, name, icon in entries
    )
    return http_server.serve("/channels.xml", xmltv(channels=body))


# -- epg_import ----------------------------------------------------------------------------------


@pytest.fixture
def two_sources(make_source, make_channel):
    first = make_source(data_file("iptv-org_epg.iptvx.one_ru_+0300.xml"), name="Russian")
    second = make_source(data_file("iptv-org_makrodigitaltelevision.com_single-quotes.xml"), name="Makro")
    return make_channel(first, "12-omsk"), make_channel(second, "17")


def test_epg_import_imports_every_enabled_source_and_prints_a_summary(two_sources):
    out, _ = run("epg_import")
    assert out.strip() == (
        "epg_import: 2 sources (0 failed), 2 channels processed, 2 imported, 0 unchanged, 0 failed, "
        "294 programmes imported"  # Makro lists two programmes twice: stored once
    )
    assert all(Program.objects.filter(epg_channel=c).exists() for c in two_sources)


@pytest.mark.parametrize("args", [("--source_id", "{id}"), ("--source_name", "Makro")])
def test_epg_import_of_one_source_by_id_or_name(two_sources, args):
    russian, makro = two_sources
    run("epg_import", args[0], args[1].format(id=makro.source_id))
    assert not Program.objects.filter(epg_channel=russian).exists()
    assert Program.objects.filter(epg_channel=makro).count() == 64  # 66 in the file, two listed twice


def test_epg_import_skips_unchanged_sources_unless_forced(two_sources):
    run("epg_import")
    out, _ = run("epg_import")
    assert "0 channels processed" in out
    out, _ = run("epg_import", "--force")
    assert "2 imported" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--source_id", "999"), "no EPG source with id 999"),
        (("--source_name", "Nope"), "no EPG source named 'Nope'"),
        (("--source_id", "1", "--source_name", "Makro"), "not both"),
    ],
)
def test_epg_import_refuses_unknown_sources(two_sources, args, message):
    with pytest.raises(CommandError, match=message):
        run("epg_import", *args)


def test_epg_import_reports_a_failed_source_on_stderr_and_fails(make_source, make_channel, tmp_path):
    make_channel(make_source(tmp_path / "missing.xml", name="Broken"), "a")
    with pytest.raises(CommandError, match=r"1 sources \(1 failed\)"):
        call_command("epg_import", stdout=io.StringIO(), stderr=(err := io.StringIO()))
    assert err.getvalue().startswith("Broken: error: no such file")


# -- epg_channel_import --------------------------------------------------------------------------


@pytest.fixture
def listed_source(make_source, http_server):
    """A source with an EpgChannelSource listing two channels with icons."""
    http_server.serve("/one.png", png(300, 200, "red"))
    http_server.serve("/two.png", png(64, 64, "blue"))
    url = channel_list(http_server, ("one", "One TV", "/one.png"), ("two", "Two TV", "two.png"))
    source = make_source(http_server.base + "/guide.xml", parser="xmltv_common", name="Listed")
    EpgChannelSource.objects.create(source=source, url=url)
    return source


@pytest.mark.django_db  # the command's lock is taken on the database server
def test_epg_channel_import_needs_a_source():
    with pytest.raises(CommandError, match="--epg_source_id or --epg_source_name"):
        run("epg_channel_import")


def test_force_import_loads_every_listed_channel_with_its_icons_in_every_size(listed_source, settings):
    out, _ = run("epg_channel_import", "--epg_source_name", "Listed", "--force_import")
    assert "2 channels created" in out and "2 icons stored" in out
    one = EpgChannel.objects.get(source=listed_source, ext_id="one")
    assert one.name == "One TV" and one.icon_url.endswith("/one.png")
    two = EpgChannel.objects.get(source=listed_source, ext_id="two")
    assert two.icon_url.endswith("/two.png")  # relative src resolved against the list URL
    for channel in (one, two):
        assert channel.icon.startswith(f"epg{channel.pk}_") and channel.icon.endswith(".png")
        for width, height in [(500, 500), (120, 91), (40, 40)]:
            with Image.open(icons.icon_dir() / icons.sized_name(channel.icon, width, height)) as image:
                assert image.size == (width, height)
    assert set(icons.available_sizes(one.icon)) == {(500, 500), (120, 91), (40, 40)}


def test_force_import_updates_existing_channels_without_duplicating_them(listed_source, make_channel):
    existing = make_channel(listed_source, "one", name="Admin's name")
    run("epg_channel_import", "--epg_source_id", str(listed_source.pk), "--force_import")
    assert EpgChannel.objects.filter(source=listed_source).count() == 2
    existing.refresh_from_db()
    assert existing.name == "Admin's name" and existing.icon


def test_without_force_only_existing_channels_get_missing_icons(listed_source, make_channel, http_server):
    one = make_channel(listed_source, "one")
    out, _ = run("epg_channel_import", "--epg_source_id", str(listed_source.pk))
    assert "0 channels created" in out
    assert EpgChannel.objects.filter(source=listed_source).count() == 1
    one.refresh_from_db()
    first_icon = one.icon
    assert first_icon
    hits = len(http_server.hits)
    run("epg_channel_import", "--epg_source_id", str(listed_source.pk))
    assert len(http_server.hits) == hits + 1  # the list only: the icon exists


def test_reimport_icons_downloads_them_again(listed_source, make_channel, http_server):
    one = make_channel(listed_source, "one")
    run("epg_channel_import", "--epg_source_id", str(listed_source.pk))
    one.refresh_from_db()
    old_icon = one.icon
    http_server.serve("/one.png", png(300, 200, "green"))
    run("epg_channel_import", "--epg_source_id", str(listed_source.pk), "--reimport_icons")
    one.refresh_from_db()
    assert one.icon != old_icon


def test_epg_channel_id_limits_the_import_to_one_channel(listed_source, make_channel):
    one, two = make_channel(listed_source, "one"), make_channel(listed_source, "two")
    run("epg_channel_import", "--epg_source_id", str(listed_source.pk), "--epg_channel_id", str(two.pk))
    one.refresh_from_db()
    two.refresh_from_db()
    assert not one.icon and two.icon


def test_channel_id_picks_the_epg_channel_of_an_operator_channel(listed_source, make_channel, operator):
    one, two = make_channel(listed_source, "one"), make_channel(listed_source, "two")
    channel = operator.channels[0]
    channel.epg_channel = one
    channel.save()
    run("epg_channel_import", "--epg_source_id", str(listed_source.pk), "--channel_id", str(channel.pk))
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.icon and not two.icon


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--epg_channel_id", "999"), "no EPG channel 999"),
        (("--channel_id", "999"), "no channel with id 999"),
        (("--force_parser_handling", "--force_disable_parser_handling"), "exclude each other"),
    ],
)
def test_epg_channel_import_refuses_bad_arguments(listed_source, args, message):
    with pytest.raises(CommandError, match=message):
        run("epg_channel_import", "--epg_source_id", str(listed_source.pk), *args)


def test_a_channel_of_another_source_is_refused(listed_source, make_source, make_channel, operator):
    elsewhere = make_channel(make_source("x.xml"), "one")
    operator.channels[0].epg_channel = elsewhere
    operator.channels[0].save()
    with pytest.raises(CommandError, match="has no EPG channel in source"):
        run(
            "epg_channel_import", "--epg_source_id", str(listed_source.pk), "--channel_id", str(operator.channels[0].pk)
        )


def test_verbose_reports_every_icon(listed_source):
    out, _ = run("epg_channel_import", "--epg_source_id", str(listed_source.pk), "--force_import", "--verbose")
    lines = [line for line in out.splitlines() if line.startswith("icon of ")]
    assert len(lines) == 2
    assert "500x500, 120x91, 40x40" in lines[0]


def test_a_broken_icon_is_reported_and_the_rest_goes_on(make_source, http_server):
    http_server.serve("/bad.png", b"this is not an image")
    http_server.serve("/good.png", png())
    url = channel_list(http_server, ("bad", "Bad", "/bad.png"), ("good", "Good", "/good.png"))
    source = make_source("", parser="xmltv_common", name="Icons")
    EpgChannelSource.objects.create(source=source, url=url)
    out, err = run("epg_channel_import", "--epg_source_id", str(source.pk), "--force_import")
    assert "1 icons stored, 1 icon errors" in out
    assert "not a usable image" in err
    assert EpgChannel.objects.get(ext_id="good").icon and not EpgChannel.objects.get(ext_id="bad").icon


@pytest.fixture
def unlisted_source(make_source, tmp_path, http_server):
    """A source without an EpgChannelSource; its guide file lists channels itself."""
    http_server.serve("/logo.png", png())
    path = tmp_path / "guide.xml"
    path.write_bytes(
        xmltv(
            programme("own", "20250301100000 +0000", "20250301110000 +0000", "x"),
            channels=f'<channel id="own"><display-name>Own</display-name><icon src="{http_server.base}/logo.png"/>'
            "</channel>",
        )
    )
    return make_source(path, name="Unlisted")


def test_parser_handling_lists_the_channels_from_the_guide_itself(unlisted_source, settings):
    settings.TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING = False
    with pytest.raises(CommandError, match="no channel list"):
        run("epg_channel_import", "--epg_source_id", str(unlisted_source.pk), "--force_import")
    run("epg_channel_import", "--epg_source_id", str(unlisted_source.pk), "--force_import", "--force_parser_handling")
    assert EpgChannel.objects.get(source=unlisted_source).name == "Own"


def test_force_disable_parser_handling_overrides_the_setting(unlisted_source, settings):
    settings.TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING = True
    with pytest.raises(CommandError, match="no channel list"):
        run(
            "epg_channel_import",
            "--epg_source_id",
            str(unlisted_source.pk),
            "--force_import",
            "--force_disable_parser_handling",
        )
    run("epg_channel_import", "--epg_source_id", str(unlisted_source.pk), "--force_import")
    assert EpgChannel.objects.filter(source=unlisted_source).count() == 1


def test_a_source_without_a_list_needs_a_channel(unlisted_source, make_channel, http_server):
    with pytest.raises(CommandError, match="give --epg_channel_id or --channel_id"):
        run("epg_channel_import", "--epg_source_id", str(unlisted_source.pk), "--force_disable_parser_handling")
    own = make_channel(unlisted_source, "own", icon_url=http_server.base + "/logo.png")
    run(
        "epg_channel_import",
        "--epg_source_id",
        str(unlisted_source.pk),
        "--epg_channel_id",
        str(own.pk),
        "--force_disable_parser_handling",
    )
    own.refresh_from_db()
    assert own.icon


def test_fix_duplicates_merges_channels_with_the_same_external_id(listed_source, make_channel, operator):
    keep = make_channel(listed_source, "one", name="Used")
    spare = make_channel(listed_source, "one", name="Spare")
    user_of_spare = operator.channels[1]
    for channel, epg in ((operator.channels[0], keep), (operator.channels[2], keep), (user_of_spare, spare)):
        channel.epg_channel = epg
        channel.save()
    f.ProgramFactory(epg_channel=spare)
    out, _ = run("epg_channel_import", "--epg_source_id", str(listed_source.pk), "--fix_duplicates")
    assert "1 duplicates removed" in out
    assert list(EpgChannel.objects.filter(source=listed_source, ext_id="one")) == [keep]
    user_of_spare.refresh_from_db()
    assert user_of_spare.epg_channel == keep
    assert not Program.objects.filter(epg_channel_id=spare.pk).exists()


# -- recache_icons, epg_cleanup, premiere_import -------------------------------------------------------


def test_recache_icons_creates_missing_sizes_and_caches_what_exists(make_source, make_channel, settings):
    channel = make_channel(make_source("x.xml"), "a")
    channel.icon = icons.store_icon(stem="epgtest", data=png())
    channel.save()
    (icons.icon_dir() / icons.sized_name(channel.icon, 40, 40)).unlink()
    settings.SMARTY_DEFAULT_ICON_SIZE = (64, 64)
    out, _ = run("recache_icons")
    assert out.strip() == "recache_icons: 1 icons checked, 2 sizes created, 0 missing"
    assert set(icons.available_sizes(channel.icon)) == {(500, 500), (120, 91), (40, 40), (64, 64)}
    assert icons.icon_file(channel.icon, 64, 64) == icons.sized_name(channel.icon, 64, 64)
    assert icons.icon_file(channel.icon, 33, 33) == channel.icon


def test_recache_icons_counts_icons_missing_on_disk(make_source, make_channel):
    make_channel(make_source("x.xml"), "a", icon="gone.png")
    out, _ = run("recache_icons")
    assert "1 missing" in out
    assert icons.available_sizes("gone.png") == []


def test_recache_icons_never_reads_or_writes_outside_the_icon_directory(make_source, make_channel, settings):
    icons.icon_dir().mkdir(parents=True, exist_ok=True)
    outside = icons.icon_dir().parent / "outside.png"
    outside.write_bytes(png())
    make_channel(make_source("x.xml"), "a", icon="../outside.png")  # an icon name edited by hand
    out, _ = run("recache_icons")
    assert "1 missing" in out
    assert sorted(p.name for p in outside.parent.iterdir() if p.is_file()) == ["outside.png"]
    assert icons.available_sizes("../outside.png") == []
    assert icons.icon_file("../outside.png", 40, 40) == "../outside.png"


def test_epg_cleanup_deletes_programmes_older_than_the_retention(make_source, make_channel, settings, epg_events):
    settings.SMARTY_EPG_RETENTION_DAYS = 7
    channel = make_channel(make_source("x.xml"), "a")
    now = timezone.now()
    old = f.ProgramFactory(epg_channel=channel, time_begin=now - timedelta(days=9), time_end=now - timedelta(days=8))
    recent = f.ProgramFactory(epg_channel=channel, time_begin=now - timedelta(days=3), time_end=now - timedelta(days=2))
    out, _ = run("epg_cleanup")
    assert out.strip() == "epg_cleanup: 1 programmes removed"
    assert list(Program.objects.all()) == [recent]
    assert not Program.objects.filter(pk=old.pk).exists()
    assert epg_events.events("EPG_REMOVED")[0]["removed_objects"] == 1
    out, _ = run("epg_cleanup", "--days", "1")
    assert out.strip() == "epg_cleanup: 1 programmes removed"


def test_epg_cleanup_refuses_a_negative_retention(db):
    with pytest.raises(CommandError):
        run("epg_cleanup", "--days", "-1")


def test_premiere_import_links_premieres_to_their_programmes(make_source, make_channel, tmp_path, http_server):
    path = tmp_path / "guide.xml"
    path.write_bytes(
        xmltv(
            programme("a", "20250301100000 +0000", "20250301110000 +0000", "News"),
            programme("a", "20250301110000 +0000", "20250301130000 +0000", "The Film"),
        )
    )
    source = make_source(path)
    channel = make_channel(source, "a", hour_shift=1)
    run("epg_import")
    premieres = xmltv(
        programme(
            "a",
            "20250301110000 +0000",
            None,
            "The Film",
            '<title lang="fr">Le Film</title><icon src="http://img/film.jpg"/>',
        ),
        programme("a", "20250302200000 +0000", None, "Next week"),
        programme("zz", "20250301110000 +0000", None, "Other source"),
    )
    premiere_source = EpgPremiereSource.objects.create(
        name="Premieres", epg_source=source, url=http_server.serve("/premieres.xml", premieres)
    )
    out, _ = run("premiere_import", "--source_id", str(premiere_source.pk))
    assert out.strip() == "premiere_import: 1 sources (0 failed), 2 premieres, 1 linked to programmes"
    film = Premiere.objects.get(name="The Film")
    assert film.name_lang1 == "Le Film" and film.image == "http://img/film.jpg"
    assert film.program.name == "The Film" and film.program.is_premiere
    assert film.epg_channel == channel
    assert Premiere.objects.get(name="Next week").program is None
    run("premiere_import")
    assert Premiere.objects.count() == 2  # replaced, not duplicated


def test_premiere_import_reports_a_broken_source(make_source, db):
    EpgPremiereSource.objects.create(name="Lost", epg_source=make_source("x.xml"), url="/nowhere/premieres.xml")
    out, err = run("premiere_import")
    assert "1 sources (1 failed)" in out and "Lost: no such file" in err


def test_premiere_import_refuses_an_unknown_source(db):
    with pytest.raises(CommandError, match="no premiere source with id 5"):
        run("premiere_import", "--source_id", "5")


def test_fix_duplicates_moves_cameras_and_refreshes_their_operators_caches(
    listed_source, make_channel, operator, other_operator
):
    from channels.models import Camera
    from clients.selectors import client_content_dep
    from epg.services import epg_channels_fix_duplicates
    from smarty.cache import generations

    # no operator channel uses either: only the camera ties the operator to them
    keep = make_channel(listed_source, "two", name="Older")
    spare = make_channel(listed_source, "two", name="Spare")
    camera = Camera.objects.create(client=operator.client, name="Gate", id_for_stream_service="gate", epg_channel=spare)
    ours, theirs = client_content_dep(operator.client.pk), client_content_dep(other_operator.client.pk)
    before = generations([ours, theirs])
    # the service itself: the command also re-imports the channel list, which bumps on its own
    assert epg_channels_fix_duplicates(source=listed_source) == 1
    camera.refresh_from_db()
    assert camera.epg_channel == keep
    after = generations([ours, theirs])
    assert after[0] != before[0]  # the camera's operator sees the move at once
    assert after[1] == before[1]  # the other operator's caches stay valid
