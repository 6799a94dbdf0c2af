"""The shared protocol machinery: signature, parameters, envelopes, JSON/XML rendering."""

import datetime as dt
import json

import pytest
from django.http import QueryDict
from lxml import etree

from smarty.api import Api, ApiError, Date, DateTime, Flag, Json, Number, NumberList, String, json_loads, parse_params
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


# --- what the API fuzz tests found (tests/tvmiddleware/test_fuzz.py, tests/streaming/test_fuzz.py)


def test_numbers_take_ascii_digits_within_a_signed_64_bit_range_or_the_declared_one():
    params = [Number("n"), Number("hours", lo=-24, hi=24), NumberList("ids")]
    assert parse_params(
        QueryDict("n=-9223372036854775808&hours=-24&ids=9223372036854775807"), params, error_code=1
    ) == {
        "n": -(2**63),
        "hours": -24,
        "ids": [2**63 - 1],
    }
    for bad in ("9223372036854775808", "9" * 400, "٣", "²", "%2B5", "--5", "1e3", "0x10"):
        with pytest.raises(ApiError) as caught:
            parse_params(QueryDict(f"n={bad}&ids={bad}"), params, error_code=1)
        assert set(caught.value.fields) == {"n", "ids"}, bad
    with pytest.raises(ApiError) as caught:
        parse_params(QueryDict("hours=25"), params, error_code=1)
    assert caught.value.fields == {"hours": "expected a whole number from -24 to 24"}


def test_a_nul_character_in_any_parameter_is_a_parameter_error():
    with pytest.raises(ApiError) as caught:
        parse_params(QueryDict("name=a%00b&n=1%00"), [String("name"), Number("n")], error_code=3)
    assert caught.value.code == 3
    assert caught.value.fields == {"name": "contains a NUL character", "n": "contains a NUL character"}


@pytest.mark.parametrize(
    "value",
    [
        "1000000000000000000",  # OSError from fromtimestamp() on Linux
        "-100000000000000000",
        "9" * 30,  # OverflowError
        "253402300800",  # year 10000
        "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "2024-02-30T00:00:00",
    ],
)
def test_a_date_time_outside_what_utc_can_hold_is_a_parameter_error(value):
    with pytest.raises(ApiError) as caught:
        parse_params(QueryDict(mutable=True) | {"at": value}, [DateTime("at")], error_code=20)
    assert set(caught.value.fields) == {"at"}


def test_date_times_are_parsed_to_utc():
    values = parse_params(
        QueryDict("a=2030-01-02T03:04:05%2B03:00&b=2030-01-02T03:04:05&c=0"),
        [DateTime("a"), DateTime("b"), DateTime("c")],
        error_code=1,
    )
    assert values["a"] == dt.datetime(2030, 1, 2, 0, 4, 5, tzinfo=dt.UTC) and values["a"].tzinfo is dt.UTC
    assert values["b"] == dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert values["c"] == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def test_json_nested_too_deeply_is_a_value_error_like_any_malformed_json():
    with pytest.raises(ValueError, match="nested too deeply"):
        json_loads("[" * 100_000)
    with pytest.raises(ApiError) as caught:
        parse_params(QueryDict(mutable=True) | {"j": "[" * 100_000}, [Json("j")], error_code=1)
    assert set(caught.value.fields) == {"j"}


def test_xml_rendering_drops_characters_xml_cannot_carry_and_makes_keys_element_names():
    raw = to_xml({"error": 0, "model": "a\x01b\x0bc\ufffe\ud800d\te", "my key": 1, "a/b": 2, "7": 3})
    root = etree.fromstring(raw)
    assert root.findtext("model") == "abcd\te"
    assert [child.tag for child in root][2:] == ["my_key", "a_b", "_7"]


def _tiny_api(**options) -> Api:
    api = Api(
        "tiny", unknown_error_code=-1, param_error_code=7, choose_format=lambda call: call.data.get("fmt", "json")
    )

    @api.method("/echo/", "Echo", params=[String("body_field")], **options)
    def echo(call) -> dict:
        if call.request.content_type == "application/json":
            return {"length": len(call.request.body)}
        return {"body_field": call.params["body_field"]}

    @api.method("/boom/", "Boom", **options)
    def boom(call) -> dict:
        raise RuntimeError("unexpected")

    return api


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (lambda rf: rf.get("/echo/?fmt=xml&" + "&".join(["x=1"] * 1000)), "TooManyFieldsSent"),
        (
            lambda rf: rf.post(
                "/echo/?fmt=xml", "a=" + "x" * 3_000_000, content_type="application/x-www-form-urlencoded"
            ),
            "RequestDataTooBig",
        ),
        (lambda rf: rf.post("/echo/?fmt=xml", b"x" * 3_000_000, content_type="application/json"), "RequestDataTooBig"),
        (
            lambda rf: rf.post("/echo/?fmt=xml", b"--b\r\nbroken", content_type="multipart/form-data"),
            "MultiPartParserError",
        ),
    ],
    ids=["too-many-fields", "form-too-big", "json-too-big", "broken-multipart"],
)
def test_a_request_django_cannot_read_gets_the_parameter_error_envelope_not_a_400_page(rf, settings, build, reason):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    api = _tiny_api()
    response = api.dispatch(build(rf), api.methods["echo"])
    assert response.status_code == 200
    if reason == "TooManyFieldsSent":  # not even the query could be read: the default format
        body = json.loads(response.content)
    else:
        root = etree.fromstring(response.content)
        body = {"error": int(root.findtext("error")), "error_message": root.findtext("error_message")}
    assert body["error"] == 7 and reason in body["error_message"]


def test_a_method_with_a_fixed_format_and_error_status_answers_every_error_so(rf):
    api = _tiny_api(response_format="json", error_status=lambda: 403)
    for name, request in (
        ("echo", rf.get("/echo/?fmt=xml&body_field=a%00")),
        ("echo", rf.put("/echo/?fmt=xml")),
        ("boom", rf.get("/boom/?fmt=xml")),
    ):
        response = api.dispatch(request, api.methods[name])
        assert response.status_code == 403, name
        assert response["Content-Type"].startswith("application/json")
        assert json.loads(response.content)["error"] in (7, -1)
    assert api.dispatch(rf.get("/echo/?fmt=xml&body_field=a"), api.methods["echo"]).status_code == 200


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


def test_every_api_method_resolves_through_the_table_as_through_the_list():
    """The method table (smarty.api.registry.MethodTable) answers what the resolver's walk over
    the patterns would: the same view, name and route for every path of every API, with and
    without the trailing slash; paths it does not know fall through to the list."""
    from django.urls import Resolver404, get_resolver, resolve

    from smarty.api.registry import MethodTable

    tables = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, MethodTable):
                tables.append((prefix, pattern))
            elif hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "/")
    assert {prefix for prefix, _ in tables} >= {"/tvmiddleware/api/", "/billing/api/", "/content/api/"}
    checked = 0
    for prefix, table in tables:
        patterns = list(table.table.values())
        assert len(patterns) >= 2
        for pattern in patterns:
            route = str(pattern.pattern)
            match = resolve(prefix + route)
            assert match.func is pattern.callback and match.url_name == pattern.name, route
            assert match.route == prefix.lstrip("/") + route
            checked += 1
        assert table.resolve("no/such/method/") is None
    assert checked > 500
    with pytest.raises(Resolver404):
        resolve("/tvmiddleware/api/no/such/method/")
