"""The benchmark run behind `make bench` (bench/README.md).

Steps: create the database if needed, migrate, create or reuse the dataset, flush the bench
Redis database, start gunicorn (DEBUG off, MariaDB, Redis), warm it up, then run locust
headless phase by phase against 127.0.0.1 only:

  floor    GET /bench/floor/ back to back                 -> the floor's RPS
  status   account/status back to back                    -> ratio to the floor
  mix      the device mix back to back                    -> the mix's maximum RPS
  devices  simulated devices with think times             -> latency at a realistic rate

then count queries per request (bench/queries.py), profile the hottest method, stop the server
and write bench/results/<date>.json and .md. Every child runs in its own process group and is
stopped on exit, on error and on SIGINT/SIGTERM; every phase is bounded in time.

Configuration comes from the environment (the Makefile passes its variables through); see
CONFIG below and bench/README.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import platform
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
HOST = "127.0.0.1"  # load goes to this machine's loopback only
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

# name: (default, help). Read once, recorded in the results.
CONFIG = {
    "BENCH_DURATION": ("30", "seconds of the devices phase (the soak: 600 for the memory target)"),
    "BENCH_SAT_DURATION": ("20", "seconds of each saturation phase (floor, status, mix)"),
    "BENCH_USERS": ("auto", "simulated devices; auto: enough to offer half the mix's maximum RPS"),
    "BENCH_SAT_USERS": ("16", "concurrent users of the saturation phases"),
    "BENCH_PHASES": ("floor,status,mix,devices", "phases to run, in order"),
    "BENCH_THINK_MIN": ("1", "device think time between requests, seconds (min)"),
    "BENCH_THINK_MAX": ("5", "device think time between requests, seconds (max)"),
    "BENCH_OTHER_SHARE": ("0.1", "share of simulated devices of the second operator"),
    "BENCH_ACCOUNTS": ("5000", "accounts per operator (full scale: 100000)"),
    "BENCH_CHANNELS": ("300", "channels per operator"),
    "BENCH_CATEGORIES": ("15", "channel categories per operator"),
    "BENCH_EPG_DAYS": ("7", "days of EPG"),
    "BENCH_PROGRAMMES_PER_DAY": ("24", "programmes per EPG channel and day"),
    "BENCH_STREAM_SERVICES": ("3", "streaming services per operator"),
    "BENCH_OTHER_SCALE": ("1", "second operator's size relative to the first (0: none)"),
    "BENCH_PASSWORD": ("bench-pass", "every bench account's password"),
    "BENCH_WORKERS": ("4", "gunicorn workers"),
    "BENCH_WORKER_CLASS": ("sync", "gunicorn worker class (sync or gthread)"),
    "BENCH_THREADS": ("1", "threads per worker (gthread)"),
    "BENCH_PORT": ("8765", "server port on 127.0.0.1 (another free port is taken if busy)"),
    "BENCH_DATABASE_URL": ("mysql://root@127.0.0.1:3306/smarty_bench", "the bench database"),
    "BENCH_REDIS_URL": ("redis://127.0.0.1:6379/3", "the bench Redis database (flushed at start)"),
    "BENCH_RECREATE_DB": ("0", "1: drop and recreate the bench database (MySQL/MariaDB) before migrating"),
    "BENCH_FLUSH_REDIS": ("1", "flush the bench Redis database before the run"),
    "BENCH_LOG_LEVEL": ("INFO", "the server's SMARTY_LOG_LEVEL"),
    "BENCH_QUERY_CALLS": ("20", "calls per method for the query count"),
    "BENCH_PROFILE_METHOD": ("account/status", "method profiled in-process"),
    "BENCH_PROFILE_CALLS": ("300", "calls profiled (0: no profile)"),
    "BENCH_RESULTS_DIR": (str(BENCH_DIR / "results"), "where <date>.json and <date>.md go"),
    "BENCH_LOCUST": (str(BENCH_DIR / ".venv-locust" / "bin" / "locust"), "the locust executable"),
}
METHOD_ORDER = [
    "floor",
    "account/status",
    "channel/programs",
    "channel/url",
    "program/list",
    "health/check",
    "program/url",
    "channel/list",
    "portal/settings/list",
    "login",
]
PHASE_TITLES = {
    "floor": "floor (trivial JSON view, back to back)",
    "status": "account/status only (back to back)",
    "mix": "device mix (back to back)",
    "devices": "simulated devices (think times)",
}
PHASE_CLASSES = {"floor": "FloorUser", "status": "StatusUser", "mix": "MixUser", "devices": "DeviceUser"}


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

    def __init__(self, cfg: dict[str, str], env: dict[str, str], var_dir: Path) -> None:
        self.cfg, self.env, self.var_dir = cfg, env, var_dir
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
        return children_of(self.proc.pid) if self.proc else []

    def memory(self) -> dict[str, float]:
        """RSS of each worker in MiB."""
        return {str(pid): round(kib / 1024, 1) for pid in self.workers() if (kib := rss_kib(pid)) is not None}

    def alive(self) -> bool:
        return bool(self.proc) and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc:
            CHILDREN.stop(self.proc)
            self.proc = None


def busy_cpu_seconds() -> float:
    """CPU time spent by the whole machine (all processes), from /proc/stat."""
    fields = _read("/proc/stat").splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def cpu_snapshot(server: Server) -> dict[str, float]:
    groups = {
        "app workers": server.workers(),
        "database": pids_named("mariadbd", "mysqld", "postgres"),
        "redis": pids_named("redis-server"),
    }
    snapshot = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
    snapshot["machine"] = busy_cpu_seconds()
    return snapshot


# --- locust phases ------------------------------------------------------------------------------


def _float(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _error_text(error: str) -> str:
    """locust wraps failures as CatchResponseError('HTTP 404'); keep the message."""
    for wrapper in ("CatchResponseError(", "ResponseError("):
        if error.startswith(wrapper) and error.endswith(")"):
            return error[len(wrapper) : -1].strip("'\"")
    return error


def read_locust_csv(prefix: Path) -> dict:
    rows = {}
    stats = Path(f"{prefix}_stats.csv")
    if stats.exists():
        with stats.open() as handle:
            for row in csv.DictReader(handle):
                name = "(all)" if row["Name"] == "Aggregated" else row["Name"]
                rows[name] = {
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(_float(row["Requests/s"]) or 0.0, 2),
                    "p50": _float(row["50%"]),
                    "p95": _float(row["95%"]),
                    "p99": _float(row["99%"]),
                    "avg": round(_float(row["Average Response Time"]) or 0.0, 2),
                    "max": _float(row["Max Response Time"]),
                }
    failures = []
    path = Path(f"{prefix}_failures.csv")
    if path.exists():
        with path.open() as handle:
            for row in csv.DictReader(handle):
                failures.append(
                    {"name": row["Name"], "error": _error_text(row["Error"]), "count": int(row["Occurrences"])}
                )
    failures.sort(key=lambda f: -f["count"])
    return {"methods": rows, "failures": failures}


def run_phase(
    phase: str, users: int, duration: int, server: Server, cfg: dict, run_dir: Path, dataset_file: Path
) -> dict:
    prefix = run_dir / phase
    spawn_rate = users if phase != "devices" else max(1, users // 10)
    args = [
        cfg["BENCH_LOCUST"],
        "-f", str(BENCH_DIR / "locustfile.py"),
        "--headless",
        "--host", server.url,
        "--users", str(users),
        "--spawn-rate", str(spawn_rate),
        "--run-time", f"{duration}s",
        "--stop-timeout", "5",
        "--csv", str(prefix),
        "--only-summary",
        "--exit-code-on-error", "0",
        "--loglevel", "WARNING",
        "--logfile", str(run_dir / f"{phase}.locust.log"),
        PHASE_CLASSES[phase],
    ]  # fmt: skip
    env = dict(os.environ)
    env.update(
        {
            "BENCH_DATASET": str(dataset_file),
            "BENCH_THINK_MIN": cfg["BENCH_THINK_MIN"],
            "BENCH_THINK_MAX": cfg["BENCH_THINK_MAX"],
            "BENCH_OTHER_SHARE": cfg["BENCH_OTHER_SHARE"],
        }
    )
    memory_series: list[dict] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        started = time.monotonic()
        while not stop_sampling.wait(10):
            memory_series.append({"t": round(time.monotonic() - started), "rss_mib": server.memory()})

    cpu_before, children_before = cpu_snapshot(server), resource.getrusage(resource.RUSAGE_CHILDREN)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    with open(run_dir / f"{phase}.out", "w") as out:
        proc = CHILDREN.start(args, cwd=BENCH_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            proc.wait(timeout=duration + 90)
        except subprocess.TimeoutExpired:
            log(f"{phase}: locust did not stop in time; stopping it")
        CHILDREN.stop(proc)
    elapsed = time.monotonic() - started
    stop_sampling.set()
    sampler.join(timeout=5)
    cpu_after, children_after = cpu_snapshot(server), resource.getrusage(resource.RUSAGE_CHILDREN)
    load_cpu = sum(getattr(children_after, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime"))
    cpu = {name: round((cpu_after[name] - cpu_before[name]) / elapsed, 2) for name in cpu_before}
    cpu["load tool"] = round(load_cpu / elapsed, 2)
    # Whatever else ran on the machine meanwhile (other jobs compete for the same cores).
    machine = cpu.pop("machine")
    cpu["other processes"] = round(max(0.0, machine - sum(cpu.values())), 2)
    result = read_locust_csv(prefix)
    result.update(
        {
            "phase": phase,
            "title": PHASE_TITLES[phase],
            "users": users,
            "duration_s": duration,
            "elapsed_s": round(elapsed, 1),
            "locust_exit_code": proc.returncode,
            "load_average_after": load_average(),
            "cpu_cores": cpu,
            "memory_after_mib": server.memory(),
            "memory_series": memory_series,
        }
    )
    if not result["methods"]:
        result["problem"] = f"locust wrote no statistics; see {run_dir / (phase + '.out')}"
    return result


# --- results ---------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _ratio(value: float | None, floor: float | None) -> str:
    return f"{value / floor:.2f}×" if value is not None and floor else "–"


def phase_rps(result: dict, method: str = "(all)") -> float | None:
    row = result.get("methods", {}).get(method)
    return row["rps"] if row else None


def evaluate(results: dict) -> list[dict]:
    """The issue's targets against what was measured (goals, not assertions)."""
    phases = results["phases"]
    floor = phase_rps(phases["floor"]) if "floor" in phases else None
    targets = []

    def errors(phase: str) -> int:
        return phases[phase]["methods"].get("(all)", {}).get("failures", 0) if phase in phases else 0

    if "mix" in phases and floor:
        rps = phase_rps(phases["mix"])
        targets.append(
            {
                "target": "mixed workload ≥ 0.6× the floor's RPS, 0 errors",
                "measured": f"{_ratio(rps, floor)} ({rps} / {floor} RPS), {errors('mix')} errors",
                "met": bool(rps and rps >= 0.6 * floor and errors("mix") == 0),
            }
        )
    if "status" in phases and floor:
        rps = phase_rps(phases["status"], "account/status")
        targets.append(
            {
                "target": "account/status alone ≥ 0.8× the floor",
                "measured": f"{_ratio(rps, floor)} ({rps} / {floor} RPS), {errors('status')} errors",
                "met": bool(rps and rps >= 0.8 * floor and errors("status") == 0),
            }
        )
    if "devices" in phases:
        row = phases["devices"]["methods"].get("(all)", {})
        max_rps = phase_rps(phases["mix"]) if "mix" in phases else None
        share = f", {row.get('rps', 0) / max_rps:.0%} of the mix's max RPS" if max_rps and row else ""
        targets.append(
            {
                "target": "p99 ≤ 50 ms at half the maximum RPS",
                "measured": f"p99 {_ms(row.get('p99'))} ms at {row.get('rps')} RPS{share}",
                "met": bool(row and row.get("p99") is not None and row["p99"] <= 50 and errors("devices") == 0),
            }
        )
        series = phases["devices"].get("memory_series") or []
        if len(series) >= 2:
            first, last = series[0]["rss_mib"], series[-1]["rss_mib"]
            common = [pid for pid in first if pid in last]
            growth = max((last[p] - first[p] for p in common), default=0.0)
            base = max((first[p] for p in common), default=1.0)
            targets.append(
                {
                    "target": "worker memory flat over a 10-minute run",
                    "measured": f"largest worker growth {growth:+.1f} MiB over {series[-1]['t'] - series[0]['t']} s"
                    + (f" ({len(first) - len(common)} worker(s) replaced)" if len(common) < len(first) else ""),
                    "met": bool(common)
                    and growth <= max(5.0, 0.05 * base)
                    and results["config"]["BENCH_DURATION"]
                    and int(results["config"]["BENCH_DURATION"]) >= 600,
                }
            )
    return targets


def markdown(results: dict) -> str:
    cfg = results["config"]
    phases = results["phases"]
    floor = phase_rps(phases["floor"]) if "floor" in phases else None
    queries = results.get("queries", {}).get("queries", {})
    threads = f" ({cfg['BENCH_THREADS']} threads)" if cfg["BENCH_WORKER_CLASS"] == "gthread" else ""
    server = f"gunicorn {cfg['BENCH_WORKERS']} × {cfg['BENCH_WORKER_CLASS']}{threads}"
    data = results["dataset"]
    operators = "; ".join(
        f"operator {o['index']}: {o['accounts']} accounts, {o['channels']} channels in {o['categories']} "
        f"categories, {o['stream_services']} streaming services"
        for o in data["operators"]
    )
    lines = [
        f"# Benchmark {results['started_at']}",
        "",
        f"Commit `{results['commit']}` · {results['machine']} · {server}, DEBUG off, {results['database']}, "
        f"Redis, log level {cfg['BENCH_LOG_LEVEL']} · locust {results['locust']}.",
        "",
        f"Dataset: {operators}; {data['programmes']} programmes on {data['epg_channels']} EPG channels "
        f"({results['dataset_action']}).",
        "",
        f"Load average before the run: {results.get('load_average_before')} on {os.cpu_count()} cores"
        + (
            " — **other processes were competing for the CPU: the figures below are lower bounds** "
            "(see the 'other' CPU column)."
            if (results.get("load_average_before") or 0) > 0.5
            else "."
        ),
        "",
        "× floor compares a saturation phase's RPS with the floor's (account/status's own row for the "
        "status phase); the devices phase offers a fixed rate, so its RPS is not a maximum.",
        "",
        "## Phases",
        "",
        "| phase | users | s | requests | RPS | × floor | p50 ms | p95 ms | p99 ms | errors "
        "| CPU cores: app / db / redis / locust / other |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, result in phases.items():
        row = result.get("methods", {}).get("(all)")
        cpu = result.get("cpu_cores", {})
        keys = ("app workers", "database", "redis", "load tool", "other processes")
        cpu_text = " / ".join(f"{cpu.get(k, 0):.2f}" for k in keys)
        if not row:
            lines.append(
                f"| {result['title']} | {result['users']} | {result['duration_s']} | – | – | – | – | – | – | "
                f"{result.get('problem', 'no data')} | {cpu_text} |"
            )
            continue
        if name == "floor":
            ratio = "1.00×"
        elif name == "devices":
            # Not a saturation phase: its rate is what the devices offered, not a maximum.
            ratio = "–"
        else:
            ratio = _ratio(phase_rps(result, "account/status") if name == "status" else row["rps"], floor)
        lines.append(
            f"| {result['title']} | {result['users']} | {result['duration_s']} | {row['requests']} | {row['rps']} | "
            f"{ratio} | {_ms(row['p50'])} | {_ms(row['p95'])} | {_ms(row['p99'])} | {row['failures']} | {cpu_text} |"
        )
    for name in ("devices", "mix"):
        if name not in phases or not phases[name].get("methods"):
            continue
        result = phases[name]
        lines += [
            "",
            f"## Per method — {result['title']}",
            "",
            "| method | requests | RPS | p50 ms | p95 ms | p99 ms | errors | queries/request (warm) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        methods = result["methods"]
        ordered = [m for m in METHOD_ORDER if m in methods] + sorted(
            m for m in methods if m not in METHOD_ORDER and m != "(all)"
        )
        for method in ordered + ["(all)"]:
            row = methods[method]
            q = queries.get(method)
            q_text = "–"
            if q:
                q_text = f"{q['queries_median']:g}"
                if q["http_status"] != 200 or q.get("error") not in (0, "0", None):
                    q_text += f" (HTTP {q['http_status']}, error {q.get('error')})"
            label = "**all**" if method == "(all)" else method
            lines.append(
                f"| {label} | {row['requests']} | {row['rps']} | {_ms(row['p50'])} | {_ms(row['p95'])} | "
                f"{_ms(row['p99'])} | {row['failures']} | {q_text if method != '(all)' else ''} |"
            )
    if queries:
        lines += [
            "",
            f"## Queries per request (in-process, warm cache, median of {cfg['BENCH_QUERY_CALLS']} calls)",
            "",
            "| method | HTTP | error | queries (min–max) | in-process ms |",
            "|---|---:|---:|---:|---:|",
        ]
        for method in [m for m in METHOD_ORDER if m in queries]:
            q = queries[method]
            lines.append(
                f"| {method} | {q['http_status']} | {q.get('error')} | {q['queries_median']:g} "
                f"({q['queries_min']}–{q['queries_max']}) | {q['in_process_ms_median']} |"
            )
    memory = results["memory"]
    lines += ["", "## Worker memory (RSS, MiB)", ""]
    columns = ["before"] + [f"after {p}" for p in phases]
    lines.append("| worker | " + " | ".join(columns) + " | change |")
    lines.append("|---|" + "---:|" * (len(columns) + 1))
    for pid in sorted(set(memory["before"]) | {p for r in phases.values() for p in r.get("memory_after_mib", {})}):
        values = [memory["before"].get(pid)] + [r.get("memory_after_mib", {}).get(pid) for r in phases.values()]
        known = [v for v in values if v is not None]
        change = f"{known[-1] - known[0]:+.1f}" if len(known) >= 2 else "–"
        lines.append(f"| {pid} | " + " | ".join("–" if v is None else f"{v:.1f}" for v in values) + f" | {change} |")
    errors = {}
    for name, result in phases.items():
        for failure in result.get("failures", []):
            errors.setdefault((failure["name"], failure["error"]), {})[name] = failure["count"]
    if errors:
        lines += [
            "",
            "## Errors",
            "",
            "| method | error | " + " | ".join(phases) + " |",
            "|---|---|" + "---:|" * len(phases),
        ]
        for (method, error), counts in sorted(errors.items(), key=lambda item: -sum(item[1].values()))[:25]:
            lines.append(f"| {method} | {error} | " + " | ".join(str(counts.get(p, 0)) for p in phases) + " |")
    if results.get("targets"):
        lines += ["", "## Targets (goals, not assertions)", "", "| target | measured | met |", "|---|---|---|"]
        for target in results["targets"]:
            lines.append(f"| {target['target']} | {target['measured']} | {'yes' if target['met'] else 'no'} |")
    profile = results.get("queries", {}).get("profile")
    if profile and "areas" in profile:
        lines += [
            "",
            f"## Where the time goes: {profile['method']} in-process ({profile['calls']} calls, "
            f"{profile['per_call_ms']} ms per call under the profiler, HTTP {profile['http_status']}, "
            f"error {profile['error']})",
            "",
            "| area | own time s | share |",
            "|---|---:|---:|",
        ]
        for area in profile["areas"]:
            lines.append(f"| {area['area']} | {area['seconds']} | {area['share']:.0%} |")
        lines += [
            "",
            "<details><summary>top functions by own time</summary>",
            "",
            "```",
            profile["top_tottime"],
            "```",
            "",
            "</details>",
        ]
    if results.get("problems"):
        lines += ["", "## Problems", ""] + [f"- {p}" for p in results["problems"]]
    lines += ["", f"Raw numbers: `{results['json_name']}`; locust CSVs and logs: `{results['run_dir']}`.", ""]
    return "\n".join(lines)


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)  # fmt: skip
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def locust_version(cfg: dict) -> str:
    try:
        out = subprocess.run([cfg["BENCH_LOCUST"], "--version"], capture_output=True, text=True, timeout=60)
        return out.stdout.split()[1] if out.stdout else "?"
    except (OSError, subprocess.SubprocessError, IndexError):
        return "?"


def users_for(phase: str, cfg: dict, phases: dict) -> int:
    if phase != "devices":
        return max(1, int(cfg["BENCH_SAT_USERS"]))
    if cfg["BENCH_USERS"] != "auto":
        return max(1, int(cfg["BENCH_USERS"]))
    # Little's law: a device makes one request per think time (plus latency, small here), so
    # this many devices offer about half of the mix's maximum rate.
    mix = phase_rps(phases["mix"]) if "mix" in phases else None
    think = (float(cfg["BENCH_THINK_MIN"]) + float(cfg["BENCH_THINK_MAX"])) / 2
    return min(5000, max(10, round(0.5 * mix * think))) if mix else 100


def _portable(cfg: dict) -> dict:
    """The configuration as recorded in a result: paths inside the project relative to it, so
    a result committed with the project says nothing of the machine it ran on."""
    root = str(ROOT) + os.sep
    return {key: value.replace(root, "") if isinstance(value, str) else value for key, value in cfg.items()}


def main() -> int:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _on_signal)
    cfg = read_config()
    phases_wanted = [p.strip() for p in cfg["BENCH_PHASES"].split(",") if p.strip()]
    unknown = [p for p in phases_wanted if p not in PHASE_CLASSES]
    if unknown:
        log(f"unknown phase(s) {unknown}; known: {', '.join(PHASE_CLASSES)}")
        return 2
    if not Path(cfg["BENCH_LOCUST"]).exists():
        log(f"locust not found at {cfg['BENCH_LOCUST']}: run `make -C bench deps` (or `make bench`)")
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
    dataset_file = var_dir / "dataset.json"
    results: dict = {
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "database": urlsplit(cfg["BENCH_DATABASE_URL"]).scheme,
        "config": _portable(cfg),
        "phases": {},
        "problems": [],
        "json_name": f"{stamp}.json",
        "run_dir": str(run_dir.relative_to(ROOT)),
        "load_average_before": load_average(),
    }
    server: Server | None = None
    interrupted = 0
    try:
        results["locust"] = locust_version(cfg)
        log(f"database {cfg['BENCH_DATABASE_URL']}: create if missing, migrate")
        ensure_database(cfg["BENCH_DATABASE_URL"], recreate=cfg["BENCH_RECREATE_DB"] == "1")
        try:
            manage(["migrate", "--noinput", "-v", "0"], env, timeout=900)
        except RuntimeError as exc:
            raise RuntimeError(
                f"{exc}\nThe bench database is disposable: BENCH_RECREATE_DB=1 drops and recreates it "
                "(for example after migrations were regenerated)."
            ) from None
        log(f"dataset: {cfg['BENCH_ACCOUNTS']} accounts, {cfg['BENCH_CHANNELS']} channels per operator")
        out = manage(
            [
                "bench_dataset",
                "--reuse",
                "--accounts",
                cfg["BENCH_ACCOUNTS"],
                "--channels",
                cfg["BENCH_CHANNELS"],
                "--categories",
                cfg["BENCH_CATEGORIES"],
                "--epg-days",
                cfg["BENCH_EPG_DAYS"],
                "--programmes-per-day",
                cfg["BENCH_PROGRAMMES_PER_DAY"],
                "--stream-services",
                cfg["BENCH_STREAM_SERVICES"],
                "--other-scale",
                cfg["BENCH_OTHER_SCALE"],
                "--password",
                cfg["BENCH_PASSWORD"],
                "--output",
                str(dataset_file),
            ],  # fmt: skip
            env,
            timeout=3600,
        )
        log(out.stdout.strip().splitlines()[-1])
        dataset = json.loads(dataset_file.read_text())
        results["dataset_action"] = dataset.pop("action", "?")
        results["dataset"] = {**dataset, "operators": [
            {k: v for k, v in o.items() if k != "channel_ids"} for o in dataset["operators"]
        ]}  # fmt: skip
        if cfg["BENCH_FLUSH_REDIS"] == "1":
            flush_redis(cfg["BENCH_REDIS_URL"])
        server = Server(cfg, env, var_dir)
        log(f"gunicorn on {server.url}: {cfg['BENCH_WORKERS']} {cfg['BENCH_WORKER_CLASS']} worker(s)")
        server.start()
        server.warm_up()
        results["memory"] = {"before": server.memory()}
        for phase in phases_wanted:
            if not server.alive():
                results["problems"].append(f"the server died before phase {phase}")
                break
            users = users_for(phase, cfg, results["phases"])
            duration = int(cfg["BENCH_DURATION"] if phase == "devices" else cfg["BENCH_SAT_DURATION"])
            log(f"phase {phase}: {users} users for {duration} s")
            result = run_phase(phase, users, duration, server, cfg, run_dir, dataset_file)
            results["phases"][phase] = result
            row = result["methods"].get("(all)")
            log(
                f"phase {phase}: "
                + (
                    f"{row['rps']} RPS, p99 {row['p99']} ms, {row['failures']} errors"
                    if row
                    else result.get("problem", "no data")
                )
            )
        results["memory"]["after"] = server.memory()
        log("queries per request and profile (in-process)")
        queries_file = run_dir / "queries.json"
        with open(run_dir / "queries.out", "w") as out:
            proc = CHILDREN.start(
                [
                    sys.executable,
                    str(BENCH_DIR / "queries.py"),
                    "--dataset",
                    str(dataset_file),
                    "--output",
                    str(queries_file),
                    "--calls",
                    cfg["BENCH_QUERY_CALLS"],
                    "--profile-method",
                    cfg["BENCH_PROFILE_METHOD"],
                    "--profile-calls",
                    cfg["BENCH_PROFILE_CALLS"],
                ],  # fmt: skip
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
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
        # Ctrl-C or SIGTERM: stop everything, still write what was measured.
        interrupted = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 130
        results["problems"].append("interrupted")
        log("interrupted: stopping the server and the load tool")
    finally:
        if server:
            server.stop()
        CHILDREN.stop_all()
    results.setdefault("memory", {"before": {}})
    results.setdefault("dataset", {"operators": [], "programmes": 0, "epg_channels": 0})
    results.setdefault("dataset_action", "?")
    results.setdefault("locust", "?")
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
