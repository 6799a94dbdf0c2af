"""How much memory a cached value holds: the weight a per-process cache with a byte budget
(smarty.cache.LocalValues) charges for it.

An estimate from `sys.getsizeof` over the value and everything it holds (containers, and the
attributes of objects with a `__dict__` or `__slots__`: records, dataclasses), each object
counted once. Objects the interpreter shares (None, booleans, small integers, classes,
functions, modules) are not the value's and cost nothing. It runs when a value is put into the
cache, once per value and process, never on a read.
"""

from __future__ import annotations

import sys
import types
from typing import Any

_FREE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)
_ATOMS = (str, bytes, bytearray, int, float, complex, memoryview)


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return names


def deep_size(value: Any) -> int:
    """Bytes held by `value` and what it refers to (an estimate; see the module docstring)."""
    seen: set[int] = set()
    stack = [value]
    total = 0
    while stack:
        obj = stack.pop()
        if obj is None or obj is True or obj is False or isinstance(obj, _FREE):
            continue
        ident = id(obj)
        if ident in seen:
            continue
        seen.add(ident)
        if isinstance(obj, int) and -5 <= obj <= 256:
            continue  # the interpreter's own small integers
        total += sys.getsizeof(obj)
        if isinstance(obj, _ATOMS):
            continue
        if isinstance(obj, dict):
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
