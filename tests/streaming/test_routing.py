"""Dynamic and static routing: tariffs, device groups, data centers, load, priority, weight,
excluded services, down services, technical work, and the URL masks."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter

import pytest
from django.utils import timezone
from lxml import etree

from clients.models import PlayDevice
from streaming import routing
from streaming.models import Maintenance
from tests import factories as f

from .conftest import CHANNEL_URL

pytestmark = pytest.mark.django_db


def service_of(client, world, **params) -> int:
    body = json.loads(client.get(CHANNEL_URL, world.params(**params)).content)
    assert body["error"] == 0, body
    return body["stream_service_id"]


def add_service(world, **fields):
    tariffs = fields.pop("tariffs", [world.op.tariff])
    fields.setdefault("live_url_mask", "http://other.test/$cid?token=$token")
    service = f.StreamServiceFactory(client=world.op.client, **fields)
    for tariff in tariffs:
        tariff.stream_services.add(service)
    return service


# --- through channel/url --------------------------------------------------------------------------


def test_only_services_granted_by_the_accounts_tariffs_are_used(client, world):
    premium = f.TariffFactory(client=world.op.client, name="Premium")
    add_service(world, name="Premium streamer", priority=10, tariffs=[premium])
    assert service_of(client, world, cid=world.channels[0].pk) == world.service.pk
    world.op.customer.tariffs.add(premium)
    from smarty.cache import bump
    from tariffs.selectors import tariffs_dep

    bump(tariffs_dep(world.op.client.pk))  # what the tariff assignment services do
    assert service_of(client, world, cid=world.channels[0].pk) != world.service.pk


def test_a_service_attached_to_no_tariff_serves_everyone(client, world):
    open_service = add_service(world, name="Open", priority=5, tariffs=[])
    assert service_of(client, world, cid=world.channels[0].pk) == open_service.pk


def test_a_channels_own_services_restrict_its_routing(client, world):
    preferred = add_service(world, name="Preferred", priority=-5)
    world.channels[0].stream_services.add(preferred)
    assert service_of(client, world, cid=world.channels[0].pk) == preferred.pk
    assert service_of(client, world, cid=world.channels[1].pk) == world.service.pk


def test_device_groups_limit_services(client, world, xml_device):
    stb_only = add_service(
        world, name="STB multicast gateway", priority=10, allowed_device_groups=[PlayDevice.Group.STB]
    )
    # The session's device is a mobile one: the STB-only service is skipped.
    assert service_of(client, world, cid=world.channels[0].pk) == world.service.pk
    world.session.play_device = xml_device
    world.session.save()
    from accounts.selectors import session_dep
    from smarty.cache import bump

    bump(session_dep(world.authkey))
    assert service_of(client, world, cid=world.channels[0].pk) == stb_only.pk


def test_the_device_parameter_is_used_when_the_session_has_no_device_type(client, world, xml_device):
    stb_only = add_service(world, name="STB", priority=10, allowed_device_groups=[PlayDevice.Group.STB])
    world.session.play_device = None
    world.session.save()
    response = client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk, device="sagemcom"))
    assert etree.fromstring(response.content).findtext("stream_service_id") == str(stb_only.pk)


def test_the_accounts_data_center_is_preferred_over_priority(client, world):
    near_dc = f.DataCenterFactory(client=world.op.client, name="Near")
    near = add_service(world, name="Near", data_center=near_dc, priority=-10)
    assert service_of(client, world, cid=world.channels[0].pk) == world.service.pk
    world.op.account.data_center = near_dc
    world.op.account.save()
    from accounts.selectors import session_dep
    from smarty.cache import bump

    bump(session_dep(world.authkey))
    assert service_of(client, world, cid=world.channels[0].pk) == near.pk


def test_a_disabled_data_center_takes_its_services_out(client, world):
    world.dc.enabled = False
    world.dc.save()
    body = json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)
    assert body["error"] == 404


def test_excluded_services_are_skipped_for_client_side_failover(client, world):
    backup = add_service(world, name="Backup", priority=-1)
    third = add_service(world, name="Third", priority=-2)
    cid = world.channels[0].pk
    assert service_of(client, world, cid=cid) == world.service.pk
    assert service_of(client, world, cid=cid, exclude_service_id=world.service.pk) == backup.pk
    # Repeated parameters and comma lists both work.
    query = f"cid={cid}&exclude_service_id={world.service.pk}&exclude_service_id={backup.pk}"
    params = world.params()
    url = CHANNEL_URL + "?" + query + "&" + "&".join(f"{k}={v}" for k, v in params.items())
    assert json.loads(client.get(url).content)["stream_service_id"] == third.pk
    every = f"{world.service.pk},{backup.pk},{third.pk}"
    body = json.loads(client.get(CHANNEL_URL, world.params(cid=cid, exclude_service_id=every)).content)
    assert body["error"] == 404


def test_a_down_service_is_skipped(client, world):
    backup = add_service(world, name="Backup", priority=-1)
    world.service.is_available = False
    world.service.save()
    assert service_of(client, world, cid=world.channels[0].pk) == backup.pk


def test_a_disabled_service_is_skipped(client, world):
    backup = add_service(world, name="Backup", priority=-1)
    world.service.enabled = False
    world.service.save()
    assert service_of(client, world, cid=world.channels[0].pk) == backup.pk


def test_a_service_at_its_load_limit_is_skipped(client, world):
    backup = add_service(world, name="Backup", priority=-1)
    world.service.max_load, world.service.current_load = 100, 100
    world.service.save()
    assert service_of(client, world, cid=world.channels[0].pk) == backup.pk


def test_a_service_without_a_live_mask_or_not_serving_live_is_skipped(client, world):
    backup = add_service(world, name="Backup", priority=-1)
    world.service.serves_live = False
    world.service.save()
    assert service_of(client, world, cid=world.channels[0].pk) == backup.pk


def test_technical_work_on_a_service_moves_viewers_to_another(client, world):
    backup = add_service(world, name="Backup", priority=-1)
    window = Maintenance.objects.create(client=world.op.client, start_time=timezone.now() - dt.timedelta(minutes=1))
    window.stream_services.add(world.service)
    assert service_of(client, world, cid=world.channels[0].pk) == backup.pk


def test_multicast_services_only_serve_channels_with_a_multicast_address(client, world):
    mcast = add_service(
        world, name="Multicast", type="multicast", priority=10, live_url_mask="udp://@$multicast", tariffs=[]
    )
    assert service_of(client, world, cid=world.channels[0].pk) == world.service.pk
    channel = world.channels[1]
    channel.multicast_address = "239.0.0.7:1234"
    channel.save()
    body = json.loads(client.get(CHANNEL_URL, world.params(cid=channel.pk)).content)
    assert body["stream_service_id"] == mcast.pk and body["uri"] == "udp://@239.0.0.7:1234"


# --- pure routing -----------------------------------------------------------------------------------


def svc(id_: int, **kw) -> routing.ServiceInfo:
    kw.setdefault("masks", {"live": f"http://s{id_}/$cid"})
    return routing.ServiceInfo(id=id_, name=f"s{id_}", type="flussonic", data_center_id=kw.pop("dc", None), **kw)


VIEWER = routing.Viewer(account_id=1, tariff_ids=frozenset({1}), device_group=3)
CONTENT = routing.ContentInfo(id=10, cid="ch10", tariff_ids=frozenset({1}))
NOW = timezone.now()


def candidates(services, **kw) -> list[int]:
    snapshot = routing.RoutingSnapshot(services=tuple(services), maintenances=tuple(kw.pop("maintenances", ())))
    found = routing.candidate_services(
        snapshot, kind=kw.pop("kind", "live"), content=kw.pop("content", CONTENT), viewer=VIEWER, now=NOW, **kw
    )
    return [s.id for s in found.services]


def test_candidates_keep_only_what_may_serve_the_request():
    services = [
        svc(1),
        svc(2, usable=False),
        svc(3, tariff_ids=frozenset({2})),
        svc(4, device_groups=frozenset({1})),
        svc(5, max_load=10, current_load=10),
        svc(6, masks={"archive": "http://a"}),
        svc(7, tariff_ids=frozenset({1, 2}), device_groups=frozenset({3})),
    ]
    assert candidates(services) == [1, 7]
    assert candidates(services, exclude=[1]) == [7]
    assert candidates(services, kind="archive") == [6]


def test_a_service_wide_window_reports_the_maintenance_when_nothing_is_left():
    window = routing.MaintenanceInfo(
        id=1, start=NOW - dt.timedelta(minutes=1), end=None, kinds=frozenset({"live"}), service_ids=frozenset({1})
    )
    snapshot = routing.RoutingSnapshot(services=(svc(1),), maintenances=(window,))
    found = routing.candidate_services(snapshot, kind="live", content=CONTENT, viewer=VIEWER, now=NOW)
    assert found.services == [] and found.maintenance == window
    snapshot = routing.RoutingSnapshot(services=(svc(1), svc(2)), maintenances=(window,))
    found = routing.candidate_services(snapshot, kind="live", content=CONTENT, viewer=VIEWER, now=NOW)
    assert [s.id for s in found.services] == [2] and found.maintenance is None


def test_choice_prefers_priority_then_draws_by_weight_and_free_capacity():
    rng = random.Random(7)
    pool = [svc(1, priority=1, weight=1), svc(2, priority=1, weight=3), svc(3, priority=0, weight=100)]
    counts = Counter(routing.choose_service(pool, VIEWER, rng=rng).id for _ in range(2000))
    assert counts[3] == 0
    assert 0.65 < counts[2] / 2000 < 0.85
    loaded = [svc(1, weight=1, max_load=100, current_load=90), svc(2, weight=1, max_load=100, current_load=10)]
    counts = Counter(routing.choose_service(loaded, VIEWER, rng=rng).id for _ in range(2000))
    assert counts[2] > counts[1] * 4


def test_choice_with_zero_weights_is_uniform_and_empty_pool_is_none():
    rng = random.Random(1)
    pool = [svc(1, weight=0), svc(2, weight=0)]
    assert {routing.choose_service(pool, VIEWER, rng=rng).id for _ in range(50)} == {1, 2}
    assert routing.choose_service([], VIEWER) is None


def test_masks_replace_every_documented_variable():
    start = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)
    now = start + dt.timedelta(hours=2)
    values = {
        "token": "t0k",
        "prefix": "news",
        "cid": "ch1",
        "channel_id": 5,
        "multicast": "239.1.1.1:1234",
        "account_id": 7,
        "abonement": "100 1",
        "device_uid": "a/b",
        "device": "android",
        "ip": "10.0.0.1",
    }
    values.update(routing.time_values(start=start, duration=3600, now=now))
    mask = (
        "http://h/$prefix/$cid/video-$flpbt-$flpdur.m3u8?token=$token&utc=$utc&s=$start&e=$end&d=$duration"
        "&iso=$start_iso&o=$offset&n=$now&a=$account_id&ab=$abonement&u=$device_uid&dev=$device&ip=$ip"
        "&c=$channel_id&m=$multicast&x=${cid}_hd&unknown=$nothing"
    )
    assert routing.render_mask(mask, values) == (
        "http://h/news/ch1/video-1709287200-3600.m3u8?token=t0k&utc=1709287200&s=1709287200&e=1709290800"
        "&d=3600&iso=2024-03-01T10:00:00Z&o=7200&n=1709294400&a=7&ab=100%201&u=a%2Fb&dev=android&ip=10.0.0.1"
        "&c=5&m=239.1.1.1:1234&x=ch1_hd&unknown=$nothing"
    )


def test_tv_pause_makes_flpdur_now_and_preview_masks_keep_time_variables():
    start = dt.datetime(2024, 3, 1, 10, 0, tzinfo=dt.UTC)
    values = routing.time_values(start=start, duration=60, now=start, tv_pause=True)
    assert routing.render_mask("$flpbt-$flpdur", values) == "1709287200-now"
    kept = routing.render_mask(
        "http://h/$cid/$flpbt-preview.mp4?token=$token", {"cid": "c", "token": "t"}, keep=routing.TIME_VARIABLES
    )
    assert kept == "http://h/c/$flpbt-preview.mp4?token=t"


def test_static_channel_url_for_playlists():
    assert routing.static_channel_url(uri="http://p/ch.m3u8") == "http://p/ch.m3u8"
    assert routing.static_channel_url(uri="", multicast_address="239.1.1.1:5000") == "udp://@239.1.1.1:5000"
    assert routing.static_channel_url(uri="", multicast_address="239.1.1.1:5000", reject_multicast=True) == ""
    assert routing.static_channel_url(uri="udp://@239.2.2.2:1", reject_multicast=True) == ""
    assert routing.static_channel_url(uri="http://239.1.1.1:4022/udp/x", reject_multicast=True) == ""
    assert routing.static_channel_url(uri="") == ""


def test_another_operators_services_are_never_candidates(client, world, other_world):
    # Open to everyone, top priority, in our account's data center id space: still not ours.
    f.StreamServiceFactory(client=other_world.op.client, name="Foreign", priority=100, data_center=other_world.dc)
    other_world.service.priority = 100
    other_world.service.save()
    for _ in range(5):
        assert service_of(client, world, cid=world.channels[0].pk) == world.service.pk
