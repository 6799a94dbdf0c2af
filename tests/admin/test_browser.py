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
