"""GET /tvmiddleware/api/health/check/ as reference tvmw/Health.md describes."""

import json

from lxml import etree


def test_health_check_reports_usage_and_alive(client, db):
    body = json.loads(client.get("/tvmiddleware/api/health/check/").content)
    assert body["error"] == 0
    assert body["alive"] in (0, 1)
    assert isinstance(body["usage"], float)
    assert body["reserved_server_addresses"] == []
    assert "connection_errors" not in body


def test_health_check_with_db_probe_lists_no_connection_errors(client, db):
    body = json.loads(client.get("/tvmiddleware/api/health/check/?check_db_conn=1").content)
    assert body["connection_errors"] == []
    assert body["error"] == 0


def test_health_check_is_dead_when_the_load_limit_is_exceeded(client, db, settings):
    settings.MAX_LA = 1e-9
    body = json.loads(client.get("/tvmiddleware/api/health/check/").content)
    assert body["alive"] == 0


def test_health_check_answers_error_1_when_limits_are_misconfigured(client, db, settings):
    settings.MAX_LA = 0
    body = json.loads(client.get("/tvmiddleware/api/health/check/").content)
    assert body["error"] == 1


def test_health_check_rejects_a_bad_flag_with_the_parameter_named(client, db):
    body = json.loads(client.get("/tvmiddleware/api/health/check/?check_db_conn=yes").content)
    assert body["error"] == 1
    assert "check_db_conn" in body["error_fields"]


def test_health_check_answers_in_xml_for_an_xml_device(client, xml_device):
    response = client.get("/tvmiddleware/api/health/check/?device=sagemcom")
    assert response["Content-Type"].startswith("application/xml")
    assert etree.fromstring(response.content).findtext("error") == "0"


def test_health_check_lists_reserved_addresses(client, db, settings):
    settings.SMARTY_RESERVED_SERVER_ADDRESSES = ["http://backup.example.com"]
    body = json.loads(client.get("/tvmiddleware/api/health/check").content)
    assert body["reserved_server_addresses"] == ["http://backup.example.com"]


def test_memory_is_read_at_most_once_a_second_per_process(monkeypatch):
    from tvmiddleware.views import health

    reads = []
    clock = [1000.0]
    monkeypatch.setattr(health, "_memory_sample", None)
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(health, "read_used_memory_ratio", lambda: reads.append(clock[0]) or 0.25)
    assert health.used_memory_ratio() == 0.25
    clock[0] += 0.5
    assert health.used_memory_ratio() == 0.25
    assert reads == [1000.0]
    clock[0] += 0.6
    health.used_memory_ratio()
    assert reads == [1000.0, 1001.1]


def test_the_memory_reading_is_a_ratio_of_the_machines_memory():
    from tvmiddleware.views import health

    assert 0.0 < health.read_used_memory_ratio() < 1.0
