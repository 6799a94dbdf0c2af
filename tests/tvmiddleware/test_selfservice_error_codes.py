"""The self-service TVMW error-code constants (Customer, Account self-service, Promo, Device),
frozen. The values are literals from the reference (tvmw/*.md); with SMARTY_REFERENCE_SPEC set,
every (method, code) pair is also checked against spec.json."""

from __future__ import annotations

import json
import os

import pytest

from tvmiddleware import errors

FROZEN = {
    "AUTOPAYMENT_BAD_ENABLED": (1, "/customer/autopayment/"),
    "AUTOPAYMENT_ALREADY_DISABLED": (2, "/customer/autopayment/"),
    "AUTOPAYMENT_ENABLE_UNAVAILABLE": (3, "/customer/autopayment/"),
    "BALANCE_NO_METHOD": (1, "/customer/balance/"),
    "PAYMENT_INFO_NO_METHOD": (1, "/customer/payment/info/"),
    "DETAILS_UNKNOWN": (1, "/customer/billing_details_notify/"),
    "DETAILS_EMAIL_TAKEN": (2, "/customer/billing_details_notify/"),
    "DETAILS_NOTHING_IN_PERIOD": (3, "/customer/billing_details_notify/"),
    "CUSTOMER_DEVICE_NOT_FOUND": (1, "/customer/device/delete/"),
    "CUSTOMER_INFO_BAD_DATES": (2, "/customer/info/"),
    "INFO_SET_BAD_PARAMS": (1, "/customer/info/set/"),
    "INFO_SET_PHONE_TAKEN": (2, "/customer/info/set/"),
    "INFO_SET_PHONE_CODE_SENT": (3, "/customer/info/set/"),
    "INFO_SET_PHONE_AWAITING": (4, "/customer/info/set/"),
    "INFO_SET_PHONE_WRONG_CODE": (5, "/customer/info/set/"),
    "INFO_SET_PHONE_INVALID": (6, "/customer/info/set/"),
    "INFO_SET_SMS_FAILED": (7, "/customer/info/set/"),
    "INVOICE_UNSUPPORTED": (106, "/customer/invoice/complete/"),
    "INVOICE_ID_MISSING": (120, "/customer/invoice/complete/"),
    "SUBSCRIBE_UNAVAILABLE": (1, "/customer/tariff/subscribe/"),
    "SUBSCRIBE_NO_FUNDS": (2, "/customer/tariff/subscribe/"),
    "SUBSCRIBE_ALREADY": (3, "/customer/tariff/subscribe/"),
    "SUBSCRIBE_NOT_CONFIGURED": (4, "/customer/tariff/subscribe/"),
    "SUBSCRIBE_SECOND_BASIC": (5, "/customer/tariff/subscribe/"),
    "SUBSCRIBE_NO_TARIFF": (120, "/customer/tariff/subscribe/"),
    "UNSUBSCRIBE_NOT_ASSIGNED": (1, "/customer/tariff/unsubscribe/"),
    "UNSUBSCRIBE_BASIC": (2, "/customer/tariff/unsubscribe/"),
    "UNSUBSCRIBE_NOT_CONFIGURED": (4, "/customer/tariff/unsubscribe/"),
    "UNSUBSCRIBE_FORBIDDEN": (5, "/customer/tariff/unsubscribe/"),
    "COST_UNAVAILABLE": (1, "/customer/tariff/subscription/cost/"),
    "PROMO_NOT_FOUND": (1, "/promo/activate/"),
    "PROMO_INVALID": (2, "/promo/activate/"),
    "PROMO_ALREADY_ACTIVATED": (3, "/promo/activate/"),
    "PROMO_NOT_VALID_NOW": (4, "/promo/activate/"),
    "PROMO_UNKNOWN": (5, "/promo/activate/"),
    "PROMO_INACTIVE_ACCOUNT": (6, "/promo/activate/"),
    "DEVICE_EXISTS_MISSING_PARAM": (1, "/noauth/device/exists/"),
    "DEVICE_EXISTS_NOT_FOUND": (2, "/noauth/device/exists/"),
    "REGISTER_FAILED": (1, "/account/register/"),
    "REGISTER_TOO_MANY": (3, "/account/register/"),
    "REGISTER_BAD_PERIOD": (4, "/account/register/"),
    "REGISTER_BAD_PHONE": (5, "/account/register/"),
    "REGISTER_PHONE_TAKEN": (6, "/account/register/"),
    "REGISTER_NEED_PHONE_OR_DEVICE": (7, "/account/register/"),
    "REGISTER_SMS_SENT": (9, "/account/register/"),
    "REGISTER_WRONG_CODE": (10, "/account/register/"),
    "REGISTER_EXTERNAL_FAILED": (11, "/account/register/"),
    "REGISTER_BAD_DEALER": (15, "/account/register/"),
    "REGISTER_CALL_REQUESTED": (16, "/account/register/"),
    "REGISTER_AWAITING_CALL": (17, "/account/register/"),
    "REGISTER_DISABLED": (18, "/account/register/"),
    "REGISTER_FLASH_CALL_SENT": (19, "/account/register/"),
    "REGISTER_FLASH_CALL_WRONG_CODE": (20, "/account/register/"),
    "REGISTER_AWAITING_SMS_CODE": (21, "/account/register/"),
    "REGISTER_AWAITING_FLASH_CALL": (22, "/account/register/"),
    "REGISTER_BAD_BILLING_PROVIDER": (23, "/account/register/"),
    "REGISTER_SMS_TOO_FREQUENT": (25, "/account/register/"),
    "RESET_BAD_PARAMS": (1, "/account/reset_password/"),
    "RESET_NOT_FOUND": (2, "/account/reset_password/"),
    "RESET_CODE_SENT": (3, "/account/reset_password/"),
    "RESET_SEVERAL": (4, "/account/reset_password/"),
    "RESET_WRONG_CODE": (5, "/account/reset_password/"),
    "RESET_NO_ACCOUNTS": (6, "/account/reset_password/"),
    "RESET_ALREADY_SENT": (7, "/account/reset_password/"),
    "RESET_SEND_FAILED": (8, "/account/reset_password/"),
    "PIN_SMS_FAILED": (1, "/account/send_parent_code_by_sms/"),
    "PIN_SMS_NO_PHONE": (2, "/account/send_parent_code_by_sms/"),
    "PIN_SMS_NO_PIN": (3, "/account/send_parent_code_by_sms/"),
    "PIN_SMS_TOO_FREQUENT": (4, "/account/send_parent_code_by_sms/"),
    "PIN_SMS_DAY_LIMIT": (5, "/account/send_parent_code_by_sms/"),
    "EXPORT_UNAVAILABLE": (3, "/account/export/"),
    "LEGAL_NOT_FOUND": (1, "/legal/document/accept/"),
    "LEGAL_ALREADY_ACCEPTED": (2, "/legal/document/accept/"),
    "LEGAL_NO_ACCEPTOR": (3, "/legal/document/accept/"),
    "LEGAL_BAD_TYPE": (1, "/legal/document/list/"),
    "LEGAL_TARIFF_NOT_FOUND": (2, "/legal/document/list/"),
    "QR_MISSING_PARAM": (1, "/noauth/qr/login/generate/"),
    "QR_BAD_DEVICE": (2, "/noauth/qr/login/generate/"),
    "QR_CREATE_FAILED": (3, "/noauth/qr/login/generate/"),
    "QR_SYNC_BAD_CODE": (1, "/qr/login/sync/"),
    "QR_SYNC_NOT_FOUND": (2, "/qr/login/sync/"),
    "QR_SYNC_NO_DEVICE_UID": (4, "/qr/login/sync/"),
    "QR_SYNC_USED": (5, "/qr/login/sync/"),
    "QR_SYNC_SESSION_FAILED": (6, "/qr/login/sync/"),
    "QR_SYNC_NO_DEVICE_TYPE": (7, "/qr/login/sync/"),
    "QR_SYNC_INACTIVE": (8, "/qr/login/sync/"),
    "QR_SYNC_BASIC_SESSIONS_LIMIT": (9, "/qr/login/sync/"),
    "QR_SYNC_DEVICE_INVALID": (10, "/qr/login/sync/"),
    "QR_SYNC_EXTERNAL_API": (11, "/qr/login/sync/"),
    "QR_SYNC_NO_TARIFF": (12, "/qr/login/sync/"),
    "QR_SYNC_FORBIDDEN_IP": (13, "/qr/login/sync/"),
    "QR_SYNC_BASIC_FORBIDDEN": (14, "/qr/login/sync/"),
    "QR_SYNC_ADDITIONAL_FORBIDDEN": (15, "/qr/login/sync/"),
    "QR_SYNC_DEVICE_GROUP_FORBIDDEN": (16, "/qr/login/sync/"),
    "QR_SYNC_DEVICE_GROUP_LIMIT": (17, "/qr/login/sync/"),
    "QR_SYNC_LOGIN_ERROR": (18, "/qr/login/sync/"),
    "QR_SYNC_INTERNAL": (19, "/qr/login/sync/"),
    "PAYMENT_UNKNOWN": (1, "/payment/create/"),
    "PAYMENT_GATEWAY_INTERNAL": (2, "/payment/create/"),
    "PAYMENT_BAD_PARAMS": (4, "/payment/create/"),
    "PAYMENT_NOT_SUPPORTED": (13, "/payment/preauth/"),
    "MERCHANT_URL_UNKNOWN": (1, "/payment/merchant_url/"),
    "MERCHANT_URL_MERCHANT_ERROR": (2, "/payment/merchant_url/"),
    "PAYMENT_TX_NOT_FOUND": (1, "/payment/complete/"),
    "PAYMENT_TX_GATEWAY_ERROR": (2, "/payment/cheque/"),
    "PAYMENT_COMPLETE_ALREADY": (3, "/payment/complete/"),
    "PAYMENT_LIST_BAD_PARAMS": (1, "/payment/list/"),
    "SAVED_CARD_BAD_PARAMS": (1, "/payment/saved_card/delete/"),
    "SAVED_CARD_UNSUPPORTED": (3, "/payment/saved_card/list/"),
    "SAVED_CARD_NOT_FOUND": (4, "/payment/saved_card/delete/"),
}
PREFIXES = (
    "PAYMENT_",
    "MERCHANT_URL_",
    "SAVED_CARD_",
    "LEGAL_",
    "QR_",
    "AUTOPAYMENT_",
    "BALANCE_",
    "PAYMENT_INFO_",
    "DETAILS_",
    "CUSTOMER_DEVICE_",
    "CUSTOMER_INFO_",
    "INFO_SET_",
    "INVOICE_",
    "SUBSCRIBE_",
    "UNSUBSCRIBE_",
    "COST_",
    "PROMO_",
    "DEVICE_EXISTS_",
    "REGISTER_",
    "RESET_",
    "PIN_SMS_",
    "EXPORT_",
)


@pytest.mark.parametrize(("name", "expected"), [(n, v) for n, (v, _p) in FROZEN.items()])
def test_self_service_constant_has_the_reference_value(name, expected):
    assert getattr(errors, name) == expected


def test_every_self_service_constant_is_frozen_here():
    names = {n for n in dir(errors) if n.isupper() and n.startswith(PREFIXES)}
    assert names <= set(FROZEN)


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_self_service_constants_match_the_reference_spec_json():
    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        spec = json.load(handle)
    codes = {m["path"]: {str(e["code"]) for e in m.get("errors", [])} for m in spec["methods"] if m["api"] == "tvmw"}
    for name, (value, path) in FROZEN.items():
        assert str(value) in codes[path], f"{name}={value} is not an error code of {path}"
