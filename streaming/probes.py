"""Availability probes of a streaming service (seed 4.1.11): ping, TCP connect, HTTP GET and
is_alive. Network I/O only; services.stream_service_check_all stores the outcome.

`check_url` is either `host:port` or a URL. A service whose check flags are all off gets the
TCP probe. is_alive expects the JSON our own /health/check/ answers: `alive` (1/true) and
optionally `usage` (0..1, scaled by max_load into current_load) or `sessions` (the current
number of viewers).
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests


@dataclass
class ProbeReport:
    results: dict[str, bool] = field(default_factory=dict)
    error: str = ""
    stacktrace: str = ""
    current_load: int | None = None

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(self.results.values())

    def fail(self, name: str, error: str, exc: BaseException | None = None) -> None:
        self.results[name] = False
        self.error = self.error or f"{name}: {error}"
        if exc is not None and not self.stacktrace:
            self.stacktrace = "".join(traceback.format_exception(exc))


def split_target(check_url: str) -> tuple[str, str, int]:
    """(url, host, port) of `host:port` or a URL."""
    raw = check_url.strip()
    url = raw if "://" in raw else f"http://{raw}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    default = 443 if parts.scheme == "https" else 80
    port = parts.port or default
    return url, host, port


# The is_alive answer is a small JSON object; a check address is the operator's to choose, and
# an endless body must not fill the checking worker's memory.
MAX_ALIVE_BYTES = 64 * 1024


def _ping(host: str, timeout: float, report: ProbeReport) -> None:
    if host.startswith("-"):
        # No host name starts with "-"; ping would read it as an option.
        report.fail("ping", f"not a host name: {host!r}")
        return
    binary = shutil.which("ping")
    if binary is None:
        report.fail("ping", "the ping program is not installed")
        return
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, host from the operator's settings
            [binary, "-c", "1", "-W", str(max(1, int(timeout))), host],
            capture_output=True,
            timeout=timeout + 1,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        report.fail("ping", str(exc), exc)
        return
    if done.returncode == 0:
        report.results["ping"] = True
    else:
        report.fail("ping", f"no answer from {host}")


def _tcp(host: str, port: int, timeout: float, report: ProbeReport) -> None:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        report.fail("tcp", f"cannot connect to {host}:{port}: {exc}", exc)
        return
    report.results["tcp"] = True


def _http(url: str, timeout: float, report: ProbeReport) -> None:
    try:
        # stream=True: only the status is wanted; the body is never read.
        with requests.get(url, timeout=timeout, allow_redirects=False, stream=True) as response:
            status = response.status_code
    except requests.RequestException as exc:
        report.fail("http", str(exc), exc)
        return
    if status < 400:
        report.results["http"] = True
    else:
        report.fail("http", f"HTTP {status} from {url}")


def _is_alive(url: str, timeout: float, max_load: int, report: ProbeReport) -> None:
    try:
        with requests.get(url, timeout=timeout, stream=True) as response:
            raw = b""
            for chunk in response.iter_content(8192):
                raw += chunk
                if len(raw) > MAX_ALIVE_BYTES:
                    report.fail("is_alive", f"the answer of {url} is larger than {MAX_ALIVE_BYTES} bytes")
                    return
        body = json.loads(raw)
    except (requests.RequestException, ValueError) as exc:
        report.fail("is_alive", f"no JSON answer from {url}: {exc}", exc)
        return
    if not isinstance(body, dict) or str(body.get("alive", "")).lower() not in {"1", "true"}:
        report.fail("is_alive", f"{url} is not alive: {str(body)[:200]}")
        return
    report.results["is_alive"] = True
    sessions = body.get("sessions")
    usage = body.get("usage")
    if isinstance(sessions, int) and sessions >= 0:
        report.current_load = sessions
    elif isinstance(usage, (int, float)) and max_load > 0:
        report.current_load = max(0, round(float(usage) * max_load))


def probe_service(service, *, timeout: float) -> ProbeReport:
    """Run the service's enabled probes; never raises."""
    report = ProbeReport()
    try:
        url, host, port = split_target(service.check_url)
        if not host:
            report.fail("tcp", f"no host in {service.check_url!r}")
            return report
        use_tcp = service.check_tcp or not (service.check_ping or service.check_http or service.check_is_alive)
        if service.check_ping:
            _ping(host, timeout, report)
        if use_tcp:
            _tcp(host, port, timeout, report)
        if service.check_http:
            _http(url, timeout, report)
        if service.check_is_alive:
            _is_alive(url, timeout, service.max_load, report)
    except Exception as exc:  # noqa: BLE001 - a probe failure marks the service down, never crashes the run
        report.fail("check", str(exc), exc)
    return report


# --- a stream URL ("Test stream" on the channel page) ---------------------------------------

STREAM_PEEK_BYTES = 4096
HLS_TYPES = ("mpegurl",)  # application/vnd.apple.mpegurl, application/x-mpegurl, audio/mpegurl


@dataclass
class StreamCheck:
    """What one fetch of a stream URL showed: the HTTP status, its content type, the time it
    took and, when it failed, why."""

    url: str
    status: int | None = None
    content_type: str = ""
    elapsed_ms: int = 0
    error: str = ""
    hls: bool = False

    @property
    def ok(self) -> bool:
        return not self.error and self.status is not None and self.status < 400


def _is_hls(url: str, content_type: str) -> bool:
    return urlsplit(url).path.lower().endswith((".m3u8", ".m3u")) or any(t in content_type for t in HLS_TYPES)


def _fetch(url: str, timeout: float, check: StreamCheck) -> None:
    try:
        with requests.get(url, timeout=(timeout, timeout), stream=True) as answer:
            check.status = answer.status_code
            check.content_type = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if answer.status_code >= 400:
                check.error = f"HTTP {answer.status_code}"
                return
            check.hls = _is_hls(answer.url or url, check.content_type)
            if not check.hls:
                return  # a media stream: the status and type say enough, the body is never read
            head = b""
            for chunk in answer.iter_content(1024):
                head += chunk
                if len(head) >= STREAM_PEEK_BYTES:
                    break
    except requests.Timeout:
        # The socket's own timeout may fire just before the caller stops waiting: the same answer.
        check.error = f"no complete answer within {timeout:g} s"
        return
    except requests.RequestException as exc:
        check.error = f"{type(exc).__name__}: {exc}"
        return
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"#EXTM3U"):
        check.error = "not an HLS playlist (no #EXTM3U at the start)"


def probe_stream_url(url: str, *, timeout: float) -> StreamCheck:
    """GET the first bytes of a stream URL (an HLS playlist must start with #EXTM3U).

    The fetch runs in a daemon thread that the caller waits for at most `timeout` seconds: a
    server that accepts and then trickles or hangs never holds the web worker longer (the
    thread ends by itself on the socket timeouts)."""
    check = StreamCheck(url=url)
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        check.error = f"not an HTTP(S) URL ({scheme or 'no scheme'}://): it cannot be fetched from here"
        return check
    started = time.monotonic()
    result = StreamCheck(url=url)
    worker = threading.Thread(target=_fetch, args=(url, timeout, result), daemon=True, name="stream-probe")
    worker.start()
    worker.join(timeout)
    elapsed = int((time.monotonic() - started) * 1000)
    if worker.is_alive():
        check.error = f"no complete answer within {timeout:g} s"
        check.status = result.status
        check.content_type = result.content_type
        check.elapsed_ms = elapsed
        return check
    result.elapsed_ms = elapsed
    return result
