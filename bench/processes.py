"""The benchmark's processes (bench/run.py): gunicorn and the paced phases' nginx started and
stopped as children of the run, each in its own process group, and what /proc says of them
(workers, RSS, CPU per process group and for the machine), with the cores each is pinned to.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # load goes to this machine's loopback only
CLK_TCK = os.sysconf("SC_CLK_TCK")


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


def http_status(url: str) -> int | None:
    """The HTTP status of a GET of `url` (its body read), None when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            response.read()
            return response.status
    except OSError:
        return None


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
        return http_status(f"{self.url}{path}")

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
    connection holds a sync worker (bench/README.md, "Pacing"). One nginx worker, pinned to
    `cpus` (proxy_cores)."""

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
            if http_status(f"{self.url}/bench/floor/") == 200:
                return
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


def pinning(cfg: dict[str, str], cores: int | None = None) -> tuple[int | None, str | None]:
    """(wrk's core, the server's cores) or (None, None) when not pinning."""
    cores = cores if cores is not None else (os.cpu_count() or 1)
    if cfg["BENCH_PIN"] == "0" or cores < 2 or not shutil.which("taskset"):
        return None, None
    return 0, "1" if cores == 2 else f"1-{cores - 1}"
