"""The TVMW answers against the reference (SMARTY_REFERENCE_SPEC names spec.json): a success
answer carries `error_message` exactly where the reference lists it, and the fields a method
answers with have the reference's JSON types (Number, String, lists, objects)."""

from __future__ import annotations

import json
import os

import pytest

from smarty.api import wire_number
from tests.wire_types import type_mismatches
from tvmiddleware import views as _views  # noqa: F401 - registers the methods
from tvmiddleware.api import tvmw

from .live_fixtures import *  # noqa: F403 - the live-TV fixtures


def spec_methods() -> list[dict]:
    path = os.environ.get("SMARTY_REFERENCE_SPEC")
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        return [m for m in json.load(handle)["methods"] if m["api"] == "tvmw"]


SPEC_METHODS = spec_methods()
needs_spec = pytest.mark.skipif(not SPEC_METHODS, reason="SMARTY_REFERENCE_SPEC not set")
COMMON = {"authkey", "client_id", "api_key", "device", "device_uid", "lang", "compact", "limit", "page"}


def lists_error_message(method: dict) -> bool:
    return any(field["field"] == "error_message" for field in method["response"])


def registered(method: dict):
    return tvmw.methods.get(method["path"].strip("/"))


@needs_spec
def test_every_method_declares_error_message_as_the_reference_lists_it():
    checked = 0
    for method in SPEC_METHODS:
        declared = registered(method)
        if declared is None:
            continue
        checked += 1
        assert declared.error_message is lists_error_message(method), method["path"]
    assert checked >= 170


def exercisable() -> list[dict]:
    """The methods a logged-in device can call with its common parameters only."""
    out = []
    for method in SPEC_METHODS:
        declared = registered(method)
        if declared is None or "client" in declared.auth or "logout" in method["path"]:
            continue
        if any(p.required and p.name not in COMMON for p in declared.params):
            continue
        out.append(method)
    return out


@needs_spec
@pytest.mark.django_db
def test_success_answers_carry_error_message_and_the_reference_types(client, session, operator, guide):
    answered, wrong = [], []
    for method in exercisable():
        response = client.get(
            "/tvmiddleware/api/" + method["path"].strip("/") + "/",
            {"authkey": session.authkey, "client_id": session.client_id},
        )
        if response.status_code != 200 or not response["Content-Type"].startswith("application/json"):
            continue
        body = json.loads(response.content)
        if body.get("error") != 0:
            continue
        answered.append(method["path"])
        if ("error_message" in body) is not lists_error_message(method):
            wrong.append(f"{method['path']}: error_message")
        wrong.extend(f"{method['path']} {problem}" for problem in type_mismatches(body, method))
    assert wrong == []
    assert len(answered) >= 40, answered


@needs_spec
@pytest.mark.django_db
def test_login_answers_with_the_reference_types(tvmw_login, operator, other_operator):
    reference = {m["path"]: m for m in SPEC_METHODS}["/login/"]
    body = tvmw_login()
    assert body["abonement"] == int(operator.account.abonement)
    assert type_mismatches(body, reference) == []
    assert body["account_id"] != other_operator.account.pk


@pytest.mark.django_db
def test_an_abonement_with_letters_is_sent_as_stored(tvmw_login, operator):
    operator.account.abonement = "A-100001"
    operator.account.save()
    assert tvmw_login()["abonement"] == "A-100001"


@pytest.mark.parametrize(
    ("stored", "sent"),
    [("42", 42), ("0", 0), ("00042", "00042"), ("A-7", "A-7"), ("", ""), ("²", "²"), ("9007199254740991", 2**53 - 1)],
)
def test_wire_number_gives_numbers_only_for_plain_digits_a_reader_holds_exactly(stored, sent):
    assert wire_number(stored) == sent
    assert wire_number("9007199254740992") == "9007199254740992"
