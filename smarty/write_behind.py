"""Writes a request leaves to its process (docs/architecture.md, "Written behind").

A device request that must write something to Redis which nobody reads at once (a stream
request's view for the viewing statistics, a session's touch) need not wait for the round
trip: it queues the write in its process's batch, and a thread of the process sends the
batch, many writes in one round trip, at most SMARTY_WRITE_BEHIND_SECONDS after the oldest
was queued (or at once when a script's worth is there). A round trip costs a worker more CPU
than the rest of such a request's work in this layer; a batch costs one for many requests.

What the delay means, for every batch: another process sees the write that much later; a
process that exits (gunicorn's worker_exit, and at exit) writes what waits first; one killed
outright (SIGKILL, a power cut) loses its last window's writes, as everything the cache holds
is lost with the cache. A batch the cache does not take is `settle`d: stored another way
(the database), as the request would have stored it with the cache down. When more than
WAITING_LIMIT writes wait (the cache is slow), `add` refuses and the request writes its own.

Used only with the project's Redis (write_behind_on(redis_backend())): the local-memory cache is per process,
where the request's own write costs no round trip.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connections

from .cache_backends import breaker

logger = logging.getLogger("smarty_main")

T = TypeVar("T")

# Writes in one round trip at most, and waiting at most (beyond, the requests write their own).
BATCH_SIZE = 200
WAITING_LIMIT = 10_000


def write_behind_on(backend) -> bool:
    """Whether a request may leave its writes to the batches now: turned on, `backend` the
    project's Redis (the caller's redis_backend()), and the cache not known to be failing
    (then the request handles its own)."""
    return settings.SMARTY_WRITE_BEHIND_SECONDS > 0 and backend is not None and not breaker.is_open()


class WriteBehind(Generic[T]):
    """One kind of write waiting in this process, and the thread that sends them.

    `send(items)`: the items written in one round trip; whether each was taken (never raises
    for a failing cache: all False). `settle(items)`: the items the cache did not take, stored
    another way. `error_event`: what a failure of either is logged as."""

    def __init__(
        self,
        name: str,
        send: Callable[[list[T]], Sequence[bool]],
        settle: Callable[[list[T]], None],
        error_event: str,
    ) -> None:
        self.name = name
        self._send, self._settle, self._error_event = send, settle, error_event
        self._exit_hook = False
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # A forked child has neither the parent's thread nor its items (they are the parent's
        # to write), and its lock may have been held by the parent's thread at the fork.
        self._ready = threading.Condition()
        self._items: list[tuple[float, T]] = []  # (when queued, item), oldest first
        self._sending: list[T] = []  # taken by the thread, not written yet
        self._thread: threading.Thread | None = None

    def add(self, item: T) -> bool:
        """Queue a write; False when too many wait (the caller writes it itself)."""
        with self._ready:
            if len(self._items) >= WAITING_LIMIT:
                return False
            self._items.append((time.monotonic(), item))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=f"smarty-{self.name}", daemon=True)
                self._thread.start()
                if not self._exit_hook:
                    self._exit_hook = True
                    atexit.register(self.flush)
            if len(self._items) == 1 or len(self._items) >= BATCH_SIZE:
                self._ready.notify()
        return True

    def waiting(self) -> list[T]:
        """The items not written yet (the thread's batch on its way included), oldest first."""
        with self._ready:
            return [*self._sending, *(item for _, item in self._items)]

    def _take(self, *, wait: bool) -> list[T]:
        """Up to BATCH_SIZE items, oldest first: with `wait`, once the oldest has waited the
        window or a batch's worth is there (items a flush took meanwhile are not waited for:
        the window is the oldest waiting item's); without, what is there now."""
        with self._ready:
            while wait:
                while not self._items:
                    self._ready.wait()
                while (
                    self._items
                    and len(self._items) < BATCH_SIZE
                    # the setting read on every wake-up: a changed window applies at once
                    and (left := self._items[0][0] + float(settings.SMARTY_WRITE_BEHIND_SECONDS) - time.monotonic()) > 0
                ):
                    self._ready.wait(left)
                if self._items:
                    break
            taken, self._items = self._items[:BATCH_SIZE], self._items[BATCH_SIZE:]
            items = [item for _, item in taken]
            if wait:
                self._sending = items
            return items

    def _run(self) -> None:
        while True:
            try:
                self._write(self._take(wait=True))
            finally:
                with self._ready:
                    self._sending = []

    def _write(self, items: list[T]) -> None:
        try:
            taken = self._send(items)
        except Exception:  # the items go to settle; the thread lives on
            logger.exception(self._error_event, extra={"event": self._error_event, "context": {"batch": self.name}})
            taken = [False] * len(items)
        refused = [item for item, ok in zip(items, taken, strict=True) if not ok]
        if not refused:
            return
        try:
            self._settle(refused)
        except Exception:
            logger.exception(self._error_event, extra={"event": self._error_event, "context": {"batch": self.name}})
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()  # this thread's own, opened by settle

    def flush(self) -> int:
        """Write what waits now, in the calling thread (at exit; tests). Returns how many."""
        written = 0
        while items := self._take(wait=False):
            self._write(items)
            written += len(items)
        return written


_batches: list[WriteBehind] = []


def write_behind(name: str, send: Callable, settle: Callable, error_event: str) -> WriteBehind:
    """A process-wide batch (made once per name, at import of the module that owns it)."""
    batch = WriteBehind(name, send, settle, error_event)
    _batches.append(batch)
    return batch


def flush_all() -> int:
    """Write every batch's waiting items now (a worker about to exit)."""
    return sum(batch.flush() for batch in _batches)
