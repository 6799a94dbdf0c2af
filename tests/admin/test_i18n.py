"""Russian and English interface with a switch (seed 3.2.1); the catalogue compiles without
gettext's tools and the committed .mo matches the .po."""

from __future__ import annotations

import gettext
import io

from django.core.management import call_command
from django.urls import reverse

from smarty.po import compile_mo, parse_po

from .conftest import login


def test_the_language_switch_turns_the_panel_russian(staff, operator):
    client = login(staff)
    response = client.post(reverse("set_language"), {"language": "ru", "next": "/admin/"})
    assert response.status_code == 302
    html = client.get("/admin/").content.decode()
    for text in ("Абоненты", "Общие настройки", "Биллинг", "Настройка контента", "Отчёты", "Тарифные пакеты"):
        assert text in html, text
    html = client.get("/admin/accounts/account/").content.decode()
    for text in ("Абонемент", "Всего", "Онлайн", "Строк на странице", "Найти"):  # ours and Django's
        assert text in html, text
    client.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    assert "General settings" in client.get("/admin/").content.decode()


def test_the_header_offers_both_languages(staff):
    html = login(staff).get("/admin/").content.decode()
    assert 'id="smarty-language"' in html
    assert 'value="ru"' in html and 'value="en"' in html


def test_the_committed_catalogue_is_compiled():
    call_command("compile_translations", "--check", stdout=io.StringIO())


def test_the_po_compiler_handles_plurals_contexts_and_skips_fuzzy():
    po = "\n".join(
        [
            'msgid ""',
            'msgstr ""',
            '"Content-Type: text/plain; charset=UTF-8\\n"',
            '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
            "",
            'msgid "one apple"',
            'msgid_plural "%d apples"',
            'msgstr[0] "ein Apfel"',
            'msgstr[1] "%d Äpfel"',
            "",
            'msgctxt "menu"',
            'msgid "Open"',
            'msgstr "Öffnen"',
            "",
            "#, fuzzy",
            'msgid "Close"',
            'msgstr "Schliessen"',
            "",
            'msgid "long "',
            '"line"',
            'msgstr "lange "',
            '"Zeile"',
            "",
            'msgid "untranslated"',
            'msgstr ""',
        ]
    )
    catalog = gettext.GNUTranslations(io.BytesIO(compile_mo(parse_po(po))))
    assert catalog.ngettext("one apple", "%d apples", 1) == "ein Apfel"
    assert catalog.ngettext("one apple", "%d apples", 5) == "%d Äpfel"
    assert catalog.pgettext("menu", "Open") == "Öffnen"
    assert catalog.gettext("Close") == "Close"
    assert catalog.gettext("long line") == "lange Zeile"
    assert catalog.gettext("untranslated") == "untranslated"
