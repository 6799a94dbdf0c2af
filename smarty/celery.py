"""The Celery application. Periodic schedules live in one registry: smarty/schedules.py."""

import os

from celery import Celery

from .schedules import beat_schedule

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")

app = Celery("smarty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _install_schedule(sender, **kwargs):
    sender.conf.beat_schedule = beat_schedule()
