"""Running routing scripts (seed 3.2.5.2.2) outside the app server's process.

Each app-server process keeps one sandbox process (streaming/sandbox_worker.py), started on
first use and talked to over pipes, one JSON line each way. A script that does not answer
within the time limit gets its process killed (SIGKILL); the next script starts a new one.
Calls from several threads take turns (a lock), so a slow script delays others by at most
the time limit.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

WORKER = Path(__file__).with_name("sandbox_worker.py")
# The worker needs a moment to report its own (trace) timeout before we kill it.
_GRACE = 0.5
# An answer is a short JSON line (a URI of at most 4096 characters or a cut error text); a
# longer one means a broken worker, which is stopped rather than read into memory.
MAX_ANSWER_BYTES = 256 * 1024


class SandboxUnavailableError(Exception):
    pass


class AnswerTooLargeError(Exception):
    pass


@dataclass(frozen=True)
class ScriptResult:
    ok: bool
    uri: str = ""
    error: str = ""


class SandboxRunner:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._pid: int | None = None

    def _start(self) -> subprocess.Popen:
        memory = str(int(getattr(settings, "SMARTY_ROUTING_SCRIPT_MEMORY_MB", 256)))
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "PYTHONHASHSEED": "random"}
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [sys.executable, "-I", str(WORKER), memory],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd="/",
            close_fds=True,
        )
        self._proc = proc
        self._pid = os.getpid()
        try:
            ready = self._read_line(proc, float(settings.SMARTY_ROUTING_SCRIPT_START_TIME))
        except AnswerTooLargeError:
            ready = None
        if ready is None or not json.loads(ready).get("ready"):
            self._kill()
            raise SandboxUnavailableError("the sandbox process did not start")
        return proc

    def _process(self) -> subprocess.Popen:
        # A forked app-server worker must not share its parent's pipes.
        if self._proc is None or self._proc.poll() is not None or self._pid != os.getpid():
            return self._start()
        return self._proc

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.kill()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass

    def run(self, code: str, variables: dict, *, timeout: float | None = None) -> ScriptResult:
        limit = float(timeout if timeout is not None else settings.SMARTY_ROUTING_SCRIPT_TIMEOUT)
        # Only plain values cross into the sandbox: no objects, hence no attributes to walk.
        plain = {k: v for k, v in variables.items() if v is None or isinstance(v, (str, int, float, bool))}
        request = json.dumps({"code": code, "vars": plain, "timeout": limit}) + "\n"
        with self._lock:
            try:
                proc = self._process()
            except (OSError, ValueError, SandboxUnavailableError) as exc:
                return ScriptResult(False, error=f"sandbox unavailable: {exc}")
            try:
                proc.stdin.write(request.encode())
                proc.stdin.flush()
            except OSError:
                self._kill()
                return ScriptResult(False, error="the sandbox process could not be reached")
            try:
                line = self._read_line(proc, limit + _GRACE)
            except AnswerTooLargeError as exc:
                self._kill()
                return ScriptResult(False, error=str(exc))
            if line is None:
                self._kill()
                return ScriptResult(False, error=f"time limit of {limit} s exceeded; the sandbox was stopped")
            try:
                answer = json.loads(line)
            except ValueError:
                self._kill()
                return ScriptResult(False, error="the sandbox process ended unexpectedly")
            if answer.get("restart"):
                self._kill()
            if answer.get("ok"):
                return ScriptResult(True, uri=str(answer.get("uri", "")))
            return ScriptResult(False, error=str(answer.get("error", "unknown error")))

    @staticmethod
    def _read_line(proc: subprocess.Popen, wait: float) -> bytes | None:
        """One line from the worker within `wait` seconds, or None; AnswerTooLargeError past
        MAX_ANSWER_BYTES."""
        stream = proc.stdout
        deadline = time.monotonic() + wait
        buffer = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    return None
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    return buffer or None
                buffer += chunk
                if buffer.endswith(b"\n"):
                    return buffer
                if len(buffer) > MAX_ANSWER_BYTES:
                    raise AnswerTooLargeError(f"the sandbox answered more than {MAX_ANSWER_BYTES} bytes")

    def stop(self) -> None:
        with self._lock:
            self._kill()


_runner = SandboxRunner()


def run_routing_script(code: str, variables: dict, *, timeout: float | None = None) -> ScriptResult:
    """Run operator code that sets `uri`; never raises for what the script does."""
    return _runner.run(code, variables, timeout=timeout)


def check_routing_script(code: str) -> str:
    """A compile-time check for the admin form: "" when the code compiles under
    RestrictedPython, else the errors. Compiling runs no code."""
    from RestrictedPython import compile_restricted

    try:
        compile_restricted(code, "<routing script>", "exec")
    except SyntaxError as exc:
        return str(exc)
    return ""
