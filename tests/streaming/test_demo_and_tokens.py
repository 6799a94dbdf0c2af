"""The demo hook and the token purge."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from streaming import demo
from streaming.models import DataCenter, StreamService, StreamToken
from streaming.services import stream_token_purge
from tests import factories as f

from .conftest import CHANNEL_URL

pytestmark = pytest.mark.django_db


def test_the_demo_gives_channel_url_a_tokenised_flussonic_uri(client, operator, json_device):
    result = demo.load(operator.client, operator.channels)
    assert result["stream_service"].type == "flussonic"
    assert result["tariffs"] == [operator.tariff.pk]
    again = demo.load(operator.client, operator.channels)
    assert again["stream_service"].pk == result["stream_service"].pk
    assert DataCenter.objects.count() == 1 and StreamService.objects.count() == 1
    session = f.SessionFactory(account=operator.account, play_device=json_device)
    params = {"authkey": session.authkey, "cid": operator.channels[0].pk, "redirect": 0}
    body = json.loads(client.get(CHANNEL_URL, params).content)
    token = body["uri"].rsplit("token=", 1)[1]
    assert body["uri"] == f"http://streamer.example.com:8080/{operator.channels[0].pk}/index.m3u8?token={token}"


def test_expired_tokens_are_purged_after_the_keep_time(world, settings):
    settings.SMARTY_STREAM_TOKEN_KEEP_HOURS = 24
    now = timezone.now()
    make = lambda age: StreamToken.objects.create(  # noqa: E731
        client=world.op.client, account=world.op.account, token=f"t{age}", expires_at=now - dt.timedelta(hours=age)
    )
    old, recent = make(25), make(1)
    assert stream_token_purge(now=now) == 1
    assert list(StreamToken.objects.all()) == [recent]
    assert old.pk not in StreamToken.objects.values_list("pk", flat=True)
    out = io.StringIO()
    call_command("purge_stream_tokens", stdout=out)
    assert out.getvalue() == "deleted 0 expired stream tokens\n"
