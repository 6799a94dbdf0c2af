"""Browser tests of an operator's daily work (issue 19), in headless Chromium as in
test_browser.py: the first login after `create_user`, a channel imported from an M3U playlist,
a bulk tariff assignment, and the channel's TV guide."""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command

from tests.admin.test_guide import guide_world

from .browser import screenshot
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PLAYLIST = """#EXTM3U
#EXTINF:-1 tvg-logo="https://logos.example/harbour.png" group-title="Sport",Harbour Sport HD
http://streams.example/harbour/index.m3u8
"""


def device_get(base: str, path: str, **params) -> dict:
    """A device's request to the TVMW API over HTTP, as a set-top box makes it."""
    url = f"{base}/tvmiddleware/api{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=15) as response:
        return json.loads(response.read().decode())


def test_the_first_admin_made_by_create_user_sees_the_operators_sections(page, operator, other_operator):
    out = io.StringIO()
    call_command(
        "create_user",
        "--username=boss",
        "--password=First-login-7",
        "--is_admin=True",
        f"--client_id={operator.client.pk}",
        stdout=out,
    )
    printed = out.getvalue()
    assert "user=boss" in printed and "login=/admin/" in printed  # the output says what the login may do
    assert "can=Subscribers: view, create, edit, delete" in printed

    browser_login(page, "boss", "First-login-7")
    menu = page.locator("#smarty-menu").inner_text()
    for section in ("Subscribers", "Billing", "Content settings", "Service panel"):
        assert section in menu, section
    assert page.locator(".smarty-operator-name").text_content().strip() == "Operator 1"
    screenshot(page, "30-first-login")
    page.goto("/admin/accounts/account/")
    table = page.locator("#result_list")
    assert table.get_by_role("link", name="100001").count() == 1
    assert table.get_by_role("link", name="200001").count() == 0  # not another operator's
    page.goto("/admin/tariffs/tariff/add/")
    assert page.locator("input[name=name]").count() == 1  # may add, not only look


def test_a_channel_imported_from_m3u_ends_the_list_and_reaches_a_device(page, staff, operator, other_operator):
    from channels.models import Channel

    browser_login(page, "staff1")
    page.goto("/admin/channels/channel/")
    page.locator("a[href$='import-m3u/']").first.click()
    page.fill("#id_text", PLAYLIST)
    page.select_option("#id_tariffs", str(operator.tariff.pk))
    page.click("input[name=preview]")
    report = page.locator("#m3u-report")
    report.wait_for()
    assert "Harbour Sport HD" in report.inner_text()
    assert not Channel.objects.filter(name="Harbour Sport HD").exists()  # a preview writes nothing
    page.click("input[name=import]")
    page.wait_for_selector("#m3u-report")
    screenshot(page, "31-m3u-imported")
    channel = Channel.objects.get(name="Harbour Sport HD")
    assert channel.client_id == operator.client.pk and channel.category.name == "Sport"

    page.goto("/admin/channels/channel/?o=")
    rows = page.locator("#result_list tbody tr")
    assert "Harbour Sport HD" in rows.last.inner_text()
    assert "Channel 0" in rows.first.inner_text()

    base = page.url.split("/admin/")[0]
    login = device_get(
        base,
        "/login/",
        abonement=operator.account.abonement,
        password=operator.password,
        client_id=operator.client.pk,
        api_key=operator.client.api_key,
        device="android",
        device_uid="browser-box-1",
    )
    assert login["error"] == 0, login
    listed = device_get(base, "/channel/list/", authkey=login["authkey"])
    names = [c["name"] for c in listed["channels"]]
    assert "Harbour Sport HD" in names and names.index("Harbour Sport HD") == len(names) - 1


def test_a_tariff_is_given_to_the_selected_accounts_at_once(page, staff, operator, other_operator):
    from tests import factories as f

    gold = f.TariffFactory(client=operator.client, name="Gold")
    chosen = [operator.account, operator.account_without_tariff]
    browser_login(page, "staff1")
    page.goto("/admin/accounts/account/")
    for account in chosen:
        page.check(f"#result_list input.action-select[value='{account.pk}']")
    page.select_option("select[name=action]", "assign_tariff")
    page.click("button[name=index]")
    page.wait_for_selector("input[name=apply]")
    assert "2" in page.locator("#content-main").inner_text()
    page.select_option("#id_tariff", str(gold.pk))
    screenshot(page, "32-bulk-tariff-form")
    page.click("input[name=apply]")
    page.wait_for_selector("#result_list")
    assert "2 changed, 0 already so" in page.locator(".messagelist").inner_text()
    for account in chosen:
        assert account.tariffs.filter(pk=gold.pk).exists()
    assert not operator.inactive_account.tariffs.filter(pk=gold.pk).exists()  # not selected
    assert not other_operator.account.tariffs.filter(name="Gold").exists()


def test_the_channels_guide_shows_days_and_marks_the_programme_on_air(page, staff, operator, other_operator):
    channel = guide_world(operator)
    browser_login(page, "staff1")
    page.goto(f"/admin/channels/channel/{channel.pk}/change/")
    page.click(".smarty-guide-link")
    page.wait_for_selector("#guide")
    days = page.locator(".smarty-guide-days .smarty-guide-day")
    assert days.count() >= 3
    assert page.locator(".smarty-guide-days .current").count() == 1
    on_air = page.locator("#guide tr.on-air")
    assert on_air.count() == 1 and "Live now" in on_air.inner_text()
    assert page.locator("#guide .smarty-on-air").count() == 1
    assert "Morning show" in page.locator("#guide").inner_text()
    screenshot(page, "33-channel-guide")
    # another day: the programme in two days, nothing on air there
    page.locator(".smarty-guide-days a.smarty-guide-day:not(.empty)").last.click()
    page.wait_for_selector("#guide")
    assert "In two days" in page.locator("#guide").inner_text()
    assert page.locator("#guide tr.on-air").count() == 0
