"""Tariff group over HTTP: lists, create, modify, delete, streaming services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing import errors
from smarty.cache import generations
from tariffs.models import Tariff
from tariffs.selectors import tariffs_dep
from tests import factories as f

pytestmark = pytest.mark.django_db

CREATE = {"name": "Sport", "period": 30, "sessions_count": 2, "basic_sessions_count": 1, "basic_tariff_priority": 0}


def test_tariff_list_answers_enabled_tariffs_with_their_channels(billing_client, operator, other_operator):
    operator.channels[0].icon = "one.png"
    operator.channels[0].save()
    f.TariffFactory(client=operator.client, enabled=False)
    body = billing_client.call("tariff/list", {})
    assert [t["id"] for t in body["tariffs"]] == [operator.tariff.pk]
    [tariff] = body["tariffs"]
    assert set(tariff) == {
        "id",
        "name",
        "period",
        "price",
        "activation_price",
        "basic_tariff_priority",
        "sessions_count",
        "basic_sessions_count",
        "ip_restriction",
        "channels",
    }
    assert [c["id"] for c in tariff["channels"]] == [c.pk for c in operator.channels]
    assert tariff["channels"][0]["icon"] == "http://testserver/media/icons/one.png"
    assert tariff["channels"][1]["icon"] == ""


def test_basic_additional_and_option_lists_split_by_kind(billing_client, operator):
    basic = f.TariffFactory(client=operator.client, kind=Tariff.Kind.BASIC, basic_tariff_priority=5)
    extra = f.TariffFactory(client=operator.client, kind=Tariff.Kind.ADDITIONAL)
    option = f.TariffFactory(client=operator.client, kind=Tariff.Kind.OPTION)
    basic_list = billing_client.call("tariff/basic/list", {})["tariffs"]
    assert [t["id"] for t in basic_list] == [operator.tariff.pk, basic.pk]
    assert basic_list[1]["basic_tariff_priority"] == 5
    additional = billing_client.call("tariff/additional/list", {})["tariffs"]
    assert [t["id"] for t in additional] == [extra.pk] and "basic_tariff_priority" not in additional[0]
    options = billing_client.call("tariff/option/list", {})["tariffs"]
    assert [t["id"] for t in options] == [option.pk] and "channels" not in options[0]


def test_tariff_create_stores_it_and_answers_its_id(billing_client, operator):
    body = billing_client.call(
        "tariff/create",
        {**CREATE, "price": "99.90", "default_activation_price": "10", "ip_restriction": 1, "enabled": 0},
    )
    assert body["error"] == 0 and body["error_fields"] == {}
    tariff = Tariff.objects.get(pk=body["id"])
    assert tariff.client == operator.client and tariff.name == "Sport" and tariff.price == Decimal("99.90")
    assert tariff.default_activation_price == 10 and tariff.ip_restriction and not tariff.enabled
    assert tariff.kind == Tariff.Kind.ADDITIONAL
    body = billing_client.call("tariff/create", {**CREATE, "basic_tariff_priority": 7})
    assert Tariff.objects.get(pk=body["id"]).kind == Tariff.Kind.BASIC


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": None}, "name"),
        ({"period": None}, "period"),
        ({"period": "-1"}, "period"),
        ({"sessions_count": "many"}, "sessions_count"),
        ({"basic_tariff_priority": "11"}, "basic_tariff_priority"),
        ({"price": "-5"}, "price"),
        ({"price": "1.234"}, "price"),
        ({"enabled": "2"}, "enabled"),
        ({"name": "x" * 300}, "name"),
    ],
)
def test_tariff_create_answers_1_naming_the_invalid_field(billing_client, operator, change, field):
    body = billing_client.call("tariff/create", {**CREATE, **change})
    assert body["error"] == errors.TariffCreate.INVALID and field in body["error_fields"], body
    assert Tariff.objects.for_client(operator.client).count() == 1


def test_tariff_modify_changes_the_given_fields_and_its_kind(billing_client, operator):
    body = billing_client.call(
        "tariff/modify", {"tariff_id": operator.tariff.pk, "price": "5", "basic_tariff_priority": 3}
    )
    assert body == {"error": 0, "error_message": "", "error_fields": {}}
    operator.tariff.refresh_from_db()
    assert operator.tariff.price == 5 and operator.tariff.kind == Tariff.Kind.BASIC and operator.tariff.name == "Basic"
    billing_client.call("tariff/modify", {"tariff_id": operator.tariff.pk, "basic_tariff_priority": 0})
    operator.tariff.refresh_from_db()
    assert operator.tariff.kind == Tariff.Kind.ADDITIONAL


def test_tariff_modify_answers_1_when_unknown_or_invalid(billing_client, operator, other_operator):
    assert billing_client.call("tariff/modify", {"tariff_id": other_operator.tariff.pk, "name": "x"})["error"] == 1
    assert billing_client.call("tariff/modify", {"name": "x"})["error"] == 1
    body = billing_client.call("tariff/modify", {"tariff_id": operator.tariff.pk, "price": "-1"})
    assert body["error"] == 1 and "price" in body["error_fields"]
    body = billing_client.call("tariff/modify", {"tariff_id": operator.tariff.pk, "name": ""})
    assert body["error"] == 1 and "name" in body["error_fields"]


def test_tariff_delete(billing_client, operator, other_operator):
    assert billing_client.call("tariff/delete", {"tariff_id": other_operator.tariff.pk})["error"] == 1
    assert billing_client.call("tariff/delete", {"tariff_id": "abc"})["error"] == 1
    assert billing_client.call("tariff/delete", {"tariff_id": operator.tariff.pk})["error"] == 0
    assert not Tariff.objects.filter(pk=operator.tariff.pk).exists()
    assert Tariff.objects.filter(pk=other_operator.tariff.pk).exists()


def test_streamservice_assign_and_remove(billing_client, operator, other_operator):
    service = f.StreamServiceFactory(client=operator.client)
    foreign = f.StreamServiceFactory(client=other_operator.client)
    params = {"tariff_id": operator.tariff.pk, "service_id": service.pk}
    assert billing_client.call("tariff/streamservice/assign", params) == {"error": 0, "error_message": ""}
    assert list(operator.tariff.stream_services.all()) == [service]
    for path in ("tariff/streamservice/assign", "tariff/streamservice/remove"):
        assert billing_client.call(path, {"tariff_id": 999999, "service_id": service.pk})["error"] == 1
        assert billing_client.call(path, {"tariff_id": operator.tariff.pk, "service_id": foreign.pk})["error"] == 2
        assert billing_client.call(path, {"tariff_id": operator.tariff.pk, "service_id": "x"})["error"] == 2
    assert billing_client.call("tariff/streamservice/remove", params)["error"] == 0
    assert not operator.tariff.stream_services.exists()


def test_tariff_changes_bump_the_operators_tariff_generation(
    billing_client, operator, django_capture_on_commit_callbacks
):
    before = generations([tariffs_dep(operator.client.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        billing_client.call("tariff/modify", {"tariff_id": operator.tariff.pk, "enabled": 0})
    assert generations([tariffs_dep(operator.client.pk)]) != before
