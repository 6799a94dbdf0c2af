"""Fault injection against a real server: what survives a Redis outage, bursts and kills.

Starts a private redis-server (never the shared one) and gunicorn on 127.0.0.1 against the
chosen database, creates a small dataset (the benchmark's, bench/dataset.py), then injects:

  redis-paused    Redis stopped with SIGSTOP while an account is deactivated and devices poll:
                  every answer within 1 s, the old authkey refused within the documented bound
  redis-killed    Redis killed with SIGKILL mid-traffic, then restarted on the same port
  login-storm     60 parallel logins of different accounts and 60 wrong passwords at once
  billing-burst   30 concurrent customer/tariff/assign on 30 customers of one operator
  command-kill    kill -9 of a running management command, then an immediate rerun
  hostile-file    an EPG file with one huge attribute, imported under a memory ceiling
  token-race      30 viewers (different IPs and sessions) racing one stream token: one yes

and prints a table: tried / survived / lost per fault (a lost request is one answered with
something else than the API's own JSON, later than its budget, or wrongly). Exit status 1
when anything was lost. Usage: python bench/faults.py --help (bench/README.md, "Faults").
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import CHILDREN, free_port  # noqa: E402
from bench.run import ensure_database, manage  # noqa: E402
from smarty.api.signature import compute_signature  # noqa: E402

HOST = "127.0.0.1"
BUDGET = 1.0  # seconds: the longest any single request may take during a fault
FAULTS = (
    "redis-paused",
    "redis-killed",
    "login-storm",
    "billing-burst",
    "command-kill",
    "hostile-file",
    "token-race",
)
LOGIN_LIMIT = 10  # SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT's default: wrong passwords checked per abonement

SETUP = """
import json
from bench.dataset import Scale, dataset_ensure
from accounts.models import Account, Customer
from clients.models import Client
from tariffs.models import Tariff
description, _ = dataset_ensure(scale=Scale(accounts=300, channels=20, categories=3, epg_days=1,
    programmes_per_day=4, stream_services=1, other_scale=0.1, password="faults-pass"))
op = description["operators"][0]
client = Client.objects.get(pk=op["client_id"])
if not client.billing_api_key:
    client.billing_api_key = "faults-billing-key"
    client.save(update_fields=["billing_api_key"])
Account.objects.filter(client=client).update(active=True, status_reason="ACTIVE")
abonements = list(Account.objects.filter(client=client).order_by("abonement").values_list("abonement", flat=True)[:200])
customers = list(Customer.objects.filter(client=client).order_by("id").values_list("id", flat=True)[:60])
tariff = Tariff.objects.filter(client=client).order_by("id").first()
print("FAULTS-SETUP " + json.dumps({"client_id": client.pk, "api_key": client.api_key,
    "billing_api_key": client.billing_api_key, "abonements": abonements, "customers": customers,
    "tariff_id": tariff.pk, "password": "faults-pass"}))
"""


@dataclass
class Outcome:
    name: str
    tried: int = 0
    survived: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.tried - self.survived

    def count(self, ok: bool) -> None:
        self.tried += 1
        self.survived += bool(ok)


@dataclass
class Answer:
    status: int | None
    body: dict | None
    seconds: float

    @property
    def json_ok(self) -> bool:
        return self.status is not None and self.body is not None


def http(url: str, timeout: float = 30.0) -> Answer:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError:
        return Answer(None, None, time.monotonic() - start)
    seconds = time.monotonic() - start
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return Answer(status, body if isinstance(body, dict) else None, seconds)


class Redis:
    """A private redis-server child: paused, resumed, killed and restarted on one port."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port, self.workdir = port, workdir
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise SystemExit("redis-server is not installed")
        args = [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"]
        self.proc = CHILDREN.start(args, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection((HOST, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def signal(self, signum: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)
            CHILDREN.procs.remove(self.proc)
        self.proc = None


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="smarty-faults-"))
        self.redis = Redis(args.redis_port, self.workdir)
        self.port = free_port(args.port)
        self.base = f"http://{HOST}:{self.port}"
        self.env = dict(os.environ)
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "settings.local",
                "SMARTY_DEBUG": "0",
                "SMARTY_DATABASE_URL": args.database_url,
                "SMARTY_REDIS_URL": f"redis://{HOST}:{args.redis_port}/0",
                "SMARTY_CACHE_KEY_PREFIX": "smarty-faults",
                "SMARTY_VAR_DIR": str(self.workdir),
                "SMARTY_LOG_DIR": str(self.workdir / "log"),
                "SMARTY_LOGIN_ATTEMPTS_PER_IP": "1000000",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.server: subprocess.Popen | None = None
        self.data: dict = {}

    # -- setup ----------------------------------------------------------------------------

    def setup(self) -> None:
        ensure_database(self.args.database_url)
        self.redis.start()
        manage(["migrate", "--no-input"], self.env, timeout=900)
        out = manage(["shell", "-c", SETUP], self.env, timeout=900).stdout
        line = next(line for line in out.splitlines() if line.startswith("FAULTS-SETUP "))
        self.data = json.loads(line.removeprefix("FAULTS-SETUP "))
        gunicorn = Path(sys.executable).with_name("gunicorn")
        args = [
            str(gunicorn), "smarty.wsgi:application", "--bind", f"{HOST}:{self.port}",
            "--workers", str(self.args.workers), "--timeout", "30", "--log-level", "warning",
            "--error-logfile", str(self.workdir / "gunicorn.log"),
        ]  # fmt: skip
        self.server = CHILDREN.start(args, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if http(self.base + "/tvmiddleware/api/health/check/", timeout=2).status == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer; see {self.workdir / 'gunicorn.log'}")

    # -- the APIs ---------------------------------------------------------------------------

    def tvmw(self, method: str, timeout: float = 30.0, **params: object) -> Answer:
        query = urllib.parse.urlencode({"client_id": self.data["client_id"], **params})
        return http(f"{self.base}/tvmiddleware/api/{method}/?{query}", timeout=timeout)

    def billing(self, method: str, timeout: float = 30.0, **params: object) -> Answer:
        items = {"client_id": str(self.data["client_id"]), **{k: str(v) for k, v in params.items()}}
        items["signature"] = compute_signature(items.items(), self.data["billing_api_key"])
        return http(f"{self.base}/billing/api/{method}/?{urllib.parse.urlencode(items)}", timeout=timeout)

    def login(self, abonement: str, password: str | None = None, uid: str = "") -> Answer:
        return self.tvmw(
            "login",
            abonement=abonement,
            password=password or self.data["password"],
            api_key=self.data["api_key"],
            device="android",
            device_uid=uid or f"faults-{abonement}",
        )

    def authkeys(self, count: int, offset: int) -> list[tuple[str, str]]:
        found = []
        for abonement in self.data["abonements"][offset : offset + count]:
            answer = self.login(abonement)
            if answer.body and answer.body.get("error") == 0:
                found.append((abonement, answer.body["authkey"]))
        return found

    # -- faults -------------------------------------------------------------------------------

    def traffic(self, keys: list[tuple[str, str]], rounds: int, outcome: Outcome, threads: int = 8) -> float:
        """Device requests (status, channel list); each must be the API's JSON within BUDGET."""
        calls = []
        for n in range(rounds):
            _, key = keys[n % len(keys)]
            calls.append(("account/status", {"authkey": key}))
            calls.append(("channel/list", {"authkey": key}))
        worst = 0.0
        with ThreadPoolExecutor(threads) as pool:
            for answer in pool.map(lambda c: self.tvmw(c[0], timeout=10, **c[1]), calls):
                worst = max(worst, answer.seconds)
                outcome.count(answer.json_ok and answer.status == 200 and answer.seconds <= BUDGET)
        return worst

    def redis_paused(self) -> Outcome:
        outcome = Outcome("redis-paused")
        keys = self.authkeys(9, 0)
        victim_abonement, victim_key = keys[0]
        self.traffic(keys, 18, Outcome("warm-up"))  # everything cached
        self.redis.signal(signal.SIGSTOP)
        try:
            deactivated = self.billing("account/deactivate", timeout=30, abonement=victim_abonement)
            outcome.count(deactivated.body is not None and deactivated.body.get("error") == 0)
            outcome.notes.append(f"deactivation answered in {deactivated.seconds:.2f} s")
            worst = self.traffic(keys[1:], 40, outcome)
            outcome.notes.append(f"slowest device request while paused {worst:.2f} s")
        finally:
            self.redis.signal(signal.SIGCONT)
        resumed = time.monotonic()
        bound = self.args.stale_bound
        refused_after = None
        while time.monotonic() - resumed <= bound + 2:
            body = self.tvmw("account/status", authkey=victim_key).body or {}
            if body.get("is_active") == 0:
                refused_after = time.monotonic() - resumed
                break
            time.sleep(0.25)
        ok = refused_after is not None and refused_after <= bound
        outcome.count(ok)
        outcome.notes.append(
            "old authkey refused "
            + (f"{refused_after:.1f} s after Redis resumed" if refused_after is not None else "NEVER")
            + f" (bound {bound:.0f} s)"
        )
        again = self.billing("account/activate", abonement=victim_abonement)
        outcome.notes.append(f"reactivated: error {again.body.get('error') if again.body else again.status}")
        return outcome

    def redis_killed(self) -> Outcome:
        outcome = Outcome("redis-killed")
        keys = self.authkeys(8, 20)
        stop = threading.Event()

        def killer() -> None:
            time.sleep(1.0)
            self.redis.kill()
            stop.wait(3.0)
            self.redis.start()

        thread = threading.Thread(target=killer)
        thread.start()
        worst = self.traffic(keys, 80, outcome)
        thread.join()
        worst = max(worst, self.traffic(keys, 20, outcome))
        outcome.notes.append(f"slowest request {worst:.2f} s")
        return outcome

    def login_storm(self) -> Outcome:
        outcome = Outcome("login-storm")
        abonements = self.data["abonements"][40:100]
        target = self.data["abonements"][110]
        with ThreadPoolExecutor(16) as pool:
            good = list(pool.map(lambda a: self.login(a, uid=f"storm-{a}"), abonements))
            bad = list(pool.map(lambda n: self.login(target, password=f"wrong-{n}", uid=f"bad-{n}"), range(60)))
        for answer in good:
            outcome.count(answer.body is not None and answer.body.get("error") == 0)
        throttled = 0
        for answer in bad:
            error = answer.body.get("error") if answer.body else None
            throttled += error == 28
            outcome.count(answer.json_ok and error not in (None, 0))
        checked = len(bad) - throttled
        outcome.count(checked == LOGIN_LIMIT)  # exact under concurrency, not merely "throttled"
        outcome.notes.append(f"wrong passwords checked before throttling: {checked} of 60 (limit {LOGIN_LIMIT})")
        return outcome

    def token_race(self) -> Outcome:
        outcome = Outcome("token-race")
        (_abonement, key), *_ = self.authkeys(1, 120)
        channels = (self.tvmw("channel/list", authkey=key).body or {}).get("channels") or []
        if not channels:
            raise RuntimeError("channel/list gave no channel to race for")
        url = self.tvmw("channel/url", authkey=key, cid=channels[0]["id"], redirect=0)
        token = urllib.parse.parse_qs(urllib.parse.urlsplit((url.body or {}).get("uri", "")).query).get("token")
        if not token:
            raise RuntimeError(f"channel/url gave no token: {url.body}")
        barrier = threading.Barrier(30)

        def viewer(n: int) -> Answer:
            barrier.wait()
            query = urllib.parse.urlencode({"token": token[0], "ip": f"10.9.0.{n}", "session_id": f"race-{n}"})
            return http(f"{self.base}/tvmiddleware/api/streamservice/token/check/?{query}", timeout=10)

        with ThreadPoolExecutor(30) as pool:
            answers = list(pool.map(viewer, range(30)))
        yes = 0
        for answer in answers:
            error = answer.body.get("error") if answer.body else None
            yes += error == 0
            outcome.count(answer.json_ok and error in (0, 1) and answer.seconds <= BUDGET)
        outcome.count(yes == 1)
        outcome.notes.append(f"viewers let in: {yes} of 30")
        return outcome

    def billing_burst(self) -> Outcome:
        outcome = Outcome("billing-burst")
        customers = self.data["customers"][:30]
        tariff = self.data["tariff_id"]
        with ThreadPoolExecutor(30) as pool:
            answers = list(
                pool.map(lambda c: self.billing("customer/tariff/assign", customer_id=c, tariff_id=tariff), customers)
            )
        codes: dict[object, int] = {}
        for answer in answers:
            error = answer.body.get("error") if answer.body else answer.status
            codes[error] = codes.get(error, 0) + 1
            outcome.count(error == 0)
        outcome.notes.append(f"answers by error code: {codes}")
        return outcome

    def _epg_source(self, name: str, path: Path, *channels: str) -> None:
        """A source for the file with its EPG channels: without a channel a file is never read."""
        snippet = (
            "from epg.models import EpgChannel, EpgSource\n"
            f"source, _ = EpgSource.objects.update_or_create(name={name!r}, defaults={{'parser': 'xmltv_from_file', "
            f"'url': {str(path)!r}, 'enabled': False}})\n"
            f"for ext_id in {list(channels)!r}:\n"
            "    EpgChannel.objects.get_or_create(source=source, ext_id=ext_id, defaults={'name': ext_id})\n"
        )
        manage(["shell", "-c", snippet], self.env, timeout=120)

    def command_kill(self) -> Outcome:
        """kill -9 of an EPG import in the middle of its work, then the same import at once."""
        outcome = Outcome("command-kill")
        path = self.workdir / "slow.xml.gz"
        # Spread over channels of 10,000 programmes each, under the importer's per-channel cap
        # (SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL), so the whole file really imports.
        channels = [f"slow{c}" for c in range(max(1, -(-self.args.slow_programmes // 10_000)))]
        with gzip.open(path, "wt", compresslevel=1) as out:
            out.write('<?xml version="1.0"?>\n<tv>\n')
            for channel in channels:
                out.write(f'<channel id="{channel}"><display-name>{channel}</display-name></channel>\n')
            start = 1_700_000_000
            for n in range(self.args.slow_programmes):
                channel, slot = channels[n % len(channels)], n // len(channels)
                begin = time.strftime("%Y%m%d%H%M%S +0000", time.gmtime(start + slot * 60))
                end = time.strftime("%Y%m%d%H%M%S +0000", time.gmtime(start + slot * 60 + 60))
                out.write(f'<programme start="{begin}" stop="{end}" channel="{channel}">')
                out.write(f"<title>P{n}</title></programme>\n")
            out.write("</tv>\n")
        self._epg_source("faults-slow", path, *channels)
        cmd = [sys.executable, str(ROOT / "manage.py"), "epg_import", "--source_name", "faults-slow", "--force"]
        started = time.monotonic()
        whole_run = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600)
        whole = time.monotonic() - started
        outcome.notes.append(f"a whole import of {len(channels)} channels takes {whole:.1f} s")
        if whole_run.returncode != 0:
            outcome.count(False)
            tail = (whole_run.stdout + whole_run.stderr).strip()[-120:]
            outcome.notes.append(f"the uninterrupted import failed: exit {whole_run.returncode}: {tail}")
            return outcome
        for delay in (whole * 0.4, whole * 0.6, whole * 0.8):
            proc = CHILDREN.start(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            if proc.poll() is not None:
                outcome.notes.append(f"the import ended within {delay:.1f} s: no kill")
                CHILDREN.procs.remove(proc)
                continue
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            CHILDREN.procs.remove(proc)
            rerun = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600)
            output = rerun.stdout + rerun.stderr
            ok = rerun.returncode == 0 and "already running" not in output
            outcome.count(ok)
            if not ok:
                tail = output.strip()[-120:]
                outcome.notes.append(f"rerun after a kill at {delay:.1f} s: exit {rerun.returncode}: {tail}")
        return outcome

    def hostile_file(self) -> Outcome:
        outcome = Outcome("hostile-file")
        size = self.args.hostile_mib << 20
        path = self.workdir / "hostile.xml.gz"
        with gzip.open(path, "wb", compresslevel=6) as out:
            out.write(b'<?xml version="1.0"?>\n<tv><channel id="x" note="')
            chunk = b"A" * (1 << 20)
            for _ in range(size >> 20):
                out.write(chunk)
            out.write(b'"><display-name>x</display-name></channel></tv>\n')
        self._epg_source("faults-hostile", path, "x")
        cmd = [sys.executable, str(ROOT / "manage.py"), "epg_import", "--source_name", "faults-hostile", "--force"]
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        peak_mib = usage.ru_maxrss / 1024
        code = os.waitstatus_to_exitcode(status)
        outcome.count(peak_mib <= self.args.memory_ceiling_mib)
        outcome.count(code != 0)  # a refused file is a failed import
        outcome.notes.append(
            f"{self.args.hostile_mib} MiB attribute: peak RSS {peak_mib:.0f} MiB "
            f"(ceiling {self.args.memory_ceiling_mib}), exit {code}"
        )
        return outcome


def table(outcomes: list[Outcome]) -> str:
    lines = ["| fault | tried | survived | lost | notes |", "|---|---:|---:|---:|---|"]
    for o in outcomes:
        lines.append(f"| {o.name} | {o.tried} | {o.survived} | {o.lost} | {'; '.join(o.notes)} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", default=os.environ.get("SMARTY_DATABASE_URL", "mysql://root@127.0.0.1:3306/smarty_faults")
    )
    parser.add_argument("--redis-port", type=int, default=6391, help="port of the private redis-server [6391]")
    parser.add_argument("--port", type=int, default=8102, help="port of gunicorn [8102, or any free one]")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers [4]")
    parser.add_argument("--only", default=",".join(FAULTS), help=f"faults to inject, in order [{','.join(FAULTS)}]")
    parser.add_argument(
        "--stale-bound",
        type=float,
        default=12.0,
        help="seconds after Redis resumes within which the old authkey must be refused "
        "[12: SMARTY_CACHE_BREAKER_SECONDS + SMARTY_CACHE_EPOCH_SECONDS + 2]",
    )
    parser.add_argument(
        "--slow-programmes", type=int, default=200_000, help="programmes of the EPG file killed mid-import [200000]"
    )
    parser.add_argument("--hostile-mib", type=int, default=256, help="size of the hostile attribute [256]")
    parser.add_argument("--memory-ceiling-mib", type=int, default=300, help="peak RSS allowed for the import [300]")
    args = parser.parse_args()
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(wanted) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    harness = Harness(args)
    outcomes: list[Outcome] = []
    try:
        harness.setup()
        for name in wanted:
            print(f"[faults] {name}", flush=True)
            try:
                outcomes.append(getattr(harness, name.replace("-", "_"))())
            except Exception as exc:  # noqa: BLE001 - a fault that breaks the harness is a finding too
                failed = Outcome(name, tried=1, survived=0, notes=[f"harness error: {exc!r}"])
                outcomes.append(failed)
    finally:
        harness.redis.signal(signal.SIGCONT)
        CHILDREN.stop_all()
    print(table(outcomes))
    return 1 if any(o.lost for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
