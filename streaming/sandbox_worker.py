"""The routing-script sandbox process (seed 3.2.5.2.2). Started by streaming/sandbox.py as
`python -I sandbox_worker.py <memory_mb>`; it imports no Django and reads one JSON request
per line on stdin, answering one JSON line on stdout:

    {"code": "...", "vars": {...}, "timeout": 0.5}  ->  {"ok": true, "uri": "..."}
                                                     ->  {"ok": false, "error": "..."}

Layers of defence:
  1. RestrictedPython compiles the script: no `_`-prefixed names or attributes, no
     `format` on strings, guarded getattr/getitem/iteration/writes, and builtins without
     `__import__`, `open`, `eval`, `exec`, `getattr`, `type`, `globals`...
  2. Only the documented variables are in the script's namespace (plain str/int values and a
     few helper functions that take and return strings).
  3. A trace function stops Python-level loops once the time limit passes (a script that
     catches that error switches tracing off, and meets layer 5).
  4. Resource limits taken after start-up: address space (memory), no new file
     descriptors (no files, no sockets), no written files, no child processes.
  5. The parent kills this process when it does not answer in time (C-level loops such as
     `10 ** 10 ** 10`), and starts a new one for the next script.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import operator
import random as _random
import resource
import sys
import time
import traceback
from types import MappingProxyType
from urllib.parse import quote as _quote

from RestrictedPython import compile_restricted
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector

FILENAME = "<routing script>"
MAX_CODE_CACHE = 64
MAX_URI_LENGTH = 4096
# Error texts go to the app server and into its log: a script raising a huge message must
# not push megabytes through either.
MAX_ERROR_LENGTH = 1000


class ScriptTimeout(BaseException):
    pass


_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
}


def _inplacevar(op: str, target: object, value: object) -> object:
    try:
        return _INPLACE[op](target, value)
    except KeyError:
        raise SyntaxError(f"operator {op} is not allowed") from None


def _getitem(obj: object, key: object) -> object:
    return obj[key]  # type: ignore[index]


def _apply(func, *args, **kwargs):
    return func(*args, **kwargs)


# The operating system's generator: the worker serves every operator's scripts, and the
# module's shared Mersenne Twister would let one script learn its state from enough draws and
# predict another operator's next ones.
_SYSTEM_RANDOM = _random.SystemRandom()


class _Random:
    """The `random` of the seed's example, without the module's internals."""

    __slots__ = ()

    choice = staticmethod(_SYSTEM_RANDOM.choice)
    randint = staticmethod(_SYSTEM_RANDOM.randint)
    random = staticmethod(_SYSTEM_RANDOM.random)
    uniform = staticmethod(_SYSTEM_RANDOM.uniform)
    shuffle = staticmethod(_SYSTEM_RANDOM.shuffle)
    sample = staticmethod(_SYSTEM_RANDOM.sample)


def _text(value: object) -> bytes:
    return str(value).encode("utf-8")


def md5_hex(value: object) -> str:
    return hashlib.md5(_text(value)).hexdigest()  # noqa: S324 - secure-link schemes use md5


def sha1_hex(value: object) -> str:
    return hashlib.sha1(_text(value)).hexdigest()  # noqa: S324


def sha256_hex(value: object) -> str:
    return hashlib.sha256(_text(value)).hexdigest()


def hmac_sha256_hex(key: object, value: object) -> str:
    return hmac.new(_text(key), _text(value), hashlib.sha256).hexdigest()


def b64(value: object) -> str:
    return base64.b64encode(_text(value)).decode()


def b64url(value: object) -> str:
    """URL-safe base64 without padding (nginx secure_link style)."""
    return base64.urlsafe_b64encode(_text(value)).decode().rstrip("=")


def md5_b64url(value: object) -> str:
    """nginx secure_link_md5: the binary md5 digest, URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(hashlib.md5(_text(value)).digest()).decode().rstrip("=")  # noqa: S324


def quote(value: object) -> str:
    return _quote(str(value), safe="")


HELPERS = {
    "random": _Random(),
    "md5_hex": md5_hex,
    "sha1_hex": sha1_hex,
    "sha256_hex": sha256_hex,
    "hmac_sha256_hex": hmac_sha256_hex,
    "b64": b64,
    "b64url": b64url,
    "md5_b64url": md5_b64url,
    "quote": quote,
}

_BUILTINS = dict(safe_builtins)
# Scripts compute a string; they need no classes and no attribute writes on objects.
for _name in ("__build_class__", "setattr", "delattr", "id", "hash"):
    _BUILTINS.pop(_name, None)
_BUILTINS.update(
    {
        "dict": dict,
        "list": list,
        "set": set,
        "frozenset": frozenset,
        "min": min,
        "max": max,
        "sum": sum,
        "any": any,
        "all": all,
        "enumerate": enumerate,
        "reversed": reversed,
        "map": map,
        "filter": filter,
    }
)
BUILTINS = MappingProxyType(_BUILTINS)

_code_cache: dict[str, object] = {}


def compile_script(code: str) -> object:
    compiled = _code_cache.get(code)
    if compiled is None:
        compiled = compile_restricted(code, FILENAME, "exec")
        if len(_code_cache) >= MAX_CODE_CACHE:
            _code_cache.clear()
        _code_cache[code] = compiled
    return compiled


def run_script(code: str, variables: dict, timeout: float) -> dict:
    try:
        compiled = compile_script(code)
    except SyntaxError as exc:
        return {"ok": False, "error": f"compile error: {exc}"}
    namespace = {
        "__builtins__": dict(BUILTINS),
        "__name__": "routing_script",
        "_getattr_": safer_getattr_raise,
        "_getitem_": _getitem,
        "_getiter_": iter,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
        "_apply_": _apply,
        "_print_": PrintCollector,
    }
    namespace.update(HELPERS)
    for name, value in variables.items():
        if isinstance(value, (str, int, float, bool)) or value is None:
            namespace[name] = value
    deadline = time.monotonic() + timeout

    def local_trace(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout
        return local_trace

    def global_trace(frame, event, arg):
        if frame.f_code.co_filename != FILENAME:
            return None
        if time.monotonic() > deadline:
            raise ScriptTimeout
        return local_trace

    sys.settrace(global_trace)
    try:
        exec(compiled, namespace)  # noqa: S102 - restricted code in a restricted namespace
    except ScriptTimeout:
        return {"ok": False, "error": f"time limit of {timeout} s exceeded"}
    except MemoryError:
        return {"ok": False, "error": "memory limit exceeded", "restart": True}
    except RecursionError:
        return {"ok": False, "error": "recursion too deep"}
    except BaseException as exc:  # noqa: BLE001 - any failure of operator code is reported
        return {"ok": False, "error": _describe(exc)}
    finally:
        sys.settrace(None)
    uri = namespace.get("uri")
    if not isinstance(uri, str) or not uri.strip():
        return {"ok": False, "error": "the script did not set `uri` to a non-empty string"}
    if len(uri) > MAX_URI_LENGTH:
        return {"ok": False, "error": f"`uri` is longer than {MAX_URI_LENGTH} characters"}
    return {"ok": True, "uri": uri.strip()}


def _describe(exc: BaseException) -> str:
    """`Type: message`, cut to MAX_ERROR_LENGTH (str() of a script's exception is script code
    too: it may fail or be enormous)."""
    try:
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:  # noqa: BLE001
        text = type(exc).__name__
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 3] + "..."


def _vm_size_bytes() -> int:
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _lock_down(memory_mb: int) -> None:
    """Resource limits once everything the scripts need is loaded."""
    limits = [
        (resource.RLIMIT_FSIZE, 0),  # no file can grow
        (resource.RLIMIT_NOFILE, 3),  # stdin, stdout, stderr: no new files or sockets
        (resource.RLIMIT_CORE, 0),
    ]
    if hasattr(resource, "RLIMIT_NPROC"):
        limits.append((resource.RLIMIT_NPROC, 0))  # no fork (not enforced for root)
    if memory_mb > 0 and hasattr(resource, "RLIMIT_AS"):
        base = _vm_size_bytes()
        if base:
            limits.append((resource.RLIMIT_AS, base + memory_mb * 1024 * 1024))
    for which, value in limits:
        try:
            soft, hard = resource.getrlimit(which)
            cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (cap, cap))
        except (ValueError, OSError):
            pass


def main() -> None:
    memory_mb = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    sys.setrecursionlimit(400)
    # Warm up every lazy import the scripts may trigger before the file limit is taken.
    warm_up = "uri = '%s' % md5_hex(b64url(quote('x'))) + str(random.randint(1, 2))\n"
    warm_up += "uri += sha1_hex(1) + sha256_hex(2) + hmac_sha256_hex('k', 3) + b64(4) + md5_b64url(5)"
    run_script(warm_up, {}, 1.0)
    json.loads(json.dumps({"x": "ü"}))
    _lock_down(memory_mb)
    stdin, stdout = sys.stdin, sys.stdout
    stdout.write(json.dumps({"ready": True}) + "\n")
    stdout.flush()
    for line in stdin:
        try:
            request = json.loads(line)
            answer = run_script(str(request["code"]), dict(request.get("vars") or {}), float(request["timeout"]))
        except MemoryError:
            answer = {"ok": False, "error": "memory limit exceeded", "restart": True}
        except Exception as exc:  # noqa: BLE001
            answer = {"ok": False, "error": "sandbox failure: " + "".join(traceback.format_exception_only(exc))}
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()
        if answer.get("restart"):
            break


if __name__ == "__main__":
    main()
