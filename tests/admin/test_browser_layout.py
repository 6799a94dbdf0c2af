"""Browser tests of the panel's layout (issue 19) at 1400 px: a long name does not widen the
summary report, a wide list scrolls inside its box with every column reachable, "All
operators" + a new tariff says one clear thing, and the favicon loads."""

from __future__ import annotations

import pytest

from .browser import screenshot
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE_FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def test_a_long_tariff_name_does_not_widen_the_summary_report(page, staff, operator):
    from tests import factories as f

    f.TariffFactory(client=operator.client, name="Premium" + "-Sport" * 41)  # 253 characters, no space
    page.set_viewport_size({"width": 1400, "height": 900})
    browser_login(page, "staff1")
    page.goto("/admin/reports/summary/")
    assert "Premium-Sport" in page.locator(".smarty-report").inner_text()
    assert page.evaluate(PAGE_FITS)
    report = page.locator(".smarty-report").bounding_box()
    assert report is not None and report["x"] + report["width"] <= 1400
    screenshot(page, "50-summary-long-name")


def test_a_wide_list_scrolls_inside_its_box_and_keeps_its_last_column(page, superuser, operator, other_operator):
    page.set_viewport_size({"width": 1400, "height": 900})
    browser_login(page, "root")  # all operators: the list gains an operator column
    page.goto("/admin/accounts/account/")
    page.evaluate(
        "document.querySelectorAll('#result_list td, #result_list th').forEach(c => c.style.whiteSpace = 'nowrap')"
    )
    page.evaluate(
        "document.querySelector('#result_list thead th:last-child').style.minWidth = '900px'"
    )  # wider than any screen: the last column must still be reachable
    assert page.evaluate(PAGE_FITS)  # the page itself never scrolls sideways
    results = page.locator("#changelist .results")
    assert results.evaluate("el => el.scrollWidth > el.clientWidth")
    last = page.locator("#result_list thead th").last
    results.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    box, frame = last.bounding_box(), results.bounding_box()
    assert box is not None and frame is not None
    assert box["x"] + box["width"] <= frame["x"] + frame["width"] + 1  # scrolled into view
    assert page.evaluate(PAGE_FITS)
    screenshot(page, "51-wide-list-scrolled")


def test_all_operators_and_a_new_tariff_give_one_clear_message(page, superuser, operator, other_operator):
    browser_login(page, "root")
    page.goto("/admin/tariffs/tariff/add/")
    page.fill("#id_name", "Orphan tariff")
    page.click("input[name=_save]")
    page.wait_for_selector(".errornote")
    content = page.locator("#content-main").inner_text()
    assert content.count("Choose the operator this row belongs to") == 1
    assert "This field is required" not in content
    assert "Choose an operator in the header selector first" not in content
    screenshot(page, "52-tariff-needs-operator")


def test_the_favicon_loads(page, staff):
    browser_login(page, "staff1")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href
    response = page.request.get(href)
    assert response.status == 200 and "svg" in response.headers["content-type"]
