"""Devices already on: each session of the load makes its first requests before the measured
phases: `account/status`, then one `channel/programs`, and its account's channel settings and
video library state are read; then the operators' guide is read as their devices keep it.

A set-top box keeps its authkey for days and polls `account/status` every minute or so, so in
production the shared cache holds the session, account and inbox entries of every device that
is on; and a device that is on has loaded its channel list since it started, which leaves its
account's entitlement (its tariffs) and channel settings (favourites, hidden and locked
channels, its order: what `channel/list` reads of the account) in the shared cache too. Here
the cheapest request that builds the entitlement, `channel/programs` of the operator's first
channel, stands in for that channel list, and the channel settings are read in-process through
their selector (a whole `channel/list` per session would add minutes to every run and nothing
to the cache the phases read). A device that opened its video library within the cache's
timeout left its account's library state there (favourites, marks, positions, purchases: what
`video/list` and `video/detail` read of the account); it is read here in-process through the
same selector, without a whole `video/list` per session.

With 100,000 devices on, every day of the guide that devices page through has been asked for
within the cache's timeout: the day windows of each EPG channel the operators show, from
GUIDE_DAYS_BACK days before today to GUIDE_DAYS_AHEAD after (`program/list` of the load asks
for dates three days back to two ahead, in the operator's time zone), are read once in-process
through the guide's selector, all in one query.

The load generator draws each request from 100,000 sessions at a few hundred requests per
second: without this step nearly every request of a 10-20 s phase would be the first one of its
session since the cache was flushed, and the phases would measure building from the database
(the cold path) instead of what devices do. Each session's first requests are made here,
in-process through Django's test client against the bench database and cache, split over
--processes processes. The app server's per-process memory is not warmed: its workers fill it
from the shared cache as the load reaches them.

    python bench/warm.py --sessions bench/.var/sessions.csv --dataset bench/.var/dataset.json \
        --device android --processes 2

Prints one JSON line: sessions, errors, guide_windows, seconds. Runs with the project's settings from the
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
# The guide's UTC days read (today = 0): program/list's dates of the load (bench/wrk.py, three
# days back to two ahead) in any operator's time zone.
GUIDE_DAYS_BACK, GUIDE_DAYS_AHEAD = 4, 3


def _django() -> None:
    """Django set up in this (forked) process, with its own connections."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
    import django

    django.setup()


def _warm(rows: list[tuple[str, str]], device: str, first_channel: dict[str, int]) -> tuple[int, int]:
    _django()
    from django.test import Client

    from accounts.selectors import session_get_active
    from bench.queries import _body
    from channels.selectors import account_channels
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
        account_channels(session.account)
        account_state(session.account)
    return len(rows), errors


def _warm_guides(client_ids: list[int]) -> int:
    """The guide's day windows of the operators' EPG channels (GUIDE_DAYS_BACK..AHEAD):
    how many windows were read."""
    _django()
    from channels.selectors import channel_catalogue
    from epg.selectors import DAY, day_start, epg_days

    today = day_start(int(time.time()))
    days = [today + n * DAY for n in range(-GUIDE_DAYS_BACK, GUIDE_DAYS_AHEAD + 1)]
    epg_ids = sorted({e for c in client_ids for e in channel_catalogue(c, warming=True)["epg_ids"] if e})
    return len(epg_days(epg_ids, days)) if epg_ids else 0


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
        client_ids = sorted({int(client_id) for client_id, _ in rows})
        windows = pool.apply(_warm_guides, (client_ids,))
    seconds = time.perf_counter() - started
    sessions, errors = sum(d[0] for d in done), sum(d[1] for d in done)
    print(json.dumps({"sessions": sessions, "errors": errors, "guide_windows": windows, "seconds": round(seconds, 1)}))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
