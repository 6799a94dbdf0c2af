"""Log lines follow the seed's section 4 format, one file per logger."""

import logging
import re

import pytest
from django.conf import settings

from smarty.logging import SmartyFormatter, log_event

LINE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}[+-]\d{4} \d{4} "
    r"(DEBUG|INFO|WARNING|ERROR) (\w+):(\d+) (\w+)\[(\d+)\.([\w-]+)\] (\w+)(.*)$"
)


def test_a_logged_event_is_one_line_in_the_seed_format_in_its_own_file():
    log_event("smarty_accounts", "LOGIN_SUCCESS", login_type="basic", params={"abonement": "1"})
    for handler in logging.getLogger("smarty_accounts").handlers:
        handler.flush()
    text = (settings.LOG_DIR / "smarty_accounts.log").read_text().strip().splitlines()[-1]
    match = LINE.match(text)
    assert match, text
    assert match.group(3) == "test_logging"
    assert match.group(5) == "test_a_logged_event_is_one_line_in_the_seed_format_in_its_own_file"
    assert match.group(8) == "LOGIN_SUCCESS"
    assert "'login_type'='basic'" in match.group(9)
    assert "'params'={'abonement': '1'}" in match.group(9)


def test_every_seed_logger_has_its_own_file():
    for name in settings.SMARTY_LOGGERS:
        handlers = logging.getLogger(name).handlers
        assert [h.baseFilename for h in handlers] == [str(settings.LOG_DIR / f"{name}.log")]


def test_the_formatter_uses_the_configured_time_zone_offset():
    record = logging.LogRecord("x", logging.INFO, "/a/api.py", 621, "EVENT", None, None, func="get")
    record.created = 1490340155  # 2017-03-24 07:22:35 UTC
    record.event, record.context = "SOME_EVENT", {"ip": "127.0.0.1", "args": ["foo", "bar"]}
    line = SmartyFormatter("Europe/Moscow").format(record)
    assert line.startswith("Fri Mar 24 10:22:35+0300 2017 INFO api:621 get[")
    assert line.endswith("SOME_EVENT 'ip'='127.0.0.1' 'args'=['foo', 'bar']")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "/tvmiddleware/api/login/?abonement=100001&password=1234&api_key=k-1&region_code=5",
            "/tvmiddleware/api/login/?abonement=100001&password=***&api_key=***&region_code=5",
        ),
        ("<WSGIRequest: GET '/x/?authkey=abc&code=77'>", "<WSGIRequest: GET '/x/?authkey=***&code=***'>"),
        (
            "<QueryDict: {'password': ['12'], 'device': ['mag']}>",
            "<QueryDict: {'password': ['***'], 'device': ['mag']}>",
        ),
        ("LoginRequest(abonement='1', password='p w', lang='')", "LoginRequest(abonement='1', password=***, lang='')"),
        ("token%3Dabcdef%26name%3Dx", "token%3D***%26name%3Dx"),
    ],
)
def test_error_report_texts_lose_the_values_of_secret_parameters(text, expected):
    from smarty.redaction import scrub_text

    assert scrub_text(text) == expected


def test_a_secret_value_from_the_request_is_removed_wherever_the_report_repeats_it():
    from smarty.redaction import scrub_sentry_event

    event = {
        "request": {"query_string": "authkey=0123456789abcdef&cid=5", "data": {"password": "hunter22"}},
        "exception": {"values": [{"value": "no session 0123456789abcdef for hunter22 (cid 5)"}]},
    }
    scrubbed = scrub_sentry_event(event, {})
    assert scrubbed["request"] == {"query_string": "authkey=***&cid=5", "data": {"password": "***"}}
    assert scrubbed["exception"]["values"][0]["value"] == "no session *** for *** (cid 5)"
