"""flushall (seed 2.7): clear the cache; values are rebuilt from the database on demand."""

from smarty.cache import flush
from smarty.commands import SmartyCommand
from smarty.logging import log_event


class Command(SmartyCommand):
    help = "Clear the whole cache (after an update, or when Redis was restarted)."

    def run(self, **options) -> str:
        # Only this installation's keys (KEY_PREFIX), and every process's generation mirror.
        flush()
        log_event("smarty_cache", "OBJECT_INVALIDATED", object="*", deps_key="*")
        return "cache cleared"
