"""Browser tests: the admin driven through headless Chromium (Playwright), the scenarios of
the admin issue. Screenshots land in test-artifacts/."""

from __future__ import annotations

import pytest

from .browser import screenshot
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_superuser_switches_the_operator_in_the_header(page, superuser, operator, other_operator):
    browser_login(page, "root")
    screenshot(page, "01-superuser-index")
    page.goto("/admin/accounts/customer/")
    assert page.locator("#result_list").get_by_text("Ivanova1").count() == 1
    assert page.locator("#result_list").get_by_text("Ivanova2").count() == 1

    with page.expect_navigation():
        page.select_option("#smarty-operator", str(other_operator.client.pk))
    rows = page.locator("#result_list")
    assert rows.get_by_text("Ivanova2").count() == 1
    assert rows.get_by_text("Ivanova1").count() == 0
    assert page.locator("#smarty-operator").input_value() == str(other_operator.client.pk)
    screenshot(page, "02-superuser-switched-operator")


def test_operator_staff_see_only_their_operators_data(page, staff, operator, other_operator):
    browser_login(page, "staff1")
    assert page.locator("#smarty-operator").count() == 0  # staff cannot switch operators
    assert page.locator(".smarty-operator-name").text_content().strip() == "Operator 1"
    page.goto("/admin/accounts/account/")
    table = page.locator("#result_list")
    assert table.get_by_role("link", name="100001").count() == 1
    assert table.get_by_role("link", name="200001").count() == 0
    assert page.locator(".smarty-stat-total .smarty-stat-value").inner_text() == "3"
    screenshot(page, "03-operator-staff-accounts")
    response = page.goto(f"/admin/accounts/account/{other_operator.account.pk}/change/")
    assert response.status == 404


def test_a_dealer_creates_a_customer_and_an_account(page, dealer, dealer_user, operator):
    from accounts.models import Account, Customer

    browser_login(page, "dealer1")
    page.goto("/admin/accounts/customer/add/")
    assert page.locator("#id_dealer").count() == 0
    page.fill("#id_firstname", "Olga")
    page.fill("#id_lastname", "Dealerova")
    page.click("input[name=_continue]")
    page.wait_for_selector(".smarty-add-account")
    customer = Customer.objects.get(lastname="Dealerova")
    assert customer.dealer_id == dealer.pk and customer.client_id == operator.client.pk

    page.click(".smarty-add-account")
    page.wait_for_selector("#id_new_password")
    assert "Dealerova" in page.locator(".field-customer").inner_text()
    page.fill("#id_new_password", "2468")
    screenshot(page, "04-dealer-adds-account")
    page.click("input[name=_save]")
    page.wait_for_selector("#result_list")
    account = Account.objects.get(customer=customer)
    assert account.client_id == operator.client.pk and account.check_password("2468")
    assert page.locator("#result_list").get_by_text(account.abonement).count() == 1
    assert page.locator("#result_list tbody tr").count() == 1  # only the dealer's own
    screenshot(page, "05-dealer-accounts")


def test_bulk_mail_with_name_substitution(page, staff, operator, other_operator):
    from accounts.models import Message

    browser_login(page, "staff1")
    page.goto("/admin/accounts/message/")
    page.click(".smarty-tool-bulk")
    page.fill("#id_subject", "For $firstname")
    page.fill("#id_text", "Dear $firstname $lastname, the service is back.")
    page.check(f"#id_tariffs input[value='{operator.tariff.pk}']")
    page.click("input[name=_preview]")
    preview = page.locator("#bulk-preview")
    preview.wait_for()
    assert "1 account will get the message." in preview.inner_text()
    assert "Dear Anna Ivanova1, the service is back." in preview.inner_text()
    screenshot(page, "06-bulk-mail-preview")
    page.click("input[name=_send]")
    page.wait_for_selector("#result_list")
    assert "1 messages created." in page.locator(".messagelist").inner_text()
    message = Message.objects.get()
    assert (message.subject, message.text) == ("For Anna", "Dear Anna Ivanova1, the service is back.")
    assert message.account_id in {operator.account.pk, operator.inactive_account.pk}


def test_filter_transactions_and_export_csv(page, staff, operator, other_operator):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from billing.models import Transaction

    old = timezone.now() - dt.timedelta(days=30)
    for amount, processed, ext_id in (("15.00", True, "pay-new"), ("-5.00", True, "charge"), ("7.00", False, "open")):
        Transaction.objects.create(
            client=operator.client,
            customer=operator.customer,
            amount=Decimal(amount),
            processed=processed,
            ext_id=ext_id,
        )
    old_row = Transaction.objects.create(
        client=operator.client, customer=operator.customer, amount=Decimal("3.00"), processed=True, ext_id="pay-old"
    )
    Transaction.objects.filter(pk=old_row.pk).update(created_at=old)
    Transaction.objects.create(
        client=other_operator.client, customer=other_operator.customer, amount=Decimal("99"), ext_id="foreign"
    )

    browser_login(page, "staff1")
    page.goto("/admin/billing/transaction/")
    filters = page.locator("#changelist-filter")
    filters.get_by_role("link", name="Payments").click()
    page.wait_for_url("**kind=payment**")
    filters.locator("details[data-filter-title='processed']").get_by_role("link", name="Yes").click()
    page.wait_for_url("**processed__exact=1**")
    since = (timezone.now() - dt.timedelta(days=7)).date().isoformat()
    page.fill("input[name='created_at__date__gte']", since)
    with page.expect_navigation():
        page.click(".smarty-date-range button[type=submit]")
    listed = page.locator("#result_list tbody tr")
    assert listed.count() == 1
    assert "pay-new" in listed.first.inner_text()
    screenshot(page, "07-transactions-filtered")

    with page.expect_download() as download_info:
        page.click(".smarty-tool-export")
    path = download_info.value.path()
    text = open(path, encoding="utf-8").read()
    lines = text.strip().splitlines()
    assert lines[0].startswith("id,created_at,customer_id")
    assert len(lines) == 2 and "pay-new" in lines[1]


def test_change_page_size_sort_and_move_rows(page, staff, operator):
    from channels.models import Channel

    Channel.objects.bulk_create(
        Channel(client=operator.client, category=operator.category, name=f"Extra {n:02d}", sort_order=3 + n)
        for n in range(30)
    )
    browser_login(page, "staff1")
    page.goto("/admin/channels/channel/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 25
    with page.expect_navigation():
        page.select_option("#smarty-page-size", label="10")
    assert rows.count() == 10
    assert "per_page=10" in page.url
    page.click(".smarty-page-last")
    page.wait_for_url("**p=4**")
    assert rows.count() == 3
    page.goto("/admin/channels/channel/")  # the page size is remembered
    assert rows.count() == 10

    page.locator("#result_list thead").get_by_role("link", name="Name").click()
    page.wait_for_url("**o=**")
    header = page.locator("#result_list thead th.sorted")
    assert "ascending" in header.get_attribute("class")
    assert rows.first.locator("th, td").nth(2).inner_text().startswith("Channel 0")
    header.get_by_role("link", name="Name").click()
    page.wait_for_url("**o=-**")
    assert "descending" in page.locator("#result_list thead th.sorted").get_attribute("class")
    assert rows.first.inner_text().count("Extra 29") == 1
    screenshot(page, "08-channels-sorted")

    page.goto("/admin/channels/channel/?o=")
    first_name = operator.channels[0].name
    second_row = rows.nth(1)
    assert "Channel 1" in second_row.inner_text()
    with page.expect_navigation():
        second_row.locator(".smarty-sort-up").click()
    assert "Channel 1" in rows.first.inner_text()
    assert first_name in rows.nth(1).inner_text()
    screenshot(page, "09-channels-moved")


def test_the_interface_switches_to_russian(page, staff, operator):
    browser_login(page, "staff1")
    with page.expect_navigation():
        page.select_option("#smarty-language", "ru")
    assert "Абоненты" in page.locator("#smarty-menu").inner_text()
    page.goto("/admin/accounts/customer/")
    screenshot(page, "10-russian-customers")
    assert "Всего" in page.locator(".smarty-stats").inner_text()
