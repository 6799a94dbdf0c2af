"""Portal (reference tvmw/Portal.md): the child operators of a meta-portal and the public
channel and tariff lists before login."""

from __future__ import annotations

from decimal import Decimal

import pytest

from portal.models import ChildClient
from tests import factories as f

from .conftest import noauth


@pytest.fixture
def children(operator, other_operator):
    first = f.ClientFactory(name="Kazan Telecom", domain_prefix="kzn", api_key="child-key-1")
    second = f.ClientFactory(name="Samara Net", domain_prefix="sam", api_key="child-key-2")
    ChildClient.objects.create(client=operator.client, child=first, uid=101, logo_url="http://logo/1.png")
    ChildClient.objects.create(client=operator.client, child=second, uid=202, api_url="http://api.sam/")
    hidden = f.ClientFactory(name="Kazan Other", domain_prefix="kzn2", api_key="child-key-3")
    ChildClient.objects.create(client=other_operator.client, child=hidden, uid=101)
    return first, second, hidden


def test_client_list_answers_the_operators_children_only(tvmw_call, operator, children):
    first, second, hidden = children
    body = tvmw_call("/portal/client/list/", **noauth(operator))
    assert body["error"] == 0
    assert body["clients"][0] == {
        "id": first.pk,
        "name": "Kazan Telecom",
        "logo_url": "http://logo/1.png",
        "api_key": "child-key-1",
        "api_url": "",
        "external_client_id": 0,
        "redirect_to_portal_url": "",
        "uid": 101,
    }
    assert [c["id"] for c in body["clients"]] == [first.pk, second.pk]
    assert tvmw_call("/portal/client/list/", client_id=operator.client.pk, api_key="wrong")["error"] == 403


def test_client_detail_by_id_or_uid(tvmw_call, tvmw_xml, operator, children):
    first, second, hidden = children
    by_uid = tvmw_call("/portal/client/detail/", uid=202, **noauth(operator))
    assert by_uid["error"] == 0 and by_uid["id"] == second.pk and "api_key" not in by_uid
    assert tvmw_call("/portal/client/detail/", id=first.pk, **noauth(operator))["name"] == "Kazan Telecom"
    assert tvmw_call("/portal/client/detail/", **noauth(operator))["error"] == 2
    assert tvmw_call("/portal/client/detail/", id=hidden.pk, **noauth(operator))["error"] == 3
    assert tvmw_call("/portal/client/detail/", id="abc", **noauth(operator))["error"] == 2
    root = tvmw_xml("/portal/client/detail/", uid=101, **noauth(operator))
    assert root.findtext("name") == "Kazan Telecom"


def test_client_search_by_name_or_uid(tvmw_call, operator, children):
    first, second, _hidden = children
    assert [c["id"] for c in tvmw_call("/portal/client/search/", search="kazan", **noauth(operator))["clients"]] == [
        first.pk
    ]
    assert [c["id"] for c in tvmw_call("/portal/client/search/", search="202", **noauth(operator))["clients"]] == [
        second.pk
    ]
    assert tvmw_call("/portal/client/search/", **noauth(operator))["error"] == 2


def test_noauth_channel_list_of_a_tariff(tvmw_call, tvmw_xml, operator, other_operator):
    extra = f.TariffFactory(client=operator.client, name="Extra")
    premium = f.ChannelFactory(client=operator.client, category=operator.category, name="Premium")
    premium.tariffs.add(extra)
    body = tvmw_call("/noauth/portal/client/channel/list/", tariff_id=operator.tariff.pk, **noauth(operator))
    assert body["error"] == 0
    assert [c["name"] for c in body["channels"]] == ["Channel 0", "Channel 1", "Channel 2"]
    item = body["channels"][0]
    for key in ("id", "name", "icon", "category", "program_id", "program_meta", "next_program_id", "meta"):
        assert key in item
    compact = tvmw_call("/noauth/portal/client/channel/list/", tariff_id=extra.pk, compact=1, **noauth(operator))[
        "channels"
    ]
    assert [c["name"] for c in compact] == ["Premium"] and "next_program_id" not in compact[0]
    assert "program_meta" not in compact[0]
    # Another operator's tariff is unknown here.
    theirs = tvmw_call("/noauth/portal/client/channel/list/", tariff_id=other_operator.tariff.pk, **noauth(operator))
    assert theirs["error"] == 1
    assert tvmw_call("/noauth/portal/client/channel/list/", **noauth(operator))["error"] == 1
    sort = tvmw_call("/noauth/portal/client/channel/list/", tariff_id=extra.pk, channel_sort_id=999, **noauth(operator))
    assert sort["error"] == 2
    icon = tvmw_call("/noauth/portal/client/channel/list/", tariff_id=extra.pk, icon_width=0, **noauth(operator))
    assert icon["error"] == 3
    root = tvmw_xml("/noauth/portal/client/channel/list/", tariff_id=extra.pk, **noauth(operator))
    assert root.findtext("channels/item/name") == "Premium"


def test_noauth_tariff_list_counts_the_channels(tvmw_call, operator, other_operator):
    hidden = f.TariffFactory(client=operator.client, name="Hidden", hidden=True)
    operator.tariff.price = Decimal("9.90")
    operator.tariff.save()
    body = tvmw_call("/noauth/portal/client/tariff/list/", **noauth(operator))
    assert body["error"] == 0
    assert body["tariffs"] == [
        {
            "id": operator.tariff.pk,
            "name": "Basic",
            "description": operator.tariff.description,
            "period": operator.tariff.period,
            "channels_count": 3,
            "price": "9.90",
            "icon": "",
            "meta": "{}",
        }
    ]
    assert hidden.pk not in [t["id"] for t in body["tariffs"]]
    assert other_operator.tariff.pk not in [t["id"] for t in body["tariffs"]]
    assert tvmw_call("/noauth/portal/client/tariff/list/", client_id=operator.client.pk, api_key="x")["error"] == 403


def test_portal_settings_say_whether_the_operator_has_child_operators(tvmw_call, operator, other_operator):
    def flag(op) -> int:
        body = tvmw_call("/portal/settings/list/", device="android", **noauth(op))
        assert body["error"] == 0
        return body["has_child_clients"]

    assert (flag(operator), flag(other_operator)) == (0, 0)
    child = f.ClientFactory(name="Kazan Telecom", domain_prefix="kzn", api_key="child-key-1")
    link = ChildClient.objects.create(client=operator.client, child=child, uid=101)
    # the other operator has no child of its own: the flag is per operator
    assert (flag(operator), flag(other_operator)) == (1, 0)
    child.enabled = False
    child.save()
    assert flag(operator) == 0
    child.enabled = True
    child.save()
    link.delete()
    assert flag(operator) == 0
