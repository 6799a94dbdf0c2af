"""Simulated devices for locust (bench/README.md). Runs in the load tool's own virtualenv: no
Django here, only HTTP against the TVMW paths of the reference (tvmw/*.md).

User classes (pick one on the locust command line):
  DeviceUser  a device as it lives: start-up (portal settings, login, channel list), then
              account/status every few seconds and now and then EPG reads and stream URLs,
              with think times (BENCH_THINK_MIN..BENCH_THINK_MAX seconds) between requests.
  MixUser     the same request mix without think times: the mixed workload at saturation.
  StatusUser  log in once, then account/status only, without think times.
  FloorUser   the floor: GET /bench/floor/, a trivial JSON view, without think times.

A request counts as failed unless it answers HTTP 200 with a JSON body whose `error` is 0, so a
method that is not there (404) or refuses (403, error codes) shows up as errors in its row.
Requests are named by method (account/status, channel/url, ...): the statistics are per method.

Environment: BENCH_DATASET (the JSON written by `manage.py bench_dataset --output`),
BENCH_THINK_MIN / BENCH_THINK_MAX, BENCH_OTHER_SHARE (share of devices of the second operator).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from functools import cache

from locust import between, constant, task
from locust.contrib.fasthttp import FastHttpUser

API = "/tvmiddleware/api"
THINK_MIN = float(os.environ.get("BENCH_THINK_MIN", "1"))
THINK_MAX = float(os.environ.get("BENCH_THINK_MAX", "5"))
OTHER_SHARE = float(os.environ.get("BENCH_OTHER_SHARE", "0.1"))
DEVICE_MODEL = "BenchBox"
BRAND = "Bench"

# The request mix (weights per ~100 requests), after the vendor's published stress test:
# account/status dominates, then channel/programs, channel/url, program/list, health/check,
# program/url; channel/list and portal/settings/list come with each device start-up.
WEIGHTS = {
    "account_status": 46,
    "channel_programs": 15,
    "channel_url": 12,
    "program_list": 9,
    "health_check": 8,
    "program_url": 6,
    "restart": 1,
}

_numbers = itertools.count()


@cache
def dataset() -> dict:
    path = os.environ.get("BENCH_DATASET", "")
    if not path:
        raise RuntimeError("BENCH_DATASET is not set: run `manage.py bench_dataset --output FILE` first")
    with open(path) as handle:
        return json.load(handle)


def pick_account() -> tuple[dict, int]:
    """The next device's operator and abonement: devices take accounts in order, a share of
    them from the second operator (when there is one)."""
    data = dataset()
    operators = data["operators"]
    number = next(_numbers)
    operator = operators[0]
    if len(operators) > 1 and (number % 100) < round(OTHER_SHARE * 100):
        operator = operators[1]
    span = operator["abonement_last"] - operator["abonement_first"] + 1
    return operator, operator["abonement_first"] + (number % span)


class TvmwError(Exception):
    pass


class DeviceBase(FastHttpUser):
    """What every simulated device knows and does; subclasses choose tasks and think times."""

    abstract = True
    # Never follow a redirect (the stream URLs point at made-up hosts): a 3xx is an answer.
    # (Not allow_redirects=False: locust 2.43 breaks on it with geventhttpclient 2.6.)
    max_redirects = 0
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        data = dataset()
        self.operator, abonement = pick_account()
        self.abonement = str(abonement)
        self.device_uid = f"bench-{self.abonement}"
        self.password = data["password"]
        self.device = data.get("device", "android")
        self.authkey = ""
        self.channel_ids: list[int] = list(self.operator.get("channel_ids") or [])
        self.past_programmes: dict[int, list[int]] = {}
        self.start_up()

    # --- plumbing --------------------------------------------------------------------------

    def common(self, **params: object) -> dict:
        base = {"client_id": self.operator["client_id"], "device": self.device, "device_uid": self.device_uid}
        if self.authkey:
            base["authkey"] = self.authkey
        base.update(params)
        return base

    def call(self, name: str, params: dict) -> dict | None:
        """GET one TVMW method; the JSON body on success, None (and a failure) otherwise."""
        with self.client.get(f"{API}/{name}/", params=params, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            try:
                body = response.json()
            except ValueError:
                response.failure("not JSON")
                return None
            error = body.get("error") if isinstance(body, dict) else None
            if error not in (0, "0"):
                response.failure(f"error {error}: {str(body.get('error_message', ''))[:80]}")
                return None
            response.success()
            return body

    def cid(self) -> int | None:
        return random.choice(self.channel_ids) if self.channel_ids else None

    def remember_programmes(self, cid: int, programmes: object, begin_key: str) -> None:
        """Keep a few ids of programmes that have ended: catch-up requests ask for those."""
        if not isinstance(programmes, list):
            return
        now = time.time()
        ended = [
            p["id"]
            for p in programmes
            if isinstance(p, dict) and "id" in p and _number(p.get(begin_key.replace("begin", "end"))) < now
        ]
        if ended:
            self.past_programmes[cid] = ended[-20:]

    # --- what a device does ----------------------------------------------------------------

    def start_up(self) -> None:
        """Power on: portal settings, login, the channel list."""
        self.authkey = ""
        self.call(
            "portal/settings/list",
            self.common(api_key=self.operator["api_key"], brand=BRAND, model=DEVICE_MODEL),
        )
        self.log_in()
        body = self.call("channel/list", self.common())
        if body and isinstance(body.get("channels"), list):
            ids = [c["id"] for c in body["channels"] if isinstance(c, dict) and "id" in c]
            if ids:
                self.channel_ids = ids

    def log_in(self) -> None:
        self.authkey = ""
        body = self.call(
            "login",
            self.common(
                api_key=self.operator["api_key"],
                abonement=self.abonement,
                password=self.password,
                device_model=DEVICE_MODEL,
                brand_name=BRAND,
            ),
        )
        if body and body.get("authkey"):
            self.authkey = str(body["authkey"])

    def account_status(self) -> None:
        self.call("account/status", self.common())

    def channel_programs(self) -> None:
        cid = self.cid()
        if cid is None:
            return
        body = self.call("channel/programs", self.common(cid=cid, limit=6))
        if body:
            self.remember_programmes(cid, body.get("programs"), "program_begin_time")

    def program_list(self) -> None:
        cid = self.cid()
        if cid is None:
            return
        day = time.gmtime(time.time() + 86400 * random.randint(-3, 2))
        body = self.call("program/list", self.common(cid=cid, date=time.strftime("%d.%m.%Y", day)))
        if body:
            self.remember_programmes(cid, body.get("programs"), "begin_time")

    def channel_url(self) -> None:
        cid = self.cid()
        if cid is not None:
            self.call("channel/url", self.common(cid=cid, redirect=0))

    def program_url(self) -> None:
        visible = set(self.channel_ids)
        known = [cid for cid in self.past_programmes if cid in visible] or list(self.past_programmes)
        if known:
            cid = random.choice(known)
            self.call("program/url", self.common(cid=cid, pid=random.choice(self.past_programmes[cid]), redirect=0))
            return
        cid = self.cid()
        if cid is not None:
            # No programme seen yet: catch-up by time, two hours back.
            self.call("program/url", self.common(cid=cid, time=int(time.time()) - 7200, redirect=0))

    def health_check(self) -> None:
        self.call("health/check", {"device": self.device})


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("inf")


def _mix_tasks() -> dict:
    return {
        DeviceBase.account_status: WEIGHTS["account_status"],
        DeviceBase.channel_programs: WEIGHTS["channel_programs"],
        DeviceBase.channel_url: WEIGHTS["channel_url"],
        DeviceBase.program_list: WEIGHTS["program_list"],
        DeviceBase.health_check: WEIGHTS["health_check"],
        DeviceBase.program_url: WEIGHTS["program_url"],
        DeviceBase.start_up: WEIGHTS["restart"],
    }


class DeviceUser(DeviceBase):
    """A device with think times: the realistic load (latency at a given request rate)."""

    wait_time = between(THINK_MIN, THINK_MAX)
    tasks = _mix_tasks()


class MixUser(DeviceBase):
    """The same mix, back to back: the mixed workload's maximum throughput."""

    wait_time = constant(0)
    tasks = _mix_tasks()


class StatusUser(DeviceBase):
    """Log in once, then account/status only, back to back."""

    wait_time = constant(0)

    def start_up(self) -> None:
        self.log_in()

    @task
    def status(self) -> None:
        self.account_status()


class FloorUser(FastHttpUser):
    """The floor: the cheapest JSON answer of the same server, back to back."""

    wait_time = constant(0)
    network_timeout = 30.0
    connection_timeout = 10.0

    @task
    def floor(self) -> None:
        with self.client.get("/bench/floor/", name="floor", catch_response=True) as response:
            if response.status_code == 200 and response.text.startswith('{"error":0'):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
