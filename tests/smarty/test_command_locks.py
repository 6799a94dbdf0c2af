"""Command locks die with their holder and tell "busy" from "cannot lock".

The lock is an advisory lock of the database server on a connection of its own (MariaDB,
PostgreSQL) or a file lock (SQLite): a process killed with SIGKILL loses it at once, so the
next cron run goes ahead. These run on every database: the SQLite pass tests the file lock,
the MariaDB pass the server's GET_LOCK."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from smarty import commands
from smarty.commands import LockBusyError, LockUnavailableError, command_lock, run_exclusive

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time, django
django.setup()
from smarty.commands import command_lock
with command_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""

pytestmark = pytest.mark.django_db(transaction=True)


def database_url() -> str:
    """The test database as a URL, for a second process that must share its locks."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings.VAR_DIR / 'other-process.sqlite3'}"
    scheme = {"mysql": "mysql", "postgresql": "postgres"}[connection.vendor]
    auth = quote(conf["USER"] or "")
    if conf["PASSWORD"]:
        auth += ":" + quote(conf["PASSWORD"])
    return f"{scheme}://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or ''}/{conf['NAME']}"


def holder(name: str) -> subprocess.Popen:
    """Another process that takes the lock `name` and keeps it."""
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="settings.local",
        SMARTY_VAR_DIR=str(settings.VAR_DIR),
        SMARTY_LOG_DIR=str(settings.VAR_DIR / "holder-log"),
        SMARTY_DATABASE_URL=database_url(),
        SMARTY_REDIS_URL="",
    )
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, name], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    line = process.stdout.readline()
    if line.strip() != b"locked":
        process.kill()
        raise AssertionError(f"the holder did not lock: {line!r} {process.stderr.read()[-2000:]!r}")
    return process


@pytest.fixture
def records():
    found: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = found.append
    logger = logging.getLogger("smarty_management")
    logger.addHandler(handler)
    yield found
    logger.removeHandler(handler)


def events(records) -> list[str]:
    return [getattr(r, "event", r.getMessage()) for r in records]


def test_a_lock_held_by_another_process_makes_the_command_refuse(records):
    process = holder("charge_tariffs")
    try:
        with pytest.raises(LockBusyError, match="already running"):
            call_command("charge_tariffs", stdout=StringIO())
    finally:
        process.kill()
        process.wait()


def test_a_command_killed_with_sigkill_leaves_no_lock_behind(records):
    process = holder("charge_tariffs")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    # The server notices the closed connection (the kernel the closed file) at once; allow a
    # moment for the socket to be torn down, never the lock's old six hours.
    deadline = time.monotonic() + 10
    while True:
        try:
            call_command("charge_tariffs", stdout=StringIO())
            break
        except LockBusyError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    assert "MANAGEMENT_COMMAND_SUCCESS" in events(records)


def test_the_lock_is_released_when_the_block_ends_and_is_taken_again():
    with command_lock("demo_lock"):
        with pytest.raises(LockBusyError):
            with command_lock("demo_lock"):
                pass
    with command_lock("demo_lock"):
        pass


def test_locks_of_different_names_do_not_meet():
    with command_lock("demo_lock"), command_lock("demo_lock:client:7"):
        pass


def test_a_lock_that_cannot_be_taken_is_cannot_lock_not_already_running(records, monkeypatch, tmp_path):
    if connection.vendor == "sqlite":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        monkeypatch.setattr(settings, "VAR_DIR", blocker)  # VAR_DIR/locks cannot be made
    else:
        real = connections.create_connection

        def unreachable(alias):
            conn = real(alias)
            conn.settings_dict = {**conn.settings_dict, "HOST": "127.0.0.1", "PORT": 9}  # nothing listens
            return conn

        monkeypatch.setattr(commands.connections, "create_connection", unreachable)
    with pytest.raises(LockUnavailableError) as excinfo:  # a CommandError: the command exits 1
        call_command("charge_tariffs", stdout=StringIO())
    assert "cannot lock" in str(excinfo.value) and "already running" not in str(excinfo.value)
    assert not isinstance(excinfo.value, LockBusyError)
    assert "COMMAND_LOCK_UNAVAILABLE" in events(records)
    assert "MANAGEMENT_COMMAND_ERROR" in events(records)
    assert "MANAGEMENT_COMMAND_SUCCESS" not in events(records)


def test_a_periodic_task_says_already_running_only_when_busy(monkeypatch, records):
    with command_lock("demo_task"):
        assert run_exclusive("demo_task", lambda: "ran") == "demo_task is already running"
    assert run_exclusive("demo_task", lambda: "ran") == "ran"

    def broken(name):
        raise LockUnavailableError(f"{name}: cannot lock")

    monkeypatch.setattr(commands, "command_lock", broken)
    with pytest.raises(LockUnavailableError):
        run_exclusive("demo_task", lambda: "ran")
    assert "COMMAND_LOCK_UNAVAILABLE" in events(records)


def test_a_failing_command_logs_its_error_and_not_success(records, monkeypatch):
    from billing.management.commands import charge_tariffs

    def fail(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(charge_tariffs, "charge_due", fail)
    with pytest.raises(RuntimeError):
        call_command("charge_tariffs", stdout=StringIO())
    assert "MANAGEMENT_COMMAND_ERROR" in events(records)
    assert "MANAGEMENT_COMMAND_SUCCESS" not in events(records)
    # And the lock went with it.
    with command_lock("charge_tariffs"):
        pass


def test_a_command_error_is_a_command_error():
    with pytest.raises(CommandError):
        call_command("charge_tariffs", client_id=999999, stdout=StringIO())
