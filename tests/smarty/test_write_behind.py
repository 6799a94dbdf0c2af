"""smarty.write_behind: a process's batch of writes and the thread that sends it (the views and
session touches that use it: tests/monitoring/test_view_batch.py,
tests/accounts/test_session_upkeep.py)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from smarty import write_behind
from smarty.write_behind import WriteBehind


class Recorder:
    """send() and settle() of a batch: what each got, from which thread; `refuse` names the
    items the cache does not take, `fail` makes send() raise."""

    def __init__(self, refuse=(), fail: bool = False) -> None:
        self.sent: list[list] = []
        self.settled: list[list] = []
        self.threads: set[str] = set()
        self.refuse, self.fail = set(refuse), fail
        self.arrived = threading.Event()

    def send(self, items):
        self.threads.add(threading.current_thread().name)
        self.sent.append(list(items))
        self.arrived.set()
        if self.fail:
            raise RuntimeError("cache gone")
        return [item not in self.refuse for item in items]

    def settle(self, items):
        self.settled.append(list(items))


def batch_of(recorder: Recorder) -> WriteBehind:
    return WriteBehind("test", recorder.send, recorder.settle, "TEST_WRITE_ERROR")


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not written in time"
        time.sleep(0.005)


def test_the_thread_sends_what_waited_the_window_in_one_batch(settings):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.2
    recorder = Recorder()
    batch = batch_of(recorder)
    started = time.monotonic()
    for n in range(3):
        assert batch.add(n)
    assert batch.waiting() == [0, 1, 2] and recorder.sent == []
    wait_for(lambda: recorder.sent)
    assert time.monotonic() - started >= 0.2  # the oldest waited its window
    assert recorder.sent == [[0, 1, 2]] and recorder.threads == {"smarty-test"}
    assert batch.waiting() == [] and batch.flush() == 0


def test_a_batch_s_worth_goes_at_once(settings, monkeypatch):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    monkeypatch.setattr(write_behind, "BATCH_SIZE", 2)
    recorder = Recorder()
    batch = batch_of(recorder)
    for n in range(5):
        batch.add(n)
    wait_for(lambda: sum(map(len, recorder.sent)) >= 4)
    assert batch.flush() == 1
    assert sorted(map(len, recorder.sent)) == [1, 2, 2]
    assert sorted(n for sent in recorder.sent for n in sent) == list(range(5))


def test_refused_items_are_settled_and_a_failing_send_settles_all(settings):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    refusing = Recorder(refuse={2})
    batch = batch_of(refusing)
    for n in range(4):
        batch.add(n)
    assert batch.flush() == 4
    assert refusing.sent == [[0, 1, 2, 3]] and refusing.settled == [[2]]

    failing = Recorder(fail=True)
    batch = batch_of(failing)
    batch.add("a")
    batch.add("b")
    assert batch.flush() == 2
    assert failing.settled == [["a", "b"]]


def test_the_thread_outlives_a_failing_batch(settings):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.01
    recorder = Recorder(fail=True)
    batch = batch_of(recorder)
    batch.add(1)
    wait_for(lambda: recorder.settled == [[1]])
    recorder.fail = False
    batch.add(2)
    wait_for(lambda: len(recorder.sent) == 2)
    assert recorder.sent[-1] == [2] and recorder.settled == [[1]]


def test_a_full_queue_refuses(settings, monkeypatch):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    monkeypatch.setattr(write_behind, "WAITING_LIMIT", 2)
    batch = batch_of(Recorder())
    assert batch.add(1) and batch.add(2)
    assert batch.add(3) is False
    assert batch.flush() == 2


def test_a_flush_meanwhile_restarts_the_thread_s_window(settings):
    """The thread waiting for items a flush took waits for the next ones, their own window."""
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.3
    recorder = Recorder()
    batch = batch_of(recorder)
    batch.add("early")
    time.sleep(0.2)
    assert batch.flush() == 1
    batch.add("late")
    added = time.monotonic()
    wait_for(lambda: len(recorder.sent) == 2)
    assert time.monotonic() - added >= 0.3
    assert recorder.sent == [["early"], ["late"]]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_child_has_nothing_of_its_parent_s(settings):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    recorder = Recorder()
    batch = batch_of(recorder)
    batch.add("parent's")
    pid = os.fork()
    if pid == 0:
        ok = batch.waiting() == [] and batch.flush() == 0 and recorder.sent == []
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert batch.flush() == 1 and recorder.sent == [["parent's"]]


def test_write_behind_is_off_without_redis_or_with_the_setting_at_zero(settings):
    from smarty.cache import redis_backend

    settings.SMARTY_WRITE_BEHIND_SECONDS = 0
    assert write_behind.write_behind_on(redis_backend()) is False
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.05
    assert write_behind.write_behind_on(redis_backend()) is (redis_backend() is not None)
    assert write_behind.write_behind_on(None) is False


def test_a_changed_window_applies_to_a_thread_already_waiting(settings):
    settings.SMARTY_WRITE_BEHIND_SECONDS = 60
    recorder = Recorder()
    batch = batch_of(recorder)
    batch.add("under the long window")
    time.sleep(0.05)  # the thread waits out 60 s
    assert batch.flush() == 1
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.05
    batch.add("under the short one")
    wait_for(lambda: len(recorder.sent) == 2, seconds=2)
    assert recorder.sent[-1] == ["under the short one"]


def test_what_the_thread_is_sending_still_counts_as_waiting(settings):
    """Until a batch is written, the process still sees it (views: the recently watched)."""
    settings.SMARTY_WRITE_BEHIND_SECONDS = 0.01
    release = threading.Event()
    recorder = Recorder()

    def slow_send(items):
        release.wait(5)
        return recorder.send(items)

    batch = WriteBehind("test", slow_send, recorder.settle, "TEST_WRITE_ERROR")
    batch.add("on its way")
    time.sleep(0.2)  # the thread has taken it and is sending
    assert batch.waiting() == ["on its way"]
    release.set()
    wait_for(lambda: recorder.sent == [["on its way"]])
    wait_for(lambda: batch.waiting() == [])
