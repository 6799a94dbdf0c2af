"""DRM API over HTTP (reference drm.md): the license server's content access check answers
200 when the session may watch, 404 with the documented plain-text reasons otherwise."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests import factories as f

URL = "/drm/api/ezdrm/content/access/"


def check(api_get, session, **params):
    query = {"authkey": session.authkey, "client_id": session.client_id, "device": "android", **params}
    return api_get(URL, **query)


def test_a_channel_in_the_accounts_tariffs_is_allowed(api_get, operator, session_of):
    status, body = check(api_get, session_of(operator), content_id=operator.channels[0].pk, content_type="channel")
    assert status == 200 and body["error"] == 0
    assert (body["drm_type"], body["content_id"], body["account_id"]) == (
        "widevine",
        operator.channels[0].pk,
        operator.account.pk,
    )


def test_unknown_device_types_get_the_drm_type_issue(api_get, operator, session_of):
    status, body = check(api_get, session_of(operator), content_id=1, content_type="channel", device="mag")
    assert (status, body) == (404, {"error": 404, "error_message": "DRM type identification issue."})


def test_other_operators_content_and_sessions_are_content_issues(api_get, operator, other_operator, session_of):
    mine = session_of(operator)
    status, body = check(api_get, mine, content_id=other_operator.channels[0].pk, content_type="channel")
    assert status == 404 and body["error"] == 404
    assert body["error_message"].startswith("Content identification issue.")
    theirs = session_of(other_operator)
    status, _ = check(
        api_get, theirs, client_id=operator.client.pk, content_id=operator.channels[0].pk, content_type="channel"
    )
    assert status == 404


def test_bad_or_unsupported_content_is_a_content_issue(api_get, operator, session_of):
    session = session_of(operator)
    for params in (
        {"content_id": "x", "content_type": "channel"},
        {"content_id": operator.channels[0].pk, "content_type": "radio"},
        {"content_id": 999999, "content_type": "channel"},
        {"content_id": 999999, "content_type": "video"},
        {"content_id": operator.channels[0].pk},
    ):
        status, body = check(api_get, session, **params)
        assert status == 404 and "Content identification issue." in body["error_message"], params


def test_a_channel_outside_the_tariffs_is_refused(api_get, operator, session_of):
    session = session_of(operator, account=operator.account_without_tariff)
    status, _ = check(api_get, session, content_id=operator.channels[0].pk, content_type="channel")
    assert status == 404


def test_a_programme_is_allowed_through_its_channel(api_get, operator, session_of):
    epg_channel = f.EpgChannelFactory()
    now = timezone.now()
    program = f.ProgramFactory(epg_channel=epg_channel, time_begin=now, time_end=now + dt.timedelta(hours=1))
    session = session_of(operator)
    status, _ = check(api_get, session, content_id=program.pk, content_type="epg")
    assert status == 404
    channel = operator.channels[1]
    channel.epg_channel = epg_channel
    channel.save()
    from tests.conftest import clear_cache

    clear_cache()
    status, body = check(api_get, session, content_id=program.pk, content_type="epg")
    assert status == 200 and body["content_type"] == "epg"
