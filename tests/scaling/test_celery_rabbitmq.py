"""Celery on RabbitMQ: every periodic task of smarty/schedules.py sent through the broker
and run by a real worker process; /metrics reads the queue's length from the broker."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import pytest
from celery import Celery
from django.db import connection
from prometheus_client.parser import text_string_to_metric_families

from smarty.celery import app as celery_app
from smarty.metrics import celery_queue_lengths
from smarty.schedules import SCHEDULES

from .servers import BIN, ROOT, app_env, database_url, stop, wait_for

BROKER = os.environ.get("SMARTY_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(
        os.environ.get("SMARTY_EXPECT_SERVICES") != "1", reason="needs the services pass (MariaDB, Redis, RabbitMQ)"
    ),
]


class TaskEvents:
    """The worker's task events (celery -E), received from the broker in a thread."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.outcomes: dict[str, str] = {}  # task id -> succeeded / failed (with the exception)
        self.receiver = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        assert self.ready.wait(30), "no event receiver"

    def _run(self) -> None:
        def on_event(event: dict) -> None:
            if event["type"] == "task-succeeded":
                self.outcomes[event["uuid"]] = "succeeded"
            elif event["type"] == "task-failed":
                self.outcomes[event["uuid"]] = f"failed: {event.get('exception')}"

        with self.app.connection_for_read() as conn:
            self.receiver = self.app.events.Receiver(conn, handlers={"*": on_event})
            consuming = self.receiver.on_consume_ready

            def on_consume_ready(*args, **kwargs):
                consuming(*args, **kwargs)
                self.ready.set()  # the event queue is bound: nothing the worker sends is lost

            self.receiver.on_consume_ready = on_consume_ready
            self.receiver.capture(limit=None, timeout=None, wakeup=False)

    def stop(self) -> None:
        if self.receiver is not None:
            self.receiver.should_stop = True
        self.thread.join(10)


@pytest.mark.django_db(transaction=True)
def test_the_periodic_tasks_run_through_a_worker_on_rabbitmq(operator, tmp_path, settings, monkeypatch, client):
    queue = f"smarty-test-{os.getpid()}-{time.time_ns()}"
    sender = Celery("sender", broker=BROKER)
    sender.conf.task_default_queue = queue
    tasks = sorted({task for task, _schedule in SCHEDULES.values()})
    assert len(tasks) >= 8
    events = TaskEvents(sender)
    worker = None
    try:
        sent = {sender.send_task(task, queue=queue).id: task for task in tasks}

        # Nothing consumes yet: the broker holds them all, and /metrics says so.
        monkeypatch.setitem(celery_app.conf, "CELERY_BROKER_URL", BROKER)
        monkeypatch.setitem(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
        settings.SMARTY_METRICS_CELERY_QUEUES = [queue, f"{queue}-unused"]
        lengths = {tuple(s.labels.values())[0]: s.value for family in celery_queue_lengths() for s in family.samples}
        assert lengths == {queue: len(tasks), f"{queue}-unused": 0}
        scraped = client.get("/metrics").content.decode()
        samples = [s for f in text_string_to_metric_families(scraped) for s in f.samples]
        assert any(s.name == "smarty_celery_queue_length" and s.labels == {"queue": queue} for s in samples)

        env = app_env(
            tmp_path,
            SMARTY_DATABASE_URL=database_url(connection.settings_dict),
            SMARTY_REDIS_URL=settings.REDIS_URL,
            SMARTY_CACHE_KEY_PREFIX=queue,
            SMARTY_CELERY_BROKER_URL=BROKER,
            SMARTY_CELERY_EAGER="0",
            SMARTY_CELERY_QUEUE=queue,
        )
        log = tmp_path / "worker.log"
        worker = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "smarty",
                "worker",
                "--task-events",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                f"--hostname={queue}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: set(events.outcomes) >= set(sent), timeout=90, what="the periodic tasks", log=log)
    finally:
        if worker is not None:
            stop(worker)
        events.stop()
        with sender.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    assert {sent[task_id]: outcome for task_id, outcome in events.outcomes.items() if task_id in sent} == {
        task: "succeeded" for task in tasks
    }
    # Taken off the queue: the metrics say so too.
    lengths = {tuple(s.labels.values())[0]: s.value for family in celery_queue_lengths() for s in family.samples}
    assert lengths[queue] == 0
