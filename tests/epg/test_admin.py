"""The EPG admin (seed 3.2.7.3): service-level objects, "Clear EPG" and "Force import" per
channel, manual programme editing that invalidates the channel's cached guide."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from epg.models import (
    EpgCategory,
    EpgChannel,
    EpgGenre,
    EpgPremiereSource,
    EpgSource,
    EpgSourceCategoryMap,
    EpgSourceGenreMap,
    Premiere,
    Program,
)
from smarty.cache import dep, generations
from tests import factories as f

from .conftest import programme, xmltv

MODELS = [
    EpgSource,
    EpgChannel,
    Program,
    EpgCategory,
    EpgGenre,
    EpgSourceCategoryMap,
    EpgSourceGenreMap,
    EpgPremiereSource,
    Premiere,
]


@pytest.fixture
def guide_source(make_source, make_channel, tmp_path):
    path = tmp_path / "guide.xml"
    path.write_bytes(xmltv(programme("a", "20250301100000 +0000", "20250301110000 +0000", "From the file")))
    source = make_source(path)
    return source, make_channel(source, "a")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_epg_page_opens_for_a_superuser(admin_client, guide_source, model):
    f.ProgramFactory(epg_channel=guide_source[1])
    opts = model._meta
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_operator_staff_cannot_change_service_level_epg_objects(client, guide_source):
    staff = User.objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_epgsource", "view_epgchannel"]))
    client.force_login(staff)
    assert client.get(reverse("admin:epg_epgsource_add")).status_code == 403
    # EPG objects belong to the service panel: staff get no access whatever permissions
    # they hold (smarty/admin_access.py), neither to look nor to act.
    channel_page = client.get(reverse("admin:epg_epgchannel_change", args=[guide_source[1].pk]))
    assert channel_page.status_code == 403
    response = client.post(reverse("admin:epg_epgchannel_clear_epg", args=[guide_source[1].pk]))
    assert response.status_code in (302, 403)
    f.ProgramFactory(epg_channel=guide_source[1])
    client.post(reverse("admin:epg_epgchannel_clear_epg", args=[guide_source[1].pk]))
    assert Program.objects.filter(epg_channel=guide_source[1]).exists()


def test_the_channel_page_has_clear_epg_and_force_import_buttons(admin_client, guide_source):
    page = admin_client.get(reverse("admin:epg_epgchannel_change", args=[guide_source[1].pk]))
    assert b"Clear EPG" in page.content and b"Force import" in page.content


def test_clear_epg_deletes_the_channel_guide_and_invalidates_its_cache(
    admin_client, guide_source, django_capture_on_commit_callbacks
):
    source, channel = guide_source
    f.ProgramFactory(epg_channel=channel)
    other = f.ProgramFactory()
    (generation,) = generations([dep("epg_channel", channel.pk)])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:epg_epgchannel_clear_epg", args=[channel.pk]))
    assert response.status_code == 302
    assert not Program.objects.filter(epg_channel=channel).exists()
    assert Program.objects.filter(pk=other.pk).exists()
    assert generations([dep("epg_channel", channel.pk)]) == [generation + 1]


def test_force_import_from_the_channel_page_imports_even_an_unchanged_guide(
    admin_client, guide_source, django_capture_on_commit_callbacks
):
    source, channel = guide_source
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:epg_epgchannel_force_import", args=[channel.pk]))
    assert list(Program.objects.filter(epg_channel=channel).values_list("name", flat=True)) == ["From the file"]
    Program.objects.filter(epg_channel=channel).update(name="Edited")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("admin:epg_epgchannel_force_import", args=[channel.pk]))
    assert list(Program.objects.filter(epg_channel=channel).values_list("name", flat=True)) == ["From the file"]


def test_clear_epg_and_force_import_work_as_list_actions(
    admin_client, guide_source, django_capture_on_commit_callbacks
):
    source, channel = guide_source
    url = reverse("admin:epg_epgchannel_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"action": "force_import", "_selected_action": [channel.pk]})
    assert Program.objects.filter(epg_channel=channel).count() == 1
    admin_client.post(url, {"action": "clear_epg", "_selected_action": [channel.pk]})
    assert not Program.objects.filter(epg_channel=channel).exists()


def test_import_now_on_a_source(admin_client, guide_source):
    source, channel = guide_source
    admin_client.post(
        reverse("admin:epg_epgsource_changelist"), {"action": "import_now", "_selected_action": [source.pk]}
    )
    assert Program.objects.filter(epg_channel=channel).count() == 1


def test_editing_a_programme_by_hand_invalidates_the_channel(
    admin_client, guide_source, django_capture_on_commit_callbacks
):
    channel = guide_source[1]
    item = f.ProgramFactory(epg_channel=channel, name="Before")
    (generation,) = generations([dep("epg_channel", channel.pk)])
    data = {
        "epg_channel": channel.pk,
        "name": "After",
        "time_begin_0": "2025-03-01",
        "time_begin_1": "10:00:00",
        "time_end_0": "2025-03-01",
        "time_end_1": "11:00:00",
        "meta": "{}",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("admin:epg_program_change", args=[item.pk]), data)
    assert response.status_code == 302, response.content
    item.refresh_from_db()
    assert item.name == "After" and item.time_begin == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert generations([dep("epg_channel", channel.pk)])[0] > generation


def test_the_programme_list_filters_by_channel(admin_client, guide_source):
    f.ProgramFactory(epg_channel=guide_source[1], name="Mine")
    f.ProgramFactory(name="Someone else's")
    response = admin_client.get(
        reverse("admin:epg_program_changelist") + f"?epg_channel__id__exact={guide_source[1].pk}"
    )
    assert b"Mine" in response.content and b"Someone else" not in response.content


def test_changing_the_hour_shift_in_the_admin_moves_the_stored_guide(admin_client, guide_source):
    source, channel = guide_source
    f.ProgramFactory(
        epg_channel=channel,
        time_begin=datetime(2025, 3, 1, 10, tzinfo=UTC),
        time_end=datetime(2025, 3, 1, 11, tzinfo=UTC),
    )
    data = {"name": channel.name, "source": source.pk, "ext_id": "a", "hour_shift": 2, "enabled": "on"}
    for slot in range(1, 6):
        data[f"name_lang{slot}"] = ""
    for field in ("icon", "icon_url"):
        data[field] = ""
    response = admin_client.post(reverse("admin:epg_epgchannel_change", args=[channel.pk]), data)
    assert response.status_code == 302, response.content
    assert Program.objects.get(epg_channel=channel).time_begin == datetime(2025, 3, 1, 12, tzinfo=UTC)


def test_unmapped_source_categories_are_listed_for_mapping(admin_client, make_source):
    source = make_source("x.xml")
    news = EpgCategory.objects.create(name="News")
    EpgSourceCategoryMap.objects.create(source=source, source_name="Nachrichten", category=news)
    EpgSourceCategoryMap.objects.create(source=source, source_name="Sport unmapped")
    response = admin_client.get(reverse("admin:epg_epgsourcecategorymap_changelist") + "?mapped=no")
    assert b"Sport unmapped" in response.content and b"Nachrichten" not in response.content
