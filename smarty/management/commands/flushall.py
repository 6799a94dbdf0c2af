"""flushall (seed 2.7): clear the cache; values are rebuilt from the database on demand."""

from django.core.cache import cache

from smarty.commands import SmartyCommand
from smarty.logging import log_event


class Command(SmartyCommand):
    help = "Clear the whole cache (after an update, or when Redis was restarted)."

    def run(self, **options) -> str:
        if hasattr(cache, "delete_pattern"):
            # Only this installation's keys (KEY_PREFIX): a Celery broker or another
            # instance sharing the Redis database keeps its data.
            cache.delete_pattern("*")
        else:
            cache.clear()
        log_event("smarty_cache", "OBJECT_INVALIDATED", object="*", deps_key="*")
        return "cache cleared"
