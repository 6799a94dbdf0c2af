"""Channels from an M3U playlist: parsing a real playlist, the preview, the import (categories
from groups, logos, stream URLs, the end of the order, tariffs) and its report, in the service
and through the admin page; another operator's channels are never touched."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from channels import playlist
from channels.models import Channel, ChannelCategory

GE = Path(__file__).resolve().parent.parent / "data" / "m3u" / "iptv-org_channels_ge_2021-format.m3u"

SMALL = """#EXTM3U x-tvg-url="http://epg.example/guide.xml"
#EXTINF:-1 tvg-id="one.ex" tvg-name="One" tvg-logo="http://logo.example/one.png" group-title="News",One HD
#EXTVLCOPT:http-user-agent=Test
http://stream.example/one/index.m3u8
#EXTINF:-1 tvg-logo="" group-title="Kids, Family",Toons
rtmp://stream.example/toons
#EXTINF:-1 group-title="News",Channel 0
http://stream.example/dup
#EXTINF:-1,Nowhere
[NO PUBLIC STREAM]
#EXTINF:-1 group-title="News",One HD
http://stream.example/one/backup.m3u8
"""


def test_a_real_playlist_is_read_with_names_logos_groups_and_urls():
    entries = playlist.playlist_parse(GE.read_text())
    assert len(entries) == 41
    first = entries[0]
    assert (first.name, first.url, first.group) == ("1TV", "http://tv.cdn.xsg.ge/gpb-1tv/tracks-v1a1/index.m3u8", "")
    assert first.logo.endswith("/ge.png")
    assert {e.group for e in entries} == {"", "News", "Sport"}


def test_a_text_that_is_not_a_playlist_is_refused():
    with pytest.raises(ValidationError, match="not an M3U playlist"):
        playlist.playlist_parse("<html>hello</html>")


@pytest.mark.django_db
def test_import_creates_new_channels_at_the_end_with_categories_and_reports_the_rest(operator, other_operator):
    entries = playlist.playlist_parse(SMALL)
    assert entries[1].group == "Kids, Family" and entries[1].name == "Toons"  # a comma inside quotes
    report = playlist.channels_import_playlist(client=operator.client, entries=entries, tariffs=[operator.tariff])
    statuses = [(e.name, e.status) for e in report.entries]
    assert statuses == [
        ("One HD", "new"),
        ("Toons", "new"),
        ("Channel 0", "exists"),
        ("Nowhere", "invalid"),
        ("One HD", "duplicate"),
    ]
    assert report.created == 2 and report.categories_created == ["Kids, Family"]
    one = Channel.objects.get(client=operator.client, name="One HD")
    assert one.uri == "http://stream.example/one/index.m3u8" and one.icon == "http://logo.example/one.png"
    assert one.category == operator.category  # "News" exists: reused, not doubled
    assert list(one.tariffs.all()) == [operator.tariff]
    toons = Channel.objects.get(client=operator.client, name="Toons")
    assert toons.category.name == "Kids, Family" and toons.category.client == operator.client
    ordered = list(Channel.objects.filter(client=operator.client).order_by("sort_order", "pk"))
    assert [c.name for c in ordered[-2:]] == ["One HD", "Toons"]
    # the other operator, with a "Channel 0" and a "News" of its own, is untouched
    assert Channel.objects.filter(client=other_operator.client).count() == 3
    assert not ChannelCategory.objects.filter(client=other_operator.client, name="Kids, Family").exists()

    again = playlist.channels_import_playlist(client=operator.client, entries=playlist.playlist_parse(SMALL))
    assert again.created == 0  # a second import of the same playlist creates nothing
