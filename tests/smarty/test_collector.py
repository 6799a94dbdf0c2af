"""The garbage collector of a serving process (smarty/collector.py)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from smarty.collector import settle_after_setup

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def collector_restored():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_setup_is_frozen_out_of_collections_and_the_youngest_threshold_applied(collector_restored):
    gc.unfreeze()
    middle, oldest = gc.get_threshold()[1:]
    with override_settings(SMARTY_GC_FREEZE=True, SMARTY_GC_THRESHOLD=12_345):
        settle_after_setup()
    assert gc.get_threshold() == (12_345, middle, oldest)
    assert gc.get_freeze_count() > 10_000  # Django and the project, loaded by the test process
    assert len(gc.get_objects()) < gc.get_freeze_count()


def test_turned_off_it_leaves_the_collector_as_cpython_has_it(collector_restored):
    gc.unfreeze()
    before = gc.get_threshold()
    with override_settings(SMARTY_GC_FREEZE=False, SMARTY_GC_THRESHOLD=0):
        settle_after_setup()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_wsgi_application_settles_the_collector_once_loaded():
    script = "import gc, json; import smarty.wsgi; print(json.dumps([gc.get_freeze_count(), gc.get_threshold()[0]]))"
    env = {**os.environ, "SMARTY_GC_FREEZE": "1", "SMARTY_GC_THRESHOLD": "20000"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    frozen, threshold = json.loads(out.stdout.strip().splitlines()[-1])
    assert threshold == 20_000
    assert frozen > 50_000
