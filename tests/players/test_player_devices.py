"""Players are devices of the account: a playlist token, an Xtream login and a MAG box each
sign in as one device with a session, reused on every request, counted against the tariff's
device and session limits as the device API counts them; a reset playlist token ends its
session."""

from __future__ import annotations

import pytest

from accounts.models import AccountDevice, CustomerActionLog, Session
from accounts.services.players import account_playlist_token_ensure, account_playlist_token_reset

from .conftest import MAC, Box

pytestmark = pytest.mark.django_db


def playlist(client, world, token: str):
    return client.get(world.url("playlist.m3u"), {"token": token})


def xtream(client, world):
    own = {"username": world.op.account.abonement, "password": world.op.password}
    return client.get(world.url("player_api.php"), own)


def test_a_playlist_token_signs_in_as_one_device_with_one_reused_session(client, world):
    account = world.op.account
    token = account_playlist_token_ensure(account=account)
    for _ in range(3):
        assert playlist(client, world, token).status_code == 200
    assert client.get(world.url(f"play/{token}/{world.op.channels[0].pk}.m3u8")).status_code == 302
    (device,) = AccountDevice.objects.filter(account=account)
    assert device.device_uid.startswith("m3u-") and device.is_basic
    assert Session.objects.filter(account=account, device=device).count() == 1
    logins = CustomerActionLog.objects.filter(account=account, action=CustomerActionLog.Action.LOGIN)
    assert [entry.details["login_method"] for entry in logins] == ["playlist_token"]


def test_the_playlist_by_token_and_by_password_is_one_device(client, world):
    account = world.op.account
    token = account_playlist_token_ensure(account=account)
    assert playlist(client, world, token).status_code == 200
    by_password = client.get(world.url("playlist.m3u"), {"abonement": account.abonement, "password": world.op.password})
    assert by_password.status_code == 200
    assert AccountDevice.objects.filter(account=account).count() == 1


def test_each_kind_of_player_is_its_own_device(client, world):
    account = world.op.account
    world.op.tariff.basic_sessions_count = 3
    world.op.tariff.save()
    assert playlist(client, world, account_playlist_token_ensure(account=account)).status_code == 200
    assert xtream(client, world).json()
    box = Box(client, world)
    box.handshake()
    assert box.js("stb", "do_auth", login=account.abonement, password=world.op.password) is True
    uids = sorted(AccountDevice.objects.filter(account=account).values_list("device_uid", flat=True))
    assert uids[0] == MAC and uids[1].startswith("m3u-") and uids[2].startswith("xtream-")
    assert Session.objects.filter(account=account).count() == 3


def test_players_share_the_basic_device_limit_with_the_device_apis_devices(client, world):
    account = world.op.account
    world.op.tariff.basic_sessions_count = 1
    world.op.tariff.save()
    token = account_playlist_token_ensure(account=account)
    tv = AccountDevice.objects.create(client=world.op.client, account=account, device_uid="smart-tv-1", is_basic=True)
    assert playlist(client, world, token).status_code == 403  # the TV holds the one basic device
    banned = xtream(client, world).json()["user_info"]
    assert banned["auth"] == 0 and banned["status"] == "Banned"
    tv.delete()
    assert xtream(client, world).json()["user_info"]["auth"] == 1
    assert playlist(client, world, token).status_code == 403  # now the Xtream player holds it
    assert not AccountDevice.objects.filter(account=account, device_uid__startswith="m3u-").exists()


def test_a_reset_playlist_token_ends_its_session(client, world):
    account = world.op.account
    token = account_playlist_token_ensure(account=account)
    assert playlist(client, world, token).status_code == 200
    first = Session.objects.get(account=account)
    new_token = account_playlist_token_reset(account=account)
    assert playlist(client, world, token).status_code == 401
    assert playlist(client, world, new_token).status_code == 200
    (current,) = Session.objects.filter(account=account)
    assert current.authkey != first.authkey  # the device's session was opened anew
