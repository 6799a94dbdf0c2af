"""The account's M3U playlist: parsed by an independent IPTV playlist parser, its entries
match the account's channels; stream addresses redirect to a routed URL that the token check
accepts once; the playlist token is reset; refusals, throttling and the other operator."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from ipytv import playlist

from accounts.models import Account
from accounts.services.players import account_playlist_token_ensure, account_playlist_token_reset
from tariffs.models import Tariff

from .conftest import assert_played_once, stream_name

pytestmark = pytest.mark.django_db


def get_playlist(client, world, **params):
    return client.get(world.url("playlist.m3u"), params)


def test_the_playlist_parses_and_every_entry_matches_the_accounts_channels(client, world, other_world):
    token = account_playlist_token_ensure(account=world.op.account)
    response = get_playlist(client, world, token=token)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("audio/x-mpegurl")
    parsed = playlist.loads(response.content.decode())
    guide = parsed.get_attributes()["url-tvg"]
    assert urlsplit(guide).path == world.url("xmltv.xml.gz") and f"token={token}" in guide
    entries = parsed.get_channels()
    channels = world.op.channels
    assert [e.name for e in entries] == [c.name for c in channels]
    for number, (entry, channel) in enumerate(zip(entries, channels, strict=True), start=1):
        attrs = entry.attributes
        assert attrs["tvg-id"] == f"{channel.pk}.{world.prefix}"
        assert attrs["tvg-name"] == channel.name
        assert attrs["tvg-logo"] == channel.icon
        assert attrs["tvg-chno"] == str(number)
        assert attrs["group-title"] == world.op.category.name
        assert urlsplit(entry.url).path == world.url(f"play/{token}/{channel.pk}.m3u8")
    archive = entries[0].attributes
    assert archive["catchup"] == "default" and archive["catchup-days"] == "3"
    assert archive["catchup-source"].endswith(f"/{channels[0].pk}.m3u8?utc={{utc}}&duration={{duration}}")
    assert "catchup" not in entries[1].attributes
    # The other operator's look-alike channels never appear.
    other_ids = {str(c.pk) for c in other_world.op.channels}
    assert not {e.attributes["tvg-id"].split(".")[0] for e in entries} & other_ids
    assert b"op2" not in response.content


def test_a_channel_outside_the_accounts_tariffs_or_hidden_is_not_listed(client, world):
    extra = Tariff.objects.create(client=world.op.client, name="Sport")
    world.op.channels[2].tariffs.set([extra])
    token = account_playlist_token_ensure(account=world.op.account)
    names = [e.name for e in playlist.loads(get_playlist(client, world, token=token).content.decode()).get_channels()]
    assert names == [world.op.channels[0].name, world.op.channels[1].name]


def test_playing_an_entry_redirects_to_a_routed_url_the_token_check_accepts_once(client, world):
    token = account_playlist_token_ensure(account=world.op.account)
    channel = world.op.channels[1]
    response = client.get(world.url(f"play/{token}/{channel.pk}.m3u8"))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("http://fl1.test/op1ch1/index.m3u8?token=")
    assert stream_name(location) == "op1ch1"
    assert_played_once(client, location)
    # Playing again gets a fresh token: the playlist lives for days, tokens for one play.
    again = client.get(world.url(f"play/{token}/{channel.pk}.m3u8"))["Location"]
    assert again != location


def test_catch_up_redirects_to_the_archive_within_its_depth(client, world):
    token = account_playlist_token_ensure(account=world.op.account)
    channel = world.op.channels[0]
    start = world.programmes[1].time_begin
    response = client.get(
        world.url(f"play/{token}/{channel.pk}.m3u8"), {"utc": int(start.timestamp()), "duration": 3600}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"http://fl1.test/op1ch0/video-{int(start.timestamp())}-3600.m3u8")
    no_archive = client.get(
        world.url(f"play/{token}/{world.op.channels[1].pk}.m3u8"), {"utc": int(start.timestamp()), "duration": 60}
    )
    assert no_archive.status_code == 404
    bad = client.get(world.url(f"play/{token}/{channel.pk}.m3u8"), {"utc": "yesterday"})
    assert bad.status_code == 400 and b"utc" in bad.content


def test_another_operators_channel_or_token_plays_nothing(client, world, other_world):
    token = account_playlist_token_ensure(account=world.op.account)
    other_token = account_playlist_token_ensure(account=other_world.op.account)
    assert client.get(world.url(f"play/{token}/{other_world.op.channels[0].pk}.m3u8")).status_code == 404
    assert client.get(world.url(f"play/{other_token}/{world.op.channels[0].pk}.m3u8")).status_code == 401
    assert get_playlist(client, world, token=other_token).status_code == 401


def test_resetting_the_token_retires_the_old_addresses(client, world):
    old = account_playlist_token_ensure(account=world.op.account)
    new = account_playlist_token_reset(account=world.op.account)
    assert new != old
    assert get_playlist(client, world, token=old).status_code == 401
    assert get_playlist(client, world, token=new).status_code == 200
    assert Account.objects.get(pk=world.op.account.pk).playlist_token == new


def test_the_subscriber_gets_and_resets_the_addresses_with_abonement_and_password(client, world):
    account = world.op.account
    url = world.url("playlist/")
    first = client.post(url, {"abonement": account.abonement, "password": world.op.password})
    assert first.status_code == 200
    links = first.json()
    assert set(links) == {"m3u", "xmltv"}
    reset = client.post(url, {"abonement": account.abonement, "password": world.op.password, "reset": 1}).json()
    assert reset["m3u"] != links["m3u"]
    assert client.get(links["m3u"]).status_code == 401
    assert client.get(reset["m3u"]).status_code == 200
    assert client.post(url, {"abonement": account.abonement, "password": "wrong"}).status_code == 401
    assert client.post(url, {"abonement": account.abonement}).status_code == 400


def test_the_playlist_by_abonement_and_password(client, world):
    account = world.op.account
    response = get_playlist(client, world, abonement=account.abonement, password=world.op.password)
    assert response.status_code == 200
    assert len(playlist.loads(response.content.decode()).get_channels()) == 3
    assert get_playlist(client, world, abonement=account.abonement, password="nope").status_code == 401


def test_players_closed_by_the_operator_and_tariffs_are_refused(client, world):
    token = account_playlist_token_ensure(account=world.op.account)
    assert get_playlist(client, world, token=token).status_code == 200
    world.op.tariff.players_enabled = False
    world.op.tariff.save()
    assert get_playlist(client, world, token=token).status_code == 403
    world.op.client.players_enabled = True
    world.op.client.save()
    assert get_playlist(client, world, token=token).status_code == 200


def test_an_inactive_account_is_refused(client, world):
    token = account_playlist_token_ensure(account=world.op.inactive_account)
    assert get_playlist(client, world, token=token).status_code == 403


def test_wrong_tokens_are_throttled_per_address(client, world, settings):
    settings.SMARTY_LOGIN_ATTEMPTS_PER_IP = 3
    good = account_playlist_token_ensure(account=world.op.account)
    for n in range(3):
        assert get_playlist(client, world, token=f"guess{n}").status_code == 401
    refused = get_playlist(client, world, token=good)
    assert refused.status_code == 429 and refused["Retry-After"]
    # The counter is the address's: a subscriber elsewhere is not locked out.
    assert client.get(world.url("playlist.m3u"), {"token": good}, REMOTE_ADDR="10.1.1.1").status_code == 200


def test_an_unknown_operator_or_malformed_request_gets_no_error_page(client, world):
    assert client.get("/players/nobody/playlist.m3u", {"token": "x"}).status_code == 404
    assert get_playlist(client, world).status_code == 401
    assert get_playlist(client, world, token="x" * 100).status_code == 400
    assert client.post(world.url("playlist.m3u")).status_code == 405
