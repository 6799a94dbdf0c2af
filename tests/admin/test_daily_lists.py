"""The panel as a daily tool: new rows at the end of ordered lists, the subscribers' "By
tariffs" filter seeing account tariffs, one clear error for a new row without an operator."""

from __future__ import annotations

from django.urls import reverse

from channels.models import Channel
from tariffs.models import Tariff
from tests import factories as f

from .conftest import form_data, login


def test_a_channel_added_in_the_admin_goes_to_the_end_of_its_operators_list(staff, operator, other_operator):
    f.ChannelFactory(client=other_operator.client, category=other_operator.category, name="Far", sort_order=90)
    http = login(staff)
    url = reverse("admin:channels_channel_add")
    data = form_data(http, url, name="Brand New", category=str(operator.category.pk), enabled="on")
    response = http.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = Channel.objects.get(name="Brand New")
    assert new.client == operator.client
    assert new.sort_order == 3  # after Channel 0..2, whatever the other operator has
    names = [c.name for c in http.get("/admin/channels/channel/").context["cl"].result_list]
    assert names[-1] == "Brand New" and "Far" not in names

    data = form_data(http, url, name="Chosen Place", category=str(operator.category.pk), sort_order="1")
    assert http.post(url, data).status_code == 302
    assert Channel.objects.get(name="Chosen Place").sort_order == 1  # a chosen position is kept


def test_by_tariffs_finds_subscribers_holding_the_tariff_through_an_account(staff, operator, other_operator):
    gold = f.TariffFactory(client=operator.client, name="Gold")
    operator.account_without_tariff.tariffs.add(gold)  # only the account holds it
    twin_gold = f.TariffFactory(client=other_operator.client, name="Gold")
    other_operator.account_without_tariff.tariffs.add(twin_gold)
    http = login(staff)
    found = http.get("/admin/accounts/customer/", {"tariffs__id__exact": gold.pk}).context["cl"].result_list
    assert [c.pk for c in found] == [operator.customer_without_tariff.pk]
    found = http.get("/admin/accounts/customer/", {"tariffs__id__exact": operator.tariff.pk}).context["cl"]
    assert [c.pk for c in found.result_list] == [operator.customer.pk]
    none = http.get("/admin/accounts/customer/", {"tariffs__isnull": "True"}).context["cl"].result_list
    assert operator.customer_without_tariff not in list(none)  # it holds Gold through its account
    # another operator's tariff id finds nothing here
    assert not list(
        http.get("/admin/accounts/customer/", {"tariffs__id__exact": twin_gold.pk}).context["cl"].result_list
    )


def test_adding_a_tariff_with_all_operators_asks_for_the_operator_once(superuser, operator):
    http = login(superuser)
    url = reverse("admin:tariffs_tariff_add")
    data = form_data(http, url, name="Orphan", price="1", period="30")
    data.pop("client", None)
    response = http.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == []
    assert form.errors["client"] == ["Choose the operator this row belongs to (or one in the header selector)."]
    html = response.content.decode()
    assert "This field is required" not in html and "header selector first" not in html
    assert not Tariff.objects.filter(name="Orphan").exists()
    data["client"] = str(operator.client.pk)
    assert http.post(url, data).status_code == 302
    assert Tariff.objects.get(name="Orphan").client == operator.client
