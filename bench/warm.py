"""Devices already on: each session of the load makes its first requests before the measured
phases: `account/status`, then one `channel/programs`, and its account's video library state
is read.

A set-top box keeps its authkey for days and polls `account/status` every minute or so, so in
production the shared cache holds the session, account and inbox entries of every device that
is on; and a device that is on has loaded its channel list since it started, which leaves its
account's entitlement (its tariffs and channel settings) in the shared cache too. Here the
cheapest request that builds those, `channel/programs` of the operator's first channel, stands
in for that channel list (a whole `channel/list` per session would add minutes to every run
and nothing to the cache the phases read). A device that opened its video library within the
cache's timeout left its account's library state there (favourites, marks, positions,
purchases: what `video/list` and `video/detail` read of the account); it is read here
in-process through the same selector, without a whole `video/list` per session.

The load generator draws each request from 100,000 sessions at a few hundred requests per
second: without this step nearly every request of a 10-20 s phase would be the first one of its
session since the cache was flushed, and the phases would measure building from the database
(the cold path) instead of what devices do. Each session's first requests are made here,
in-process through Django's test client against the bench database and cache, split over
--processes processes. The app server's per-process memory is not warmed: its workers fill it
from the shared cache as the load reaches them.

    python bench/warm.py --sessions bench/.var/sessions.csv --dataset bench/.var/dataset.json \
        --device android --processes 2

Prints one JSON line: sessions, errors, seconds. Runs with the project's settings from the
environment (bench/run.py sets them).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATUS = "/tvmiddleware/api/account/status/"
PROGRAMS = "/tvmiddleware/api/channel/programs/"


def _warm(rows: list[tuple[str, str]], device: str, first_channel: dict[str, int]) -> tuple[int, int]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
    import django

    django.setup()
    from django.test import Client

    from accounts.selectors import session_get_active
    from bench.queries import _body
    from vod.selectors import account_state

    def answer(response) -> dict:
        return _body(response) if response.status_code == 200 else {}

    http = Client()
    errors = 0
    for client_id, authkey in rows:
        body = answer(http.get(STATUS, {"client_id": client_id, "authkey": authkey, "device": device}))
        # error 0 alone is not enough: a session that does not exist answers status 1.
        if body.get("error") != 0 or body.get("status") != 0:
            errors += 1
            continue
        cid = first_channel.get(client_id)
        if cid is not None:
            query = {"client_id": client_id, "authkey": authkey, "device": device, "cid": cid}
            if answer(http.get(PROGRAMS, query)).get("error") != 0:
                errors += 1
                continue
        session = session_get_active(authkey=authkey)
        if session is None:
            errors += 1
            continue
        account_state(session.account)
    return len(rows), errors


def _warm_star(args: tuple[list[tuple[str, str]], str, dict[str, int]]) -> tuple[int, int]:
    return _warm(*args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", required=True, help="the load's sessions file (client_id,authkey,index)")
    parser.add_argument("--device", default="android")
    parser.add_argument("--dataset", help="the dataset's description (JSON): each operator's first channel")
    parser.add_argument("--processes", type=int, default=max(1, os.cpu_count() or 1))
    args = parser.parse_args()
    rows = []
    with open(args.sessions) as handle:
        for line in handle:
            fields = line.strip().split(",")
            if len(fields) >= 2:
                rows.append((fields[0], fields[1]))
    first_channel: dict[str, int] = {}
    if args.dataset:
        with open(args.dataset) as handle:
            for operator in json.load(handle).get("operators", []):
                if operator.get("channel_ids"):
                    first_channel[str(operator["client_id"])] = operator["channel_ids"][0]
    processes = max(1, min(args.processes, len(rows) or 1))
    chunks = [(rows[n::processes], args.device, first_channel) for n in range(processes)]
    started = time.perf_counter()
    # fork: each child sets Django up itself, after the fork, with its own connections.
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        done = pool.map(_warm_star, chunks)
    seconds = time.perf_counter() - started
    sessions, errors = sum(d[0] for d in done), sum(d[1] for d in done)
    print(json.dumps({"sessions": sessions, "errors": errors, "seconds": round(seconds, 1)}))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
