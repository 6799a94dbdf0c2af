"""ViewStats benchmark: stat/push at the rate 100,000 devices send, and the rollups keeping up.

    python bench/viewstats.py [--devices 100000] [--interval 60] [--sessions 2000]
                              [--seconds 20] [--json out.json] [--migrate]

Runs in-process against the configured database and cache (SMARTY_DATABASE_URL,
SMARTY_REDIS_URL; `make -C bench viewstats` points them at the bench ones), in two phases:

  push     `--sessions` logged-in devices of a bench operator call GET /viewstats/api/stat/push
           through Django's WSGI handler (test client: the whole request path but the socket)
           back to back for `--seconds`; each device changes channel (a new channel_session)
           every tenth push, so the mix is 10% INSERTs and 90% UPDATEs as with devices that
           push once a minute and zap every ten. Reported: pushes/s of one process and the
           processes the target rate needs.
  flush    the scheduled flush (monitoring.recording.buffer_flush) storing what the push
           phase buffered in the cache (nothing may be lost); then one whole minute of the
           target (devices / interval × 60 pushes: 100,000 at the defaults; devices that
           pushed the minute before push again, one in ten in a new session) flushed on its
           own: the seconds that flush takes and pushes stored per second.
  rollup   the scheduled rollup (monitoring.services.rollup_views) over what the push phase
           wrote, stretched to the target: its time per pushed row, and the time one 10-minute
           run would take at the target rate (it keeps up when that is well under 10 minutes).

A simulated minute keeps up when its flush plus a tenth of a rollup run (the rollup runs every
ten minutes) takes at most 60 s (`seconds_per_simulated_minute`, `keeps_up`).

The target: every device pushes once per `--interval` seconds while watching, so
devices / interval pushes per second (100,000 / 60 = 1,667/s). Times are wall clock on a shared
machine: read them as an order of magnitude; the rollup's figure per row is the steadier one.
The bench operator (domain prefix `bench-viewstats`) is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench-viewstats"


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
    os.environ.setdefault("SMARTY_DEBUG", "0")
    os.environ.setdefault("SMARTY_VIEWSTATS_PUSH_LIMIT", "0")  # one process plays every device
    import django

    django.setup()


def _world(sessions: int, channels: int = 50):
    """A bench operator with `channels` channels in one tariff and `sessions` accounts each
    with a session; returns (client, [authkey], [channel id])."""
    import datetime as dt
    import secrets

    from django.utils import timezone

    from accounts.models import Account, Customer, Session
    from channels.models import Channel, ChannelCategory
    from clients.models import Client
    from tariffs.models import Tariff

    _cleanup()
    client = Client.objects.create(name="Bench ViewStats", domain_prefix=PREFIX)
    tariff = Tariff.objects.create(client=client, name="Bench")
    category = ChannelCategory.objects.create(client=client, name="Bench")
    Channel.objects.bulk_create(
        [Channel(client=client, category=category, name=f"Bench {n}", sort_order=n) for n in range(channels)]
    )
    channel_ids = list(Channel.objects.filter(client=client).values_list("pk", flat=True))
    tariff.channels.add(*channel_ids)
    customer = Customer.objects.create(client=client, lastname="Bench")
    customer.tariffs.add(tariff)
    Account.objects.bulk_create(
        [Account(client=client, customer=customer, abonement=f"9{n:08d}") for n in range(sessions)],
        batch_size=1000,
    )
    accounts = list(Account.objects.filter(client=client).order_by("pk"))
    expires = timezone.now() + dt.timedelta(days=1)
    keys = [secrets.token_hex(16) for _ in accounts]
    Session.objects.bulk_create(
        [Session(client=client, account=a, authkey=k, expires_at=expires) for a, k in zip(accounts, keys, strict=True)],
        batch_size=1000,
    )
    return client, keys, channel_ids


def _cleanup() -> None:
    from clients.models import Client

    for client in Client.objects.filter(domain_prefix=PREFIX):
        from monitoring.models import ViewEvent, ViewRollup

        ViewEvent.objects.filter(client=client).delete()
        ViewRollup.objects.filter(client=client).delete()
        client.delete()


def push_phase(client, keys: list[str], channels: list[int], seconds: float) -> dict:
    from django.test import Client as HttpClient

    http = HttpClient()
    sent = errors = 0
    started = time.perf_counter()
    cpu0 = time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for index, key in enumerate(keys):
            zap = sent // (10 * len(keys))
            response = http.get(
                "/viewstats/api/stat/push",
                {
                    "authkey": key,
                    "client_id": client.pk,
                    "channel_id": channels[(index + zap) % len(channels)],
                    "channel_session": index * 1000 + zap,
                },
            )
            sent += 1
            if response.status_code != 200 or b'"error":0' not in response.content:
                errors += 1
            if time.perf_counter() >= deadline:
                break
    elapsed = time.perf_counter() - started
    return {
        "pushes": sent,
        "errors": errors,
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(time.process_time() - cpu0, 2),
        "pushes_per_second": round(sent / elapsed, 1),
    }


def flush_phase(pushes: int) -> dict:
    from monitoring.models import ViewEvent
    from monitoring.recording import buffer_flush

    before = ViewEvent.objects.count()
    started = time.perf_counter()
    stored = buffer_flush(include_current=True)
    elapsed = time.perf_counter() - started
    return {
        "pushes_stored": stored,
        "rows_written": ViewEvent.objects.count() - before,
        "lost": pushes - stored,
        "seconds": round(elapsed, 3),
        "pushes_per_second": round(stored / max(elapsed, 1e-6), 1),
    }


def flush_minute_phase(client, channels: list[int], count: int) -> dict:
    """The flush of a minute shaped as at the target: `count` devices pushed in the previous
    minute (their rows exist) and push again, nine in ten extending their session and one in
    ten starting a new one. Timed: the flush of the second minute only."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import Account
    from monitoring import recording, services

    accounts = list(Account.objects.filter(client=client).values_list("pk", flat=True))
    # Minutes no flush has looked at yet: a flush marks every minute of its look-back as done,
    # even an empty one, so pushes dated into a past minute would never be stored.
    first = (timezone.now() + dt.timedelta(minutes=30)).replace(second=0, microsecond=0)

    direct = [0]

    def push_all(at, zap: bool) -> None:
        for n in range(count):
            session = 10_000_000 + n + (count if zap and n % 10 == 0 else 0)
            # False: the cache did not take it and it was stored at once (not the flush's).
            direct[0] += not services.view_push(
                viewing=services.Viewing(
                    client_id=client.pk,
                    account_id=accounts[n % len(accounts)],
                    content_type="live",
                    content_id=channels[n % len(channels)],
                    channel_session=session,
                ),
                now=at + dt.timedelta(seconds=n % 60),
            )

    push_all(first, zap=False)
    recording.buffer_flush(now=first + dt.timedelta(minutes=2))
    buffering = time.perf_counter()
    direct[0] = 0
    push_all(first + dt.timedelta(minutes=1), zap=True)
    buffered = time.perf_counter() - buffering
    started = time.perf_counter()
    stored = recording.buffer_flush(now=first + dt.timedelta(minutes=3))
    elapsed = time.perf_counter() - started
    from monitoring.models import ViewEvent

    # The rollup phase measures on its own rows (two hours back), not on these.
    ViewEvent.objects.filter(client=client, started_at__gte=first).delete()
    return {
        "pushes": count,
        "pushes_stored": stored,
        "stored_at_once": direct[0],
        "lost": count - stored - direct[0],
        "buffering_seconds_one_process": round(buffered, 2),
        "seconds": round(elapsed, 3),
        "pushes_per_second": round(stored / max(elapsed, 1e-6), 1),
    }


def synthetic_rows(client, count: int, channels: list[int]) -> None:
    """`count` pushed sessions over the last two hours, written by bulk INSERT, so the rollup
    is measured on a realistic volume whatever the push phase managed."""
    import datetime as dt
    import random

    from django.utils import timezone

    from accounts.models import Account
    from monitoring.models import ViewEvent

    accounts = list(Account.objects.filter(client=client).values_list("pk", flat=True))
    now = timezone.now()
    rng = random.Random(7)
    batch = []
    for n in range(count):
        started = now - dt.timedelta(seconds=rng.randrange(2 * 3600))
        length = rng.randrange(30, 1800)
        batch.append(
            ViewEvent(
                client=client,
                account_id=accounts[n % len(accounts)],
                content_type="live",
                content_id=str(rng.choice(channels)),
                channel_session=n,
                started_at=started,
                started_epoch=int(started.timestamp()),
                ended_at=started + dt.timedelta(seconds=length),
                duration=length,
                source=ViewEvent.Source.PUSH,
            )
        )
        if len(batch) == 5000:
            ViewEvent.objects.bulk_create(batch)
            batch = []
    ViewEvent.objects.bulk_create(batch)


def queries_per_push(client, keys: list[str], channels: list[int]) -> int:
    """Database queries of one warm repeated push (the write itself is left to the flush)."""
    from django.db import connection
    from django.test import Client as HttpClient
    from django.test.utils import CaptureQueriesContext

    http = HttpClient()
    params = {"authkey": keys[0], "client_id": client.pk, "channel_id": channels[0], "channel_session": 424242}
    http.get("/viewstats/api/stat/push", params)
    with CaptureQueriesContext(connection) as captured:
        http.get("/viewstats/api/stat/push", params)
    return len(captured.captured_queries)


def rollup_phase() -> dict:
    from monitoring.models import ViewEvent
    from monitoring.services import rollup_views

    rows = ViewEvent.objects.count()
    started = time.perf_counter()
    result = rollup_views(hours=2)
    elapsed = time.perf_counter() - started
    return {"raw_rows": rows, "seconds": round(elapsed, 3), "result": result}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between a device's pushes")
    parser.add_argument("--sessions", type=int, default=2000, help="simulated devices (sessions)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the push phase")
    parser.add_argument("--rollup-rows", type=int, default=100_000, help="synthetic sessions for the rollup")
    parser.add_argument("--json", help="write the figures here as JSON")
    parser.add_argument("--migrate", action="store_true", help="run migrate first")
    args = parser.parse_args()
    _setup_django()
    if args.migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    target = args.devices / args.interval
    client, keys, channels = _world(args.sessions)
    # Pushes other runs left in the cache (the HTTP phase of `make bench` buffers into the same
    # cache) are stored first and untimed, so the flush phase counts only this run's pushes.
    from monitoring.recording import buffer_flush

    buffer_flush(include_current=True)
    try:
        push = push_phase(client, keys, channels, args.seconds)
        push["queries_per_push"] = queries_per_push(client, keys, channels)
        flush = flush_phase(push["pushes"] + 2)
        # One simulated minute of the target: every device's pushes of that minute.
        flush["target_shaped_minute"] = flush_minute_phase(client, channels, round(target * 60))
        synthetic_rows(client, args.rollup_rows, channels)
        rollup = rollup_phase()
    finally:
        _cleanup()
    # Rows a 10-minute rollup run sees at the target: a new session row per zap (one push in
    # ten), and it recomputes two hours of buckets.
    rows_per_run = target * 2 * 3600 / 10
    per_row = rollup["seconds"] / max(rollup["raw_rows"], 1)
    figures = {
        "target_pushes_per_second": round(target, 1),
        "push": push,
        "processes_for_target": round(target / max(push["pushes_per_second"], 0.1), 1),
        "flush": flush,
        "flush_seconds_per_minute_at_target": round(
            target * 60 / max(flush["target_shaped_minute"]["pushes_per_second"], 0.1), 1
        ),
        "rollup": rollup,
        "rollup_seconds_per_row": per_row,
        "rollup_rows_per_run_at_target": int(rows_per_run),
        "rollup_run_seconds_at_target": round(per_row * rows_per_run, 1),
        "rollup_keeps_up": per_row * rows_per_run < 600,
    }
    # A simulated minute costs its flush plus a tenth of a rollup run (one every 10 minutes).
    minute = flush["target_shaped_minute"]["seconds"] + per_row * rows_per_run / 10
    figures["seconds_per_simulated_minute"] = round(minute, 1)
    figures["keeps_up"] = minute <= 60 and flush["target_shaped_minute"]["lost"] == 0
    print(json.dumps(figures, indent=2, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=str))
    return 0 if push["errors"] == 0 and flush["lost"] == 0 and figures["keeps_up"] else 1


if __name__ == "__main__":
    sys.exit(main())
