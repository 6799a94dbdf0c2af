"""Settings readers, statsd statistics, CORS, Sentry, the admin request log, tenancy helpers."""

import json
import logging
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

import smarty.middleware
from settings.base import finalize
from settings.env import env_secret, parse_database_url
from smarty.tenancy import ClientQuerySet
from tariffs.models import Tariff

from .. import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_database_urls_select_each_engine():
    mysql = parse_database_url("mysql://root:p%40ss@127.0.0.1:3306/smarty")
    assert mysql["ENGINE"] == "django.db.backends.mysql"
    assert (mysql["USER"], mysql["PASSWORD"], mysql["HOST"], mysql["PORT"], mysql["NAME"]) == (
        "root",
        "p@ss",
        "127.0.0.1",
        "3306",
        "smarty",
    )
    assert mysql["OPTIONS"]["charset"] == "utf8mb4"
    pg = parse_database_url("postgres://u@db:5432/tv?sslmode=disable")
    assert pg["ENGINE"] == "django.db.backends.postgresql" and pg["OPTIONS"] == {"sslmode": "disable"}
    assert parse_database_url("sqlite:////var/x.sqlite3")["NAME"] == "/var/x.sqlite3"
    with pytest.raises(ValueError, match="unsupported"):
        parse_database_url("oracle://x/y")


def test_secrets_come_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_SECRET", "from-env")
    assert env_secret("DEMO_SECRET") == "from-env"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("DEMO_SECRET_FILE", str(secret_file))
    assert env_secret("DEMO_SECRET") == "from-file"


def _namespace(tmp_path, **extra):
    ns = {
        "SECRET_KEY": "x",
        "VAR_DIR": tmp_path,
        "SMARTY_ADDITIONAL_LANGUAGES": [],
        "SMARTY_MAX_ADDITIONAL_LANGUAGES": 5,
        "CORS_ORIGIN_WHITELIST": [],
        "SENTRY_DSN": "",
        "RAVEN_CONFIG": {},
    }
    ns.update(extra)
    return ns


def test_more_than_five_additional_languages_are_refused(tmp_path):
    with pytest.raises(ValueError, match="at most 5"):
        finalize(_namespace(tmp_path, SMARTY_ADDITIONAL_LANGUAGES=["a", "b", "c", "d", "e", "f"]))


def test_the_seeds_raven_config_dsn_starts_sentry(tmp_path, monkeypatch):
    seen = {}
    import sentry_sdk

    monkeypatch.setattr(sentry_sdk, "init", lambda **kw: seen.update(kw))
    finalize(_namespace(tmp_path, RAVEN_CONFIG={"dsn": "https://key@sentry.example.com/1"}))
    assert seen["dsn"] == "https://key@sentry.example.com/1"


def test_error_reports_to_sentry_carry_no_device_credentials(operator, tmp_path, monkeypatch):
    import sentry_sdk
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import RequestFactory
    from sentry_sdk.transport import Transport

    import tvmiddleware.views.auth

    sent: list = []

    class Capture(Transport):
        def capture_envelope(self, envelope) -> None:
            sent.append(envelope)

    real_init = sentry_sdk.init
    monkeypatch.setattr(sentry_sdk, "init", lambda **kw: real_init(transport=Capture(), **kw))
    finalize(_namespace(tmp_path, SENTRY_DSN="https://key@sentry.example.com/1"))
    secret_authkey = "f00dfeed" * 4

    def broken(request):
        authkey = secret_authkey  # noqa: F841 - a local variable of the failing frame
        raise RuntimeError(f"failed for {request.password}")

    monkeypatch.setattr(tvmiddleware.views.auth, "login", broken)
    query = f"abonement=100001&password=pw-7531&client_id={operator.client.pk}&api_key=api-key-1&device=mag"
    environ = RequestFactory()._base_environ(PATH_INFO="/tvmiddleware/api/login/", QUERY_STRING=query)
    answer: list = []
    # Through the WSGI entry point as in production (where the report gets the request's URL and
    # query string); the test's transaction keeps its connection.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        body = b"".join(WSGIHandler()(environ, lambda status, headers: answer.append(status)))
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
    assert answer == ["200 OK"] and json.loads(body)["error"] == 500
    payload = b"".join(item.payload.get_bytes() for envelope in sent for item in envelope.items)
    # The report is there, with its request (the abonement is not a secret).
    assert b"RuntimeError" in payload and b"abonement=100001" in payload
    for secret in (b"pw-7531", b"api-key-1", secret_authkey.encode()):
        assert secret not in payload


def test_a_missing_secret_key_is_generated_once_and_kept(tmp_path):
    first = _namespace(tmp_path, SECRET_KEY="")
    finalize(first)
    second = _namespace(tmp_path, SECRET_KEY="")
    finalize(second)
    assert first["SECRET_KEY"] == second["SECRET_KEY"] and len(first["SECRET_KEY"]) > 40


def test_https_gives_the_admin_cookies_the_secure_flag_and_trusts_the_proxys_scheme(tmp_path):
    plain = _namespace(tmp_path, SMARTY_HTTPS=False)
    finalize(plain)
    assert not plain.get("SESSION_COOKIE_SECURE") and not plain.get("SECURE_PROXY_SSL_HEADER")
    https = _namespace(tmp_path, SMARTY_HTTPS=True)
    finalize(https)
    assert https["SESSION_COOKIE_SECURE"] is True and https["CSRF_COOKIE_SECURE"] is True
    assert https["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_the_admin_cannot_be_framed_and_its_cookies_are_out_of_scripts_reach(client, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    page = client.get("/admin/login/")
    assert page["X-Frame-Options"] == "DENY" and page["X-Content-Type-Options"] == "nosniff"
    assert page.cookies["csrftoken"]["httponly"] and page.cookies["csrftoken"]["samesite"] == "Lax"
    token = page.cookies["csrftoken"].value
    done = client.post("/admin/login/", {"username": "root", "password": "pw-root-1", "csrfmiddlewaretoken": token})
    assert done.status_code == 302
    session = done.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"


def test_admin_forms_refuse_a_post_without_the_csrf_token(django_user_model):
    from django.test import Client

    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post("/admin/login/", {"username": "root", "password": "pw-root-1"})
    assert refused.status_code == 403
    browser.force_login(django_user_model.objects.get(username="root"))
    assert browser.post("/admin/select-operator/", {"client_id": ""}).status_code == 403


@pytest.mark.parametrize(
    "target",
    ["https://evil.example.com/", "//evil.example.com/admin/", "/\\evil.example.com", "javascript:alert(1)"],
)
def test_admin_login_never_redirects_off_site(client, django_user_model, target):
    django_user_model.objects.create_superuser("root", "root@example.com", "pw-root-1")
    done = client.post(f"/admin/login/?next={target}", {"username": "root", "password": "pw-root-1", "next": target})
    assert done.status_code == 302 and done["Location"] == "/admin/"


def test_switching_operator_never_redirects_off_site(admin_client):
    done = admin_client.post("/admin/select-operator/", {"client_id": "", "next": "https://evil.example.com/admin/"})
    assert done.status_code == 302 and done["Location"] == "/admin/"


def test_statsd_receives_count_time_and_queries_of_a_request(client, db, monkeypatch):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    monkeypatch.setattr(smarty.middleware, "_statsd_client", None)
    with override_settings(STATSD_HOST="127.0.0.1", STATSD_PORT=port, STATSD_PREFIX="tv"):
        client.get("/tvmiddleware/api/health/check/")
    packets = {receiver.recv(512).decode() for _ in range(3)}
    receiver.close()
    monkeypatch.setattr(smarty.middleware, "_statsd_client", None)
    assert any(p.startswith("tv.requests.tvmw-HealthCheck:1|c") for p in packets), packets
    assert any(p.startswith("tv.response_time.tvmw-HealthCheck:") and p.endswith("|ms") for p in packets)
    assert any(p.startswith("tv.queries.tvmw-HealthCheck:") and p.endswith("|g") for p in packets)


def test_the_statsd_query_gauge_counts_queries_without_debug(client, db, monkeypatch, settings):
    settings.DEBUG = False  # production: connection.queries_log stays empty
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    monkeypatch.setattr(smarty.middleware, "_statsd_client", None)
    with override_settings(STATSD_HOST="127.0.0.1", STATSD_PORT=port, STATSD_PREFIX="tv"):
        client.get("/billing/api/customer/info/", {"client_id": "1", "customer_id": "1", "signature": "x"})
    packets = {receiver.recv(512).decode() for _ in range(3)}
    receiver.close()
    monkeypatch.setattr(smarty.middleware, "_statsd_client", None)
    gauge = next(p for p in packets if p.startswith("tv.queries."))
    assert int(gauge.split(":")[1].split("|")[0]) >= 1, packets


def test_cors_allows_whitelisted_portals_only(client, db):
    with override_settings(CORS_ALLOWED_ORIGINS=["https://portal.example.com"]):
        allowed = client.get("/tvmiddleware/api/health/check/", HTTP_ORIGIN="https://portal.example.com")
        other = client.get("/tvmiddleware/api/health/check/", HTTP_ORIGIN="https://evil.example.com")
    assert allowed["Access-Control-Allow-Origin"] == "https://portal.example.com"
    assert "Access-Control-Allow-Origin" not in other


def test_admin_requests_are_logged_with_user_ip_path_and_agent(client, db):
    client.get("/admin/login/?next=/admin/", HTTP_USER_AGENT="pytest-agent")
    handler = logging.getLogger("smarty_admin").handlers[0]
    handler.flush()
    line = Path(handler.baseFilename).read_text().splitlines()[-1]
    assert "ADMIN_REQUEST 'user'='' 'ip'='127.0.0.1' 'path'='/admin/login/?next=/admin/'" in line
    assert "'user_agent'='pytest-agent'" in line


def test_for_client_returns_only_that_operators_rows(operator, other_operator):
    assert isinstance(Tariff.objects.all(), ClientQuerySet)
    mine = Tariff.objects.for_client(operator.client)
    assert list(mine) == [operator.tariff]
    assert list(Tariff.objects.for_client(other_operator.client.pk)) == [other_operator.tariff]
    f.TariffFactory(client=other_operator.client)
    assert Tariff.objects.for_client(operator.client).count() == 1


def test_smarty_manage_help_lists_the_foundation_commands():
    out = subprocess.run(
        [str(ROOT / "smarty_manage"), "help"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "settings.test"},
        cwd="/",
    ).stdout
    for command in ("setup_initial_data", "create_client", "create_user", "clone_client", "flushall"):
        assert command in out


def test_settings_modules_are_selectable_with_the_settings_flag():
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "diffsettings", "--settings=settings.test"],
        capture_output=True,
        text=True,
        check=True,
        cwd=str(ROOT),
    ).stdout
    assert "SECRET_KEY = 'test-secret-key-not-for-production'" in out
    assert settings.SETTINGS_MODULE == "settings.test"
