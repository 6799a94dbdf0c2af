"""The TVMW error-code constants, frozen. The expected values are literals copied from the
reference (tvmw/*.md, spec.json); when SMARTY_REFERENCE_SPEC names a spec.json, every
(method, code) pair is also checked against it. A new constant needs a row here."""

from __future__ import annotations

import json
import os

import pytest

from tvmiddleware import errors

# constant -> (value, a method whose documented errors include it)
FROZEN = {
    "OK": (0, "/logout/"),
    "BAD_PARAMS": (1, "/account/targetbanner/list"),
    "AUTH_REQUIRED": (403, "/logout/"),
    "BAD_CLIENT": (403, "/country/list/"),
    "NOT_FOUND": (404, "/v2/account/channels/sort/"),
    "UNKNOWN": (500, "/v2/account/channels/sort/"),
    "NOTIFICATION_DELETE_BAD_PID": (1, "/notification/delete/"),
    "NOTIFICATION_LIST_BAD_ICON": (1, "/notification/list/"),
    "LOGIN_ACCOUNT_NOT_FOUND": (1, "/login/"),
    "LOGIN_ACCOUNT_INACTIVE": (2, "/login/"),
    "LOGIN_SESSION_CREATE_FAILED": (3, "/login/"),
    "LOGIN_BAD_CLIENT": (4, "/login/"),
    "LOGIN_BASIC_SESSIONS_LIMIT": (5, "/login/"),
    "LOGIN_DEVICE_BOUND_ELSEWHERE": (6, "/login/"),
    "LOGIN_EXTERNAL_API_ERROR": (7, "/login/"),
    "LOGIN_NO_TARIFF": (8, "/login/"),
    "LOGIN_FORBIDDEN_SUBNET": (9, "/login/"),
    "LOGIN_BASIC_DEVICES_FORBIDDEN": (10, "/login/"),
    "LOGIN_ADDITIONAL_DEVICES_FORBIDDEN": (11, "/login/"),
    "LOGIN_AMBIGUOUS_IP": (12, "/login/"),
    "LOGIN_DEVICE_GROUP_FORBIDDEN": (15, "/login/"),
    "LOGIN_DEVICE_GROUP_SESSIONS_LIMIT": (16, "/login/"),
    "LOGIN_PHONE_CODE_SENT": (17, "/login/"),
    "LOGIN_PHONE_WRONG_CODE": (18, "/login/"),
    "LOGIN_PHONE_CALL_REQUESTED": (19, "/login/"),
    "LOGIN_PHONE_AWAITING_CALL": (20, "/login/"),
    "LOGIN_PHONE_AWAITING_SMS_CODE": (21, "/login/"),
    "LOGIN_PHONE_FLASH_CALL_SENT": (22, "/login/"),
    "LOGIN_PHONE_FLASH_CALL_WRONG_CODE": (23, "/login/"),
    "LOGIN_PHONE_AWAITING_FLASH_CALL": (24, "/login/"),
    "LOGIN_PHONE_TOO_FREQUENT": (25, "/login/"),
    "LOGIN_PHONE_INVALID": (26, "/login/"),
    "LOGIN_BAD_UNBINDING_DEVICE": (27, "/login/"),
    "LOGIN_TOO_MANY_ATTEMPTS": (28, "/login/"),
    "CUSTOMER_LIST_ONE": (0, "/login/customer_list/"),
    "CUSTOMER_LIST_NONE": (1, "/login/customer_list/"),
    "CUSTOMER_LIST_SEVERAL": (2, "/login/customer_list/"),
    "CUSTOMER_LIST_CODE_SENT": (3, "/login/customer_list/"),
    "CUSTOMER_LIST_WRONG_CODE": (4, "/login/customer_list/"),
    "CUSTOMER_LIST_AWAITING_CODE": (5, "/login/customer_list/"),
    "CUSTOMER_LIST_TOO_FREQUENT": (6, "/login/customer_list/"),
    "CUSTOMER_LIST_SEND_FAILED": (7, "/login/customer_list/"),
    "CUSTOMER_LIST_BAD_PARAMS": (8, "/login/customer_list/"),
    "PASSWORD_CHANGE_BAD_PARAMS": (1, "/account/password/change/"),
    "PASSWORD_CHANGE_FAILED": (2, "/account/password/change/"),
    "PARENT_CODE_BAD_PARAMS": (1, "/account/parent_code/set/"),
    "SETTINGS_TEMPLATE_NOT_FOUND": (1, "/account/settings/modify/"),
    "MESSAGE_BAD_UUID": (1, "/message/detail/"),
    "SETTINGS_SAVE_FAILED": (1, "/settings/save/"),
    "PROFILE_BAD_ID": (1, "/account/profile/settings/modify/"),
    "PROFILE_BAD_NAME": (2, "/account/profile/settings/modify/"),
    "PORTAL_NO_DEVICE": (1, "/portal/settings/list/"),
    "PORTAL_DEVICE_NOT_ALLOWED": (2, "/portal/settings/list/"),
}

# account/status `status` values: documented in the response field, not as error codes.
STATUS_VALUES = {"STATUS_ACTIVE": 0, "STATUS_NO_SESSION": 1, "STATUS_DEACTIVATED": 2}

OWNED_PREFIXES = (
    "LOGIN_",
    "CUSTOMER_LIST_",
    "PASSWORD_",
    "PARENT_CODE_",
    "SETTINGS_",
    "MESSAGE_",
    "PROFILE_",
    "PORTAL_",
    "STATUS_",
)


@pytest.mark.parametrize(("name", "expected"), [(n, v) for n, (v, _p) in FROZEN.items()] + list(STATUS_VALUES.items()))
def test_error_code_constant_has_the_reference_value(name, expected):
    assert getattr(errors, name) == expected


def test_every_auth_and_account_constant_is_frozen_here():
    names = {n for n in dir(errors) if n.isupper() and n.startswith(OWNED_PREFIXES)}
    assert names <= set(FROZEN) | set(STATUS_VALUES)


def test_every_login_error_code_of_the_reference_has_a_constant():
    documented = {0, *range(1, 14), *range(15, 29)}
    named = {v for n, (v, path) in FROZEN.items() if path == "/login/"} | {0}
    # 13 (account created in an external billing) needs an external billing: not named yet.
    assert documented - named == {13}


@pytest.mark.skipif(not os.environ.get("SMARTY_REFERENCE_SPEC"), reason="SMARTY_REFERENCE_SPEC not set")
def test_constants_match_the_reference_spec_json():
    with open(os.environ["SMARTY_REFERENCE_SPEC"], encoding="utf-8") as handle:
        spec = json.load(handle)
    codes = {m["path"]: {str(e["code"]) for e in m.get("errors", [])} for m in spec["methods"] if m["api"] == "tvmw"}
    for name, (value, path) in FROZEN.items():
        assert str(value) in codes[path], f"{name}={value} is not an error code of {path}"
    status = next(m for m in spec["methods"] if m["api"] == "tvmw" and m["path"] == "/account/status/")
    text = next(r["description"] for r in status["response"] if r["field"] == "status")
    for value in STATUS_VALUES.values():
        assert f"{value} - " in text
