# gunicorn of the smarty service. Workers: SMARTY_GUNICORN_WORKERS, else 2 per CPU + 1 (a
# sync worker waits on MariaDB and Redis part of the time).
import multiprocessing
import os
import shutil

bind = os.environ.get("SMARTY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SMARTY_GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("SMARTY_GUNICORN_TIMEOUT", "30"))
max_requests = 20000
max_requests_jitter = 2000
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = None
errorlog = "-"


def on_starting(server):
    # Prometheus counters of each worker live in files here (smarty/metrics.py): start clean.
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def worker_exit(server, worker):
    # What a worker has not written behind yet (smarty/write_behind.py) goes before it ends.
    from smarty.write_behind import flush_all

    flush_all()
