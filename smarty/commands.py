"""The base of the project's management commands (CONVENTIONS.md "Commands").

A subclass implements `run(**options) -> str | None` (the one-line summary). The base logs
MANAGEMENT_COMMAND_SUCCESS / MANAGEMENT_COMMAND_ERROR with the execution time, holds a
non-blocking lock named after the command, and after the operator with `--client_id` (two
cron runs of the same work never overlap; the second exits at once), and offers
`self.progress(iterable, total)` which draws a bar only in a terminal.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from .logging import log_event

T = TypeVar("T")


class LockBusyError(CommandError):
    """Another run holds the lock: this run exits without doing anything."""


class LockUnavailableError(CommandError):
    """The lock could not be taken at all (the shared cache is down): not "already running"."""


def _uses_shared_cache() -> bool:
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


@contextmanager
def command_lock(name: str) -> Iterator[None]:
    """A non-blocking lock: in Redis when the cache is shared between machines, otherwise a
    file lock under VAR_DIR/locks (one machine, any number of processes)."""
    if _uses_shared_cache():
        key = f"lock:command:{name}"
        token = f"{os.getpid()}:{time.time()}"
        try:
            added = cache.add(key, token, timeout=6 * 3600)
        except Exception as exc:
            raise LockUnavailableError(f"{name}: cannot lock, the cache is unavailable ({exc})") from exc
        # A cache that swallows its errors answers None, neither "added" nor "taken".
        if added is None:
            raise LockUnavailableError(f"{name}: cannot lock, the cache is unavailable")
        if not added:
            raise LockBusyError(f"{name} is already running")
        try:
            yield
        finally:
            if cache.get(key) == token:
                cache.delete(key)
        return
    lock_dir = settings.VAR_DIR / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LockBusyError(f"{name} is already running") from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
