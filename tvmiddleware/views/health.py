"""GET /health/check/ (reference tvmw/Health.md): load and memory against MAX_LA /
MAX_USED_MEM, optionally the database and cache connections."""

from __future__ import annotations

import os
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connections

from smarty.api import ApiError, Call, Flag

from ..api import tvmw

HEALTH_BAD_SETTINGS = 1


MEMORY_SAMPLE_SECONDS = 1.0
_memory_sample: tuple[float, float] | None = None  # (monotonic time read, ratio)
_memory_lock = threading.Lock()


def used_memory_ratio() -> float:
    """Used memory / total, read from /proc/meminfo at most once a second per process: a
    balancer polls health/check often, and the file costs more to parse than the rest of
    the request."""
    global _memory_sample
    now = time.monotonic()
    sample = _memory_sample
    if sample is not None and now - sample[0] < MEMORY_SAMPLE_SECONDS:
        return sample[1]
    with _memory_lock:
        ratio = read_used_memory_ratio()
        _memory_sample = (now, ratio)
    return ratio


def read_used_memory_ratio() -> float:
    """Used memory / total from /proc/meminfo (MemAvailable counts as free)."""
    values: dict[str, int] = {}
    with open("/proc/meminfo") as handle:
        for line in handle:
            name, _, rest = line.partition(":")
            values[name] = int(rest.split()[0])
    total = values.get("MemTotal", 0)
    available = values.get("MemAvailable", values.get("MemFree", 0))
    return (total - available) / total if total else 0.0


def connection_errors() -> list[str]:
    problems = []
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
            problems.append(f"database {alias}: {exc}")
    try:
        probe = "health:probe"
        cache.set(probe, "1", timeout=10)
        if cache.get(probe) != "1":
            problems.append("cache: value written could not be read back")
    except Exception as exc:  # noqa: BLE001
        problems.append(f"cache: {exc}")
    return problems


@tvmw.method("/health/check/", "HealthCheck", error_message=False, params=[Flag("check_db_conn")])
def health_check(call: Call) -> dict:
    max_la, max_mem = settings.MAX_LA, settings.MAX_USED_MEM
    if not isinstance(max_la, (int, float)) or not isinstance(max_mem, (int, float)) or max_la <= 0 or max_mem <= 0:
        raise ApiError(HEALTH_BAD_SETTINGS, "MAX_LA and MAX_USED_MEM are not set or not valid")
    la_ratio = os.getloadavg()[0] / max_la
    mem_ratio = used_memory_ratio() / max_mem
    # The reference defines usage as the smaller of the two ratios.
    usage = round(min(la_ratio, mem_ratio), 4)
    alive = la_ratio < 1 and mem_ratio < 1
    body = {"usage": usage, "reserved_server_addresses": list(settings.SMARTY_RESERVED_SERVER_ADDRESSES)}
    if call.params["check_db_conn"]:
        problems = connection_errors()
        body["connection_errors"] = problems
        alive = alive and not problems
    body["alive"] = 1 if alive else 0
    return body
