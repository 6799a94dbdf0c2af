"""The Billing API's protocol: signatures over GET and POST, the common codes -1/-2/-3, the
smarty_billing_in request log."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from billing import errors
from smarty.api.signature import compute_signature

pytestmark = pytest.mark.django_db


def test_a_signed_post_is_answered(billing_client, operator):
    body = billing_client.call("account/info", {"account_id": operator.account.pk})
    assert body["error"] == 0 and body["abonement"] == operator.account.abonement


def test_a_signed_get_is_answered_the_same_way(billing_client, operator):
    body = billing_client.call("account/info", {"account_id": operator.account.pk}, method="get")
    assert body["error"] == 0 and body["id"] == operator.account.pk


def test_parameters_split_between_query_string_and_body_are_all_signed(billing_client, operator):
    items = billing_client.signed({"account_id": operator.account.pk})
    query = [(n, v) for n, v in items if n == "client_id"]
    form = [(n, v) for n, v in items if n != "client_id"]
    response = billing_client.http.post(
        f"/billing/api/account/info/?{urlencode(query)}",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
    )
    assert json.loads(response.content)["error"] == 0


def test_repeated_number_list_params_are_signed_each_as_name_value(billing_client, operator):
    # The reference's worked example: allowed_device_groups:1;allowed_device_groups:3;client_id:..;
    params = [("account_id", operator.account.pk), ("allowed_device_groups", 3), ("allowed_device_groups", 1)]
    body = billing_client.call("account/modify", params)
    assert body["error"] == 0
    operator.account.refresh_from_db()
    assert sorted(operator.account.allowed_device_groups) == [1, 3]  # stored as sent


def test_the_url_works_without_its_trailing_slash(billing_client, operator):
    items = billing_client.signed({"account_id": operator.account.pk})
    response = billing_client.http.post(
        "/billing/api/account/info", urlencode(items), content_type="application/x-www-form-urlencoded"
    )
    assert json.loads(response.content)["error"] == 0


@pytest.mark.parametrize("signature", ["", "0" * 32, "not-a-signature"])
def test_a_wrong_or_missing_signature_answers_minus_2(billing_client, operator, signature):
    items = [("account_id", str(operator.account.pk)), ("client_id", str(operator.client.pk))]
    if signature:
        items.append(("signature", signature))
    body = json.loads(billing_client.raw("account/info", items).content)
    assert body["error"] == errors.BAD_SIGNATURE
    assert "signature" in body["error_fields"]


def test_a_signature_made_with_another_key_answers_minus_2(billing_client, operator):
    for key in (operator.client.api_key, operator.client.content_api_key, "secretkey"):
        assert billing_client.call("account/info", {"account_id": 1}, key=key)["error"] == errors.BAD_SIGNATURE


def test_a_changed_parameter_breaks_the_signature(billing_client, operator):
    items = billing_client.signed({"account_id": operator.account.pk})
    tampered = [(n, "999" if n == "account_id" else v) for n, v in items]
    assert json.loads(billing_client.raw("account/info", tampered).content)["error"] == errors.BAD_SIGNATURE


def test_the_signature_compares_case_insensitively(billing_client, operator):
    items = [("account_id", str(operator.account.pk)), ("client_id", str(operator.client.pk))]
    items.append(("signature", compute_signature(items, operator.client.billing_api_key).upper()))
    assert json.loads(billing_client.raw("account/info", items).content)["error"] == 0


@pytest.mark.parametrize("client_id", ["", "999999", "abc", "-1", "1; DROP TABLE"])
def test_an_unknown_client_id_answers_minus_3(billing_client, client_id):
    items = [("account_id", "1")]
    if client_id:
        items.append(("client_id", client_id))
    items.append(("signature", compute_signature(items, "whatever")))
    assert json.loads(billing_client.raw("account/info", items).content)["error"] == errors.UNKNOWN_CLIENT


def test_a_disabled_operator_answers_minus_3(billing_client, operator):
    operator.client.enabled = False
    operator.client.save()
    assert billing_client.call("account/info", {"account_id": operator.account.pk})["error"] == errors.UNKNOWN_CLIENT


def test_the_second_operators_key_does_not_open_the_first_operators_data(billing_client, other_operator, operator):
    body = billing_client.call(
        "account/info", {"account_id": operator.account.pk}, key=other_operator.client.billing_api_key
    )
    assert body["error"] == errors.BAD_SIGNATURE


def test_a_successful_request_is_logged_with_url_ip_and_masked_args(billing_client, operator, events):
    billing_client.call(
        "account/modify", {"account_id": operator.account.pk, "password": "4321"}, REMOTE_ADDR="10.1.2.3"
    )
    [logged] = events.of("BILLING_REQUEST_SUCCESS")
    assert logged["url"] == "/billing/api/account/modify/"
    assert logged["ip"] == "10.1.2.3"
    assert logged["args"]["account_id"] == str(operator.account.pk)
    assert logged["args"]["password"] == "***" and logged["args"]["signature"] == "***"


def test_a_failed_request_is_logged_with_the_error_and_its_message(billing_client, events):
    billing_client.call("account/info", {"account_id": 987654})
    [logged] = events.of("BILLING_REQUEST_ERROR")
    assert logged["error"] == errors.AccountInfo.NOT_FOUND
    assert logged["error_message"] == "Account not found"
    assert logged["url"] == "/billing/api/account/info/"
    assert logged["args"]["signature"] == "***"


def test_parent_codes_authkeys_and_promo_codes_are_masked_in_every_log_line(billing_client, operator, written_log):
    billing_client.call("account/modify", {"account_id": operator.account.pk, "parent_code": "918273"})
    billing_client.call("authkey/delete", {"authkey_key": "5f1e0c9d8b7a69584736251403f2e1d0"})
    billing_client.call("promo/activate", {"account_id": operator.account.pk, "code": "QWERTY7531"})
    assert "BILLING_REQUEST_SUCCESS" in written_log.text and "ACCOUNT_CHANGED" in written_log.text
    assert "'parent_code': '***'" in written_log.text and "'parent_code'='***'" in written_log.text
    for secret in ("918273", "5f1e0c9d8b7a69584736251403f2e1d0", "QWERTY7531", operator.client.billing_api_key):
        assert secret not in written_log.text


def test_card_data_never_reaches_the_log(billing_client, operator, events):
    billing_client.call(
        "customer/payment/process",
        {"customer_id": operator.customer.pk, "payment_id": "x", "card_number": "4111111111111111", "card_cvv": "123"},
    )
    [logged] = events.of("BILLING_REQUEST_ERROR")
    assert logged["args"]["card_number"] == "***" and logged["args"]["card_cvv"] == "***"


def test_an_unexpected_failure_answers_minus_1_and_is_logged_with_a_stack_trace(
    billing_client, operator, events, monkeypatch
):
    from accounts.services import accounts as account_services

    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(account_services, "account_delete", broken)
    response = billing_client.raw("account/delete", billing_client.signed({"account_id": operator.account.pk}))
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["error"] == errors.UNKNOWN and body["error_message"]
    [record] = [r for r in events.records if getattr(r, "event", "") == "UNHANDLED_API_ERROR"]
    assert record.exc_info and "disk on fire" in str(record.exc_info[1])
    assert events.of("BILLING_REQUEST_ERROR")[0]["error"] == errors.UNKNOWN


def test_success_envelopes_carry_an_empty_error_message(billing_client, operator):
    body = billing_client.call("customer/modify", {"customer_id": operator.customer.pk, "comment": "vip"})
    assert body == {"error": 0, "error_message": "", "error_fields": {}}


def _all_methods():
    from billing import views as _views  # noqa: F401 - registers the methods
    from billing.api import billing as billing_api

    return sorted(m.path for m in billing_api.methods.values())


@pytest.mark.parametrize("path", _all_methods())
def test_every_method_answers_minus_2_to_a_bad_signature_and_minus_3_to_an_unknown_client(
    billing_client, operator, path
):
    params = {"account_id": operator.account.pk, "customer_id": operator.customer.pk}
    assert billing_client.call(path, params, key="wrong-key")["error"] == errors.BAD_SIGNATURE
    assert billing_client.call(path, params, client_id=987654)["error"] == errors.UNKNOWN_CLIENT
    assert billing_client.call(path, params, method="get", key="wrong-key")["error"] == errors.BAD_SIGNATURE


def test_a_nul_character_is_refused_naming_the_parameter(billing_client, operator):
    body = billing_client.call("customer/modify", {"customer_id": operator.customer.pk, "comment": "a\x00b"})
    assert body["error"] == errors.CustomerModify.INVALID and "comment" in body["error_fields"]
    operator.customer.refresh_from_db()
    assert operator.customer.comment == ""
