"""smarty.http: the servers' WSGI handler reads the query string into the QueryDict Django
would make of it."""

from __future__ import annotations

import json
import random

import pytest
from django.core.exceptions import MiddlewareNotUsed, TooManyFieldsSent
from django.http import QueryDict
from django.test import RequestFactory

from smarty.http import Handler, Request, query_dict

ODD_QUERIES = [
    "",
    "a=1",
    "client_id=1&authkey=0123456789abcdef&device=android_stb&cid=12",
    "cid=1&cid=2&cid=3",  # repeated
    "Number[]=1&Number[]=2&x=",  # the vendor clients' arrays
    "a&b=&=c&==&a=2",  # no '=', empty value, empty name
    "&&a=1&&",  # empty pairs are skipped
    "a=1;b=2",  # ';' is not a separator
    "q=hello+world&r=%2B%26%3D&s=%zz&t=%E2%82%AC",  # '+', escapes, a broken escape, UTF-8
    "name=%ff%fe",  # escapes that are no UTF-8
    "a+b=c+d",
    "x=\u00e9\u4e2d",  # already text
    "a=1&A=2",  # names are case-sensitive
    "a==b=c",
]


def _same(raw, encoding=None) -> None:
    expected = QueryDict(raw, encoding=encoding)
    got = query_dict(raw, encoding)
    assert list(got.lists()) == list(expected.lists()), raw
    assert got.encoding == expected.encoding
    assert got._mutable is False


@pytest.mark.parametrize("raw", ODD_QUERIES)
def test_the_query_dict_is_the_one_django_makes(raw):
    _same(raw)
    _same(raw.encode("utf-8"))


def test_bytes_that_are_no_utf8_are_read_as_django_reads_them():
    _same(b"name=caf\xe9&x=1")  # latin-1 from a misbehaving client
    _same(b"name=caf%E9", encoding="iso-8859-1")


def test_random_query_strings_read_as_django_reads_them():
    rng = random.Random(20261207)
    alphabet = "ab1_-.[]&&==+%%2B3D41;é~ "
    for _ in range(3000):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        _same(raw)
        _same(raw.encode("utf-8"))


def test_too_many_fields_are_refused_as_django_refuses_them(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    for raw in ("a=1&b=2&c=3&d=4", "a=%201&b&c&d"):
        with pytest.raises(TooManyFieldsSent):
            QueryDict(raw)
        with pytest.raises(TooManyFieldsSent):
            query_dict(raw)
    _same("a=1&b=2&c=3")
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = None
    _same("&".join(f"k{i}=v" for i in range(5000)))


def test_the_query_dict_is_immutable_and_copies_mutable():
    found = query_dict("a=1&a=2")
    with pytest.raises(AttributeError):
        found["a"] = "3"
    copy = found.copy()
    copy.appendlist("a", "3")
    assert copy.getlist("a") == ["1", "2", "3"] and found.getlist("a") == ["1", "2"]
    assert found.get("a") == "2" and found.urlencode() == "a=1&a=2"


def test_a_request_of_the_handler_reads_its_query_and_follows_a_new_encoding():
    environ = RequestFactory()._base_environ(QUERY_STRING="name=caf%E9&n=1&n=2")
    request = Request(environ)
    assert request.GET.getlist("n") == ["1", "2"] and request.GET["name"] == "caf\ufffd"
    request.encoding = "iso-8859-1"  # Django forgets the parsed query: read again
    assert request.GET["name"] == "caf\u00e9"
    no_query = RequestFactory()._base_environ()
    no_query.pop("QUERY_STRING", None)
    assert list(Request(no_query).GET.lists()) == []


def test_the_servers_application_is_the_projects_handler():
    from smarty import wsgi

    assert isinstance(wsgi.application, Handler) and wsgi.application.request_class is Request


@pytest.mark.django_db
def test_a_device_call_through_the_application_reads_repeated_and_escaped_parameters(operator):
    """health/check through the WSGI entry point the servers run: the device's format from
    the query, an escaped flag value, a repeated parameter (the last one counts, as with
    Django's QueryDict)."""
    environ = environ_of("/tvmiddleware/api/health/check/", "device=android&check_db_conn=%30&x=1&x=2")
    status, _headers, body = serve(environ)
    assert status == "200 OK"
    found = json.loads(body)
    assert found["error"] == 0 and "connection_errors" not in found  # check_db_conn=0


def serve(environ: dict, handler: Handler | None = None) -> tuple[str, dict[str, str], bytes]:
    """One request through the servers' handler: its status line, headers and body."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    answer: list = []
    # The test's transaction keeps its connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        body = b"".join((handler or Handler())(environ, lambda status, headers: answer.append((status, headers))))
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    status, headers = answer[0]
    return status, {name.lower(): value for name, value in headers}, body


def environ_of(path: str, query: str = "", **headers) -> dict:
    return RequestFactory()._base_environ(PATH_INFO=path, QUERY_STRING=query, **headers)


PORTAL = "https://portal.example"


@pytest.mark.django_db
def test_a_device_call_takes_the_device_chain_and_an_admin_page_the_whole_one(settings, operator):
    """The device API's answer has what its chain gives (CORS for a web portal, the security
    headers) and nothing of the admin's (language, framing, CSRF cookie); the admin's page has
    those. The browser's language does not change a device answer."""
    settings.CORS_ALLOWED_ORIGINS = [PORTAL]
    status, headers, _body = serve(
        environ_of("/tvmiddleware/api/health/check/", "device=android", HTTP_ORIGIN=PORTAL, HTTP_ACCEPT_LANGUAGE="ru")
    )
    assert status == "200 OK"
    assert headers["access-control-allow-origin"] == PORTAL
    assert headers["x-content-type-options"] == "nosniff"
    assert "x-frame-options" not in headers and "content-language" not in headers and "set-cookie" not in headers

    status, headers, _body = serve(environ_of("/admin/login/", HTTP_ACCEPT_LANGUAGE="ru"))
    assert status == "200 OK"
    assert headers["x-frame-options"] == "DENY" and headers["content-language"] == "ru"
    assert "csrftoken=" in headers["set-cookie"]


@pytest.mark.django_db
def test_a_device_call_with_a_host_that_is_not_allowed_is_refused(settings, operator):
    settings.ALLOWED_HOSTS = ["tv.example"]
    status, _headers, _body = serve(environ_of("/tvmiddleware/api/health/check/", "device=android"))
    assert status.startswith("400")
    status, _headers, _body = serve(
        environ_of("/tvmiddleware/api/health/check/", "device=android", HTTP_HOST="tv.example")
    )
    assert status == "200 OK"


seen: list[str] = []


class Recorder:
    """A device API middleware of a test: records the requests and views it sees."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        seen.append(request.path_info)
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        seen.append("view")


class NotUsed:
    def __init__(self, get_response) -> None:
        raise MiddlewareNotUsed


@pytest.mark.django_db
def test_the_device_chain_is_the_setting_and_applies_below_the_device_paths_only(settings, operator):
    settings.SMARTY_DEVICE_API_MIDDLEWARE = [f"{__name__}.NotUsed", f"{__name__}.Recorder"]
    seen.clear()
    handler = Handler()
    serve(environ_of("/tvmiddleware/api/health/check/", "device=android"), handler)
    serve(environ_of("/admin/login/"), handler)
    assert seen == ["/tvmiddleware/api/health/check/", "view"]

    settings.SMARTY_DEVICE_API_PATHS = []
    seen.clear()
    serve(environ_of("/tvmiddleware/api/health/check/", "device=android"), Handler())
    assert seen == []


@pytest.mark.django_db
def test_the_test_client_routes_as_the_servers_do(client, operator):
    """tests/conftest.py gives the test client the servers' routing: the suite's device tests
    run through the device chain."""
    assert "X-Frame-Options" not in client.get("/tvmiddleware/api/health/check/", {"device": "android"})
    assert "X-Frame-Options" in client.get("/admin/login/")
