"""The garbage collector of a serving process (smarty.wsgi, smarty.asgi).

CPython's cyclic collector walks every tracked container of the generations it collects. A
worker holds some 110,000 of them once Django and the project are loaded (functions, classes,
URL patterns, model metadata) that live as long as the process, and a full collection walks
them all again: a benchmark worker sharing its core paused 119-216 ms for one, and
answered nothing meanwhile (docs/bench.md, "The collector"). Two settings, applied once after
setup:

- SMARTY_GC_FREEZE: what setup made goes to the collector's permanent generation
  (gc.freeze), which no collection walks. Done before gunicorn forks (--preload), the
  workers also keep sharing those pages: a collection no longer writes to them.
- SMARTY_GC_THRESHOLD: allocations between two youngest-generation collections (CPython's
  700 makes a request trigger several; each also promotes what is alive in the middle of a
  request, which a full collection then walks again). 0 keeps CPython's value.

Garbage without cycles is freed by reference counting as before; only cycles wait longer.
"""

from __future__ import annotations

import gc

from django.conf import settings


def settle_after_setup() -> None:
    """Apply SMARTY_GC_THRESHOLD and SMARTY_GC_FREEZE to this process, once its application
    is loaded (the last thing smarty.wsgi and smarty.asgi do)."""
    threshold = int(getattr(settings, "SMARTY_GC_THRESHOLD", 0))
    if threshold > 0:
        _, middle, oldest = gc.get_threshold()
        gc.set_threshold(threshold, middle, oldest)
    if getattr(settings, "SMARTY_GC_FREEZE", False):
        gc.collect()  # setup's own garbage goes first, not into the permanent generation
        gc.freeze()
