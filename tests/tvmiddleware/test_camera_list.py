"""/camera/list/, /camera/detail, /camera/city/list/ (reference tvmw/Camera.md)."""

from __future__ import annotations

import pytest

from channels.models import Camera, CameraCategory
from clients.models import City, Country
from tests import factories as f

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures
from .live_fixtures import API, spec_fields, xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def cities(db):
    country = Country.objects.create(code="LV", name="Latvia")
    return City.objects.create(country=country, name="Riga"), City.objects.create(country=country, name="Jurmala")


@pytest.fixture
def cameras(operator, other_operator, cities):
    riga, jurmala = cities
    streets = CameraCategory.objects.create(client=operator.client, name="Streets", city=riga)
    a = Camera.objects.create(
        client=operator.client, name="Square", uri="http://cam.test/a", geo_city=riga, camera_category=streets
    )
    a.tariffs.add(operator.tariff)
    b = Camera.objects.create(
        client=operator.client, name="Beach", uri="udp://@239.1.1.1:5000", geo_city=jurmala, sort_order=1
    )
    b.tariffs.add(operator.tariff)
    own = Camera.objects.create(client=operator.client, name="My door", account=operator.account, sort_order=2)
    Camera.objects.create(client=operator.client, name="Neighbour door", account=operator.account_without_tariff)
    Camera.objects.create(client=operator.client, name="Locked")
    theirs = Camera.objects.create(client=other_operator.client, name="Square", geo_city=riga)
    theirs.tariffs.add(other_operator.tariff)
    return a, b, own, theirs


def test_camera_list_shows_tariff_and_account_cameras_with_documented_fields(api, cameras):
    a, b, own, _ = cameras
    body = api("camera/list/")
    assert body["error"] == 0 and body["count"] == 3
    assert [c["id"] for c in body["cameras"]] == [a.id, b.id, own.id]
    assert set(body["cameras"][0]) == spec_fields("/camera/list/", "cameras")
    assert body["cameras"][0]["city_name"] == "Riga" and body["cameras"][0]["category_id"] == a.camera_category_id


def test_camera_list_filters(api, cameras, cities):
    a, b, own, _ = cameras
    riga, _ = cities
    assert [c["id"] for c in api("camera/list/", city_id=riga.id)["cameras"]] == [a.id]
    assert [c["id"] for c in api("camera/list/", category_id=a.camera_category_id)["cameras"]] == [a.id]
    assert [c["id"] for c in api("camera/list/", search="door")["cameras"]] == [own.id]
    assert [c["url"] for c in api("camera/list/", reject_multicast=1)["cameras"]][:2] == ["http://cam.test/a", ""]
    assert api("camera/list/", favorited_only=1)["count"] == 0
    assert api("camera/list/", city_id="x")["error"] == 1


def test_camera_list_shows_the_programme_of_a_camera_with_a_guide(api, cameras):
    a = cameras[0]
    epg = f.EpgChannelFactory()
    program = f.ProgramFactory(epg_channel=epg, name="Parade")
    a.epg_channel = epg
    a.save()
    first = api("camera/list/")["cameras"][0]
    assert first["program_id"] == program.id and first["program_name"] == "Parade"


def test_camera_detail_lists_actions_and_refuses_other_cameras(api, operator, cameras, other_operator):
    a, _, own, theirs = cameras
    body = api("camera/detail", cid=a.id)
    assert body["error"] == 0 and body["name"] == "Square"
    assert body["actions"][0]["action"] == "get_camera_url" and body["actions"][0]["tariff_id"] == operator.tariff.id
    assert api("camera/detail/", cid=own.id)["actions"][0]["action"] == "get_camera_url"
    assert api("camera/detail/", cid=theirs.id)["error"] == 1
    neighbour = Camera.objects.get(name="Neighbour door")
    assert api("camera/detail/", cid=neighbour.id)["error"] == 1


def test_camera_city_list_names_the_cities_with_visible_cameras(api, cameras, cities, other_session):
    riga, jurmala = cities
    body = api("camera/city/list/")
    assert body["cities"] == [{"id": jurmala.id, "name": "Jurmala"}, {"id": riga.id, "name": "Riga"}]
    assert api("camera/city/list/", _session=other_session)["cities"] == [{"id": riga.id, "name": "Riga"}]


def test_another_operators_cameras_never_show(api, cameras, other_session):
    theirs = cameras[3]
    assert theirs.id not in {c["id"] for c in api("camera/list/")["cameras"]}
    assert [c["id"] for c in api("camera/list/", _session=other_session)["cameras"]] == [theirs.id]


def test_camera_list_marks_favourites_and_favorited_only_keeps_them(
    api, cameras, operator, other_session, client, xml_device
):
    a, b, own, theirs = cameras
    assert api("camera/settings/set/", cid=b.id, is_favorited=1)["error"] == 0
    assert api("camera/settings/set/", cid=theirs.id, _session=other_session, is_favorited=1)["error"] == 0
    body = api("camera/list/")
    assert {c["id"]: c["is_favorited"] for c in body["cameras"]} == {a.id: 0, b.id: 1, own.id: 0}
    only = api("camera/list/", favorited_only=1)
    assert only["count"] == 1 and [c["id"] for c in only["cameras"]] == [b.id]
    assert set(only["cameras"][0]) == spec_fields("/camera/list/", "cameras")
    # The second operator sees only its own favourite, never ours.
    other = api("camera/list/", _session=other_session, favorited_only=1)
    assert [c["id"] for c in other["cameras"]] == [theirs.id]
    # An XML device of the same account sees the same mark.
    stb = f.SessionFactory(account=operator.account, play_device=xml_device)
    root = xml(client.get(f"{API}camera/list/", {"authkey": stb.authkey, "device": "sagemcom", "favorited_only": 1}))
    assert root.findtext("error") == "0"
    assert [n.text for n in root.findall("cameras/item/id")] == [str(b.id)]
    assert root.findtext("cameras/item/is_favorited") == "1"
    assert api("camera/settings/set/", cid=b.id, is_favorited=0)["error"] == 0
    assert api("camera/list/", favorited_only=1)["count"] == 0
    assert api("camera/list/", favorited_only=2)["error"] == 1
