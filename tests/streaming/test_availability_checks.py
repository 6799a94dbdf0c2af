"""Availability checks (seed 4.1.11): the command, the Celery task, the probes against local
servers, the up/down marking and its effect on routing."""

from __future__ import annotations

import http.server
import io
import json
import shutil
import socket

import pytest
from django.core.management import call_command

from smarty.schedules import SCHEDULES
from streaming import tasks
from streaming.models import StreamService
from streaming.probes import split_target
from tests import factories as f

from .conftest import CHANNEL_URL, named

pytestmark = pytest.mark.django_db


class Health(http.server.BaseHTTPRequestHandler):
    """/ok answers 200, /broken 500, /alive the health JSON, /dead {"alive": 0}."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        answers = {
            "/ok": (200, b"fine"),
            "/broken": (500, b"oops"),
            "/alive": (200, json.dumps({"error": 0, "alive": 1, "usage": 0.25}).encode()),
            "/sessions": (200, json.dumps({"alive": True, "sessions": 17}).encode()),
            "/dead": (200, json.dumps({"alive": 0}).encode()),
            "/huge": (200, b'{"alive": 1, "padding": "' + b"x" * 1_000_000 + b'"}'),
        }
        status, body = answers.get(self.path, (404, b"no"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def health(local_server):
    return local_server(Health)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service(world, **fields):
    created = f.StreamServiceFactory(client=world.op.client, **fields)
    world.op.tariff.stream_services.add(created)
    return created


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("check_stream_services", *args, stdout=out)
    return out.getvalue()


def test_a_reachable_service_stays_up_and_is_logged(world, health, events):
    world.service.check_url = f"127.0.0.1:{health.port}"
    world.service.save()
    assert run_command() == "checked 1 streaming services: 1 up, 0 down, 0 changed\n"
    world.service.refresh_from_db()
    assert world.service.is_available and world.service.checked_at is not None
    [event] = named(events, "STREAM_SERVICE_CHECKING_SUCCESS")
    assert event.logger == "smarty_stream_services"
    assert event.context["stream_service"] == world.service.name
    assert event.context["was_available_before"] is True
    assert event.context["check_tcp_success"] is True
    assert named(events, "MANAGEMENT_COMMAND_SUCCESS")[0].context["command"] == "check_stream_services"


def test_an_unreachable_service_goes_down_and_routing_moves_on(client, world, events):
    backup = service(world, name="Backup", priority=-1)
    first = json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)
    assert first["stream_service_id"] == world.service.pk
    world.service.check_url = f"127.0.0.1:{closed_port()}"
    world.service.save()
    run_command()
    world.service.refresh_from_db()
    assert not world.service.is_available and "tcp" in world.service.check_message
    [event] = named(events, "STREAM_SERVICE_CHECKING_ERROR")
    assert event.level == "ERROR" and event.context["was_available_before"] is True
    assert event.context["check_tcp_success"] is False and "Error" in event.context["stacktrace"]
    after = json.loads(client.get(CHANNEL_URL, world.params(cid=world.channels[0].pk)).content)
    assert after["stream_service_id"] == backup.pk


def test_a_service_that_comes_back_is_marked_up(world, health, events):
    world.service.check_url = f"127.0.0.1:{health.port}"
    world.service.is_available = False
    world.service.save()
    assert "1 changed" in run_command()
    world.service.refresh_from_db()
    assert world.service.is_available and world.service.check_message == ""
    assert named(events, "STREAM_SERVICE_CHECKING_SUCCESS")[0].context["was_available_before"] is False


def test_http_checks_need_a_status_below_400(world, health):
    ok = service(world, name="ok", check_url=f"{health.url}/ok", check_tcp=False, check_http=True)
    broken = service(world, name="broken", check_url=f"{health.url}/broken", check_tcp=False, check_http=True)
    run_command()
    ok.refresh_from_db()
    broken.refresh_from_db()
    assert ok.is_available and not broken.is_available and "HTTP 500" in broken.check_message


def test_is_alive_reads_the_health_answer_and_the_load(world, health):
    alive = service(world, name="alive", check_url=f"{health.url}/alive", check_is_alive=True, max_load=200)
    counted = service(world, name="counted", check_url=f"{health.url}/sessions", check_is_alive=True)
    dead = service(world, name="dead", check_url=f"{health.url}/dead", check_is_alive=True)
    run_command()
    for item in (alive, counted, dead):
        item.refresh_from_db()
    assert alive.is_available and alive.current_load == 50
    assert counted.is_available and counted.current_load == 17
    assert not dead.is_available and "not alive" in dead.check_message


def test_the_ping_check_reports_its_outcome(world, events):
    world.service.check_url = "127.0.0.1"
    world.service.check_ping, world.service.check_tcp = True, False
    world.service.save()
    run_command()
    context = events[0].context
    assert "check_ping_success" in context and "check_tcp_success" not in context
    if shutil.which("ping") is None:
        assert context["check_ping_success"] is False
        world.service.refresh_from_db()
        assert "not installed" in world.service.check_message


def test_an_oversized_is_alive_answer_marks_the_service_down_without_being_read_whole(world, health):
    huge = service(world, name="huge", check_url=f"{health.url}/huge", check_is_alive=True)
    run_command()
    huge.refresh_from_db()
    assert not huge.is_available and "larger than" in huge.check_message


def test_a_check_address_that_looks_like_an_option_never_reaches_ping(world, tmp_path, monkeypatch):
    calls = tmp_path / "calls"
    fake = tmp_path / "ping"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit 0\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    world.service.check_url = "http://-fs65000/"
    world.service.check_ping, world.service.check_tcp = True, False
    world.service.save()
    run_command()
    world.service.refresh_from_db()
    assert not calls.exists()
    assert not world.service.is_available and "not a host name" in world.service.check_message


def test_services_without_a_check_address_or_disabled_are_not_probed(world, events):
    f.StreamServiceFactory(client=world.op.client, name="off", enabled=False, check_url="127.0.0.1:1")
    assert run_command() == "checked 0 streaming services: 0 up, 0 down, 0 changed\n"
    assert not named(events, "STREAM_SERVICE_CHECKING_SUCCESS") and not named(events, "STREAM_SERVICE_CHECKING_ERROR")


def test_client_id_limits_the_check_to_one_operator(world, other_world, health):
    for w in (world, other_world):
        w.service.check_url = f"127.0.0.1:{closed_port()}"
        w.service.save()
    run_command("--client_id", str(other_world.op.client.pk))
    world.service.refresh_from_db()
    other_world.service.refresh_from_db()
    assert world.service.is_available and world.service.checked_at is None
    assert not other_world.service.is_available


def test_an_unknown_client_id_is_refused_like_the_other_commands(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="999999"):
        run_command("--client_id", "999999")


def test_the_celery_task_runs_the_same_check_and_is_scheduled(world):
    world.service.check_url = f"127.0.0.1:{closed_port()}"
    world.service.save()
    tasks.check_stream_services.delay()
    assert not StreamService.objects.get(pk=world.service.pk).is_available
    assert SCHEDULES["check_stream_services"][0] == "streaming.tasks.check_stream_services"
    assert SCHEDULES["purge_stream_tokens"][0] == "streaming.tasks.purge_stream_tokens"


def test_check_addresses_may_be_host_port_or_urls():
    assert split_target("stream.test:8080") == ("http://stream.test:8080", "stream.test", 8080)
    assert split_target("https://stream.test/health") == ("https://stream.test/health", "stream.test", 443)
    assert split_target("10.0.0.1") == ("http://10.0.0.1", "10.0.0.1", 80)
