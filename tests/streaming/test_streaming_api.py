"""The Streaming API (reference streaming.md): maintenance/create, maintenance/edit, signed with
the operator's Streaming API key; every error code; tenancy."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from smarty.api.signature import compute_signature
from streaming.models import Maintenance

from .conftest import CHANNEL_URL

pytestmark = pytest.mark.django_db

CREATE = "/streaming/api/maintenance/create/"
EDIT = "/streaming/api/maintenance/edit/"


def signed(op, **params) -> dict:
    data = {"client_id": str(op.client.pk), **{k: str(v) for k, v in params.items()}}
    data["signature"] = compute_signature(data.items(), op.client.streaming_api_key)
    return data


def post(client, url: str, data: dict) -> dict:
    response = client.post(url, data)
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def test_maintenance_create_restricts_the_channels_with_the_prefixes(client, world):
    now = timezone.now()
    data = signed(
        world.op,
        channel_prefix="prefix1-0,prefix1-1",
        datetime_begin=iso(now - dt.timedelta(minutes=1)),
        datetime_end=iso(now + dt.timedelta(hours=2)),
        description="Night works",
    )
    body = post(client, CREATE, data)
    assert body["error"] == 0 and body["error_message"] == ""
    window = Maintenance.objects.get(pk=body["id"])
    assert window.client_id == world.op.client.pk and window.message == "Night works"
    assert set(window.channels.all()) == {world.channels[0], world.channels[1]}
    assert window.end_time is not None and window.restrict_live and window.restrict_archive
    answer = json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)
    assert answer["error"] == 404 and answer["maintenance"]["id"] == window.pk
    assert json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[2].pk)).content)["error"] == 0


def test_maintenance_create_without_an_end_lasts_until_edited(client, world):
    begin = "2030-01-02T03:04:05.000+03:00"
    body = post(client, CREATE, signed(world.op, channel_prefix="prefix1-2", datetime_begin=begin))
    window = Maintenance.objects.get(pk=body["id"])
    assert window.end_time is None
    assert window.start_time == dt.datetime(2030, 1, 2, 0, 4, 5, tzinfo=dt.UTC)


def test_maintenance_create_with_an_unknown_prefix_is_error_1(client, world):
    data = signed(world.op, channel_prefix="prefix1-0,nope", datetime_begin=iso(timezone.now()))
    body = post(client, CREATE, data)
    assert body["error"] == 1 and "nope" in body["error_message"]
    assert not Maintenance.objects.exists()


@pytest.mark.parametrize(
    "params",
    [
        {"channel_prefix": "prefix1-0"},
        {"channel_prefix": "prefix1-0", "datetime_begin": "yesterday"},
        {"datetime_begin": "2030-01-01T00:00:00Z"},
        {
            "channel_prefix": "prefix1-0",
            "datetime_begin": "2030-01-02T00:00:00Z",
            "datetime_end": "2030-01-01T00:00:00Z",
        },
    ],
)
def test_maintenance_create_with_bad_parameters_is_error_20_naming_them(client, world, params):
    body = post(client, CREATE, signed(world.op, **params))
    assert body["error"] == 20 and body["error_fields"]
    assert not Maintenance.objects.exists()


def test_a_wrong_signature_or_operator_is_error_20(client, world):
    data = signed(world.op, channel_prefix="prefix1-0", datetime_begin="2030-01-01T00:00:00Z")
    data["signature"] = "0" * 32
    body = post(client, CREATE, data)
    assert body["error"] == 20 and body["error_fields"] == {"signature": "does not match"}
    data = signed(world.op, channel_prefix="prefix1-0", datetime_begin="2030-01-01T00:00:00Z")
    data["description"] = "changed after signing"
    assert post(client, CREATE, data)["error"] == 20
    data = signed(world.op, channel_prefix="prefix1-0", datetime_begin="2030-01-01T00:00:00Z")
    data["client_id"] = "999999"
    assert post(client, CREATE, data)["error_fields"] == {"client_id": "unknown operator"}
    # The TVMW api_key is not the Streaming API key.
    raw = {
        "client_id": str(world.op.client.pk),
        "channel_prefix": "prefix1-0",
        "datetime_begin": "2030-01-01T00:00:00Z",
    }
    raw["signature"] = compute_signature(raw.items(), world.op.client.api_key)
    assert post(client, CREATE, raw)["error"] == 20


def test_maintenance_edit_changes_only_what_is_given(client, world):
    created = post(client, CREATE, signed(world.op, channel_prefix="prefix1-0", datetime_begin="2030-01-01T00:00:00Z"))
    body = post(
        client,
        EDIT,
        signed(world.op, id=created["id"], channel_prefix="prefix1-1", datetime_end="2030-01-01T06:00:00Z"),
    )
    assert body["error"] == 0
    window = Maintenance.objects.get(pk=created["id"])
    assert list(window.channels.all()) == [world.channels[1]]
    assert window.start_time == dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert window.end_time == dt.datetime(2030, 1, 1, 6, tzinfo=dt.UTC)
    post(client, EDIT, signed(world.op, id=created["id"], description="Moved"))
    window.refresh_from_db()
    assert window.message == "Moved" and list(window.channels.all()) == [world.channels[1]]


def test_an_edit_that_starts_the_window_now_closes_the_channel_at_once(client, world):
    created = post(client, CREATE, signed(world.op, channel_prefix="prefix1-0", datetime_begin="2030-01-01T00:00:00Z"))
    assert json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)["error"] == 0
    begin = iso(timezone.now() - dt.timedelta(seconds=5))
    post(client, EDIT, signed(world.op, id=created["id"], datetime_begin=begin))
    assert json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)["error"] == 404


def test_maintenance_edit_error_codes(client, world):
    created = post(client, CREATE, signed(world.op, channel_prefix="prefix1-0", datetime_begin="2030-01-01T00:00:00Z"))
    assert post(client, EDIT, signed(world.op, id=999999))["error"] == 1
    assert post(client, EDIT, signed(world.op, id=created["id"], channel_prefix="missing"))["error"] == 2
    assert post(client, EDIT, signed(world.op, id="abc"))["error"] == 20
    assert post(client, EDIT, signed(world.op))["error"] == 20
    bad_end = signed(world.op, id=created["id"], datetime_end="2029-12-31T00:00:00Z")
    assert post(client, EDIT, bad_end)["error"] == 20


def test_another_operators_windows_and_channels_are_out_of_reach(client, world, other_world):
    theirs = post(
        client, CREATE, signed(other_world.op, channel_prefix="prefix2-0", datetime_begin="2030-01-01T00:00:00Z")
    )
    assert theirs["error"] == 0
    # Their window id with our signature: "not found"; their prefix for us: "no such channel".
    assert post(client, EDIT, signed(world.op, id=theirs["id"], description="x"))["error"] == 1
    assert (
        post(client, CREATE, signed(world.op, channel_prefix="prefix2-0", datetime_begin="2030-01-01T00:00:00Z"))[
            "error"
        ]
        == 1
    )
    assert Maintenance.objects.get(pk=theirs["id"]).message == ""
    assert Maintenance.objects.filter(client=world.op.client).count() == 0


@pytest.mark.parametrize(
    "moment",
    ["1000000000000000000", "99999999999999999999", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
)
def test_a_time_outside_what_the_database_can_hold_is_error_20_naming_it(client, world, moment):
    # A huge timestamp raised OSError in the parser, a local time before year 1 in UTC an
    # OverflowError on saving: both were error 500.
    body = post(client, CREATE, signed(world.op, channel_prefix="prefix1-0", datetime_begin=moment))
    assert body["error"] == 20 and set(body["error_fields"]) == {"datetime_begin"}
    assert not Maintenance.objects.exists()


def test_a_prefix_both_operators_use_restricts_only_the_signing_operators_channel(client, world, other_world):
    from smarty.cache import generations
    from streaming.selectors import streaming_dep
    from tests.tenancy import operator_snapshot

    for w in (world, other_world):
        w.channels[0].url_prefix = "shared"
        w.channels[0].save()
    theirs, their_gen = operator_snapshot(other_world.op.client), generations([streaming_dep(other_world.op.client.pk)])
    body = post(client, CREATE, signed(world.op, channel_prefix="shared", datetime_begin=iso(timezone.now())))
    assert body["error"] == 0
    window = Maintenance.objects.get(pk=body["id"])
    assert list(window.channels.all()) == [world.channels[0]] and window.client_id == world.op.client.pk
    assert post(client, EDIT, signed(world.op, id=window.pk, channel_prefix="shared"))["error"] == 0
    assert list(window.channels.all()) == [world.channels[0]]
    assert operator_snapshot(other_world.op.client) == theirs
    assert generations([streaming_dep(other_world.op.client.pk)]) == their_gen
    # The other operator's viewers still get their channel; ours is under technical work.
    url = client.get(CHANNEL_URL, other_world.params(cid=other_world.channels[0].id)).json()
    assert url["error"] == 0
    assert client.get(CHANNEL_URL, world.params(cid=world.channels[0].id)).json()["error"] == 404
