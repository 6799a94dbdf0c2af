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

# --- epg: the seed's crontab runs epg_import at 05:00, 09:00 and 13:00 -------------------------
register("epg_import", "epg.tasks.epg_import", crontab(minute=0, hour="5,9,13"))
register("epg_cleanup", "epg.tasks.epg_cleanup", crontab(minute=30, hour=3))
register("premiere_import", "epg.tasks.premiere_import", crontab(minute=0, hour=6))
