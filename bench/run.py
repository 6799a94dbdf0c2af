"""The benchmark run behind `make bench` (bench/README.md, docs/bench.md).

Steps: create the database if needed, migrate, create or reuse the dataset (100,000 accounts
per operator with a live session each, made in bulk before anything is measured) and write the
sessions file, flush the bench Redis database, start gunicorn (DEBUG off, MariaDB, Redis),
warm it up, then run wrk with a generated Lua script (bench/wrk.py) phase by phase against
127.0.0.1 only:

  floor     GET /bench/floor/ back to back                    -> the floor's RPS
  methods   each hot method alone, back to back               -> its RPS and ratio to the floor
  hotset    account/status, then the mix, from BENCH_HOT_DEVICES devices (held in each
            worker's memory)                                  -> the warm path without round trips
  mix       the device mix (bench/mix.py) back to back        -> the mix's maximum RPS
  half      the mix paced at half that rate                   -> p50/p99 at a realistic load
  statpush  ViewStats stat/push paced at the rate BENCH_VIEWSTATS_DEVICES devices send
  logins    login alone, back to back (its own phase: logins are not in the mix)
  soak      the mix at half rate for BENCH_SOAK seconds, worker RSS every 10 s (optional)

then count queries per request (bench/queries.py), profile the hottest method, stop the server
and write bench/results/<date>.json and .md. With two cores or more, wrk runs pinned to core 0
and the server to the others (taskset). Every child runs in its own process group and is
stopped on exit, on error and on SIGINT/SIGTERM; every phase is bounded in time.

Configuration comes from the environment (the Makefile passes its variables through); see
CONFIG below and bench/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import wrk  # noqa: E402 - after the path is set, when run as a script
from bench.mix import HOT_METHODS, MIX, VIEWSTATS_PUSH_INTERVAL_S  # noqa: E402

HOST = "127.0.0.1"  # load goes to this machine's loopback only
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
MIB = 1024 * 1024

# name: (default, help). Read once, recorded in the results.
CONFIG = {
    "BENCH_PHASES": (
        "floor,methods,hotset,mix,half,statpush,logins",
        "phases to run, in order (soak: add it or BENCH_SOAK)",
    ),
    "BENCH_SAT_DURATION": ("20", "seconds of the floor, mix, half-rate, stat/push and logins phases"),
    "BENCH_FLOOR_AROUND": (
        "5",
        "seconds of the floor measured again right before each throughput phase (each method, hot set, mix) "
        "and after the last: each is also compared with the mean of the two floors around it, since a shared "
        "machine's speed drifts within a run; 0: none",
    ),
    "BENCH_METHOD_DURATION": ("10", "seconds of each single-method phase and of each hot-set phase"),
    "BENCH_HOT_DEVICES": ("1000", "devices of the hot-set phases (few enough for each worker's memory to hold)"),
    "BENCH_SOAK": ("0", "seconds of the soak phase (the mix at half rate, RSS sampled); 0: none"),
    "BENCH_CONNECTIONS": ("16", "wrk connections of the back-to-back phases"),
    "BENCH_PACED_CONNECTIONS": ("512", "at most this many wrk connections in a paced phase (half, statpush, soak)"),
    "BENCH_PIN": ("auto", "auto: wrk on core 0, the server on the others when there are >= 2 cores; 0: no pinning"),
    "BENCH_WRK": ("wrk", "the wrk executable"),
    "BENCH_VIEWSTATS_DEVICES": ("100000", "devices whose stat/push rate the statpush phase offers"),
    "BENCH_VIEWSTATS_INTERVAL": (str(VIEWSTATS_PUSH_INTERVAL_S), "seconds between one device's pushes"),
    "BENCH_ACCOUNTS": ("100000", "accounts (each with a session) per operator"),
    "BENCH_CHANNELS": ("300", "channels per operator"),
    "BENCH_CATEGORIES": ("15", "channel categories per operator"),
    "BENCH_VIDEOS": ("60", "VOD videos per operator"),
    "BENCH_EPG_DAYS": ("7", "days of EPG"),
    "BENCH_PROGRAMMES_PER_DAY": ("24", "programmes per EPG channel and day"),
    "BENCH_STREAM_SERVICES": ("3", "streaming services per operator"),
    "BENCH_OTHER_SCALE": ("1", "second operator's size relative to the first (0: none)"),
    "BENCH_OTHER_SHARE": ("0.1", "share of the load's sessions belonging to the second operator"),
    "BENCH_PASSWORD": ("bench-pass", "every bench account's password"),
    "BENCH_PROXY": (
        "nginx",
        "the buffering proxy in front of gunicorn for the paced phases (half, stat/push, soak), as "
        "production has: an nginx executable, or 0 for none (the phases then go to gunicorn directly)",
    ),
    "BENCH_PROXY_CORE": (
        "load",
        "load: the proxy on wrk's core, so the server's cores are the same in the paced phases as in the mix "
        "whose rate they halve; server: on the server's cores, as on a single production machine",
    ),
    "BENCH_WORKERS": ("2", "gunicorn workers"),
    "BENCH_WORKER_CLASS": ("sync", "gunicorn worker class (sync or gthread)"),
    "BENCH_THREADS": ("1", "threads per worker (gthread)"),
    "BENCH_PORT": ("8765", "server port on 127.0.0.1 (another free port is taken if busy)"),
    "BENCH_DATABASE_URL": ("mysql://root@127.0.0.1:3306/smarty_bench", "the bench database"),
    "BENCH_REDIS_URL": ("redis://127.0.0.1:6379/3", "the bench Redis database (flushed at start)"),
    "BENCH_RECREATE_DB": ("0", "1: drop and recreate the bench database (MySQL/MariaDB) before migrating"),
    "BENCH_FLUSH_REDIS": ("1", "flush the bench Redis database before the run"),
    "BENCH_WARM": (
        "1",
        "1: every session's first account/status and channel/programs, and its account's library state, before "
        "the phases (bench/warm.py); 0: none",
    ),
    "BENCH_PRIME": (
        "30",
        "seconds of the device mix before the measured phases, not measured: each worker then holds the "
        "operator-wide values (catalogues, guide windows, libraries) as a server in service does; 0: none",
    ),
    "BENCH_LOG_LEVEL": ("INFO", "the server's SMARTY_LOG_LEVEL"),
    "BENCH_QUERY_CALLS": ("20", "calls per method for the query count"),
    "BENCH_PROFILE_METHOD": ("account/status", "method profiled in-process"),
    "BENCH_PROFILE_CALLS": ("300", "calls profiled (0: no profile)"),
    "BENCH_RESULTS_DIR": (str(BENCH_DIR / "results"), "where <date>.json and <date>.md go"),
}
PHASES = ("floor", "methods", "hotset", "mix", "half", "statpush", "logins", "soak")
PACED = ("half", "statpush", "soak")  # offered at a rate, through the proxy (Proxy)
THROUGHPUT = ("method", "hot", "mix")  # back to back, compared with the floor (and the floors around them)
PHASE_TITLES = {
    "floor": "floor (trivial JSON view)",
    "mix": "device mix, back to back",
    "half": "device mix at half its maximum rate",
    "statpush": "ViewStats stat/push at the devices' rate",
    "logins": "login alone",
    "soak": "soak: the mix at half rate",
}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Children:
    """Child processes, each in its own session/process group, stopped whatever happens."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []

    def start(self, args: list[str], **kwargs: object) -> subprocess.Popen:
        proc = subprocess.Popen(args, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, grace: float = 10.0) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (workers of a dead master, stragglers).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self) -> None:
        for proc in list(reversed(self.procs)):
            self.stop(proc, grace=5.0)


CHILDREN = Children()


def _on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


# --- configuration and environment -------------------------------------------------------------


def read_config() -> dict[str, str]:
    return {name: os.environ.get(name, default) or default for name, (default, _help) in CONFIG.items()}


def server_env(cfg: dict[str, str], var_dir: Path) -> dict[str, str]:
    """The settings of the server, the dataset command and the query counter (all from env)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "settings.local",
            "SMARTY_DEBUG": "0",
            # The floor phase's view, /bench/floor/, exists only with this setting.
            "SMARTY_BENCH_FLOOR": "1",
            "SMARTY_DATABASE_URL": cfg["BENCH_DATABASE_URL"],
            "SMARTY_REDIS_URL": cfg["BENCH_REDIS_URL"],
            "SMARTY_CACHE_KEY_PREFIX": "smarty-bench",
            "SMARTY_VAR_DIR": str(var_dir),
            "SMARTY_LOG_DIR": str(var_dir / "log"),
            "SMARTY_LOG_LEVEL": cfg["BENCH_LOG_LEVEL"],
            # Every simulated device logs in from 127.0.0.1: the per-IP login limit would
            # refuse all but the first few.
            "SMARTY_LOGIN_ATTEMPTS_PER_IP": "1000000000",
            "SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT": "1000000000",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def ensure_database(url: str, *, recreate: bool = False) -> None:
    """Create a MySQL/MariaDB database if it is missing, or drop and create it (the bench
    database is disposable). Other engines create their own or are created by the operator."""
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb"):
        return
    name = parts.path.lstrip("/")
    # The name goes into DROP/CREATE DATABASE as an identifier (no placeholders for those).
    if not re.fullmatch(r"[A-Za-z0-9_]{1,64}", name):
        raise ValueError(f"bench database name {name!r}: letters, digits and _ only")
    import MySQLdb

    connection = MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        passwd=unquote(parts.password or ""),
    )
    try:
        cursor = connection.cursor()
        if recreate:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        connection.close()


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_timeout=5).flushdb()


def warm_sessions(sessions_file: Path, dataset_file: Path, dataset: dict, env: dict[str, str]) -> dict:
    """bench/warm.py: the shared cache as devices that are on keep it (its docstring)."""
    proc = CHILDREN.start(
        [sys.executable, str(BENCH_DIR / "warm.py"), "--sessions", str(sessions_file),
         "--dataset", str(dataset_file), "--device", dataset.get("device", "android")],
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=3600)
    except subprocess.TimeoutExpired:
        CHILDREN.stop(proc)
        raise RuntimeError("bench/warm.py took longer than 3600 s") from None
    CHILDREN.procs.remove(proc)
    lines = out.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"bench/warm.py failed:\n{out}") from None


def manage(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    proc = CHILDREN.start(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        CHILDREN.stop(proc)
        raise RuntimeError(f"manage.py {args[0]} took longer than {timeout:.0f} s") from None
    CHILDREN.procs.remove(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out}")
    return subprocess.CompletedProcess(args, proc.returncode, out, "")


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as sock:
            # As gunicorn binds: connections of an earlier run in TIME_WAIT do not count.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


# --- processes: memory and CPU from /proc ------------------------------------------------------


def _read(path: str) -> str:
    try:
        with open(path) as handle:
            return handle.read()
    except OSError:
        return ""


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        found.extend(int(x) for x in _read(f"{task}/children").split())
    return sorted(found)


def rss_kib(pid: int) -> int | None:
    for line in _read(f"/proc/{pid}/status").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None


def cpu_seconds(pid: int) -> float:
    stat = _read(f"/proc/{pid}/stat")
    if not stat:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pids_named(*names: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _read(f"{entry}/comm").strip() in names:
            found.append(int(entry.name))
    return found


class Server:
    """gunicorn serving smarty.wsgi on 127.0.0.1."""

    def __init__(self, cfg: dict[str, str], env: dict[str, str], var_dir: Path, cpus: str | None = None) -> None:
        self.cfg, self.env, self.var_dir, self.cpus = cfg, env, var_dir, cpus
        self.port = free_port(int(cfg["BENCH_PORT"]))
        self.url = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        args = [
            str(gunicorn),
            "smarty.wsgi:application",
            "--bind", f"{HOST}:{self.port}",
            "--workers", self.cfg["BENCH_WORKERS"],
            "--worker-class", self.cfg["BENCH_WORKER_CLASS"],
            "--threads", self.cfg["BENCH_THREADS"],
            "--timeout", "30",
            "--graceful-timeout", "5",
            "--backlog", "2048",
            "--log-level", "warning",
            "--error-logfile", str(self.var_dir / "gunicorn.log"),
            "--pid", str(self.var_dir / "gunicorn.pid"),
        ]  # fmt: skip
        if self.cpus:
            args = ["taskset", "-c", self.cpus, *args]
        self.proc = CHILDREN.start(args, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}); see {self.var_dir / 'gunicorn.log'}")
            if self.get("/bench/floor/") == 200 and len(self.workers()) >= int(self.cfg["BENCH_WORKERS"]):
                return
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def get(self, path: str) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.url}{path}", timeout=5) as response:
                response.read()
                return response.status
        except OSError:
            return None

    def warm_up(self) -> None:
        """Every worker imports the URL map and opens its connections before 'before' is taken."""
        for _ in range(25 * int(self.cfg["BENCH_WORKERS"])):
            self.get("/bench/floor/")
            self.get("/tvmiddleware/api/health/check/?check_db_conn=1")

    def workers(self) -> list[int]:
        if not self.proc:
            return []
        # Under taskset the master is taskset's exec'd process: the same pid.
        return children_of(self.proc.pid)

    def memory(self) -> dict[str, float]:
        """RSS of each worker in MiB."""
        return {str(pid): round(kib / 1024, 1) for pid in self.workers() if (kib := rss_kib(pid)) is not None}

    def alive(self) -> bool:
        return bool(self.proc) and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc:
            CHILDREN.stop(self.proc)
            self.proc = None


class Proxy:
    """nginx in front of gunicorn, for the paced phases, as the Debian package's site has it
    (debian/etc/nginx-smarty.conf): keep-alive connections with the clients, whole requests
    handed to gunicorn and whole answers buffered back. Without it a paced client's idle
    connection holds a sync worker (bench/README.md, "Pacing"). One nginx worker, on the
    server's cores."""

    CONF = """\
worker_processes 1;
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    upstream smarty_app {{
        server {upstream};
        keepalive 32;
    }}
    server {{
        listen {host}:{port} backlog=2048;
        location / {{
            proxy_pass http://smarty_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""

    def __init__(self, nginx: str, server: Server, var_dir: Path, cpus: str | None = None) -> None:
        self.nginx, self.server, self.cpus = nginx, server, cpus
        self.dir = var_dir / "nginx"
        self.port = free_port(server.port + 1)
        self.url = f"http://{HOST}:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        conf = self.dir / "nginx.conf"
        conf.write_text(self.CONF.format(dir=self.dir, upstream=f"{HOST}:{self.server.port}", host=HOST,
                                         port=self.port))  # fmt: skip
        args = [self.nginx, "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log"),
                "-g", "daemon off;"]  # fmt: skip
        if self.cpus:
            args = ["taskset", "-c", self.cpus, *args]
        self.proc = CHILDREN.start(args, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited ({self.proc.returncode}); see {self.dir / 'error.log'}")
            try:
                with urllib.request.urlopen(f"{self.url}/bench/floor/", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("nginx did not answer within 20 s")

    def pids(self) -> list[int]:
        return [self.proc.pid, *children_of(self.proc.pid)] if self.proc and self.proc.poll() is None else []

    def stop(self) -> None:
        if self.proc:
            CHILDREN.stop(self.proc)
            self.proc = None


def proxy_cores(cfg: dict[str, str], wrk_cpu: int | None, server_cpus: str | None) -> str | None:
    """The cores the proxy is pinned to (BENCH_PROXY_CORE): wrk's, or the server's; None: not pinned."""
    if cfg["BENCH_PROXY_CORE"] == "server":
        return server_cpus
    return None if wrk_cpu is None else str(wrk_cpu)


def start_proxy(cfg: dict[str, str], server: Server, var_dir: Path, cpus: str | None) -> tuple[Proxy | None, str]:
    """The paced phases' proxy, started, and what the report says of it."""
    wanted = cfg["BENCH_PROXY"]
    if wanted in ("", "0"):
        return None, "none (BENCH_PROXY=0): the paced phases go to gunicorn directly"
    nginx = shutil.which(wanted) or shutil.which(wanted, path="/usr/sbin:/sbin")
    if nginx is None:
        return None, (f"none ({wanted} not found; Debian: apt-get install nginx-light): the paced phases go to "
                      "gunicorn directly, and a paced client's idle connection holds a sync worker")  # fmt: skip
    proxy = Proxy(nginx, server, var_dir, cpus)
    proxy.start()
    where = f"core(s) {cpus}" if cpus else "not pinned"
    return proxy, f"nginx ({Path(nginx).name}, one worker, {where}) for the paced phases"


def busy_cpu_seconds() -> float:
    """CPU time spent by the whole machine (all processes), from /proc/stat."""
    fields = _read("/proc/stat").splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_snapshot(server: Server, proxy: Proxy | None = None) -> dict[str, float]:
    groups = {
        "app workers": server.workers(),
        "database": pids_named("mariadbd", "mysqld", "postgres"),
        "redis": pids_named("redis-server"),
        "proxy": proxy.pids() if proxy else [],
    }
    snapshot = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
    snapshot["machine"] = busy_cpu_seconds()
    return snapshot


# --- wrk phases -----------------------------------------------------------------------------------


def pinning(cfg: dict[str, str], cores: int | None = None) -> tuple[int | None, str | None]:
    """(wrk's core, the server's cores) or (None, None) when not pinning."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    if cfg["BENCH_PIN"] == "0" or cores < 2 or not shutil.which("taskset"):
        return None, None
    return 0, "1" if cores == 2 else f"1-{cores - 1}"


def statpush_rate(cfg: dict[str, str]) -> float:
    """Pushes per second of BENCH_VIEWSTATS_DEVICES devices each pushing every interval."""
    return int(cfg["BENCH_VIEWSTATS_DEVICES"]) / float(cfg["BENCH_VIEWSTATS_INTERVAL"])


def plan(cfg: dict[str, str]) -> list[dict]:
    """The phases to run: name, mix, duration, connections; the rate of paced phases is
    decided when they start (half: from the mix's measured maximum)."""
    wanted = [p.strip() for p in cfg["BENCH_PHASES"].split(",") if p.strip()]
    if int(cfg["BENCH_SOAK"]) > 0 and "soak" not in wanted:
        wanted.append("soak")
    if "logins" in wanted:
        # Last: a login replaces an older session of its device, which later phases would use.
        wanted = [p for p in wanted if p != "logins"] + ["logins"]
    unknown = [p for p in wanted if p not in PHASES]
    if unknown:
        raise ValueError(f"unknown phase(s) {unknown}; known: {', '.join(PHASES)}")
    sat, paced = int(cfg["BENCH_CONNECTIONS"]), int(cfg["BENCH_PACED_CONNECTIONS"])
    duration = int(cfg["BENCH_SAT_DURATION"])
    steps = []
    for name in wanted:
        if name == "methods":
            steps += [
                {"name": f"method {m}", "kind": "method", "title": f"{m} alone", "mix": {m: 1},
                 "duration": int(cfg["BENCH_METHOD_DURATION"]), "connections": sat}
                for m in HOT_METHODS
            ]  # fmt: skip
            continue
        if name == "hotset":
            # The same requests from few devices: each worker soon holds all of them in its own
            # memory, so these phases measure the warm path without a cache round trip, where
            # the 100,000 devices of the others make one per request (docs/bench.md).
            hot = int(cfg["BENCH_HOT_DEVICES"])
            steps += [
                {"name": f"hot {title}", "kind": "hot", "title": f"{title}, {hot} devices", "mix": mix,
                 "duration": int(cfg["BENCH_METHOD_DURATION"]), "connections": sat, "devices": hot}
                for title, mix in (("account/status alone", {"account/status": 1}), ("device mix", dict(MIX)))
            ]  # fmt: skip
            continue
        step = {"name": name, "kind": name, "title": PHASE_TITLES[name], "duration": duration, "connections": sat}
        if name == "floor":
            step["mix"] = {"floor": 1}
        elif name in ("mix", "half", "soak"):
            step["mix"] = dict(MIX)
        elif name == "statpush":
            step["mix"] = {"stat/push": 1}
        elif name == "logins":
            step["mix"] = {"login": 1}
        if name in ("half", "soak", "statpush"):
            step["connections"] = paced
        if name == "soak":
            step["duration"] = int(cfg["BENCH_SOAK"]) or 600
        steps.append(step)
    return steps


def prime(server: Server, cfg: dict[str, str], run_dir: Path, dataset: dict, wrk_cpu: int | None) -> dict:
    """The device mix over all sessions for BENCH_PRIME seconds, before the measured phases and
    not among them. A server in service has answered devices for hours: each worker holds the
    operators' catalogues, guide windows and libraries in its own memory (the devices' own
    values come and go). Without this, whichever phase ran first paid for filling them, so a
    phase's figures (the half-rate p99 above all) depended on the phases before it."""
    step = {"name": "prime", "kind": "prime", "title": "prime (not measured)", "mix": dict(MIX),
            "duration": int(cfg["BENCH_PRIME"]), "connections": int(cfg["BENCH_CONNECTIONS"])}  # fmt: skip
    log(f"prime: the device mix for {step['duration']} s, not measured")
    result = run_phase(step, None, server, cfg, run_dir, dataset, wrk_cpu)
    return {k: result.get(k) for k in ("duration_s", "requests", "rps", "errors", "problem") if k in result}


def rate_for(step: dict, cfg: dict[str, str], done: dict) -> float | None:
    if step["kind"] == "statpush":
        return statpush_rate(cfg)
    if step["kind"] in ("half", "soak"):
        mix = done.get("mix")
        if not mix or not mix.get("rps"):
            raise RuntimeError(f"phase {step['name']} needs the mix phase's maximum rate: run mix first")
        return round(mix["rps"] / 2, 1)
    return None


def with_floor_slices(steps: list[dict]) -> list[dict]:
    """`steps` with a floor slice (kind "floor slice", naming the phases `before` and `after`
    it) right before each throughput phase and after the last of each run of them, so that
    each is measured between two floors (floor_around)."""
    out: list[dict] = []
    previous: dict | None = None
    for step in steps:
        if step["kind"] in THROUGHPUT or (previous is not None and previous["kind"] in THROUGHPUT):
            before = step["name"] if step["kind"] in THROUGHPUT else None
            out.append({"kind": "floor slice", "before": before, "after": previous["name"] if previous else None})
        out.append(step)
        previous = step
    if previous is not None and previous["kind"] in THROUGHPUT:
        out.append({"kind": "floor slice", "before": None, "after": previous["name"]})
    return out


def hot_sessions(sessions_file: Path, out: Path, devices: int) -> Path:
    """`devices` sessions of the load's file drawn at random (the same ones every run; the
    operators keep their shares), written to `out`."""
    lines = [line for line in sessions_file.read_text().splitlines() if line.strip()]
    out.write_text("\n".join(random.Random(0).sample(lines, min(devices, len(lines)))) + "\n")
    return out


def paced_connections(rate: float, most: int, *, proxied: bool = True) -> int:
    """Connections of a paced phase, at least 4 and at most `most`. An answer's own time adds to
    each connection's cycle, so the phase offers a little less than its rate: the longer the
    pause, the less (rate × 0.04 connections, a 40 ms mean pause each, offered four fifths of
    half the mix's rate in run 2026-12-07-155607). Behind the proxy, which holds idle
    connections at no cost to the workers, rate × 0.5 (a 500 ms mean pause, as devices pause
    between requests far longer still). Straight to gunicorn, long pauses are worse: wrk opens a connection and then
    pauses before writing, and a sync worker that accepted it waits for the request meanwhile
    (rate × 0.2: p50 52 ms with the workers 42% busy, run 2026-12-07-175429; bench/README.md,
    "Pacing"), so there rate × 0.04."""
    return max(1, min(most, max(4, math.ceil(rate * (0.5 if proxied else 0.04)))))


def run_phase(
    step: dict,
    rate: float | None,
    server: Server,
    cfg: dict,
    run_dir: Path,
    dataset: dict,
    wrk_cpu: int | None,
    proxy: Proxy | None = None,
) -> dict:
    """One wrk phase and what it measured; a paced one (rate) goes through `proxy` when there is one."""
    proxy = proxy if rate else None
    slug = re.sub(r"[^a-z0-9]+", "-", step["name"].lower()).strip("-")
    script = run_dir / f"{slug}.lua"
    sessions_file = run_dir.parent.parent / "sessions.csv"
    if step.get("devices"):
        sessions_file = hot_sessions(sessions_file, run_dir / f"{slug}-sessions.csv", step["devices"])
    script.write_text(
        wrk.lua_script(
            mix=step["mix"],
            sessions_file=sessions_file,
            operators=dataset["operators"],
            password=cfg["BENCH_PASSWORD"],
            device=dataset.get("device", "android"),
            rate=rate,
            connections=step["connections"],
        )
    )
    args = wrk.wrk_command(url=(proxy or server).url, script=script, duration=step["duration"],
                           connections=step["connections"], cpu=wrk_cpu, wrk=cfg["BENCH_WRK"])  # fmt: skip
    memory_series: list[dict] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        started = time.monotonic()
        while not stop_sampling.wait(10):
            memory_series.append({"t": round(time.monotonic() - started), "rss_mib": server.memory()})

    cpu_before, children_before = cpu_snapshot(server, proxy), resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    result: dict = {}
    try:
        result, output = wrk.run(args, timeout=step["duration"] + 60)
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
        output = str(exc)
        result = {"problem": f"wrk: {exc}"[:400]}
    (run_dir / f"{slug}.out").write_text(output)
    elapsed = time.monotonic() - started
    stop_sampling.set()
    sampler.join(timeout=5)
    cpu_after, children_after = cpu_snapshot(server, proxy), resource.getrusage(resource.RUSAGE_CHILDREN)
    load_cpu = sum(getattr(children_after, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime"))
    cpu = {name: round((cpu_after[name] - cpu_before[name]) / elapsed, 2) for name in cpu_before}
    cpu["wrk"] = round(load_cpu / elapsed, 2)
    machine = cpu.pop("machine")
    cpu["other processes"] = round(max(0.0, machine - sum(cpu.values())), 2)
    result.update(
        {
            "phase": step["name"],
            "kind": step["kind"],
            "title": step["title"],
            "mix": step["mix"],
            "connections": step["connections"],
            "target_rps": rate,
            "via": "nginx" if proxy else "gunicorn",
            "duration_s": step["duration"],
            "load_average_after": load_average(),
            "cpu_cores": cpu,
            "memory_after_mib": server.memory(),
            "memory_series": memory_series,
        }
    )
    return result


# --- results ---------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _ratio(value: float | None, floor: float | None) -> str:
    return f"{value / floor:.2f}×" if value is not None and floor else "–"


def floor_around(results: dict, name: str) -> float | None:
    """The mean of the floor slices measured right before and right after phase `name`
    (BENCH_FLOOR_AROUND; the one before alone when none followed), or None."""
    slices = results.get("floor_slices") or []
    for i, piece in enumerate(slices):
        if piece.get("before") == name and piece.get("rps"):
            after = slices[i + 1].get("rps") if i + 1 < len(slices) else None
            return round((piece["rps"] + after) / 2, 1) if after else piece["rps"]
    return None


def _compared(row: dict, floor: float, around: float | None) -> str:
    """'0.66× the floor around it (500.0 / 757.6 RPS); 0.61× the run's floor (820.0)'."""
    if around is None:
        return f"{_ratio(row['rps'], floor)} ({row['rps']} / {floor} RPS)"
    return (f"{_ratio(row['rps'], around)} the floor around it ({row['rps']} / {around} RPS); "
            f"{_ratio(row['rps'], floor)} the run's floor ({floor})")  # fmt: skip


def floor_rps(results: dict) -> float | None:
    return results["phases"].get("floor", {}).get("rps")


def evaluate(results: dict) -> list[dict]:
    """The issue's targets against what was measured (goals, not assertions)."""
    phases = results["phases"]
    floor = floor_rps(results)
    targets = []
    # Each against the floor measured around it when there is one (BENCH_FLOOR_AROUND), else
    # the run's floor phase; the report gives both.
    for name, target, goal in (
        ("method account/status", "account/status alone ≥ 0.7× the floor", 0.7),
        ("method channel/url", "channel/url alone ≥ 0.4× the floor", 0.4),
        ("mix", "device mix ≥ 0.5× the floor, 0 errors", 0.5),
    ):
        row = phases.get(name)
        if row and floor and row.get("rps") is not None:
            around = floor_around(results, name)
            targets.append(
                {
                    "target": target,
                    "measured": f"{_compared(row, floor, around)}, {row['errors']} errors",
                    "met": row["rps"] >= goal * (around or floor) and row["errors"] == 0,
                }
            )
    half = phases.get("half")
    if half and half.get("p99") is not None:
        targets.append(
            {
                "target": "p99 ≤ 50 ms at half the mix's maximum rate",
                "measured": f"p99 {_ms(half['p99'])} ms at {half['rps']} RPS (target {half['target_rps']}), "
                f"{half['errors']} errors",
                # At the rate: a phase that offered less measured a lighter load.
                "met": half["p99"] <= 50 and half["errors"] == 0 and half["rps"] >= 0.95 * half["target_rps"],
            }
        )
    push = phases.get("statpush")
    if push and push.get("rps") is not None:
        targets.append(
            {
                "target": f"stat/push at the devices' rate ({push['target_rps']:g}/s)",
                "measured": f"{push['rps']} pushes/s, p99 {_ms(push['p99'])} ms, {push['errors']} errors",
                "met": push["rps"] >= 0.95 * push["target_rps"] and push["errors"] == 0,
            }
        )
    soak = phases.get("soak")
    if soak and len(soak.get("memory_series") or []) >= 2:
        series = soak["memory_series"]
        first, last = series[0]["rss_mib"], series[-1]["rss_mib"]
        common = [pid for pid in first if pid in last]
        growth = max((last[p] - first[p] for p in common), default=0.0)
        peak = max((max(s["rss_mib"].values(), default=0) for s in series), default=0)
        peak_mb = peak * MIB / 1e6  # the target is in MB (10^6 bytes), the readings in MiB
        targets.append(
            {
                "target": "worker memory flat over the soak, ≤ 150 MB RSS per worker",
                "measured": f"largest growth {growth:+.1f} MiB over {series[-1]['t'] - series[0]['t']} s, "
                f"peak {peak} MiB ({peak_mb:.1f} MB)",
                "met": bool(common) and growth <= max(5.0, 0.05 * peak) and peak_mb <= 150,
            }
        )
    return targets


def markdown(results: dict) -> str:
    cfg = results["config"]
    phases = results["phases"]
    floor = floor_rps(results)
    queries = results.get("queries", {}).get("queries", {})
    threads = f" ({cfg['BENCH_THREADS']} threads)" if cfg["BENCH_WORKER_CLASS"] == "gthread" else ""
    server = f"gunicorn {cfg['BENCH_WORKERS']} × {cfg['BENCH_WORKER_CLASS']}{threads}"
    data = results["dataset"]
    operators = "; ".join(
        f"operator {o['index']}: {o['accounts']} accounts ({o.get('sessions', '?')} sessions), {o['channels']} "
        f"channels, {o.get('videos', '?')} videos"
        for o in data["operators"]
    )
    lines = [
        f"# Benchmark {results['started_at']}",
        "",
        f"- commit {results['commit']}; {results['machine']}; database {results['database']}, Redis",
        f"- server: {server}, DEBUG off, log level {cfg['BENCH_LOG_LEVEL']}; load: {results.get('wrk', 'wrk')}, "
        f"{results.get('pinning', 'not pinned')}",
        *([f"- paced phases' proxy: {results['proxy']}"] if results.get("proxy") else []),
        *(
            [
                f"- the floor measured again around the throughput phases ({cfg.get('BENCH_FLOOR_AROUND')} s each, "
                f"× floor around: against the mean of the slices before and after): {len(rates)} slices, "
                f"{min(rates)} to {max(rates)} RPS"
            ]  # fmt: skip
            if (rates := [p["rps"] for p in results.get("floor_slices") or [] if p.get("rps")])
            else []
        ),
        f"- dataset ({results['dataset_action']}): {operators}; {data.get('programmes', 0)} programmes; "
        f"sessions file {results.get('sessions_lines', '?')} lines",
        f"- load average before the run: {results['load_average_before']}",
        "- cache before the phases: "
        + (
            "warm, every session's first account/status and channel/programs made and its account's "
            f"library state read in-process ({results['warm']['sessions']} sessions, "
            f"{results['warm']['errors']} errors, {results['warm']['seconds']} s)"
            if results.get("warm")
            else "as the run before left it (BENCH_WARM=0, BENCH_FLUSH_REDIS=0): its values expire an hour "
            "after that run made them"
            if cfg.get("BENCH_FLUSH_REDIS") == "0"
            else "cold (BENCH_WARM=0): each session's first request builds from the database"
        ),
        "- workers before the phases: "
        + (
            f"primed, the device mix for {prime['duration_s']} s, not measured ({prime.get('requests', '?')} "
            f"requests, {prime.get('errors', '?')} errors{'; ' + prime['problem'] if prime.get('problem') else ''})"
            if (prime := results.get("prime"))
            else "not primed (BENCH_PRIME=0): the first phases fill each worker's memory"
        ),
        "",
        "## Phases",
        "",
        "| phase | conns | target RPS | requests | RPS | × floor | × floor around | p50 ms | p90 ms | p99 ms | "
        "max ms | errors | CPU cores app / db / redis / proxy / wrk / other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in phases.values():
        cpu = result.get("cpu_cores", {})
        cpu_text = " / ".join(f"{cpu.get(k, 0):.2f}" for k in ("app workers", "database", "redis", "proxy", "wrk",
                                                                 "other processes"))  # fmt: skip
        target = f"{result['target_rps']:g}" if result.get("target_rps") else "max"
        if result.get("rps") is None:
            lines.append(f"| {result['title']} | {result['connections']} | {target} | – | – | – | – | – | – | – | – | "
                         f"{result.get('problem', 'no data')} | {cpu_text} |")  # fmt: skip
            continue
        ratio = _ratio(result["rps"], floor) if result["kind"] in ("floor", "method", "hot", "mix", "logins") else "–"
        around = _ratio(result["rps"], floor_around(results, result["phase"]))
        lines.append(
            f"| {result['title']} | {result['connections']} | {target} | {result['requests']} | {result['rps']} | "
            f"{ratio} | {around} | {_ms(result['p50'])} | {_ms(result['p90'])} | {_ms(result['p99'])} | "
            f"{_ms(result['max'])} | {result['errors']} | {cpu_text} |"
        )
    mix = phases.get("mix")
    if mix and mix.get("sent"):
        total = sum(mix["sent"].values()) or 1
        lines += [
            "",
            "## The mix, method by method",
            "",
            "| method | weight ‰ | share sent | RPS in the mix | alone RPS | alone × floor | queries/request (warm) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for method, weight in MIX.items():
            share = mix["sent"].get(method, 0) / total
            alone = phases.get(f"method {method}", {}).get("rps")
            q = queries.get(method)
            q_text = f"{q['queries_median']:g}" if q else "–"
            if q and (q["http_status"] != 200 or q.get("error") not in (0, "0", None)):
                q_text += f" (HTTP {q['http_status']}, error {q.get('error')})"
            lines.append(
                f"| {method} | {weight} | {share:.1%} | {mix['rps'] * share:.1f} | {alone if alone else '–'} | "
                f"{_ratio(alone, floor)} | {q_text} |"
            )
    bad = [(r["title"], r) for r in phases.values() if r.get("bad_samples")]
    if bad:
        lines += ["", "## Error answers (first few per phase)", ""]
        for title, result in bad:
            lines.append(f"- {title}: by status {result.get('bad_status')}; e.g. `{result['bad_samples'][0][:160]}`")
    memory = results["memory"]
    lines += ["", "## Worker memory (RSS, MiB)", "", "| worker | before | after the run | change |"]
    lines.append("|---|---:|---:|---:|")
    for pid, before in sorted(memory.get("before", {}).items()):
        after = memory.get("after", {}).get(pid)
        change = f"{after - before:+.1f}" if after is not None else "–"
        lines.append(f"| {pid} | {before:.1f} | {'–' if after is None else f'{after:.1f}'} | {change} |")
    if results.get("targets"):
        lines += ["", "## Targets (goals, not assertions)", "", "| target | measured | met |", "|---|---|---|"]
        for target in results["targets"]:
            lines.append(f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else 'no'} |")
    profile = results.get("queries", {}).get("profile")
    if profile and "areas" in profile:
        lines += [
            "",
            f"## Where the time goes: {profile['method']} in-process ({profile['calls']} calls, "
            f"{profile['per_call_ms']} ms per call under the profiler)",
            "",
            "| area | own time s | share |",
            "|---|---:|---:|",
        ]
        for area in profile["areas"]:
            lines.append(f"| {area['area']} | {area['seconds']} | {area['share']:.0%} |")
    if results.get("problems"):
        lines += ["", "## Problems", ""] + [f"- {p}" for p in results["problems"]]
    lines += ["", f"Raw numbers: `{results['json_name']}`; wrk scripts and output: `{results['run_dir']}`.", ""]
    return "\n".join(lines)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def wrk_version(cfg: dict) -> str:
    try:
        out = subprocess.run([cfg["BENCH_WRK"], "--version"], capture_output=True, text=True, timeout=10)
        text = (out.stdout + out.stderr).split()
        return f"wrk {text[1]}" if len(text) > 1 else "wrk"
    except (OSError, subprocess.SubprocessError):
        return "wrk ?"


def _portable(cfg: dict) -> dict:
    """The configuration as recorded in a result: paths inside the project relative to it, so
    a result committed with the project says nothing of the machine it ran on."""
    root = str(ROOT) + os.sep
    return {key: value.replace(root, "") if isinstance(value, str) else value for key, value in cfg.items()}


def dataset_args(cfg: dict, dataset_file: Path, sessions_file: Path) -> list[str]:
    return [
        "bench_dataset", "--reuse",
        "--accounts", cfg["BENCH_ACCOUNTS"], "--channels", cfg["BENCH_CHANNELS"],
        "--categories", cfg["BENCH_CATEGORIES"], "--videos", cfg["BENCH_VIDEOS"],
        "--epg-days", cfg["BENCH_EPG_DAYS"], "--programmes-per-day", cfg["BENCH_PROGRAMMES_PER_DAY"],
        "--stream-services", cfg["BENCH_STREAM_SERVICES"], "--other-scale", cfg["BENCH_OTHER_SCALE"],
        "--password", cfg["BENCH_PASSWORD"], "--output", str(dataset_file),
        "--sessions-file", str(sessions_file), "--other-share", cfg["BENCH_OTHER_SHARE"],
    ]  # fmt: skip


def main() -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    cfg = read_config()
    try:
        steps = plan(cfg)
    except ValueError as exc:
        log(str(exc))
        return 2
    if not shutil.which(cfg["BENCH_WRK"]):
        log(f"wrk not found ({cfg['BENCH_WRK']}): install it (Debian: apt-get install wrk) or set BENCH_WRK")
        return 2
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    var_dir = BENCH_DIR / ".var"
    run_dir = var_dir / "runs" / stamp
    run_dir.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(var_dir / "log", ignore_errors=True)
    (var_dir / "log").mkdir(parents=True, exist_ok=True)
    results_dir = Path(cfg["BENCH_RESULTS_DIR"])
    results_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(cfg, var_dir)
    dataset_file, sessions_file = var_dir / "dataset.json", var_dir / "sessions.csv"
    wrk_cpu, server_cpus = pinning(cfg)
    results: dict = {
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "database": urlsplit(cfg["BENCH_DATABASE_URL"]).scheme,
        "config": _portable(cfg),
        "wrk": wrk_version(cfg),
        "pinning": f"wrk on core {wrk_cpu}, server on core(s) {server_cpus}" if server_cpus else "not pinned",
        "phases": {},
        "problems": [],
        "json_name": f"{stamp}.json",
        "run_dir": str(run_dir.relative_to(ROOT)),
        "load_average_before": load_average(),
    }
    server: Server | None = None
    proxy: Proxy | None = None
    interrupted = 0
    try:
        log(f"database {cfg['BENCH_DATABASE_URL']}: create if missing, migrate")
        ensure_database(cfg["BENCH_DATABASE_URL"], recreate=cfg["BENCH_RECREATE_DB"] == "1")
        try:
            manage(["migrate", "--noinput", "-v", "0"], env, timeout=900)
        except RuntimeError as exc:
            raise RuntimeError(
                f"{exc}\nThe bench database is disposable: BENCH_RECREATE_DB=1 drops and recreates it "
                "(for example after migrations were regenerated)."
            ) from None
        log(f"dataset: {cfg['BENCH_ACCOUNTS']} accounts with sessions, {cfg['BENCH_CHANNELS']} channels per operator")
        started = time.monotonic()
        out = manage(dataset_args(cfg, dataset_file, sessions_file), env, timeout=3600)
        results["dataset_seconds"] = round(time.monotonic() - started, 1)
        log(out.stdout.strip().splitlines()[-1])
        dataset = json.loads(dataset_file.read_text())
        results["dataset_action"] = dataset.pop("action", "?")
        results["sessions_lines"] = sum(1 for _ in sessions_file.open())
        results["dataset"] = {**dataset, "operators": [
            {k: v for k, v in o.items() if not k.endswith("_ids")} for o in dataset["operators"]
        ]}  # fmt: skip
        if cfg["BENCH_FLUSH_REDIS"] == "1":
            flush_redis(cfg["BENCH_REDIS_URL"])
        if cfg["BENCH_WARM"] == "1":
            sessions = results["sessions_lines"]
            log(f"devices already on: account/status, channel/programs and library state per session ({sessions}), "
                "in-process")  # fmt: skip
            results["warm"] = warm_sessions(sessions_file, dataset_file, dataset, env)
            log(f"warm: {results['warm']}")
        server = Server(cfg, env, var_dir, cpus=server_cpus)
        log(f"gunicorn on {server.url}: {cfg['BENCH_WORKERS']} {cfg['BENCH_WORKER_CLASS']} worker(s); "
            f"{results['pinning']}")  # fmt: skip
        server.start()
        server.warm_up()
        if any(step["kind"] in PACED for step in steps):
            proxy_cpus = proxy_cores(cfg, wrk_cpu, server_cpus)
            proxy, results["proxy"] = start_proxy(cfg, server, var_dir, proxy_cpus)
            log(f"paced phases' proxy: {results['proxy']}")
        results["memory"] = {"before": server.memory()}
        if int(cfg["BENCH_PRIME"]) > 0:
            results["prime"] = prime(server, cfg, run_dir, dataset, wrk_cpu)
            log(f"primed: {results['prime']}")
        slice_s = int(cfg["BENCH_FLOOR_AROUND"])
        results["floor_slices"] = []
        for step in with_floor_slices(steps) if slice_s > 0 else steps:
            if not server.alive():
                results["problems"].append(f"the server died before phase {step.get('name', 'floor slice')}")
                break
            if step["kind"] == "floor slice":
                piece = {"name": "floor slice", "kind": "floor slice", "title": "floor slice", "mix": {"floor": 1},
                         "duration": slice_s, "connections": int(cfg["BENCH_CONNECTIONS"])}  # fmt: skip
                measured = run_phase(piece, None, server, cfg, run_dir, dataset, wrk_cpu)
                results["floor_slices"].append({"before": step["before"], "after": step["after"],
                                                "rps": measured.get("rps")})  # fmt: skip
                continue
            try:
                rate = rate_for(step, cfg, results["phases"])
            except RuntimeError as exc:
                results["problems"].append(str(exc))
                continue
            if rate:
                step = {**step, "connections": paced_connections(rate, step["connections"], proxied=proxy is not None)}
            log(f"phase {step['name']}: {step['connections']} connections, {step['duration']} s"
                + (f", paced at {rate:g} RPS" if rate else ""))  # fmt: skip
            result = run_phase(step, rate, server, cfg, run_dir, dataset, wrk_cpu, proxy)
            results["phases"][step["name"]] = result
            log(
                f"phase {step['name']}: "
                + (
                    f"{result['rps']} RPS, p50 {result['p50']} ms, p99 {result['p99']} ms, {result['errors']} errors"
                    if result.get("rps") is not None
                    else result.get("problem", "no data")
                )
            )
        if results["floor_slices"]:
            log("floor slices: " + ", ".join(f"{piece['rps']}" for piece in results["floor_slices"]))
        results["memory"]["after"] = server.memory()
        log("queries per request and profile (in-process)")
        queries_file = run_dir / "queries.json"
        with open(run_dir / "queries.out", "w") as out:
            proc = CHILDREN.start(
                [sys.executable, str(BENCH_DIR / "queries.py"), "--dataset", str(dataset_file),
                 "--output", str(queries_file), "--calls", cfg["BENCH_QUERY_CALLS"],
                 "--profile-method", cfg["BENCH_PROFILE_METHOD"], "--profile-calls", cfg["BENCH_PROFILE_CALLS"]],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                proc.wait(timeout=900)
            except subprocess.TimeoutExpired:
                results["problems"].append("the query counter took longer than 900 s")
            CHILDREN.stop(proc)
        if queries_file.exists():
            results["queries"] = json.loads(queries_file.read_text())
        else:
            results["problems"].append(f"no query counts; see {run_dir / 'queries.out'}")
    except Exception as exc:  # noqa: BLE001 - reported in the results, children stopped below
        results["problems"].append(f"{type(exc).__name__}: {exc}")
        log(f"error: {exc}")
    except (KeyboardInterrupt, SystemExit) as exc:
        interrupted = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 130
        results["problems"].append("interrupted")
        log("interrupted: stopping the server and the load tool")
    finally:
        if proxy:
            proxy.stop()
        if server:
            server.stop()
        CHILDREN.stop_all()
    results.setdefault("memory", {"before": {}})
    results.setdefault("dataset", {"operators": [], "programmes": 0, "epg_channels": 0})
    results.setdefault("dataset_action", "?")
    results["targets"] = evaluate(results) if results["phases"] else []
    results["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    json_path = results_dir / f"{stamp}.json"
    md_path = results_dir / f"{stamp}.md"
    json_path.write_text(json.dumps(results, indent=2, default=str))
    md_path.write_text(markdown(results))
    print(md_path.read_text())
    log(f"results: {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path} and {md_path.name}")
    if interrupted:
        return interrupted
    return 1 if results["problems"] and not results["phases"] else 0


if __name__ == "__main__":
    sys.exit(main())
