"""The shared protocol machinery: signature, parameters, envelopes, JSON/XML rendering."""

import json

import pytest
from django.http import QueryDict
from lxml import etree

from smarty.api import ApiError, Date, Flag, Number, NumberList, String, parse_params
from smarty.api.render import render, to_xml
from smarty.api.signature import compute_signature, signature_matches, signature_string


def test_signature_matches_the_vendors_worked_example():
    items = [("customer_id", "1"), ("allowed_device_groups", "3"), ("client_id", "1"), ("allowed_device_groups", "1")]
    assert signature_string(items, "secretkey") == (
        "allowed_device_groups:1;allowed_device_groups:3;client_id:1;customer_id:1;secretkey"
    )
    assert compute_signature(items, "secretkey") == "7e4210d744341f4e3bbdf1d779bd4142"


def test_signature_check_ignores_the_signature_param_and_rejects_a_wrong_one():
    items = [("client_id", "1"), ("customer_id", "1")]
    good = compute_signature(items, "k")
    assert signature_matches([*items, ("signature", good)], "k", good)
    assert signature_matches(items, "k", good.upper())
    assert not signature_matches(items, "k", "0" * 32)
    assert not signature_matches(items, "", good)
    assert not signature_matches(items, "other", good)


def test_parse_params_reads_repeated_and_bracketed_number_lists():
    data = QueryDict("id=1&id=2&id[]=3&ids=4,5")
    values = parse_params(data, [NumberList("id"), NumberList("ids")], error_code=1)
    assert values == {"id": [1, 2, 3], "ids": [4, 5]}


def test_parse_params_names_every_bad_parameter():
    data = QueryDict("account_id=abc&flag=2&date=2024-13-01")
    with pytest.raises(ApiError) as caught:
        parse_params(
            data, [Number("account_id"), Flag("flag"), Date("date"), String("name", required=True)], error_code=7
        )
    err = caught.value
    assert err.code == 7
    assert set(err.fields) == {"account_id", "flag", "date", "name"}
    assert "account_id" in err.message


def test_parse_params_applies_defaults_and_accepts_valid_values():
    data = QueryDict("flag=1&date=2024-02-29&n=-3")
    values = parse_params(
        data, [Flag("flag"), Flag("other"), Date("date"), Number("n"), Number("m", default=9)], error_code=1
    )
    assert values["flag"] == 1 and values["other"] == 0 and values["n"] == -3 and values["m"] == 9
    assert str(values["date"]) == "2024-02-29"


def test_error_envelope_has_code_message_and_fields():
    body = ApiError(2, "bad", {"x": "required"}).envelope()
    assert body == {"error": 2, "error_message": "bad", "error_fields": {"x": "required"}}


def test_json_rendering_is_utf8_json():
    response = render({"error": 0, "name": "Первый", "items": [1, 2]})
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"error": 0, "name": "Первый", "items": [1, 2]}


def test_xml_rendering_nests_lists_as_items_and_escapes_text():
    raw = to_xml({"error": 0, "channels": [{"id": 1, "name": "A&B <1>"}], "ok": True, "none": None})
    root = etree.fromstring(raw)
    assert root.tag == "response"
    assert root.findtext("error") == "0"
    assert root.find("channels/item/name").text == "A&B <1>"
    assert root.findtext("ok") == "1"
    assert root.find("none").text is None


@pytest.mark.parametrize(
    ("key", "tag"),
    [("a b", "a_b"), ('x"><evil/><y a="', "x___evil___y_a__"), ("1st", "_1st"), ("", "_"), ("имя", "___")],
)
def test_xml_rendering_turns_any_key_into_a_well_formed_element_name(key, tag):
    raw = to_xml({"error": 0, "fields": {key: "value"}})
    root = etree.fromstring(raw)
    [element] = root.find("fields")
    assert element.tag == tag and element.text == "value"
    assert root.find(".//evil") is None


def test_xml_rendering_drops_characters_xml_cannot_carry():
    raw = to_xml({"error": 0, "text": "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ufffeh\tI\nJ\rK ü"})
    assert etree.fromstring(raw).findtext("text") == "abcdefgh\tI\nJ\rK ü"
