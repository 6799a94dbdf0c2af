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

with a floor slice around each method, hot-set and mix phase; the paced phases through nginx
(bench/processes.py). Then count queries per request (bench/queries.py), profile the hottest
method, stop the server and write bench/results/<date>.json and .md (bench/report.py). With
two cores or more, wrk runs pinned to core 0 and the server to the others (taskset). Every
child runs in its own process group and is stopped on exit, on error and on SIGINT/SIGTERM;
every phase is bounded in time.

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
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import wrk  # noqa: E402 - after the path is set, when run as a script
from bench.mix import HOT_METHODS, MIX, VIEWSTATS_PUSH_INTERVAL_S  # noqa: E402
from bench.processes import (  # noqa: E402
    CHILDREN,
    Proxy,
    Server,
    cpu_snapshot,
    load_average,
    log,
    pinning,
    proxy_cores,
    start_proxy,
)
from bench.report import evaluate, markdown  # noqa: E402

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


def _on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


# --- configuration and environment -------------------------------------------------------------


def read_config() -> dict[str, str]:
    return {name: os.environ.get(name, default) or default for name, (default, _help) in CONFIG.items()}


def bench_settings(cfg: dict[str, str], var_dir: Path) -> dict[str, str]:
    """What the benchmark sets in the environment of the server, the dataset command and the
    query counter, over what it inherits."""
    return {
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


def server_env(cfg: dict[str, str], var_dir: Path) -> dict[str, str]:
    """The settings of the server, the dataset command and the query counter (all from env)."""
    return {**os.environ, **bench_settings(cfg, var_dir)}


# Parts of a setting's name whose value a result does not record (it may be a secret or an
# address of the machine).
_UNRECORDED_NAME_PARTS = ("SECRET", "PASSWORD", "TOKEN", "KEY", "DSN", "URL", "HOST", "DIR", "PATH", "FILE")


def environment_settings(environ: Mapping[str, str], own: Mapping[str, str]) -> dict[str, str]:
    """The server's SMARTY_* settings that came from the environment the benchmark ran in
    rather than from the benchmark (`own`): how this server differed from the project's
    defaults (say SMARTY_GC_FREEZE=0), recorded with the result. A value whose name says it
    may be a secret or a machine's address or path is recorded as "(set)"."""
    return {
        name: "(set)" if any(part in name for part in _UNRECORDED_NAME_PARTS) else environ[name]
        for name in sorted(environ)
        if name.startswith("SMARTY_") and name not in own
    }


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


# --- wrk phases -----------------------------------------------------------------------------------


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


def with_floor_slices(steps: list[dict], seconds: int, connections: int) -> list[dict]:
    """`steps` with a floor slice (`seconds` of the floor, kind "floor slice", naming the
    phases `before` and `after` it) right before each throughput phase and after the last of
    each run of them, so that each is measured between two floors (report.floor_around)."""

    def piece(before: str | None, after: str | None) -> dict:
        return {"name": "floor slice", "kind": "floor slice", "title": "floor slice", "mix": {"floor": 1},
                "duration": seconds, "connections": connections, "before": before, "after": after}  # fmt: skip

    out: list[dict] = []
    previous: dict | None = None
    for step in steps:
        if step["kind"] in THROUGHPUT or (previous is not None and previous["kind"] in THROUGHPUT):
            out.append(piece(step["name"] if step["kind"] in THROUGHPUT else None, previous and previous["name"]))
        out.append(step)
        previous = step
    if previous is not None and previous["kind"] in THROUGHPUT:
        out.append(piece(None, previous["name"]))
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
    connections at no cost to the workers: rate × 0.5, a 500 ms mean pause (devices pause far
    longer still). Straight to gunicorn long pauses are worse, so there rate × 0.04: wrk opens
    a connection and then pauses before writing, and a sync worker that accepted it waits for
    the request meanwhile (rate × 0.2: p50 52 ms with the workers 42% busy, run
    2026-12-07-175429; bench/README.md, "Pacing")."""
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
        "server_settings": environment_settings(os.environ, bench_settings(cfg, var_dir)),
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
            log(f"devices already on: account/status, channel/programs, channel settings and library state per "
                f"session ({sessions}), then the guide's day windows, in-process")  # fmt: skip
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
        for step in with_floor_slices(steps, slice_s, int(cfg["BENCH_CONNECTIONS"])) if slice_s > 0 else steps:
            if not server.alive():
                results["problems"].append(f"the server died before phase {step['name']}")
                break
            if step["kind"] == "floor slice":
                measured = run_phase(step, None, server, cfg, run_dir, dataset, wrk_cpu)
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
