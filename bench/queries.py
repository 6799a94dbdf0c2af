"""Queries per request and where the time goes, measured in-process after the load phases.

Each device method is called through Django's test client against the benchmark's database and
cache (the same settings as the server, so the cache is as warm as the load left it): one call
to warm up, then --calls calls, each inside CaptureQueriesContext. Then the hottest method is
run --profile-calls times under cProfile, and its own time is grouped by area (database
driver, ORM, cache client, logging, project code, ...).

    python bench/queries.py --dataset bench/.var/dataset.json --output out.json

Runs with the project's settings from the environment (bench/run.py sets them).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import site
import statistics
import sys
import sysconfig
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = "/tvmiddleware/api"
DEVICE_MODEL = "BenchBox"


def _body(response) -> dict:
    try:
        body = json.loads(response.content)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class Device:
    """One simulated device (the same parameters as the load generator, bench/wrk.py)."""

    def __init__(self, client, dataset: dict) -> None:
        self.http = client
        self.operator = dataset["operators"][0]
        self.abonement = str(self.operator["abonement_first"])
        # Not the load's device of this account (bench-<abonement>): a login replaces the older
        # session of its device, and the load would then meet that session dead (403).
        self.device_uid = f"bench-queries-{self.abonement}"
        self.password = dataset["password"]
        self.device = dataset.get("device", "android")
        self.authkey = ""
        self.cid = (self.operator.get("channel_ids") or [None])[0]
        self.pid = None
        self.vid = (self.operator.get("video_ids") or [None])[0]

    def common(self, **extra: object) -> dict:
        params = {"client_id": self.operator["client_id"], "device": self.device, "device_uid": self.device_uid}
        if self.authkey:
            params["authkey"] = self.authkey
        params.update(extra)
        return params

    def requests(self) -> list[tuple[str, str, Callable[[], dict]]]:
        """(name, path, params builder) in the order a device makes them."""
        past = int(time.time()) - 7200
        return [
            ("portal/settings/list", "portal/settings/list", lambda: self.common(api_key=self.operator["api_key"])),
            (
                "login",
                "login",
                lambda: self.common(
                    api_key=self.operator["api_key"],
                    abonement=self.abonement,
                    password=self.password,
                    device_model=DEVICE_MODEL,
                ),
            ),
            ("channel/list", "channel/list", lambda: self.common()),
            ("account/status", "account/status", lambda: self.common()),
            ("channel/programs", "channel/programs", lambda: self.common(cid=self.cid, limit=6)),
            ("program/list", "program/list", lambda: self.common(cid=self.cid, date=time.strftime("%d.%m.%Y"))),
            ("channel/url", "channel/url", lambda: self.common(cid=self.cid, redirect=0)),
            (
                "program/url",
                "program/url",
                lambda: self.common(cid=self.cid, redirect=0, **({"pid": self.pid} if self.pid else {"time": past})),
            ),
            ("health/check", "health/check", lambda: {"device": self.device}),
            ("video/list", "video/list", lambda: self.common(limit=20)),
            ("video/detail", "video/detail", lambda: self.common(vid=self.vid)),
        ]

    def get(self, path: str, params: dict):
        url = "/bench/floor/" if path == "floor" else f"{API}/{path}/"
        return self.http.get(url, params)

    def learn(self, name: str, body: dict) -> None:
        """Take what later calls need from an answer (authkey, a channel, an ended programme)."""
        if name == "login" and body.get("authkey"):
            self.authkey = str(body["authkey"])
        elif name == "channel/list" and isinstance(body.get("channels"), list) and body["channels"]:
            self.cid = body["channels"][0].get("id", self.cid)
        elif name == "program/list" and isinstance(body.get("programs"), list):
            now = time.time()
            ended = [p.get("id") for p in body["programs"] if isinstance(p, dict) and _num(p.get("end_time")) < now]
            if ended:
                self.pid = ended[-1]


def _num(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("inf")


def count_queries(device: Device, calls: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    results = {}
    for name, path, params in [*device.requests(), ("floor", "floor", lambda: {})]:
        response = device.get(path, params())  # warm-up
        device.learn(name, _body(response))
        counts, times = [], []
        for _ in range(calls):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = device.get(path, params())
                times.append((time.perf_counter() - started) * 1000)
            counts.append(len(captured.captured_queries))
        body = _body(response)
        device.learn(name, body)
        results[name] = {
            "http_status": response.status_code,
            "error": body.get("error") if name != "floor" else 0,
            "queries_median": statistics.median(counts),
            "queries_min": min(counts),
            "queries_max": max(counts),
            "in_process_ms_median": round(statistics.median(times), 3),
        }
    return results


AREAS = [
    ("database driver", ("MySQLdb", "/sqlite3/", "psycopg")),
    ("cache client (redis)", ("/redis/", "django_redis")),
    ("Django ORM", ("/django/db/",)),
    ("Django core (request, middleware, URLs)", ("/django/",)),
    ("logging", ("/logging/", "smarty/logging.py")),
]


def area_of(filename: str, function: str = "") -> str:
    if filename == "~":
        # C functions: name them by what they do, where that is clear.
        if "_mysql" in function or "sqlite3" in function or "psycopg" in function:
            return "database driver"
        if "_socket" in function or "select" in function:
            return "socket I/O (Redis, database)"
        if "pickle" in function:
            return "cache client (redis)"
        return "builtins (C calls)"
    for area, needles in AREAS:
        if any(needle in filename for needle in needles):
            return area
    if filename.startswith(str(ROOT)) and "/.venv" not in filename and "site-packages" not in filename:
        return "project code"
    if filename.startswith("<"):
        return "builtins (C calls)"
    return "other (stdlib, libraries)"


def _scrub(text: str) -> str:
    """File names relative to the project, the installed packages or the standard library: a
    report committed with the project says nothing of the machine it ran on."""
    paths = sysconfig.get_paths()
    prefixes = [
        *((prefix, "site-packages/") for prefix in {paths["purelib"], paths["platlib"], *site.getsitepackages()}),
        (paths["stdlib"], "stdlib/"),
        (str(ROOT), ""),
    ]
    for prefix, name in sorted(prefixes, key=lambda pair: -len(pair[0])):
        text = text.replace(prefix.rstrip("/") + "/", name)
    return text


def profile(device: Device, method: str, calls: int) -> dict:
    """cProfile `calls` calls of one method; own time grouped by area, and the top functions."""
    lookup = {name: (path, params) for name, path, params in device.requests()}
    if method not in lookup:
        return {"method": method, "error": "unknown method"}
    path, params = lookup[method]
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(calls):
        response = device.get(path, params())
    profiler.disable()
    elapsed = time.perf_counter() - started
    stats = pstats.Stats(profiler)
    by_area: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        area = area_of(filename, function)
        by_area[area] = by_area.get(area, 0.0) + tottime
    total = sum(by_area.values()) or 1.0
    text = io.StringIO()
    stats.stream = text
    stats.sort_stats("tottime").print_stats(15)
    top = _scrub("\n".join(line for line in text.getvalue().splitlines() if line.strip()))
    text = io.StringIO()
    stats.stream = text
    stats.sort_stats("cumulative").print_stats(25)
    return {
        "method": method,
        "calls": calls,
        "http_status": response.status_code,
        "error": _body(response).get("error"),
        "per_call_ms": round(elapsed / calls * 1000, 3),
        "areas": sorted(
            ({"area": a, "seconds": round(s, 4), "share": round(s / total, 4)} for a, s in by_area.items()),
            key=lambda row: -row["seconds"],
        ),
        "top_tottime": top,
        "top_cumulative": _scrub("\n".join(line for line in text.getvalue().splitlines() if line.strip())),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--profile-method", default="account/status")
    parser.add_argument("--profile-calls", type=int, default=300)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
    import django

    django.setup()
    from django.test import Client

    dataset = json.loads(Path(args.dataset).read_text())
    device = Device(Client(), dataset)
    try:
        result = {"queries": count_queries(device, max(1, args.calls))}
        if args.profile_calls > 0:
            result["profile"] = profile(device, args.profile_method, args.profile_calls)
    finally:
        log_out(device)
    Path(args.output).write_text(json.dumps(result, indent=2))
    return 0


def log_out(device: Device) -> None:
    """End the sessions the counter's own device logged in: the dataset then has one session
    per account again, which the next run's reuse of it checks (bench/dataset.py,
    dataset_matches); one more session would make that run build the dataset anew."""
    from accounts.models import Session
    from accounts.services.sessions import session_delete

    mine = Session.objects.filter(client_id=device.operator["client_id"], device__device_uid=device.device_uid)
    for session in mine:
        session_delete(session=session)


if __name__ == "__main__":
    sys.exit(main())
