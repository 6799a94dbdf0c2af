"""Every player door asked with the second operator's ids, tokens, credentials and MACs at
the first operator's address (and the other way round) changes nothing of the second
operator and links no row across operators; hot requests keep a bounded query count."""

from __future__ import annotations

import pytest

from accounts.models import AccountDevice
from accounts.services.players import account_playlist_token_ensure
from tests.tenancy import cross_operator_links, operator_snapshot

from .test_stalker import MAC, Box

pytestmark = pytest.mark.django_db


def test_the_second_operators_ids_and_credentials_at_the_first_operators_doors(client, world, other_world):
    other = other_world.op
    other_token = account_playlist_token_ensure(account=other.account)
    AccountDevice.objects.create(client=other.client, account=other.account, device_uid=MAC, is_basic=True)
    before = operator_snapshot(other.client)
    creds = {"username": other.account.abonement, "password": other.password}
    channel_id, other_channel = world.op.channels[0].pk, other.channels[0].pk
    answers = [
        client.get(world.url("playlist.m3u"), {"token": other_token}),
        client.get(world.url("xmltv.xml"), {"token": other_token}),
        client.get(world.url(f"play/{other_token}/{other_channel}.m3u8")),
        client.get(world.url(f"play/{other_token}/{channel_id}.m3u8")),
        client.post(world.url("playlist/"), {"abonement": other.account.abonement, "password": other.password}),
        client.get(world.url("player_api.php"), creds),
        client.get(world.url("get.php"), creds),
        client.get(world.url(f"live/{creds['username']}/{creds['password']}/{other_channel}.ts")),
    ]
    assert all(a.status_code in (401, 404) or a.json()["user_info"]["auth"] == 0 for a in answers)
    box = Box(client, world)
    box.handshake()
    assert box.js("stb", "get_profile")["status"] == 2  # the MAC is a device of the other operator only
    assert box.js("stb", "do_auth", login=other.account.abonement, password=other.password) is False
    # The first operator's subscriber asks for the second operator's channel: nothing to play.
    own = {"username": world.op.account.abonement, "password": world.op.password}
    assert client.get(world.url(f"live/{own['username']}/{own['password']}/{other_channel}.ts")).status_code == 404
    api = client.get(world.url("player_api.php"), {**own, "action": "get_short_epg", "stream_id": other_channel})
    assert api.status_code == 404
    assert operator_snapshot(other.client) == before
    assert cross_operator_links() == []


def test_repeated_player_requests_keep_a_bounded_query_count(client, world, django_assert_max_num_queries):
    own = {"username": world.op.account.abonement, "password": world.op.password}
    token = account_playlist_token_ensure(account=world.op.account)
    # Warm: the login, the channel view, the routing snapshot.
    client.get(world.url("player_api.php"), {**own, "action": "get_live_streams"})
    client.get(world.url("playlist.m3u"), {"token": token})
    client.get(world.url(f"play/{token}/{world.op.channels[1].pk}.m3u8"))
    with django_assert_max_num_queries(0):
        client.get(world.url("player_api.php"), {**own, "action": "get_live_streams"})
    with django_assert_max_num_queries(1):  # the token lookup
        client.get(world.url("playlist.m3u"), {"token": token})
    with django_assert_max_num_queries(2):  # the playlist token lookup, the stream token insert
        response = client.get(world.url(f"play/{token}/{world.op.channels[0].pk}.m3u8"))
    assert response.status_code == 302
