"""ViewStats API over HTTP (reference viewstats.md): StatPush and CustomerStatsInfo with
both operators; the second operator's channels and sessions are never reachable."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from monitoring import recording
from monitoring.models import ViewEvent
from tests import factories as f

PUSH = "/viewstats/api/stat/push"
INFO = "/viewstats/api/stat/customer/info"


def stored():
    """The stored viewing sessions once the buffer of pushes is flushed (as the scheduled
    flush_views would)."""
    recording.buffer_flush(include_current=True)
    return ViewEvent.objects


def push(api_get, session, **params):
    query = {"authkey": session.authkey, "client_id": session.client_id, "channel_session": 1, **params}
    return api_get(PUSH, **query)


def test_a_push_starts_a_viewing_session_and_repeats_extend_it(api_get, operator, session_of):
    session = session_of(operator)
    channel = operator.channels[0]
    status, body = push(api_get, session, channel_id=channel.pk, channel_session=77)
    assert status == 200 and body == {"error": 0, "error_message": ""}
    status, body = push(api_get, session, channel_id=channel.pk, channel_session=77)
    assert body["error"] == 0
    events = list(stored().all())
    assert len(events) == 1
    event = events[0]
    assert (event.client_id, event.account_id, event.content_id, event.content_type) == (
        operator.client.pk,
        operator.account.pk,
        str(channel.pk),
        "live",
    )
    assert event.channel_session == 77 and event.ended_at >= event.started_at


def test_a_new_channel_session_is_a_new_row(api_get, operator, session_of):
    session = session_of(operator)
    push(api_get, session, channel_id=operator.channels[0].pk, channel_session=1)
    status, body = push(
        api_get,
        session,
        channel_id=operator.channels[1].pk,
        channel_session=2,
        previous_channel_id=operator.channels[0].pk,
        type="pvr",
        timeshift_offset=-3,
    )
    assert body["error"] == 0
    assert stored().count() == 2
    latest = stored().order_by("-id").first()
    assert (latest.content_type, latest.timeshift_offset) == ("pvr", -3)


@pytest.mark.parametrize(
    "params,field",
    [
        ({"channel_id": "abc"}, "channel_id"),
        ({"channel_id": None}, "channel_id"),
        ({"channel_session": None}, "channel_session"),
        ({"type": "vod"}, "type"),
        ({"timeshift_offset": 100000}, "timeshift_offset"),
        ({"program_id": "-5"}, "program_id"),
    ],
)
def test_bad_parameters_answer_1_and_store_nothing(api_get, operator, session_of, params, field):
    session = session_of(operator)
    query = {"channel_id": operator.channels[0].pk, **params}
    status, body = push(api_get, session, **query)
    assert body["error"] == 1 and field in body["error_message"]
    assert not stored().exists()


def test_another_operators_channel_is_an_unknown_channel(api_get, operator, other_operator, session_of):
    session = session_of(operator)
    _, body = push(api_get, session, channel_id=other_operator.channels[0].pk)
    assert body["error"] == 1 and body["error_fields"] == {"channel_id": "not found"}
    _, body = push(
        api_get, session, channel_id=operator.channels[0].pk, previous_channel_id=other_operator.channels[1].pk
    )
    assert body["error"] == 1 and "previous_channel_id" in body["error_fields"]
    assert not stored().exists()


def test_a_programme_of_another_channel_is_refused(api_get, operator, session_of):
    epg_channel = f.EpgChannelFactory()
    now = timezone.now()
    program = f.ProgramFactory(
        epg_channel=epg_channel, time_begin=now - dt.timedelta(minutes=5), time_end=now + dt.timedelta(minutes=30)
    )
    channel = operator.channels[0]
    session = session_of(operator)
    _, body = push(api_get, session, channel_id=channel.pk, program_id=program.pk)
    assert body["error"] == 1 and "program_id" in body["error_fields"]
    channel.epg_channel = epg_channel
    channel.save()
    from tests.conftest import clear_cache

    clear_cache()
    _, body = push(api_get, session, channel_id=channel.pk, program_id=program.pk)
    assert body["error"] == 0
    assert stored().get().program_id == program.pk


def test_a_session_of_another_operator_or_none_is_refused_with_1(api_get, operator, other_operator, session_of):
    theirs = session_of(other_operator)
    _, body = api_get(
        PUSH,
        authkey=theirs.authkey,
        client_id=operator.client.pk,
        channel_id=operator.channels[0].pk,
        channel_session=1,
    )
    assert body["error"] == 1
    _, body = api_get(PUSH, authkey="x" * 32, client_id=operator.client.pk, channel_id=1, channel_session=1)
    assert body["error"] == 1
    assert not stored().exists()


def test_past_the_per_minute_limit_pushes_answer_4(api_get, operator, session_of, settings):
    settings.SMARTY_VIEWSTATS_PUSH_LIMIT = 3
    session = session_of(operator)
    codes = [
        push(api_get, session, channel_id=operator.channels[0].pk, channel_session=n)[1]["error"] for n in range(5)
    ]
    assert codes == [0, 0, 0, 4, 4]
    assert stored().count() == 3


def test_an_operator_without_viewstats_gets_3(api_get, operator, other_operator, session_of, settings):
    settings.SMARTY_VIEWSTATS_CLIENTS = [other_operator.client.pk]
    _, body = push(api_get, session_of(operator), channel_id=operator.channels[0].pk)
    assert body["error"] == 3
    _, body = api_get(INFO, authkey=session_of(operator).authkey, client_id=operator.client.pk)
    assert body["error"] == 3


def test_xml_devices_get_xml(client, operator, session_of, xml_device):
    session = session_of(operator)
    response = client.get(
        PUSH,
        {
            "authkey": session.authkey,
            "client_id": operator.client.pk,
            "channel_id": operator.channels[0].pk,
            "channel_session": 5,
            "device": xml_device.system_name,
        },
    )
    assert response["Content-Type"].startswith("application/xml")
    assert b"<error>0</error>" in response.content


def test_customer_stats_info_describes_the_sessions_customer(api_get, operator, other_operator, session_of):
    operator.customer.postal_address_city = "Tver"
    operator.customer.save()
    session = session_of(operator)
    _, body = api_get(INFO, authkey=session.authkey, client_id=operator.client.pk)
    assert body["error"] == 0
    assert body["account_id"] == operator.account.pk
    assert body["customer_id"] == operator.customer.pk
    assert body["customer_full_name"] == "Ivanova1 Anna"
    assert body["tariffs"] == [{"id": operator.tariff.pk, "name": "Basic", "price": float(operator.tariff.price)}]
    assert (body["city_id"], body["city_name"]) == ("", "Tver")
    assert body["error_message"] == ""


def test_customer_stats_info_without_a_session_answers_403(api_get, operator, other_operator, session_of):
    _, body = api_get(INFO, client_id=operator.client.pk)
    assert body["error"] == 403
    theirs = session_of(other_operator)
    _, body = api_get(INFO, authkey=theirs.authkey, client_id=operator.client.pk)
    assert body["error"] == 403
