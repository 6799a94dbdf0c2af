"""This process's memories of cached values (smarty.cache): least recently used maps bounded
by count and, for the operator-wide values, by bytes.

- local_values: large operator-wide values (channel catalogues and views, the guide's day
  windows) kept by cached(local=True) and cached_many;
- device_values: per-device values (sessions, accounts, inboxes, a session's notes) kept by
  cached(local="device") and the device reads (smarty.device_reads).

Both hold values under versioned keys (smarty.cache): what is here is never outdated, only
forgotten.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
import types
import weakref
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

_FREE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
_ATOMS = (str, bytes, bytearray, int, float, complex, memoryview)


@functools.cache
def _slots(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return tuple(names)


def deep_size(value: Any) -> int:
    """Bytes held by `value` and what it refers to: an estimate from `sys.getsizeof` over the
    value and everything it holds (containers, and the attributes of objects with a `__dict__`
    or `__slots__`: records, dataclasses), each object counted once. Objects the interpreter
    shares (None, booleans, small integers, classes, functions, modules) are not the value's
    and cost nothing. Run when a value is put into a memory with a byte budget, once per value
    and process, never on a read.

    The guide's day windows are lists of dicts of text and numbers, weighed on every put: the
    texts and numbers a container holds are counted where they are met instead of going
    through the stack (the same total, in about half the time)."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    getsizeof, see = sys.getsizeof, seen.add
    while stack:
        obj = stack.pop()
        if obj is None or obj is True or obj is False or isinstance(obj, _FREE):
            continue
        ident = id(obj)
        if ident in seen:
            continue
        see(ident)
        kind = type(obj)
        if kind is int or isinstance(obj, int):
            if not -5 <= obj <= 256:  # not the interpreter's own small integers
                total += getsizeof(obj)
            continue
        total += getsizeof(obj)
        if isinstance(obj, _ATOMS):
            continue
        if kind is dict or kind is list or kind is tuple:
            for group in (obj.keys(), obj.values()) if kind is dict else (obj,):
                for child in group:
                    child_kind = type(child)
                    if child_kind is str or child_kind is float:
                        child_id = id(child)
                        if child_id not in seen:
                            see(child_id)
                            total += getsizeof(child)
                    elif child_kind is int:
                        child_id = id(child)
                        if child_id not in seen:
                            see(child_id)
                            if not -5 <= child <= 256:
                                total += getsizeof(child)
                    elif child is not None and child is not True and child is not False:
                        stack.append(child)
        elif isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        else:
            attributes = getattr(obj, "__dict__", None)
            if isinstance(attributes, dict):
                stack.append(attributes)
            for name in _slots(type(obj)):
                stack.append(getattr(obj, name, None))
    return total


class LocalValues:
    """A thread-safe LRU map of versioned key -> value (this process only).

    A versioned key names one immutable value (any change bumps a generation, which makes a
    new key), so a process may keep values it has seen and skip fetching and unpickling them:
    only the generations are needed, and the generation mirror usually has them. At most
    `size_setting` values (least recently used go first), none kept longer than the timeout
    it was stored with in the shared cache. With `bytes_setting`, also at most that many bytes
    of values (deep_size, weighed once when a value is put): the guide's
    day windows and the operators' catalogues vary in size by a hundred times, so a count
    alone bounds neither the memory nor the working set it holds. A value heavier than a
    quarter of the budget is not kept.
    """

    def __init__(self, size_setting: str, default_size: int, bytes_setting: str = "") -> None:
        self._items: OrderedDict[str, tuple[Any, float, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._size_setting = size_setting
        self._default_size = default_size
        self._bytes_setting = bytes_setting
        self._bytes = 0
        # (size, byte budget, default timeout) as the settings give them; settings_changed()
        # forgets them (a put would otherwise look up three settings of a lazy object).
        self._limits: tuple[int, int, float] | None = None
        _memories.add(self)

    def _current_limits(self) -> tuple[int, int, float]:
        limits = self._limits
        if limits is None:
            size = int(getattr(settings, self._size_setting, self._default_size))
            budget = int(getattr(settings, self._bytes_setting, 0)) if self._bytes_setting else 0
            limits = self._limits = (size, budget, float(settings.SMARTY_CACHE_TIMEOUT))
        return limits

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[1] <= time.monotonic():
                del self._items[key]
                self._bytes -= item[2]
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: str, value: Any, timeout: float | None = None) -> None:
        size, budget, default_timeout = self._current_limits()
        if size <= 0 or value is None:
            return
        weight = deep_size(value) if budget > 0 else 0
        if budget > 0 and weight > budget // 4:
            return
        deadline = time.monotonic() + (default_timeout if timeout is None else timeout)
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            self._items[key] = (value, deadline, weight)
            self._bytes += weight
            while len(self._items) > size or (budget > 0 and self._bytes > budget):
                _, evicted = self._items.popitem(last=False)
                self._bytes -= evicted[2]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    @property
    def weight(self) -> int:
        """Bytes of the values held (0 without a byte budget)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


_memories: weakref.WeakSet[LocalValues] = weakref.WeakSet()


@receiver(setting_changed)
def settings_changed(**kwargs: Any) -> None:
    """New settings (tests' overrides): each memory reads its limits again."""
    for memory in _memories:
        memory._limits = None


local_values = LocalValues("SMARTY_LOCAL_CACHE_ENTRIES", 4096, "SMARTY_LOCAL_CACHE_BYTES")
# Per-device values (sessions, accounts, inboxes: small, one per device or account), apart
# from the operator-wide ones so that many devices do not push the catalogues out.
device_values = LocalValues("SMARTY_LOCAL_DEVICE_ENTRIES", 10_000)
