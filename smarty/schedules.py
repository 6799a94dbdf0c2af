"""The one registry of periodic work (Celery beat), mirroring the seed's crontab example.

Each entry names a task that takes no arguments; the cron equivalents are the management
commands of the same name (see docs/operations.md)."""

from celery.schedules import crontab

# name -> (task path, schedule). Apps add their entries here when they add the task.
SCHEDULES: dict[str, tuple[str, object]] = {}


def register(name: str, task: str, schedule: object) -> None:
    SCHEDULES[name] = (task, schedule)


def beat_schedule() -> dict:
    return {name: {"task": task, "schedule": sched} for name, (task, sched) in SCHEDULES.items()}


__all__ = ["SCHEDULES", "beat_schedule", "crontab", "register"]

# --- channels: the seed's crontab warms the channel lists every minute ---
register("cache_channel_list", "channels.tasks.cache_channel_list", crontab())
# --- accounts: session touches written behind on Redis (accounts.services.sessions) ---
register("flush_session_touches", "accounts.tasks.flush_session_touches", 60.0)
# --- streaming ---
register("check_stream_services", "streaming.tasks.check_stream_services", 60.0)
register("purge_stream_tokens", "streaming.tasks.purge_stream_tokens", crontab(minute=17))
# billing: the internal billing's charge run, hourly (tariff periods are days long).
register("charge_tariffs", "billing.tasks.charge_tariffs", crontab(minute=7))
# --- epg: the seed's crontab runs epg_import at 05:00, 09:00 and 13:00 -------------------------
register("epg_import", "epg.tasks.epg_import", crontab(minute=0, hour="5,9,13"))
register("epg_cleanup", "epg.tasks.epg_cleanup", crontab(minute=30, hour=3))
register("premiere_import", "epg.tasks.premiere_import", crontab(minute=0, hour=6))
# --- monitoring: viewing events buffered in the cache, then rolled up per hour and day --------
register("flush_views", "monitoring.tasks.flush_views", 60.0)
register("rollup_views", "monitoring.tasks.rollup_views", crontab(minute="*/10"))
# --- portal: widget data sources (RSS, weather, exchange rates); each is due every
# SMARTY_PORTAL_FEED_INTERVAL minutes, the task checks every 5 -------------------------------------
register("portal_feeds_fetch", "portal.tasks.portal_feeds_fetch", crontab(minute="*/5"))
