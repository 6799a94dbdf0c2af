"""Lists (seed 3.2.2): one sort column, page size selector remembered, pagination links, the
sort-order arrows, channel auto-sort, summary counters, navigation sections."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from channels.models import Channel, ChannelCategory
from clients.models import Client
from clients.selectors import client_dep
from smarty.cache import generations
from tests import factories as f

from .conftest import login

CHANNELS = "/admin/channels/channel/"


def many_channels(operator, count: int = 60) -> None:
    Channel.objects.bulk_create(
        Channel(client=operator.client, category=operator.category, name=f"Extra {n:03d}", sort_order=10 + n)
        for n in range(count)
    )


def test_page_size_comes_from_the_query_and_is_remembered(staff, operator):
    many_channels(operator)
    client = login(staff)
    assert len(client.get(CHANNELS).context["cl"].result_list) == 25  # the seed's default
    assert len(client.get(CHANNELS, {"per_page": 10}).context["cl"].result_list) == 10
    assert len(client.get(CHANNELS).context["cl"].result_list) == 10  # remembered
    assert len(client.get(CHANNELS, {"per_page": 7}).context["cl"].result_list) == 10  # not offered: ignored
    assert len(client.get(CHANNELS, {"per_page": 50}).context["cl"].result_list) == 50
    # other lists keep their own size
    assert client.get("/admin/accounts/customer/").context["cl"].list_per_page == 25


def test_pagination_has_first_previous_next_last_and_page_sizes(staff, operator):
    many_channels(operator)  # 63 channels
    response = login(staff).get(CHANNELS, {"per_page": 10, "p": 3})
    html = response.content.decode()
    for css in ("smarty-page-first", "smarty-page-prev", "smarty-page-next", "smarty-page-last"):
        assert css in html
    assert "p=1" in html and "p=7" in html  # first and last page
    cl = response.context["cl"]
    assert cl.page_num == 3
    # choosing 25 rows keeps the first row of page 3 (row 21) in view: page 1 of 25
    assert "per_page=25&amp;p=1" in html or "p=1&amp;per_page=25" in html
    assert 'value="?per_page=250' in html or "per_page=250" in html


def test_a_page_beyond_the_last_shows_the_last_page(staff, operator):
    many_channels(operator)
    cl = login(staff).get(CHANNELS, {"per_page": 50, "p": 9}).context["cl"]
    assert cl.page_num == 2
    assert len(cl.result_list) == 13


def test_lists_sort_by_one_column_at_a_time(staff, operator):
    client = login(staff)
    # "o=1.2": the clicked column first, the previous one kept by Django; only the first counts
    response = client.get(CHANNELS, {"o": "-2.3"})
    cl = response.context["cl"]
    assert cl.params["o"] == "-2"
    assert list(cl.get_ordering_field_columns()) == [2]
    names = [c.name for c in cl.result_list]
    assert names == sorted(names, reverse=True)


def test_sort_arrows_move_a_channel_in_the_custom_order(staff, operator, django_capture_on_commit_callbacks):
    client = login(staff)
    first, second, third = operator.channels
    before = generations([client_dep(operator.client.pk)])
    url = reverse("admin:channels_channel_move", args=[third.pk, "up"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, HTTP_REFERER="http://testserver" + CHANNELS)
    assert response.status_code == 302
    assert response["Location"] == "http://testserver" + CHANNELS
    order = list(Channel.objects.filter(client=operator.client).order_by("sort_order").values_list("pk", flat=True))
    assert order == [first.pk, third.pk, second.pk]
    assert generations([client_dep(operator.client.pk)]) != before  # devices see the new order
    client.post(reverse("admin:channels_channel_move", args=[first.pk, "up"]))  # already first: nothing
    order = list(Channel.objects.filter(client=operator.client).order_by("sort_order").values_list("pk", flat=True))
    assert order == [first.pk, third.pk, second.pk]


def test_sort_arrows_reach_the_devices_channel_list_of_that_operator_only(
    staff, operator, other_operator, django_capture_on_commit_callbacks
):
    from channels.selectors import client_content_dep

    session = f.SessionFactory(account=operator.account)
    first, second, third = operator.channels

    def device_order() -> list[int]:
        params = {"authkey": session.authkey, "client_id": operator.client.pk}
        return [c["id"] for c in login(staff).get("/tvmiddleware/api/channel/list/", params).json()["channels"]]

    assert device_order() == [first.pk, second.pk, third.pk]  # now cached
    theirs = generations([client_content_dep(other_operator.client.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        login(staff).post(reverse("admin:channels_channel_move", args=[third.pk, "up"]))
    assert device_order() == [first.pk, third.pk, second.pk]
    assert generations([client_content_dep(other_operator.client.pk)]) == theirs


def test_sort_arrows_need_post_and_stay_inside_the_operator(staff, operator, other_operator):
    client = login(staff)
    assert client.get(reverse("admin:channels_channel_move", args=[operator.channels[1].pk, "up"])).status_code == 405
    foreign = other_operator.channels[1]
    assert client.post(reverse("admin:channels_channel_move", args=[foreign.pk, "up"])).status_code == 404
    order = list(Channel.objects.filter(client=other_operator.client).order_by("sort_order", "pk"))
    assert order == other_operator.channels


def test_sort_arrows_on_categories_and_genres(staff, operator):
    second = ChannelCategory.objects.create(client=operator.client, name="Sport", sort_order=5)
    client = login(staff)
    assert "smarty-sort-up" in client.get("/admin/channels/channelcategory/").content.decode()
    client.post(reverse("admin:channels_channelcategory_move", args=[second.pk, "up"]))
    names = list(
        ChannelCategory.objects.filter(client=operator.client).order_by("sort_order").values_list("name", flat=True)
    )
    assert names == ["Sport", "News"]


def test_channel_auto_sort_switches_modes_and_back_to_custom(staff, operator):
    client = login(staff)
    a, b, c = operator.channels
    Channel.objects.filter(pk=a.pk).update(name="Zeta", lcn_number=2)
    Channel.objects.filter(pk=b.pk).update(name="Alpha", lcn_number=3)
    Channel.objects.filter(pk=c.pk).update(name="Mid", lcn_number=1)

    def listed() -> list[int]:
        return [ch.pk for ch in client.get(CHANNELS).context["cl"].result_list]

    url = reverse("admin:channels_channel_auto_sort")
    assert "channel-auto-sort" in client.get(CHANNELS).content.decode()
    client.post(url, {"mode": "name"})
    assert Client.objects.get(pk=operator.client.pk).channel_sort == "name"
    assert listed() == [b.pk, c.pk, a.pk]
    client.post(url, {"mode": "auto"})
    assert listed() == [c.pk, a.pk, b.pk]
    client.post(url, {"mode": "id"})
    assert listed() == [a.pk, b.pk, c.pk]
    assert "smarty-sort-up" not in client.get(CHANNELS).content.decode()
    client.post(url, {"mode": "custom"})
    assert listed() == [a.pk, b.pk, c.pk]
    assert "smarty-sort-up" in client.get(CHANNELS).content.decode()
    response = client.post(url, {"mode": "bogus"})
    assert response.status_code == 302
    assert Client.objects.get(pk=operator.client.pk).channel_sort == "custom"


def test_summary_counters_above_accounts_customers_and_devices(staff, operator, other_operator):
    now = timezone.now()
    f.SessionFactory(account=operator.account, last_active=now)
    stale = f.SessionFactory(account=operator.account_without_tariff)
    type(stale).objects.filter(pk=stale.pk).update(last_active=now - dt.timedelta(hours=2))
    f.SessionFactory(account=other_operator.account, last_active=now)  # must not count
    client = login(staff)

    def stats(url: str) -> dict:
        return {item["key"]: item["value"] for item in client.get(url).context["summary_stats"]}

    assert stats("/admin/accounts/account/") == {"total": 3, "active": 2, "inactive": 1, "online": 1, "offline": 2}
    assert stats("/admin/accounts/customer/") == {"total": 2, "active": 2, "inactive": 0, "online": 1, "offline": 1}
    device = f.AccountDeviceFactory(account=operator.account, last_active=now)
    f.AccountDeviceFactory(account=operator.account, enabled=False)
    assert device.client_id == operator.client.pk
    assert stats("/admin/accounts/accountdevice/") == {
        "total": 2,
        "active": 1,
        "inactive": 1,
        "online": 1,
        "offline": 1,
    }
    # the counters follow the list's filters
    assert stats("/admin/accounts/account/?active__exact=1")["total"] == 2
    html = client.get("/admin/accounts/account/").content.decode()
    assert "smarty-stat-online" in html and "smarty-stat-offline" in html


def test_customer_list_links_to_accounts_payments_and_messages(staff, operator):
    response = login(staff).get("/admin/accounts/customer/")
    html = response.content.decode()
    assert f"/admin/accounts/account/?customer__id__exact={operator.customer.pk}" in html
    assert f"/admin/billing/transaction/?customer__id__exact={operator.customer.pk}" in html
    assert f"/admin/accounts/message/?account__customer__id__exact={operator.customer.pk}" in html
    client = login(staff)
    for url in (
        f"/admin/accounts/account/?customer__id__exact={operator.customer.pk}",
        f"/admin/billing/transaction/?customer__id__exact={operator.customer.pk}",
        f"/admin/accounts/message/?account__customer__id__exact={operator.customer.pk}",
    ):
        assert client.get(url).status_code == 200, url
    accounts = client.get(f"/admin/accounts/account/?customer__id__exact={operator.customer.pk}").context["cl"]
    assert {a.customer_id for a in accounts.result_list} == {operator.customer.pk}


def test_navigation_follows_the_seeds_sections(superuser, operator):
    client = login(superuser)
    sections = [s["name"] for s in client.get("/admin/").context["available_apps"]]
    expected = ["General settings", "Monitoring", "Streaming settings", "Billing", "Content settings", "Subscribers"]
    assert sections[: len(expected)] == expected
    assert sections[-1] == "Service panel"
    response = client.get(reverse("admin:smarty_section", kwargs={"slug": "subscribers"}))
    assert response.status_code == 200
    names = [m["object_name"] for m in response.context["app_list"][0]["models"]]
    assert names[:3] == ["Customer", "Account", "AccountDevice"]
    assert client.get(reverse("admin:smarty_section", kwargs={"slug": "nope"})).status_code == 404
    html = client.get(CHANNELS).content.decode()
    assert reverse("admin:smarty_section", kwargs={"slug": "content"}) in html  # breadcrumbs


def test_the_summary_report_is_scoped_to_the_operator(staff, operator, other_operator):
    response = login(staff).get(reverse("admin:smarty_summary_report"))
    assert response.status_code == 200
    assert response.context["accounts"] == {"total": 3, "active": 2}
    assert [t.pk for t in response.context["tariffs"]] == [operator.tariff.pk]


def test_lists_do_not_query_per_row(staff, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from billing.models import Transaction
    from clients.models import Dealer

    client = login(staff)
    urls = [
        "/admin/accounts/customer/",
        "/admin/accounts/account/",
        "/admin/accounts/accountdevice/",
        "/admin/billing/transaction/",
        "/admin/channels/channel/",
        "/admin/clients/dealer/",
    ]

    def queries() -> dict[str, int]:
        counts = {}
        for url in urls:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts[url] = len(ctx.captured_queries)
        return counts

    Dealer.objects.create(client=operator.client, name="D0")
    few = queries()
    for n in range(20):
        dealer = Dealer.objects.create(client=operator.client, name=f"D{n + 1}")
        customer = f.CustomerFactory(client=operator.client, dealer=dealer)
        account = f.AccountFactory(customer=customer, abonement=f"9{n:05d}")
        f.AccountDeviceFactory(account=account)
        f.ChannelFactory(client=operator.client, category=operator.category)
        Transaction.objects.create(client=operator.client, customer=customer, amount=1)
    assert queries() == few
