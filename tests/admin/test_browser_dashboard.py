"""Browser test of the live dashboard (Playwright, as test_browser.py): after a simulated
hour of viewing, the operator's charts show it, a click drills down to a channel, and the
page refreshes its numbers in place without reloading."""

from __future__ import annotations

import pytest

from tests.monitoring.simulate import simulate_hour

from .browser import screenshot
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_dashboard_charts_an_hour_of_viewing(page, staff, operator, other_operator):
    simulate_hour(operator, viewers=6)
    simulate_hour(other_operator, viewers=2)
    browser_login(page, "staff1")
    page.goto("/admin/monitoring/livedashboard/")
    page.wait_for_selector("svg[data-chart=concurrency]")
    assert page.locator("#kpi-online strong").inner_text() == "6"
    assert page.locator("#kpi-watching strong").inner_text() == "6"
    # every viewer of the hour shows: the concurrency line peaks at 6, the bars add up to 6
    points = page.locator("svg[data-chart=concurrency] circle.point")
    assert max(float(v) for v in points.evaluate_all("els => els.map(e => e.dataset.value)")) == 6
    bars = page.locator("svg[data-chart=viewers_now] rect.bar").evaluate_all("els => els.map(e => e.dataset.value)")
    assert sum(float(v) for v in bars) == 6
    assert page.locator("svg[data-chart=top_channels] rect.bar").count() == 3
    assert page.locator("#servers .smarty-down").count() == 1
    box = page.locator("svg[data-chart=concurrency]").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 60  # drawn, not collapsed
    screenshot(page, "20-live-dashboard")

    # refresh in place: the script swaps the body without a navigation
    page.evaluate("window.__marker = 1")
    page.evaluate("window.smartyDashboardRefresh()")
    page.wait_for_function("document.getElementById('smarty-dashboard').dataset.refreshed !== undefined")
    assert page.evaluate("window.__marker") == 1
    assert page.locator("svg[data-chart=concurrency]").count() == 1

    # drill down to a channel from the viewers-now table
    page.locator("#chart-viewers-now table a").first.click()
    page.wait_for_selector("svg[data-chart=channel_viewers]")
    assert int(page.locator("#kpi-channel-now strong").inner_text()) >= 1
    screenshot(page, "21-live-dashboard-channel")

    page.goto("/admin/monitoring/onlinesession/")
    assert page.locator(".smarty-active-sessions tbody tr").count() == 6
    assert "2.1.0" in page.locator(".smarty-active-sessions").inner_text()
