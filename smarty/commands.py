"""The base of the project's management commands (CONVENTIONS.md "Commands").

A subclass implements `run(**options) -> str | None` (the one-line summary). The base logs
MANAGEMENT_COMMAND_SUCCESS / MANAGEMENT_COMMAND_ERROR with the execution time, holds a
non-blocking lock named after the command, and after the operator with `--client_id` (two
cron runs of the same work never overlap; the second exits at once; the lock dies with the
process that holds it, see `command_lock`), and offers
`self.progress(iterable, total)` which draws a bar only in a terminal.
"""

from __future__ import annotations

import fcntl
import hashlib
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from .logging import log_event

T = TypeVar("T")


class LockBusyError(CommandError):
    """Another run holds the lock: this run exits without doing anything."""


class LockUnavailableError(CommandError):
    """The lock could not be taken at all (the database is unreachable, the lock file cannot
    be opened): "cannot lock", never "already running"."""


# MariaDB/MySQL lock names are at most 64 characters.
MYSQL_LOCK_NAME_MAX = 64


def _lock_name(name: str, database: str) -> str:
    """The server-wide name of a command lock: advisory locks belong to the database server,
    not to one database, so two installations on one server must not share them."""
    full = f"smarty:{database}:{name}"
    if len(full) <= MYSQL_LOCK_NAME_MAX:
        return full
    return "smarty:" + hashlib.blake2b(full.encode(), digest_size=24).hexdigest()


def _pg_key(name: str) -> int:
    """pg_advisory_lock takes one signed 64-bit key."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def _advisory_lock(name: str) -> Iterator[None]:
    """A lock of the database server, held by a connection of its own that lives exactly as
    long as the lock: whatever ends the process (an exception, SIGKILL, an OOM kill) ends the
    connection, and the server releases the lock with it."""
    conn = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        conn.ensure_connection()
        lock_name = _lock_name(name, str(conn.settings_dict["NAME"]))
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                key = _pg_key(lock_name)
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            else:
                cursor.execute("SELECT GET_LOCK(%s, 0)", [lock_name])
            (got,) = cursor.fetchone()
    except DatabaseError as exc:
        conn.close()
        raise LockUnavailableError(f"{name}: cannot lock, the database is unavailable ({exc})") from exc
    try:
        # GET_LOCK answers NULL on an error (out of memory, the thread killed): not "held".
        if got is None:
            raise LockUnavailableError(f"{name}: cannot lock, the database refused the lock")
        if not got:
            raise LockBusyError(f"{name} is already running")
        try:
            yield
        finally:
            with conn.cursor() as cursor:
                if conn.vendor == "postgresql":
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
                else:
                    cursor.execute("SELECT RELEASE_LOCK(%s)", [lock_name])
    finally:
        conn.close()


@contextmanager
def _file_lock(name: str) -> Iterator[None]:
    """flock on a file under VAR_DIR/locks (SQLite: one machine). The kernel drops the lock
    when the process's file descriptor closes, so it dies with the process too."""
    try:
        lock_dir = settings.VAR_DIR / "locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        safe = hashlib.blake2b(name.encode(), digest_size=8).hexdigest() if "/" in name else name
        handle = open(lock_dir / f"{safe}.lock", "w")
    except OSError as exc:
        raise LockUnavailableError(f"{name}: cannot lock, the lock file cannot be opened ({exc})") from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LockBusyError(f"{name} is already running") from exc
        except OSError as exc:
            raise LockUnavailableError(f"{name}: cannot lock ({exc})") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def command_lock(name: str) -> Iterator[None]:
    """A non-blocking lock named after the work, that never outlives its holder: an advisory
    lock of the database server (MariaDB/MySQL GET_LOCK, PostgreSQL pg_try_advisory_lock) on
    a connection of its own, so every machine that shares the database shares the lock; on
    SQLite, a file lock. Raises LockBusyError when another run holds it, LockUnavailableError
    when it cannot be taken at all."""
    if connections[DEFAULT_DB_ALIAS].vendor in ("mysql", "postgresql"):
        with _advisory_lock(name):
            yield
    else:
        with _file_lock(name):
            yield


def run_exclusive(name: str, work: Callable[[], T]) -> T | str:
    """What a periodic Celery task runs: `work()` under the command lock `name` (a cron run
    and a beat run never overlap). Busy: "<name> is already running". Cannot lock: logged as
    COMMAND_LOCK_UNAVAILABLE and raised, so the task fails visibly instead of skipping."""
    try:
        with command_lock(name):
            return work()
    except LockBusyError:
        return f"{name} is already running"
    except LockUnavailableError as exc:
        log_event("smarty_management", "COMMAND_LOCK_UNAVAILABLE", level="ERROR", command=name, error=str(exc))
        raise


class SmartyCommand(BaseCommand):
    #: False for commands that may safely run side by side (e.g. create_user).
    use_lock = True

    def run(self, **options: Any) -> str | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        name = self.__class__.__module__.rsplit(".", 1)[-1]
        started = time.monotonic()
        # A run for one operator (--client_id) locks only that operator's runs: per-operator
        # cron lines of different operators never skip each other.
        lock = name if options.get("client_id") is None else f"{name}:client:{options['client_id']}"
        try:
            if self.use_lock:
                with command_lock(lock):
                    summary = self.run(**options)
            else:
                summary = self.run(**options)
        except LockBusyError:
            raise
        except LockUnavailableError as exc:
            # Not "already running": nothing ran, and the cron owner must hear of it.
            log_event("smarty_management", "COMMAND_LOCK_UNAVAILABLE", level="ERROR", command=name, error=str(exc))
            log_event("smarty_management", "MANAGEMENT_COMMAND_ERROR", level="ERROR", command=name, error=str(exc))
            raise
        except CommandError as exc:
            log_event(
                "smarty_management",
                "MANAGEMENT_COMMAND_ERROR",
                level="ERROR",
                command=name,
                error=str(exc),
            )
            raise
        except Exception:
            log_event(
                "smarty_management",
                "MANAGEMENT_COMMAND_ERROR",
                level="ERROR",
                exc_info=True,
                command=name,
            )
            raise
        elapsed = round(time.monotonic() - started, 3)
        log_event("smarty_management", "MANAGEMENT_COMMAND_SUCCESS", level="INFO", command=name, execution_time=elapsed)
        if summary:
            self.stdout.write(summary)

    def progress(self, items: Iterable[T], total: int | None = None, label: str = "") -> Iterator[T]:
        stream = sys.stderr
        if not stream.isatty():
            yield from items
            return
        width = 30
        count = 0
        for item in items:
            yield item
            count += 1
            if total:
                filled = int(width * count / total)
                stream.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {count}/{total}")
            else:
                stream.write(f"\r{label} {count}")
            stream.flush()
        stream.write("\n")


def parse_bool(value: str) -> bool:
    """The seed's True/False command arguments."""
    lowered = str(value).strip().lower()
    if lowered in {"true", "1", "yes", "y"}:
        return True
    if lowered in {"false", "0", "no", "n"}:
        return False
    raise CommandError(f"expected True or False, got {value!r}")
