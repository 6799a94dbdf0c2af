"""The project package: URLs, WSGI/ASGI, the Celery app and the machinery every app shares."""

from .celery import app as celery_app

__all__ = ["celery_app"]
