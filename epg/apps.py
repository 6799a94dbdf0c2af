from django.apps import AppConfig


class EpgConfig(AppConfig):
    name = "epg"

    def ready(self) -> None:
        from . import invalidation

        invalidation.connect()
