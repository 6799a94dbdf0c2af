"""Russian and English interface with a switch (seed 3.2.1); the catalogue compiles without
gettext's tools and the committed .mo matches the .po; no admin page shows a label that has
no Russian translation."""

from __future__ import annotations

import gettext
import io

from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import gettext_lazy

from smarty.management.commands.collect_admin_labels import english_words, page_labels, untranslated, walk_admin
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


# --- every label an admin page shows has a Russian translation ------------------------------
def _russian(http):
    http.cookies["django_language"] = "ru"
    return http


def test_every_admin_page_shows_its_labels_in_russian(superuser, operator, other_operator):
    """Every registered ModelAdmin's list, add page and change page, as a superuser in Russian:
    the sidebar, columns, filters, actions, fieldsets, field labels, help texts and choices."""
    labels = walk_admin(_russian(login(superuser)))
    assert len(labels) > 2000  # the walk saw the pages, not only error pages
    assert untranslated(labels) == []


def test_operator_staff_see_their_panel_in_russian(staff, operator):
    http = _russian(login(staff))
    labels = []
    for url in ("/admin/", "/admin/accounts/account/", "/admin/accounts/account/add/", "/admin/tariffs/tariff/add/"):
        response = http.get(url)
        assert response.status_code == 200, url
        labels.extend(page_labels(response.context, url))
    assert labels and untranslated(labels) == []


def test_the_check_finds_a_label_left_in_english(superuser, operator, monkeypatch):
    from channels.admin import ChannelAdmin
    from channels.models import Channel

    field = Channel._meta.get_field("name")
    monkeypatch.setattr(field, "verbose_name", gettext_lazy("a label nobody translated"))
    monkeypatch.setattr(ChannelAdmin, "list_display", ("name", "sort_order"))
    http = _russian(login(superuser))
    response = http.get(reverse("admin:channels_channel_add"))
    found = untranslated(page_labels(response.context, "channel add"))
    assert ("channel add field name", "A label nobody translated") in found
    response = http.get(reverse("admin:channels_channel_changelist"))
    assert ("channel list column", "a label nobody translated") in untranslated(
        page_labels(response.context, "channel list")
    )


def test_english_words_are_told_from_names_codes_and_placeholders():
    assert english_words("Send a message to the selected accounts") == [
        "Send", "message", "to", "the", "selected", "accounts"
    ]  # fmt: skip
    assert english_words("Отправить сообщение") == []
    for kept in ("ID канала", "URL маски (%(name)s)", "поле `meta` TVMW", 'пример {"en": "https://..."}', "«is alive»"):
        assert english_words(kept) == [], kept
    assert english_words("ключ Billing API") == ["Billing"]
    assert untranslated([("a", "статус"), ("b", gettext_lazy("status")), ("c", "status nobody knows")]) == [
        ("c", "status nobody knows")
    ]
