"""Browser test of the panel in Russian (issue 19): the index, a list, an add form and the live
dashboard show no English left. The visible text, without the operator's own data (names of
channels, tariffs, subscribers...), is compared with the English catalogue: no English
interface string and no other English word may remain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from smarty.management.commands.collect_admin_labels import KEPT_WORDS, english_words, prose
from smarty.po import parse_po

from .browser import screenshot
from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = (
    "/admin/",
    "/admin/accounts/account/",
    "/admin/tariffs/tariff/add/",
    "/admin/monitoring/livedashboard/",
)


KEPT = {word.upper() for word in KEPT_WORDS}


def english_interface_strings() -> list[str]:
    """The English texts of the catalogue whose Russian differs: what must not show in Russian."""
    po = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
    found = []
    for entry in parse_po(po.read_text(encoding="utf-8")):
        text = entry.msgid
        words = english_words(text)
        if not entry.translated or entry.msgid_plural is not None or "%" in text:
            continue
        if words and not all(word.upper() in KEPT for word in words):  # "mac" is a MAC
            found.append(text)
    return found


def operator_data() -> set[str]:
    """The names the operator typed in and the codes devices reported: shown as they are in
    any language."""
    from django.contrib.auth import get_user_model

    from accounts.models import Customer
    from channels.models import Channel, ChannelCategory
    from clients.models import Client
    from monitoring.models import ViewEvent
    from streaming.models import StreamService
    from tariffs.models import Tariff

    names: set[str] = set()
    for model, fields in (
        (Client, ("name",)),
        (Customer, ("firstname", "lastname", "middlename", "email")),
        (Tariff, ("name",)),
        (Channel, ("name",)),
        (ChannelCategory, ("name",)),
        (StreamService, ("name",)),
        (ViewEvent, ("device", "content_type")),  # what the devices reported: "stb-1", "live"
        (get_user_model(), ("username",)),
    ):
        for row in model.objects.values_list(*fields):
            names.update(value for value in row if value)
    return names


def visible_text(page) -> str:
    """The page's visible text without the language switch (its "English" is a choice)."""
    return page.evaluate(
        """() => {
            const body = document.body.cloneNode(true);
            body.querySelectorAll('#smarty-language, script, style').forEach(e => e.remove());
            document.body.appendChild(body); body.style.display = 'block';
            const text = body.innerText; body.remove(); return text;
        }"""
    )


def english_left(text: str, data: set[str], catalogue: list[str]) -> list[str]:
    text = prose(text)
    for name in sorted(data, key=len, reverse=True):
        text = re.sub(re.escape(name), " ", text, flags=re.IGNORECASE)  # headers may be upper-case
    left = [s for s in catalogue if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text, re.IGNORECASE)]
    return left + english_words(text)


def test_the_panel_in_russian_has_no_english_left(page, staff, operator, other_operator):
    from tests.monitoring.simulate import simulate_hour

    simulate_hour(operator, viewers=2)
    browser_login(page, "staff1")
    with page.expect_navigation():
        page.select_option("#smarty-language", "ru")
    catalogue = english_interface_strings()
    assert len(catalogue) > 500 and "Subscribers" in catalogue
    assert english_left("Subscribers", set(), catalogue)  # the comparison sees English
    data = operator_data()
    for url in PAGES:
        page.goto(url)
        page.wait_for_load_state("load")
        text = visible_text(page)
        assert "Абоненты" in text or url != "/admin/", url
        assert english_left(text, data, catalogue) == [], url
        screenshot(page, "40-russian" + url.replace("/", "-").rstrip("-"))
