"""Settings for the test suite: the same database/cache selection as local, quiet and fast."""

import tempfile
from pathlib import Path

from .base import *
from .base import finalize

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMARTY_ACCOUNT_PASSWORD_ITERATIONS = 1000  # fast factories; the hash format is the same
CELERY_TASK_ALWAYS_EAGER = True
_tmp = Path(tempfile.mkdtemp(prefix="smarty-test-"))
VAR_DIR = _tmp
LOG_DIR = _tmp / "log"
MEDIA_ROOT = _tmp / "media"
CACHE_KEY_PREFIX = f"smarty-test-{_tmp.name}"
for _cache in CACHES.values():
    _cache["KEY_PREFIX"] = CACHE_KEY_PREFIX
SMARTY_LOGIN_ATTEMPTS_PER_IP = 1000
# The cache epoch is re-read only after a breaker opening (tests of it set an interval), so
# that query-count assertions do not depend on when a test runs.
SMARTY_CACHE_EPOCH_SECONDS = 0
# A view is written by its own request, so a test reads the buffer right after it; the tests
# of the batch (tests/monitoring/test_view_batch.py) turn it on.
SMARTY_WRITE_BEHIND_SECONDS = 0

finalize(globals())
