"""Two operators with look-alike data: a device of the first operator that names any object
of the second (channel, programme, camera, radio, category, sort, profile, message, device,
data center, tariff) gets the method's "not found" or "wrong parameter" answer, sees none of
the second operator's rows in any list, and changes nothing of it."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import Message, ProfileType
from channels.models import AccountChannelSetting, Camera, CameraCategory, ChannelSort, Radio
from epg.models import Premiere
from tests import factories as f
from tests.tenancy import cross_operator_links, operator_snapshot

from .live_fixtures import make_guide

pytestmark = pytest.mark.django_db
API = "/tvmiddleware/api/"
CLIENT_METHODS = {"login/", "login/customer_list/", "channel/icon/list/"}  # client_id + api_key


@dataclass
class Side:
    """One operator's world, built the same way for both operators."""

    op: object
    session: object
    guide: dict
    camera: object
    camera_category: object
    radio: object
    sort: object
    profile: object
    message: object
    device: object
    data_center: object

    @property
    def channel(self):
        return self.op.channels[0]

    @property
    def programme(self):
        return self.guide[self.channel.id][2]  # the one on air one hour ago: recorded


def build_side(op, device) -> Side:
    guide = make_guide(op.channels)
    for channel in op.channels:
        channel.recording_days = 3
        channel.save()
    category = CameraCategory.objects.create(client=op.client, name="Streets")
    camera = Camera.objects.create(
        client=op.client, name="Square", uri="http://cam.test/sq", camera_category=category, recording_days=3
    )
    camera.tariffs.add(op.tariff)
    radio = Radio.objects.create(client=op.client, name="Radio One", uri="http://radio.test/one")
    radio.tariffs.add(op.tariff)
    sort = ChannelSort.objects.create(client=op.client, name="Mine", channel_ids=[c.id for c in op.channels[::-1]])
    profile = ProfileType.objects.create(client=op.client, name="Kids", is_default=True)
    message = Message.objects.create(client=op.client, account=op.account, uuid=uuid.uuid4(), text="Hello")
    account_device = f.AccountDeviceFactory(account=op.account, play_device=device, device_uid="uid-look-alike")
    data_center = f.DataCenterFactory(client=op.client, name="DC")
    epg = op.channels[0].epg_channel
    Premiere.objects.create(epg_channel=epg, name="Premiere", time_begin=timezone.now() + dt.timedelta(hours=2))
    session = f.SessionFactory(account=op.account, play_device=device, device=account_device)
    return Side(op, session, guide, camera, category, radio, sort, profile, message, account_device, data_center)


@pytest.fixture
def sides(operator, other_operator, json_device) -> tuple[Side, Side]:
    return build_side(operator, json_device), build_side(other_operator, json_device)


@pytest.fixture
def call(client):
    """call(side, "method/", _json=..., _post=..., **params) as that side's device; noauth
    methods get the side's client_id + api_key instead of the authkey."""

    def do(side: Side, method: str, *, _json=None, _post: bool = False, **params) -> dict:
        if "noauth/" in method or method in CLIENT_METHODS:
            params.setdefault("api_key", side.op.client.api_key)
        else:
            params.setdefault("authkey", side.session.authkey)
        params.setdefault("client_id", side.op.client.pk)
        if _json is not None:
            query = "&".join(f"{k}={v}" for k, v in params.items())
            response = client.post(f"{API}{method}?{query}", data=json.dumps(_json), content_type="application/json")
        elif _post:
            response = client.post(f"{API}{method}", params)
        else:
            response = client.get(f"{API}{method}", params)
        assert response.status_code == 200, (method, response.status_code, response.content[:300])
        return json.loads(response.content)

    return do


def foreign_id_calls(mine: Side, theirs: Side) -> list[tuple[str, dict, int]]:
    """(method, parameters naming the other operator's objects, the method's answer)."""
    now = int(time.time())
    span = {"programs_from_ts": now - 3600, "programs_to_ts": now + 3600}
    return [
        ("program/list/", {"cid": theirs.channel.id}, 1),
        ("program/list/", {"cid": mine.channel.id, "pid_from": theirs.programme.id}, 2),
        ("program/list/", {"cid": theirs.camera.id, "is_camera": 1}, 1),
        ("noauth/program/list/", {"cid": theirs.channel.id}, 1),
        ("noauth/program/list/", {"cid": mine.channel.id, "pid_from": theirs.programme.id}, 2),
        ("program/detail/", {"pid": theirs.programme.id}, 1),
        ("program/detail/", {"pid": mine.programme.id, "cid": theirs.channel.id}, 1),
        ("noauth/program/detail/", {"pid": theirs.programme.id}, 1),
        ("channel/detail/", {"cid": theirs.channel.id}, 404),
        ("channel/action/", {"cid": theirs.channel.id, "action": "favorite"}, 4),
        ("channel/action/", {"cid": theirs.channel.id, "action": "hide"}, 4),
        (
            "channel/action/",
            {"cid": theirs.channel.id, "action": "get_channel_url", "tariff_id": theirs.op.tariff.id},
            4,
        ),
        ("channel/action/", {"cid": mine.channel.id, "action": "get_channel_url", "tariff_id": theirs.op.tariff.id}, 4),
        ("channel/action/", {"cid": theirs.channel.id, "action": "subscribe", "tariff_id": theirs.op.tariff.id}, 4),
        ("channel/programs/", {"cid": theirs.channel.id}, 1),
        ("channel/list/programs/", {"channel_ids": theirs.channel.id, **span}, 2),
        ("channel/list/programs/", {"channel_sort_id": theirs.sort.id, **span}, 1),
        ("channel/list/", {"channel_sort_id": theirs.sort.id}, 1),
        ("channel/list/search/", {"search": "Channel", "channel_sort_id": theirs.sort.id}, 1),
        ("program/category/channel/list/", {"channel_sort_id": theirs.sort.id}, 1),
        ("noauth/program/category/channel/list/", {"channel_sort_id": theirs.sort.id}, 1),
        ("premiere/list/", {"cid": theirs.channel.id}, 1),
        ("v2/channel/info/", {"channel_ids": theirs.channel.id}, 1),
        ("v2/noauth/channel/info/", {"channel_ids": theirs.channel.id}, 404),
        ("settings/save/", {"favorite_channel": theirs.channel.id}, 1),
        ("settings/save/", {"parent_lock_channel": theirs.channel.id}, 1),
        ("settings/save/", {"data_center_id": theirs.data_center.id}, 1),
        ("account/profile/settings/modify/", {"profile_id": theirs.profile.id, "name": "Hacked"}, 1),
        ("message/detail/", {"uuid": str(theirs.message.uuid)}, 1),
        ("message/delete/", {"uuid": str(theirs.message.uuid)}, 1),
        ("camera/detail/", {"cid": theirs.camera.id}, 1),
        ("channel/url/", {"cid": theirs.channel.id, "redirect": 0}, 404),
        ("program/url/", {"cid": theirs.channel.id, "time": now - 3600, "redirect": 0}, 404),
        ("program/url/", {"cid": mine.channel.id, "pid": theirs.programme.id, "redirect": 0}, 404),
        ("program/url/", {"cid": theirs.camera.id, "is_camera": 1, "time": now - 3600, "redirect": 0}, 404),
        ("camera/url/", {"cid": theirs.camera.id, "redirect": 0}, 1),
    ]


def test_every_id_of_another_operator_gets_the_methods_not_found_answer_and_changes_nothing(call, sides):
    mine, theirs = sides
    before = operator_snapshot(theirs.op.client)
    for method, params, code in foreign_id_calls(mine, theirs):
        body = call(mine, method, **params)
        assert body["error"] == code, (method, params, body)
    # The JSON bodies of the v2 methods and the POST form of settings/save/.
    body = call(mine, "v2/account/channels/sort/", _json={"channel_ids": [theirs.channel.id]})
    assert body["error"] == 404, body
    items = [{"channel_id": theirs.channel.id, "is_favorited": 1, "is_hidden": 1}]
    assert call(mine, "v2/account/channels/update/", _json={"account_channels": items})["error"] == 404
    sort = json.dumps([{"id": theirs.channel.id, "is_favorited": 1}])
    assert call(mine, "settings/save/", _post=True, channels_sort=sort)["error"] == 1
    assert operator_snapshot(theirs.op.client) == before
    assert not AccountChannelSetting.objects.filter(account=mine.op.account).exists()
    assert cross_operator_links() == []


def test_login_never_reaches_another_operators_accounts_or_devices(call, sides):
    mine, theirs = sides
    before = operator_snapshot(theirs.op.client)
    login = {"abonement": mine.op.account.abonement, "password": "1234", "device": "android", "device_uid": "new-box"}
    body = call(mine, "login/", **login, device_id_for_unbinding=theirs.device.id)
    assert body["error"] == 27, body
    # The look-alike device UID logs into this operator's account; one only the other
    # operator knows (its account allows device-UID login) and its abonement are unknown.
    body = call(mine, "login/", device_uid=theirs.device.device_uid, device="android")
    assert body["account_id"] == mine.op.account.pk, body
    f.AccountDeviceFactory(account=theirs.op.account, device_uid="uid-only-theirs")
    before = operator_snapshot(theirs.op.client)
    assert call(mine, "login/", device_uid="uid-only-theirs", device="android")["error"] == 1
    theirs.op.customer.mobile_phone_number = "+371 2000 0002"
    theirs.op.customer.save()
    assert call(mine, "login/", abonement="200001", password="1234", device="android")["error"] == 1
    assert call(mine, "login/customer_list/", phone_number="+371 2000 0002")["error"] == 1
    theirs.op.customer.mobile_phone_number = ""
    theirs.op.customer.save()
    assert operator_snapshot(theirs.op.client) == before


def test_another_operators_authkey_is_refused_under_this_client_id(call, sides):
    mine, theirs = sides
    for method in ("account/status/", "channel/list/", "message/list/"):
        body = call(mine, method, authkey=theirs.session.authkey)
        assert body["error"] == 403, (method, body)


@pytest.mark.parametrize("first", ["theirs", "mine"])
def test_lists_show_only_the_operators_own_rows_whoever_filled_the_caches_first(call, sides, first):
    """Both operators' devices ask the same methods; whichever asks first fills the caches,
    and neither ever gets an answer built for the other."""
    mine, theirs = sides
    order = [(theirs, mine), (mine, theirs)] if first == "theirs" else [(mine, theirs), (theirs, mine)]
    for me, them in order:
        check_lists(call, me, them)


def check_lists(call, mine: Side, theirs: Side) -> None:
    own_channels = {c.id for c in mine.op.channels}
    theirs_programmes = {p.id for programmes in theirs.guide.values() for p in programmes}

    def ids(items, key: str = "id") -> set:
        return {item[key] for item in items}

    assert ids(call(mine, "channel/list/")["channels"]) == own_channels
    assert ids(call(mine, "channel/list/search/", search="Channel")["channels"]) == own_channels
    assert ids(call(mine, "v2/channel/list/")["channels"]) == own_channels
    assert ids(call(mine, "channel/icon/list/")["icons"]) == own_channels
    assert ids(call(mine, "v2/noauth/channel/list/", tariff_id=theirs.op.tariff.id)["channels"]) == set()
    assert ids(call(mine, "program/category/channel/list/")["programs"]) == own_channels
    assert ids(call(mine, "category/list/")["categories"]) == {mine.op.category.id}
    assert ids(call(mine, "noauth/category/list/")["categories"]) == {mine.op.category.id}
    assert ids(call(mine, "camera/list/")["cameras"]) == {mine.camera.id}
    assert ids(call(mine, "camera/category/list/")["categories"]) == {mine.camera_category.id}
    assert ids(call(mine, "radio/list/")["radio"]) == {mine.radio.id}
    assert ids(call(mine, "channel/sort/list/")["channel_sort"]) == {mine.sort.id}
    assert ids(call(mine, "profile/list/")["profiles"]) == {mine.profile.id}
    assert ids(call(mine, "account/tariff/list")["tariffs"]) == {mine.op.tariff.id}
    assert {m["uuid"] for m in call(mine, "message/list/")["messages"]} == {str(mine.message.uuid)}
    assert ids(call(mine, "premiere/list/")["premieres"]) == {mine.channel.id}
    now = int(time.time())
    body = call(mine, "channel/list/programs/", programs_from_ts=now - 7200, programs_to_ts=now + 7200)
    assert ids(body["channels"]) == own_channels
    assert not {p["id"] for c in body["channels"] for p in c["programs"]} & theirs_programmes
    body = call(mine, "program/list/search/", search="Show Channel")
    assert body["results"] and not ids(body["results"], "program_id") & theirs_programmes
    records = call(mine, "program/category/record/list/")["records"]
    assert records and {r["channel"]["id"] for r in records} <= own_channels
    login = {"abonement": mine.op.account.abonement, "password": "1234", "device": "android"}
    assert ids(call(mine, "login/", **login, device_uid="other-box")["data_centers"]) == {mine.data_center.id}
