"""The load generator (bench/wrk.py): the Lua wrk runs, its output parsed, and the two together
against a small local HTTP server (no Django server here; the run itself is `make bench`)."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from urllib.parse import parse_qs, urlsplit

import pytest

from bench import wrk
from bench.mix import MIX, mix_share

OPERATORS = [
    {"client_id": 5, "api_key": "key5", "basic_channel_ids": [11, 12], "channel_ids": [11, 12, 13],
     "video_ids": [31, 32], "abonement_first": 10000001, "abonement_last": 10000009},
    {"client_id": 6, "api_key": "key6", "channel_ids": [21], "video_ids": [41]},
]  # fmt: skip


def test_the_mix_has_the_device_methods_and_no_logins():
    for method in ("video/list", "video/detail", "channel/url", "program/list", "channel/programs", "account/status"):
        assert MIX[method] > 0
    assert "login" not in MIX
    assert sum(MIX.values()) == 1000
    assert mix_share("account/status") == pytest.approx(0.41)


def test_the_script_carries_the_mix_the_sessions_file_and_each_operators_channels(tmp_path):
    lua = wrk.lua_script(mix={"account/status": 7, "video/list": 3, "login": 0}, sessions_file=tmp_path / "s.csv",
                         operators=OPERATORS, password="pw")  # fmt: skip
    assert f'local SESSIONS_FILE = "{tmp_path / "s.csv"}"' in lua
    assert '{"account/status", 7},' in lua and '{"video/list", 3},' in lua
    assert '"login"' not in lua.split("local OPERATORS")[0]  # weight 0: left out
    # Only the channels every account sees (the basic tariff's) when the dataset names them.
    assert '[5] = {api_key = "key5", channels = {11,12}, videos = {31,32}, first = 10000001, last = 10000009},' in lua
    assert '[6] = {api_key = "key6", channels = {21}, videos = {41}, first = 0, last = 0},' in lua
    assert "function delay()" not in lua


def test_a_paced_script_waits_connections_over_rate_before_each_request(tmp_path):
    assert wrk.pacing_delay_ms(rate=None, connections=64) == 0
    assert wrk.pacing_delay_ms(rate=1600, connections=64) == 40.0
    lua = wrk.lua_script(mix=MIX, sessions_file="s.csv", operators=OPERATORS, rate=1600, connections=64)
    assert "local DELAY_MS = 40.000" in lua
    assert "function delay()" in lua
    with pytest.raises(ValueError):
        wrk.pacing_delay_ms(rate=-1, connections=4)


def test_values_that_would_need_escaping_are_refused_rather_than_put_into_the_lua():
    with pytest.raises(ValueError, match="refusing"):
        wrk.lua_script(mix={'x"); os.exit(1) --': 1}, sessions_file="s.csv", operators=OPERATORS)
    with pytest.raises(ValueError, match="positive weight"):
        wrk.lua_script(mix={"account/status": 0}, sessions_file="s.csv", operators=OPERATORS)


DONE_LINE = (
    'BENCH_JSON {"duration_us":2000000,"requests":1000,"bytes":5000,'
    '"socket_errors":{"connect":0,"read":2,"write":0,"timeout":1},'
    '"latency_us":{"mean":2500,"max":90000,"50":1800,"90":4000,"99":12500,"99.9":60000},'
    '"sent":{"video/list":60,"account/status":410},"bad":4,"bad_status":{"404":3,"200":1},'
    '"bad_samples":["404 nope"]}'
)


def test_the_done_line_becomes_the_phase_figures():
    figures = wrk.parse_output("Running 2s test @ http://127.0.0.1:1/\n  1000 requests\n" + DONE_LINE + "\n")
    assert figures["requests"] == 1000
    assert figures["rps"] == 500.0
    assert (figures["p50"], figures["p90"], figures["p99"], figures["p999"]) == (1.8, 4.0, 12.5, 60.0)
    assert figures["max"] == 90.0
    # Answers that were not 200 with error 0, plus read errors and timeouts.
    assert figures["errors"] == 4 + 3
    assert list(figures["sent"]) == ["account/status", "video/list"]


def test_output_without_the_done_line_is_an_error():
    with pytest.raises(ValueError, match="BENCH_JSON"):
        wrk.parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_the_command_pins_wrk_when_given_a_core():
    args = wrk.wrk_command(url="http://127.0.0.1:1", script="p.lua", duration=5, connections=16, cpu=0)
    assert args[:3] == ["taskset", "-c", "0"]
    assert args[3:] == ["wrk", "-t", "1", "-c", "16", "-d", "5s", "--timeout", "10s", "-s", "p.lua",
                        "http://127.0.0.1:1"]  # fmt: skip
    assert wrk.wrk_command(url="u", script="p.lua", duration=1, connections=2)[0] == "wrk"


class Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[tuple[str, dict]] = []

    def do_GET(self):
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        Recorder.seen.append((parts.path, query))
        # account/status answers error 0; video/list an error code: wrk's script tells them apart.
        body = json.dumps({"error": 0 if "account/status" in parts.path else 3}, separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_runs_the_script_with_the_sessions_and_counts_error_answers(tmp_path):
    sessions = tmp_path / "sessions.csv"
    sessions.write_text("5,aaaa1111,1\n5,bbbb2222,1\n6,cccc3333,2\n")
    script = tmp_path / "phase.lua"
    script.write_text(wrk.lua_script(mix={"account/status": 1, "video/list": 1}, sessions_file=sessions,
                                     operators=OPERATORS))  # fmt: skip
    Recorder.seen = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        figures, _output = wrk.run(wrk.wrk_command(url=url, script=script, duration=1, connections=2), timeout=60)
    finally:
        server.shutdown()
        server.server_close()
    assert figures["requests"] > 0
    status = [q for path, q in Recorder.seen if path == "/tvmiddleware/api/account/status/"]
    videos = [q for path, q in Recorder.seen if path == "/tvmiddleware/api/video/list/"]
    assert status and videos
    assert {(q["client_id"], q["authkey"]) for q in status} <= {("5", "aaaa1111"), ("5", "bbbb2222"), ("6", "cccc3333")}
    assert all(q["device"] == "android" for q in status)
    # Every video/list answer (error 3) and none of the account/status ones counted as errors
    # (wrk may stop before reading the answers of the last requests, one per connection).
    assert 0 < figures["bad_answers"] <= len(videos) <= figures["bad_answers"] + 2
    assert figures["bad_status"] == {"200": figures["bad_answers"]}
