"""Real processes for the scaling tests: app servers (gunicorn), MariaDB servers with their own
data directories, a Celery worker. Each is started on a free port, waited for, and stopped."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    tail = log.read_text()[-3000:] if log is not None and log.exists() else ""
    raise TimeoutError(f"{what} did not come up within {timeout} s\n{tail}")


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production-like process of this checkout."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.local",
        "SMARTY_DEBUG": "0",
        "SMARTY_SECRET_KEY": "scaling-test-secret",
        "SMARTY_VAR_DIR": str(var_dir),
        "SMARTY_LOG_DIR": str(var_dir / "log"),
        "SMARTY_LOG_LEVEL": "WARNING",
        "SMARTY_SESSION_TOUCH_INTERVAL": "3600",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(overrides)
    return env


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return (
        f"mysql://{auth}{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 3306}/{settings_dict['NAME']}"
    )


class AppServer:
    """gunicorn serving this checkout on a free port."""

    def __init__(self, env: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "smarty.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={workers}",
                "--timeout=60",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.get("health/check/")["error"] == 0, timeout=60, what="gunicorn", log=log)

    def get(self, method: str, **params) -> dict:
        url = f"http://127.0.0.1:{self.port}/tvmiddleware/api/{method}?{urlencode(params)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        stop(self.process)


@contextmanager
def app_servers(count: int, env: dict[str, str], log_dir: Path):
    servers: list[AppServer] = []
    try:
        for n in range(count):
            servers.append(AppServer(env, log_dir / f"gunicorn-{n}.log"))
        yield servers
    finally:
        for server in servers:
            server.stop()


def manage(*args: str, env: dict[str, str], timeout: float = 120) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


# --- MariaDB ------------------------------------------------------------------------------

MARIADBD = shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin:/usr/local/sbin")
INSTALL_DB = shutil.which("mariadb-install-db")
MARIADB = shutil.which("mariadb")


class MariaDB:
    """A mariadbd of its own: data directory under `base`, TCP on a free port, binary log on
    (a primary) or read-only (a replica)."""

    def __init__(self, base: Path, server_id: int, *, replica: bool = False) -> None:
        self.dir = base / f"mariadb-{server_id}"
        self.data = self.dir / "data"
        self.socket = self.dir / "mysqld.sock"
        self.port = free_port()
        self.log = self.dir / "error.log"
        self.data.mkdir(parents=True)
        subprocess.run(
            [
                INSTALL_DB,
                "--no-defaults",
                f"--datadir={self.data}",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        args = [
            MARIADBD,
            "--no-defaults",
            f"--datadir={self.data}",
            f"--socket={self.socket}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={self.dir / 'mysqld.pid'}",
            f"--log-error={self.log}",
            "--user=root",
            f"--server-id={server_id}",
            "--innodb-buffer-pool-size=32M",
            "--innodb-log-file-size=16M",
            "--innodb-flush-log-at-trx-commit=2",
            "--sync-binlog=0",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_unicode_ci",
        ]
        if replica:
            args += ["--read-only=1", f"--relay-log={self.dir / 'relay'}"]
        else:
            args += [f"--log-bin={self.dir / 'binlog'}", "--binlog-format=ROW"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(
            lambda: self.socket.exists() and self.sql("SELECT 1") == "1", timeout=60, what="mariadbd", log=self.log
        )

    def sql(self, statement: str) -> str:
        done = subprocess.run(
            [MARIADB, "--no-defaults", "-uroot", f"--socket={self.socket}", "-N", "-B", "-e", statement],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{statement}: {done.stderr}")
        return done.stdout.strip()

    def status(self, name: str) -> int:
        return int(self.sql(f"SHOW GLOBAL STATUS LIKE '{name}'").split()[1])

    def replica_status(self) -> dict[str, str]:
        out = subprocess.run(
            [MARIADB, "--no-defaults", "-uroot", f"--socket={self.socket}", "-E", "-e", "SHOW SLAVE STATUS"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout
        fields = {}
        for line in out.splitlines():
            name, sep, value = line.partition(":")
            if sep:
                fields[name.strip()] = value.strip()
        return fields

    def stop(self) -> None:
        stop(self.process, timeout=60)
