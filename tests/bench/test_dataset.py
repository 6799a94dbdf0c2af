"""The benchmark's dataset generator (bench/dataset.py, manage.py bench_dataset)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Account, AccountDevice, Customer, Session, check_password
from bench.dataset import (
    ABONEMENT_BASE,
    EPG_SOURCE_NAME,
    Scale,
    bench_clients,
    dataset_create,
    dataset_describe,
    dataset_ensure,
    epg_window,
    sessions_write,
)
from channels.models import Channel, ChannelCategory
from clients.models import Client, ClientPlayDevice
from epg.models import EpgChannel, Program
from streaming.models import StreamService
from tariffs.models import Tariff, TariffSubscription
from tariffs.selectors import account_tariff_ids

SMALL = Scale(accounts=30, channels=12, categories=3, epg_days=2, programmes_per_day=6, videos=11, batch_size=7)
SMALL_ARGS = "--accounts 30 --channels 12 --categories 3 --epg-days 2 --programmes-per-day 6 --videos 11".split()


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("bench_dataset", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def small(db) -> dict:
    return dataset_create(scale=SMALL)


def test_the_dataset_has_two_operators_of_the_asked_size(small):
    first, second = small["operators"]
    for operator in (first, second):
        client_id = operator["client_id"]
        assert Account.objects.filter(client_id=client_id).count() == 30
        assert Customer.objects.filter(client_id=client_id).count() == 30
        assert Channel.objects.filter(client_id=client_id).count() == 12
        assert ChannelCategory.objects.filter(client_id=client_id).count() == 3
        assert StreamService.objects.filter(client_id=client_id).count() == 3
        assert TariffSubscription.objects.filter(client_id=client_id).count() == 30
        assert ClientPlayDevice.objects.filter(client_id=client_id, play_device__system_name="android").exists()
    assert (first["abonement_first"], first["abonement_last"]) == (ABONEMENT_BASE + 1, ABONEMENT_BASE + 30)
    assert (second["abonement_first"], second["abonement_last"]) == (2 * ABONEMENT_BASE + 1, 2 * ABONEMENT_BASE + 30)
    assert set(first["channel_ids"]).isdisjoint(second["channel_ids"])


def test_the_operators_share_nothing_but_the_epg(small):
    first, second = (Client.objects.get(pk=o["client_id"]) for o in small["operators"])
    # Every customer, account, tariff and channel row belongs to exactly one of them.
    for model in (Customer, Account, Tariff, Channel, StreamService):
        assert model.objects.for_client(first).count() == model.objects.for_client(second).count() > 0
        assert not model.objects.for_client(first).filter(pk__in=model.objects.for_client(second)).exists()
    for account in Account.objects.for_client(second):
        assert account.customer.client_id == second.pk
        assert account.data_center.client_id == second.pk
    assert set(Channel.objects.for_client(first).values_list("epg_channel", flat=True)) == set(
        Channel.objects.for_client(second).values_list("epg_channel", flat=True)
    )


def test_every_bench_account_has_the_printed_password(small):
    hashes = set(Account.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    assert check_password(SMALL.password, hashes.pop())
    assert not Account.objects.first().check_password("wrong")


def test_every_account_has_the_basic_tariff_and_every_third_the_extra_one(small):
    client_id = small["operators"][0]["client_id"]
    basic = Tariff.objects.get(client_id=client_id, name="Bench basic")
    extra = Tariff.objects.get(client_id=client_id, name="Bench extra")
    entitled = [account_tariff_ids(a) for a in Account.objects.filter(client_id=client_id).order_by("id")]
    assert all(basic.pk in ids for ids in entitled)
    assert sum(extra.pk in ids for ids in entitled) == 10
    # The last category's channels come with the extra tariff, the others with the basic one.
    last_category = ChannelCategory.objects.filter(client_id=client_id).order_by("sort_order").last()
    for channel in Channel.objects.filter(client_id=client_id):
        expected = extra if channel.category_id == last_category.pk else basic
        assert list(channel.tariffs.all()) == [expected]


def test_streaming_services_carry_the_url_masks_and_are_reachable_through_the_tariffs(small):
    client_id = small["operators"][0]["client_id"]
    services = list(StreamService.objects.filter(client_id=client_id).order_by("name"))
    assert [s.live_url_mask for s in services] == [
        f"http://stream{n}.bench.test/$cid/index.m3u8?token=$token" for n in (1, 2, 3)
    ]
    assert all("$flpbt" in s.archive_url_mask and "$flpdur" in s.archive_url_mask for s in services)
    assert all(s.data_center and s.data_center.client_id == client_id and not s.check_url for s in services)
    for tariff in Tariff.objects.filter(client_id=client_id):
        assert set(tariff.stream_services.all()) == set(services)
    channel = Channel.objects.filter(client_id=client_id).first()
    assert set(channel.stream_services.all()) == set(services)
    assert channel.id_for_stream_service == "ch1"


def test_each_epg_channel_has_a_gapless_guide_over_the_window(db):
    now = timezone.now()
    dataset_create(scale=SMALL, now=now)
    start, end = epg_window(SMALL, now)
    assert EpgChannel.objects.filter(source__name=EPG_SOURCE_NAME).count() == 12
    for epg_channel in EpgChannel.objects.filter(source__name=EPG_SOURCE_NAME):
        programmes = list(Program.objects.filter(epg_channel=epg_channel).order_by("time_begin"))
        assert programmes[0].time_begin == start
        assert programmes[-1].time_end >= end > programmes[-1].time_begin
        assert all(a.time_end == b.time_begin for a, b in zip(programmes, programmes[1:], strict=False))
        assert start < now < end
    # About programmes_per_day a day (lengths vary around the mean).
    assert 0.7 * 12 * 2 * 6 <= Program.objects.count() <= 1.3 * 12 * 2 * 6


def test_the_second_operator_can_be_scaled_or_left_out(db):
    described = dataset_create(scale=Scale(accounts=20, channels=10, categories=2, epg_days=1, other_scale=0.5))
    assert [(o["accounts"], o["channels"]) for o in described["operators"]] == [(20, 10), (10, 5)]
    run_command("--delete")
    described = dataset_create(scale=Scale(accounts=20, channels=10, categories=2, epg_days=1, other_scale=0))
    assert len(described["operators"]) == 1


def test_the_command_prints_key_values_and_writes_the_description(db, tmp_path):
    output = tmp_path / "dataset.json"
    printed = run_command(*SMALL_ARGS, "--output", str(output))
    values = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
    client = bench_clients().first()
    assert values["operator1_client_id"] == str(client.pk)
    assert values["operator1_api_key"] == client.api_key
    assert values["operator1_abonement_first"] == str(ABONEMENT_BASE + 1)
    assert values["operator2_abonement_last"] == str(2 * ABONEMENT_BASE + 30)
    assert values["password"] == "bench-pass"
    assert "bench data created" in printed
    written = json.loads(output.read_text())
    assert written["password"] == "bench-pass"
    assert written["operators"][0]["channel_ids"] == list(
        Channel.objects.filter(client=client).order_by("sort_order", "id").values_list("id", flat=True)
    )


def test_the_command_refuses_to_create_over_existing_bench_data(small):
    with pytest.raises(CommandError, match="bench data exists"):
        run_command(*SMALL_ARGS)


def test_reset_rebuilds_and_reuse_keeps_matching_data(small):
    old_ids = [o["client_id"] for o in small["operators"]]
    assert "bench data reused" in run_command(*SMALL_ARGS, "--reuse")
    assert [o["client_id"] for o in dataset_describe()["operators"]] == old_ids
    assert "bench data created" in run_command(*SMALL_ARGS, "--reset")
    assert not Client.objects.filter(pk__in=old_ids).exists()
    assert bench_clients().count() == 2


def test_reuse_rebuilds_when_the_size_or_password_differ(small):
    bigger = ["25" if arg == "30" else arg for arg in SMALL_ARGS]
    assert "bench data created" in run_command(*bigger, "--reuse")
    assert [o["accounts"] for o in dataset_describe()["operators"]] == [25, 25]
    run_command("--delete")
    dataset_create(scale=SMALL)
    assert "bench data created" in run_command(*SMALL_ARGS, "--password", "other", "--reuse")


def test_reuse_moves_an_old_guide_to_today(db):
    dataset_create(scale=SMALL, now=timezone.now() - dt.timedelta(days=5))
    described, action = dataset_ensure(scale=SMALL)
    assert action == "epg refreshed"
    assert dt.datetime.fromisoformat(described["epg_from"]) == epg_window(SMALL, timezone.now())[0]


def test_delete_removes_only_the_bench_data(small, operator):
    run_command("--delete")
    assert not bench_clients().exists()
    assert not EpgChannel.objects.filter(source__name=EPG_SOURCE_NAME).exists()
    assert not Program.objects.exists()
    # The ordinary operator and its subscribers are untouched.
    assert Client.objects.filter(pk=operator.client.pk).exists()
    assert Account.objects.filter(client=operator.client).count() == 3


def test_an_invalid_scale_is_refused_with_a_message(db):
    with pytest.raises(CommandError, match="categories between 1 and channels"):
        run_command("--channels", "3", "--categories", "5")
    assert not bench_clients().exists()


def test_every_account_has_a_device_and_a_live_session_made_before_the_load(small):
    for operator in small["operators"]:
        sessions = Session.objects.filter(client_id=operator["client_id"])
        assert sessions.count() == operator["sessions"] == 30
        assert sessions.filter(expires_at__gt=timezone.now()).count() == 30
        assert sessions.values("account").distinct().count() == 30
        assert AccountDevice.objects.filter(client_id=operator["client_id"]).count() == 30
        assert not sessions.filter(device__isnull=True).exists()
    assert Session.objects.values("authkey").distinct().count() == Session.objects.count()


def test_a_bench_authkey_is_a_working_device_session_that_sees_the_vod_library(small, client):
    operator = small["operators"][0]
    assert operator["videos"] == 11
    authkey = Session.objects.filter(client_id=operator["client_id"]).values_list("authkey", flat=True).first()
    params = {"client_id": operator["client_id"], "authkey": authkey, "device": "android"}
    status = client.get("/tvmiddleware/api/account/status/", params).json()
    assert status["error"] == 0
    videos = client.get("/tvmiddleware/api/video/list/", {**params, "limit": 100}).json()
    assert videos["error"] == 0
    assert {v["id"] for v in videos["videos"]} == set(operator["video_ids"])


def test_the_sessions_file_lists_live_authkeys_with_the_asked_share_of_the_second_operator(small, tmp_path):
    path = tmp_path / "sessions.csv"
    written = sessions_write(path, other_share=0.25)
    rows = [line.split(",") for line in path.read_text().splitlines()]
    assert written == len(rows) == 30 + 10
    first, second = small["operators"]
    by_key = dict(Session.objects.values_list("authkey", "client_id"))
    for client_id, authkey, index in rows:
        assert by_key[authkey] == int(client_id)
        assert int(client_id) == (first if index == "1" else second)["client_id"]
    assert sum(1 for row in rows if row[2] == "2") == 10
    # The second operator's lines are spread through the file, not bunched at one end.
    positions = [n for n, row in enumerate(rows) if row[2] == "2"]
    assert positions[0] < 5 and positions[-1] > 30


def test_the_command_writes_the_sessions_file(db, tmp_path):
    path = tmp_path / "sessions.csv"
    printed = run_command(*SMALL_ARGS, "--sessions-file", str(path), "--other-share", "0")
    assert "sessions_file_lines=30" in printed
    assert len(path.read_text().splitlines()) == 30
