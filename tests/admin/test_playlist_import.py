"""The M3U import page of the channel list: preview, import, report; scoped to the operator."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from channels.models import Channel, ChannelCategory
from tests.channels.test_playlist import GE, SMALL

from .conftest import login


@pytest.mark.django_db
def test_the_admin_previews_then_imports_an_uploaded_playlist(staff, operator, other_operator):
    http = login(staff)
    url = "/admin/channels/channel/import-m3u/"
    assert "import-m3u" in http.get("/admin/channels/channel/").content.decode()
    upload = SimpleUploadedFile("ge.m3u", GE.read_bytes(), content_type="audio/x-mpegurl")
    preview = http.post(url, {"file": upload, "preview": "1", "tariffs": [str(operator.tariff.pk)]})
    assert preview.status_code == 200
    report = preview.context["report"]
    assert report.count("new") == 35 and report.count("duplicate") == 6  # 1TV, Formula, Maestro, Rustavi 2 x4
    assert Channel.objects.filter(client=operator.client).count() == 3  # a preview writes nothing
    text = preview.context["form"]["text"].value()
    assert text.startswith("#EXTM3U")  # the upload is carried to the Import button
    done = http.post(url, {"text": text, "import": "1", "tariffs": [str(operator.tariff.pk)]})
    assert done.status_code == 200 and done.context["imported"]
    assert Channel.objects.filter(client=operator.client).count() == 3 + 35
    assert set(ChannelCategory.objects.filter(client=operator.client).values_list("name", flat=True)) == {
        "News",
        "Sport",
    }
    names = [c.name for c in http.get("/admin/channels/channel/", {"per_page": 100}).context["cl"].result_list]
    assert names[:3] == ["Channel 0", "Channel 1", "Channel 2"] and names[-1] == report.entries[-1].name
    assert Channel.objects.filter(client=other_operator.client).count() == 3
    foreign = http.post(url, {"text": SMALL, "preview": "1", "tariffs": [str(other_operator.tariff.pk)]})
    assert foreign.context["form"].errors["tariffs"]


@pytest.mark.django_db
def test_the_import_page_asks_a_superuser_for_an_operator_first(superuser, operator):
    page = login(superuser).post("/admin/channels/channel/import-m3u/", {"text": SMALL, "import": "1"})
    assert "Choose an operator in the header selector first." in page.content.decode()
    assert not Channel.objects.filter(name="Toons").exists()
