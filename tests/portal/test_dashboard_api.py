"""PortalDashboard over HTTP (reference tvmw/PortalDashboard.md): the rows an operator
composed, per template, device type, language and screen; what each row shows, filled from
live data; the noauth variants; the versioned cache; the second operator never shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import PlayDevice
from epg.models import EpgGenre
from portal.models import ContentPosition, Dashboard, SliderBanner
from tests import factories as f

from .conftest import noauth

T = Dashboard.Type

# The film fields of PortalDashboardVideoList / NoAuthPortalDashboardVideoList (reference).
NOAUTH_FILM_FIELDS = set(
    "ad_banner average_customers_rating countries description genres horizontal_poster id imdb_rating is_season "
    "kinopoisk_rating logo name name_orig provider rating screenshot_big short_description thumbnail_big "
    "thumbnail_small vertical_poster video_provider_id year".split()
)
FILM_FIELDS = NOAUTH_FILM_FIELDS | {"duration", "is_favorited", "position", "position_asset_id", "preview_url"}


def compose(op, *, title_prefix: str = "") -> dict:
    """A home screen: main menu, slider, channels of a category, programmes, films,
    recently watched channels; look-alike for both operators."""
    c = op.client
    rows = {
        "menu": Dashboard.objects.create(
            client=c, title=f"{title_prefix}Menu", type=T.MAIN_MENU, main_menu=["tvchannels", "radio"], sort_order=1
        ),
        "slider": Dashboard.objects.create(
            client=c, title=f"{title_prefix}Slider", type=T.SLIDER, sort_order=2, noauth=True
        ),
        "channels": Dashboard.objects.create(
            client=c,
            title=f"{title_prefix}News",
            type=T.CHANNELS,
            channel_category=op.category,
            sort_order=3,
            noauth=True,
        ),
        "programs": Dashboard.objects.create(client=c, title=f"{title_prefix}On air", type=T.PROGRAMS, sort_order=4),
        "videos": Dashboard.objects.create(
            client=c,
            title=f"{title_prefix}Films",
            type=T.VIDEOS,
            sort_order=5,
            attributes={"year_from": 2001},
            noauth=True,
        ),
        "recent": Dashboard.objects.create(
            client=c, title=f"{title_prefix}Recent", type=T.RECENT_CHANNELS, sort_order=6
        ),
    }
    rows["programs"].channels.set(op.channels[:2])
    SliderBanner.objects.create(
        client=c,
        dashboard=rows["slider"],
        deep_link="app://promo",
        images={"en": "http://img/en.png", "ru": "http://img/ru.png"},
    )
    return rows


@pytest.fixture
def screens(operator, other_operator):
    return compose(operator), compose(other_operator, title_prefix="Other ")


def test_dashboard_list_answers_the_operators_rows_in_order_with_their_attributes(tvmw_call, authkey, screens):
    mine, _theirs = screens
    body = tvmw_call("/portaldashboard/list/", authkey=authkey, template="default")
    assert body["error"] == 0 and body["error_message"] == ""
    rows = body["portaldashboards"]
    assert [r["title"] for r in rows] == ["Menu", "Slider", "News", "On air", "Films", "Recent"]
    assert rows[0] == {
        "id": mine["menu"].pk,
        "title": "Menu",
        "description": "",
        "attributes": {"main_menu_order_list": ["tvchannels", "radio"]},
        "type": 0,
        "screen": "",
        "cover": "",
    }
    assert rows[1]["attributes"] == {
        "slider_banners_list": [
            {
                "slider_deep_link": "app://promo",
                "slider_banners_urls": {"en": "http://img/en.png", "ru": "http://img/ru.png"},
            }
        ]
    }
    category = str(screens[0]["channels"].channel_category_id)
    assert rows[2]["attributes"] == {"channels_category_id": category, "category_id": "all"}
    programs = rows[3]["attributes"]
    assert programs["channel"] == sorted(programs["channel"]) and len(programs["channel"]) == 2
    assert programs["category"] == "all" and programs["display_only_selected_programs"] == ["1", "2", "3"]
    assert rows[4]["attributes"]["year_from"] == 2001 and rows[4]["attributes"]["video_provider"] == "all"
    assert rows[5]["type"] == 6 and rows[5]["attributes"] == {}


def test_the_other_operators_rows_never_show(tvmw_call, authkey, other_authkey, screens):
    mine, theirs = screens
    titles = [
        r["title"] for r in tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")["portaldashboards"]
    ]
    assert not any(t.startswith("Other") for t in titles)
    other = tvmw_call("/portaldashboard/list/", authkey=other_authkey, template="x")["portaldashboards"]
    assert all(r["title"].startswith("Other") for r in other)
    # Their row ids are unknown to this operator's session.
    for path in ("/portaldashboard/mainmenu/", "/portaldashboard/channel/list/", "/portaldashboard/slider/list/"):
        body = tvmw_call(
            path,
            authkey=authkey,
            portal_dashboard_id=theirs["menu" if "menu" in path else "channels" if "channel" in path else "slider"].pk,
        )
        assert body["error"] == 1, (path, body)


def test_dashboard_list_in_xml_for_an_xml_device(tvmw_xml, authkey, screens):
    root = tvmw_xml("/portaldashboard/list/", authkey=authkey, template="default")
    assert root.findtext("error") == "0"
    items = root.findall("portaldashboards/item")
    assert [i.findtext("title") for i in items][:2] == ["Menu", "Slider"]
    assert [e.text for e in items[0].findall("attributes/main_menu_order_list/item")] == ["tvchannels", "radio"]


def test_rows_follow_template_device_type_language_and_screen(tvmw_call, authkey, operator, screens):
    mine, _ = screens
    mine["menu"].template = "futuristic"
    mine["menu"].save()
    mine["slider"].lang = "ru"
    mine["slider"].save()
    mine["channels"].play_devices.set([PlayDevice.objects.get(system_name="sagemcom")])
    mine["videos"].screen = "vod"
    mine["videos"].save()

    def titles(**params):
        body = tvmw_call("/portaldashboard/list/", authkey=authkey, device="android", **params)
        assert body["error"] == 0, body
        return [r["title"] for r in body["portaldashboards"]]

    assert titles(template="default") == ["On air", "Films", "Recent"]
    assert titles(template="futuristic", lang="ru") == ["Menu", "Slider", "On air", "Films", "Recent"]
    assert titles(template="default", screen="vod") == ["Films"]
    assert titles(template="default", screen="empty") == ["On air", "Recent"]
    assert titles(template="default", screen="all") == ["On air", "Films", "Recent"]


def test_template_is_required(tvmw_call, authkey, screens):
    body = tvmw_call("/portaldashboard/list/", authkey=authkey)
    assert body["error"] == 1 and "template" in body["error_fields"]


def test_without_a_session_the_list_answers_403(tvmw_call, screens):
    assert tvmw_call("/portaldashboard/list/", template="x")["error"] == 403


def test_noauth_list_shows_only_rows_marked_for_the_screen_before_login(tvmw_call, operator, other_operator, screens):
    body = tvmw_call("/noauth/portaldashboard/list/", template="x", **noauth(operator))
    assert [r["title"] for r in body["portaldashboards"]] == ["Slider", "News", "Films"]
    bad = tvmw_call("/noauth/portaldashboard/list/", template="x", client_id=operator.client.pk, api_key="api-key-2")
    assert bad["error"] == 403


def test_a_row_composed_in_the_admin_shows_on_the_next_request(tvmw_call, authkey, operator, screens):
    before = tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")["portaldashboards"]
    row = Dashboard.objects.create(client=operator.client, title="New row", type=T.PLAYER, sort_order=0)
    after = tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")["portaldashboards"]
    assert [r["title"] for r in after] == ["New row", *[r["title"] for r in before]]
    row.enabled = False
    row.save()
    assert tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")["portaldashboards"] == before
    screens[0]["programs"].channels.set(operator.channels[:1])
    again = tvmw_call("/portaldashboard/list/", authkey=authkey, template="x")["portaldashboards"]
    assert again[3]["attributes"]["channel"] == [str(operator.channels[0].pk)]


def test_warm_dashboard_list_stays_within_its_query_bound(tvmw_call, authkey, screens, django_assert_max_num_queries):
    tvmw_call("/portaldashboard/list/", authkey=authkey, template="x", device="android")
    with django_assert_max_num_queries(0):
        body = tvmw_call("/portaldashboard/list/", authkey=authkey, template="x", device="android")
    assert len(body["portaldashboards"]) == 6


def test_main_menu_of_a_main_menu_row(tvmw_call, tvmw_xml, authkey, screens):
    mine, _ = screens
    body = tvmw_call("/portaldashboard/mainmenu/", authkey=authkey, portal_dashboard_id=mine["menu"].pk)
    assert body == {"error": 0, "error_message": "", "mainmenu": ["tvchannels", "radio"]}
    root = tvmw_xml("/portaldashboard/mainmenu/", authkey=authkey, portal_dashboard_id=mine["menu"].pk)
    assert [i.text for i in root.findall("mainmenu/item")] == ["tvchannels", "radio"]
    wrong = tvmw_call("/portaldashboard/mainmenu/", authkey=authkey, portal_dashboard_id=mine["slider"].pk)
    assert wrong["error"] == 1
    assert tvmw_call("/portaldashboard/mainmenu/", authkey=authkey, portal_dashboard_id="x")["error"] == 1


def test_slider_list_gives_the_banner_in_the_requested_language(tvmw_call, authkey, operator, screens):
    mine, _ = screens
    body = tvmw_call("/portaldashboard/slider/list/", authkey=authkey, portal_dashboard_id=mine["slider"].pk, lang="ru")
    assert body == {
        "error": 0,
        "error_message": "",
        "sliders": [{"url": "http://img/ru.png", "deep_link": "app://promo"}],
    }
    every = tvmw_call("/portaldashboard/slider/list/", authkey=authkey)
    assert every["sliders"] == [{"url": "http://img/en.png", "deep_link": "app://promo"}]
    before_login = tvmw_call("/noauth/portaldashboard/slider/list/", **noauth(operator))
    assert before_login["sliders"] == every["sliders"]


def test_channel_row_shows_the_category_channels_the_account_may_watch(tvmw_call, tvmw_xml, authkey, operator, screens):
    mine, _ = screens
    hidden = f.ChannelFactory(client=operator.client, category=operator.category, name="Not in tariff")
    body = tvmw_call("/portaldashboard/channel/list/", authkey=authkey, portal_dashboard_id=mine["channels"].pk)
    assert [c["name"] for c in body["channels"]] == ["Channel 0", "Channel 1", "Channel 2"]
    assert set(body["channels"][0]) == {"id", "name", "icon"}
    # Before login: every channel of the row (a "what you get" screen).
    public = tvmw_call(
        "/noauth/portaldashboard/channel/list/", portal_dashboard_id=mine["channels"].pk, **noauth(operator)
    )
    assert hidden.pk in [c["id"] for c in public["channels"]]
    root = tvmw_xml("/portaldashboard/channel/list/", authkey=authkey, portal_dashboard_id=mine["channels"].pk)
    assert [i.findtext("name") for i in root.findall("channels/item")] == ["Channel 0", "Channel 1", "Channel 2"]
    bad = tvmw_call(
        "/portaldashboard/channel/list/", authkey=authkey, portal_dashboard_id=mine["channels"].pk, icon_width=0
    )
    assert bad["error"] == 1


def test_recently_watched_row_follows_the_last_watched_channel(tvmw_call, authkey, operator, screens):
    mine, _ = screens
    url = "/portaldashboard/channel/list/"
    assert tvmw_call(url, authkey=authkey, portal_dashboard_id=mine["recent"].pk)["channels"] == []
    remembered = tvmw_call("/content/position/remember/channel/", authkey=authkey, channel_id=operator.channels[2].pk)
    assert remembered == {"error": 0, "error_message": ""}
    body = tvmw_call(url, authkey=authkey, portal_dashboard_id=mine["recent"].pk)
    assert [c["id"] for c in body["channels"]] == [operator.channels[2].pk]


def test_program_row_shows_what_its_channels_have_on_air_now(tvmw_call, authkey, operator, screens):
    mine, _ = screens
    mine["programs"].attributes = {"display_only_selected_programs": ["2"]}
    mine["programs"].save()
    epg = f.EpgChannelFactory()
    channel = operator.channels[0]
    channel.epg_channel = epg
    channel.recording_days = 3
    channel.save()
    now = timezone.now()
    on_air = f.ProgramFactory(
        epg_channel=epg,
        name="News at noon",
        time_begin=now - dt.timedelta(minutes=10),
        time_end=now + dt.timedelta(minutes=20),
    )
    f.ProgramFactory(
        epg_channel=epg,
        name="Later",
        time_begin=now + dt.timedelta(minutes=20),
        time_end=now + dt.timedelta(minutes=50),
    )
    body = tvmw_call("/portaldashboard/program/list/", authkey=authkey, portal_dashboard_id=mine["programs"].pk)
    assert body["error"] == 0
    assert [p["name"] for p in body["programs"]] == ["News at noon"]
    program = body["programs"][0]
    assert program["id"] == on_air.pk and program["channel_id"] == channel.pk and program["has_record"] == 1
    assert program["begin_time"] == int(on_air.time_begin.timestamp())
    assert set(program) == {
        "id", "name", "preview", "begin_time", "end_time", "description", "rating", "has_record", "meta",
        "channel_id", "channel_name", "channel_icon_url",
    }  # fmt: skip
    not_programs = tvmw_call("/portaldashboard/program/list/", authkey=authkey, portal_dashboard_id=mine["menu"].pk)
    assert not_programs["error"] == 1


def test_program_row_shows_recorded_on_air_and_coming_programmes_as_the_row_chooses(
    tvmw_call, authkey, operator, other_operator
):
    row = Dashboard.objects.create(client=operator.client, title="Guide", type=T.PROGRAMS)
    row.channels.add(operator.channels[0])
    epg = f.EpgChannelFactory()
    channel = operator.channels[0]
    channel.epg_channel, channel.recording_days = epg, 1
    channel.save()
    # the other operator's channel shows the same guide: its row must not leak in, nor ours into it
    other_channel = other_operator.channels[0]
    other_channel.epg_channel = epg
    other_channel.save()
    news, sport = EpgGenre.objects.create(name="News"), EpgGenre.objects.create(name="Sport")
    now = timezone.now().replace(microsecond=0)

    def program(name: str, start_min: int, end_min: int, *genres, blocked: bool = False):
        p = f.ProgramFactory(
            epg_channel=epg,
            name=name,
            time_begin=now + dt.timedelta(minutes=start_min),
            time_end=now + dt.timedelta(minutes=end_min),
            is_blocked=blocked,
        )
        p.genres.set(genres)
        return p

    program("Two days ago", -60 * 48, -60 * 47, news)  # out of the day window
    program("Morning", -180, -120, news)
    program("Blocked", -120, -60, news, blocked=True)  # no recording to watch
    program("Noon", -60, -10, sport)
    program("Now", -10, 20, news)
    program("Soon", 20, 50, sport)
    program("Later", 50, 80, news, sport)

    def names(**attributes) -> list[str]:
        row.attributes = attributes
        row.save()
        body = tvmw_call("/portaldashboard/program/list/", authkey=authkey, portal_dashboard_id=row.pk)
        assert body["error"] == 0
        return [p["name"] for p in body["programs"]]

    assert names() == ["Now", "Soon", "Later", "Noon", "Morning"]
    assert names(display_only_selected_programs=["1"]) == ["Noon", "Morning"]
    assert names(display_only_selected_programs=["3"]) == ["Soon", "Later"]
    assert names(display_only_selected_programs=["2", "3"]) == ["Now", "Soon", "Later"]
    assert names(genres=[str(sport.pk)]) == ["Soon", "Later", "Noon"]
    assert names(genres=[str(news.pk), str(sport.pk)], genres_intersection_or_union="intersection") == ["Later"]
    archive = tvmw_call("/portaldashboard/program/list/", authkey=authkey, portal_dashboard_id=row.pk)
    assert all(p["channel_id"] == channel.pk for p in archive["programs"])
    other_row = Dashboard.objects.create(client=other_operator.client, title="Guide", type=T.PROGRAMS)
    assert tvmw_call("/portaldashboard/program/list/", authkey=authkey, portal_dashboard_id=other_row.pk)["error"] == 1


def test_recently_watched_programmes_come_from_the_saved_positions(tvmw_call, authkey, operator):
    row = Dashboard.objects.create(client=operator.client, title="Continue", type=T.RECENT_PROGRAMS)
    epg = f.EpgChannelFactory()
    operator.channels[1].epg_channel = epg
    operator.channels[1].save()
    program = f.ProgramFactory(epg_channel=epg, name="Watched")
    saved = tvmw_call(
        "/content/position/set/", authkey=authkey, content_type="program", content_id=program.pk, position=120
    )
    assert saved == {"error": 0, "error_message": ""}
    body = tvmw_call("/portaldashboard/program/list/", authkey=authkey, portal_dashboard_id=row.pk)
    assert [p["name"] for p in body["programs"]] == ["Watched"]
    assert ContentPosition.objects.get().duration == 3600


def test_film_rows_show_the_films_the_viewer_may_see(tvmw_call, tvmw_xml, authkey, operator, other_operator, screens):
    from vod.models import AccountVideo, Video

    mine, theirs = screens
    new = Video.objects.create(client=operator.client, name="New film", year=2010, sort_order=2)
    new.tariffs.add(operator.tariff)
    old = Video.objects.create(client=operator.client, name="Old film", year=1990, sort_order=1)
    old.tariffs.add(operator.tariff)
    Video.objects.create(client=operator.client, name="Locked film", year=2010)
    hidden = Video.objects.create(client=operator.client, name="Hidden film", year=2010, enabled=False)
    hidden.tariffs.add(operator.tariff)
    their = Video.objects.create(client=other_operator.client, name="Their film", year=2010)
    their.tariffs.add(other_operator.tariff)
    body = tvmw_call("/portaldashboard/video/list/", authkey=authkey, portal_dashboard_id=mine["videos"].pk)
    assert body["error"] == 0 and body["error_message"] == ""
    # year_from 2001: the old film is out; no tariff: the locked one; disabled: the hidden one.
    assert [v["name"] for v in body["videos"]] == ["New film"]
    assert set(body["videos"][0]) == FILM_FIELDS
    assert body["videos"][0]["year"] == 2010 and body["videos"][0]["is_favorited"] == 0
    AccountVideo.objects.create(
        client=operator.client, account=operator.account, video=new, is_favorited=True, position=42
    )
    marked = tvmw_call("/portaldashboard/video/list/", authkey=authkey, portal_dashboard_id=mine["videos"].pk)
    assert (marked["videos"][0]["is_favorited"], marked["videos"][0]["position"]) == (1, 42)
    # Before login every enabled film of the operator (the locked one too), never theirs.
    public = tvmw_call("/noauth/portaldashboard/video/list/", portal_dashboard_id=mine["videos"].pk, **noauth(operator))
    assert [v["name"] for v in public["videos"]] == ["New film", "Locked film"]
    assert set(public["videos"][0]) == NOAUTH_FILM_FIELDS
    by_tariff = tvmw_call(
        "/noauth/portaldashboard/video/list/",
        portal_dashboard_id=mine["videos"].pk,
        tariff_id=str(operator.tariff.pk),
        **noauth(operator),
    )
    assert [v["name"] for v in by_tariff["videos"]] == ["New film"]
    excluded = tvmw_call(
        "/noauth/portaldashboard/video/list/",
        portal_dashboard_id=mine["videos"].pk,
        exclude_tariff_id=str(operator.tariff.pk),
        **noauth(operator),
    )
    assert [v["name"] for v in excluded["videos"]] == ["Locked film"]
    root = tvmw_xml("/portaldashboard/video/list/", authkey=authkey, portal_dashboard_id=mine["videos"].pk)
    assert root.findtext("error") == "0" and root.findtext("videos/item/name") == "New film"
    # The other operator's row is not ours to read.
    assert (
        tvmw_call("/portaldashboard/video/list/", authkey=authkey, portal_dashboard_id=theirs["videos"].pk)["error"]
        != 0
    )
    assert tvmw_call("/portaldashboard/video/list/", authkey=authkey)["error"] == 1


def test_selection_list_last_answers_the_epg_selections_of_the_last_watched_programmes(
    tvmw_call, tvmw_xml, authkey, other_authkey, operator, other_operator
):
    from vod.models import Selection, SelectionItem

    url = "/portaldashboard/selection/list/last/"
    assert tvmw_call(url, authkey=authkey) == {"error": 0, "error_message": "", "selections": []}
    assert tvmw_call(url, authkey="unknown")["error"] == 403
    epg = f.EpgChannelFactory()
    channel = operator.channels[1]
    channel.epg_channel = epg
    channel.save()
    now = timezone.now().replace(microsecond=0)
    first = f.ProgramFactory(epg_channel=epg, name="Match", time_begin=now - dt.timedelta(hours=3))
    second = f.ProgramFactory(epg_channel=epg, name="Review", time_begin=now - dt.timedelta(hours=1))
    unselected = f.ProgramFactory(epg_channel=epg, name="Weather", time_begin=now - dt.timedelta(hours=2))
    sport = Selection.objects.create(
        client=operator.client, name="Sport", content_type=Selection.ContentType.PROGRAM, promo_image="sport.png"
    )
    evening = Selection.objects.create(
        client=operator.client, name="Evening", content_type=Selection.ContentType.PROGRAM, sort_order=1
    )
    hidden = Selection.objects.create(
        client=operator.client, name="Hidden", content_type=Selection.ContentType.PROGRAM, is_hidden=True
    )
    films = Selection.objects.create(client=operator.client, name="Films", content_type=Selection.ContentType.VIDEO)
    # a look-alike selection of the other operator holding the same programmes
    theirs = Selection.objects.create(
        client=other_operator.client, name="Sport", content_type=Selection.ContentType.PROGRAM
    )
    for selection, program in (
        (sport, first),
        (sport, second),
        (evening, second),
        (hidden, first),
        (films, first),
        (theirs, first),
    ):
        SelectionItem.objects.create(selection=selection, object_id=program.pk)
    for program in (first, unselected, second):  # watched in this order: newest last
        saved = tvmw_call(
            "/content/position/set/", authkey=authkey, content_type="program", content_id=program.pk, position=60
        )
        assert saved["error"] == 0
    body = tvmw_call(url, authkey=authkey)
    assert body["error"] == 0
    assert [(s["name"], s["epg_name"]) for s in body["selections"]] == [
        ("Sport", "Review"),
        ("Evening", "Review"),
        ("Sport", "Match"),
    ]
    item = body["selections"][2]
    assert set(item) == {"id", "name", "promo_image", "epg_id", "epg_name", "program_begin_time", "channel_id"}
    assert item["id"] == sport.pk and item["epg_id"] == first.pk and item["channel_id"] == channel.pk
    assert item["program_begin_time"] == int(first.time_begin.timestamp())
    assert item["promo_image"].endswith("sport.png")
    root = tvmw_xml(url, authkey=authkey)
    assert root.findtext("error") == "0" and root.findtext("selections/item/epg_name") == "Review"
    # the other operator's account watched nothing: nothing of ours shows there
    assert tvmw_call(url, authkey=other_authkey)["selections"] == []
    # a channel the account may no longer watch drops its programmes
    channel.tariffs.clear()
    assert tvmw_call(url, authkey=authkey)["selections"] == []
