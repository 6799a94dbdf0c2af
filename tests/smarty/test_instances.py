"""smarty.instances: the model instances the device hot path makes from kept values."""

from __future__ import annotations

import pytest

from accounts.models import Account, Customer
from clients.models import Client
from smarty.instances import attach, from_values, json_copy, shallow_copy


def _names(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def test_from_values_makes_a_saved_looking_instance_with_its_own_json(db):
    names = ("id", "client_id", "abonement", "settings")
    kept = {"favorites": [1, 2]}
    account = from_values(Account, names, (5, 3, "1001", kept), mutable=("settings",))
    assert (account.pk, account.client_id, account.abonement) == (5, 3, "1001")
    assert account._state.adding is False and account._state.db == "default"
    account.settings["favorites"].append(3)
    assert kept == {"favorites": [1, 2]}  # the caller's value is untouched
    with pytest.raises(ValueError):
        from_values(Account, names, (5, 3, "1001"))


def test_json_copy_is_a_deep_copy_of_json_values():
    value = {"a": [1, {"b": "x"}], "c": None, "d": 1.5, "e": True, "t": (1, {"f": [2]})}
    copied = json_copy(value)
    assert copied == value and copied is not value
    assert copied["a"] is not value["a"] and copied["a"][1] is not value["a"][1]
    assert copied["t"][1] is not value["t"][1] and copied["t"][1]["f"] is not value["t"][1]["f"]
    copied["a"][1]["b"] = "changed"
    copied["t"][1]["f"].append(3)
    assert value == {"a": [1, {"b": "x"}], "c": None, "d": 1.5, "e": True, "t": (1, {"f": [2]})}


def test_shallow_copy_gives_its_own_attributes_and_related_cache(db, django_assert_num_queries):
    client = Client.objects.create(name="Copy operator", api_key="k" * 20)
    kept = Client.objects.get(pk=client.pk)
    copied = shallow_copy(kept)
    assert type(copied) is Client and copied.pk == kept.pk and copied.name == kept.name
    assert copied._state.adding is False and copied._state.db == kept._state.db
    copied.name = "Changed"
    assert kept.name == "Copy operator"
    copied._state.fields_cache["x"] = 1
    assert "x" not in kept._state.fields_cache
    assert all(getattr(copied, name) == getattr(kept, name) for name in _names(Client) if name != "name")


def test_attach_caches_the_related_object_and_refuses_a_mismatch(db, django_assert_num_queries):
    client = Client.objects.create(name="Attach operator", api_key="a" * 20, domain_prefix="attach-one")
    customer = Customer.objects.create(client=client, firstname="C")
    fresh = Customer.objects.get(pk=customer.pk)
    attach(fresh, "client", client)
    with django_assert_num_queries(0):
        assert fresh.client is client
    other = Client.objects.create(name="Other", api_key="b" * 20, domain_prefix="attach-other")
    with pytest.raises(ValueError):
        attach(Customer.objects.get(pk=customer.pk), "client", other)
    no_dealer = Customer.objects.get(pk=customer.pk)
    attach(no_dealer, "dealer", None)
    with django_assert_num_queries(0):
        assert no_dealer.dealer is None
