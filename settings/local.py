"""The embedded default: SQLite, local-memory cache, eager Celery, unless the environment
selects MariaDB/PostgreSQL (SMARTY_DATABASE_URL) and Redis (SMARTY_REDIS_URL)."""

from .base import *
from .base import finalize

DEBUG = env_bool("SMARTY_DEBUG", True)

finalize(globals())
