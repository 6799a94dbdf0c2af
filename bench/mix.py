"""The benchmark's request mix: one table, read by the load generator (bench/wrk.py), the
report and the docs (docs/bench.md explains where the proportions come from).

No published stress-test mix of the vendor exists in the reference material, so the
proportions are derived from what a set-top box or app does with a live session:

- `account/status` is the device's heartbeat (messages, commands, account state): the bulk;
- zapping brings `channel/url` and the EPG strip of the new channel (`channel/programs`),
  opening the guide `program/list`, catch-up `program/url`;
- the VOD screens: `video/list` pages and a `video/detail` for a chosen film;
- an app start re-reads `portal/settings/list` and `channel/list` with the authkey it kept
  (devices keep their authkey for days: no login);
- `health/check` from monitoring of the devices' reachability.

Logins are not in the mix (0 ‰, within the issue's "at most 0.1%"); they have their own phase.
Weights are per mille of requests.
"""

from __future__ import annotations

# method: (per mille, parameters beyond client_id/authkey/device; see bench/wrk.py)
MIX: dict[str, int] = {
    "account/status": 410,
    "channel/programs": 140,
    "channel/url": 110,
    "program/list": 80,
    "video/list": 60,
    "health/check": 60,
    "program/url": 50,
    "video/detail": 40,
    "channel/list": 30,
    "portal/settings/list": 20,
}

# Methods measured alone (each its own saturation phase), in this order.
HOT_METHODS = ["account/status", "channel/list", "channel/programs", "channel/url", "program/list", "video/list",
               "video/detail", "health/check"]  # fmt: skip

# How often a device pushes its viewing statistics (ViewStats stat/push) while it plays:
# once a minute, so 100,000 playing devices send 100,000 / 60 = 1,667 pushes per second.
VIEWSTATS_PUSH_INTERVAL_S = 60


def mix_share(method: str) -> float:
    return MIX.get(method, 0) / sum(MIX.values())
