"""The Content API protocol: the signature as the reference describes it and as each of the
vendor's published clients computes it, unknown operators, the request log, unexpected errors."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.test import Client as HttpClient

from channels.models import Channel
from content.api import content_signature_matches
from tests.tenancy import operator_snapshot

from .conftest import BASE, ContentClient, md5_b64, signed_items


def test_the_reference_example_signature_is_reproduced():
    items = [("name", "test"), ("client_id", "1")] + [("additional_categories", v) for v in ("1", "12", "2")]
    assert content_signature_matches(items, "secretkey", "22fe9a9ddef4964113ac34021933dac7")
    assert not content_signature_matches(items, "otherkey", "22fe9a9ddef4964113ac34021933dac7")


@pytest.mark.parametrize("style", ContentClient.STYLES)
def test_every_published_client_creates_a_channel_with_its_lists(style, operator):
    client = ContentClient(operator.client, style)
    other_tariff = operator.tariff.__class__.objects.create(client=operator.client, name="Extra")
    tariffs = [operator.tariff.pk, other_tariff.pk]
    if style == "php":
        tariffs = operator.tariff.pk  # PHP's curl sends scalars only
    body = client.ok("channel/create", {"name": "Новости 24", "rating": 0, "enabled": True, "tariffs": tariffs})
    channel = Channel.objects.get(pk=body["id"], client=operator.client)
    assert channel.name == "Новости 24" and channel.enabled
    expected = {operator.tariff.pk} if style == "php" else {operator.tariff.pk, other_tariff.pk}
    assert set(channel.tariffs.values_list("id", flat=True)) == expected


def test_the_java_client_signature_without_leading_zeros_is_accepted(operator):
    client = ContentClient(operator.client, "java")
    # Find a request whose md5 starts with a zero, which the Java client prints one digit short.
    for n in range(400):
        data = {"name": f"cam {n}", "client_id": str(operator.client.pk)}
        text = "".join(f"{k}:{v};" for k, v in sorted(data.items())) + client.key
        if md5_b64(text).startswith("0"):
            break
    else:
        pytest.fail("no md5 with a leading zero found")
    body = client.ok("camera/create", {"name": f"cam {n}"})
    assert len(client.response.wsgi_request.POST["signature"]) < 32
    assert body["id"]


def test_a_node_client_signature_over_escaped_values_is_accepted_and_a_wrong_one_is_not(operator):
    client = ContentClient(operator.client, "node")
    assert client.ok("radio/create", {"name": "Радио Ретро FM", "uri": "http://r.example/a b"})["id"]
    wrong = ContentClient(operator.client, "node", key="not the key")
    assert wrong.call("radio/create", {"name": "x", "uri": "http://r"})["error"] == -2


def test_the_reference_signing_with_repeated_values_works_over_post_and_get(operator):
    http = HttpClient()
    key = operator.client.content_api_key
    items = signed_items(
        [("name", "test"), ("client_id", str(operator.client.pk)), ("tariffs", str(operator.tariff.pk))], key
    )
    response = http.post(f"{BASE}/camera/create/", urlencode(items), content_type="application/x-www-form-urlencoded")
    assert json.loads(response.content)["error"] == 0
    query = urlencode(signed_items([("client_id", str(operator.client.pk))], key))
    response = http.get(f"{BASE}/channel/list/?{query}")
    assert json.loads(response.content)["count"] == 3


def test_a_wrong_signature_is_refused_with_minus_2_and_nothing_is_written(operator):
    before = operator_snapshot(operator.client)
    body = ContentClient(operator.client, key="wrong").call("channel/create", {"name": "x"})
    assert body["error"] == -2 and body["error_message"]
    assert operator_snapshot(operator.client) == before


def test_another_operators_key_does_not_sign_for_this_operator(operator, other_operator):
    client = ContentClient(operator.client, key=other_operator.client.content_api_key)
    assert client.call("channel/list")["error"] == -2


def test_the_billing_or_tvmw_key_does_not_sign_content_requests(operator):
    for key in (operator.client.billing_api_key, operator.client.api_key):
        assert ContentClient(operator.client, key=key).call("channel/list")["error"] == -2


@pytest.mark.parametrize("client_id", ["999999", "abc", ""])
def test_an_unknown_client_is_refused_with_minus_3(operator, client_id):
    body = ContentClient(operator.client).call("channel/list", client_id=client_id)
    assert body["error"] == -3


def test_a_disabled_operator_is_refused(operator):
    operator.client.enabled = False
    operator.client.save()
    assert ContentClient(operator.client).call("channel/list")["error"] == -3


def test_requests_are_logged_with_the_signature_masked(content_client, content_events):
    content_client.ok("channel/list")
    content_client.call("channel/delete", {"id": 999999})
    [success] = content_events.named("CONTENT_REQUEST_SUCCESS")
    assert success.name == "smarty_content_requests"
    assert success.context["url"] == "/content/api/channel/list/"
    assert success.context["params"]["signature"] != content_client.response.wsgi_request.POST["signature"]
    [error] = content_events.named("CONTENT_REQUEST_ERROR")
    assert error.context["error"] == 404 and error.context["params"]["id"] == "999999"


def test_an_unexpected_failure_is_minus_1_with_the_stack_trace_logged(content_client, content_events, monkeypatch):
    import channels.services

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(channels.services, "radio_create", broken)
    body = content_client.call("radio/create", {"name": "r", "uri": "http://r"})
    assert body["error"] == -1
    [fail] = content_events.named("CONTENT_REQUEST_FAIL")
    assert fail.exc_info and "boom" in str(fail.exc_info[1])


def test_a_missing_required_parameter_is_20_naming_it(content_client):
    body = content_client.call("channel/delete", {})
    assert body["error"] == 20 and "id" in body["error_fields"]
    body = content_client.call("channel/delete", {"id": "abc"})
    assert body["error"] == 20


def test_an_html_error_page_is_never_returned(content_client):
    broken = "multipart/form-data; boundary=x"
    response = content_client.http.post(f"{BASE}/channel/list/", b"\xff\xfe", content_type=broken)
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content)["error"] != 0


def test_a_python_list_of_strings_is_a_list_too(operator):
    client = ContentClient(operator.client, "python")
    other = operator.tariff.__class__.objects.create(client=operator.client, name="Extra")
    body = client.ok("channel/create", {"name": "Str ids", "tariffs": [str(operator.tariff.pk), str(other.pk)]})
    assert client.response.wsgi_request.POST["tariffs"].startswith("['")
    channel = Channel.objects.get(pk=body["id"])
    assert set(channel.tariffs.values_list("id", flat=True)) == {operator.tariff.pk, other.pk}
