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

# --- streaming ---
register("check_stream_services", "streaming.tasks.check_stream_services", 60.0)
register("purge_stream_tokens", "streaming.tasks.purge_stream_tokens", crontab(minute=17))
# billing: the internal billing's charge run, hourly (tariff periods are days long).
register("charge_tariffs", "billing.tasks.charge_tariffs", crontab(minute=7))
