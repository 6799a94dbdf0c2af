from django.apps import AppConfig


class VodConfig(AppConfig):
    name = "vod"
    verbose_name = "Video library"

    def ready(self) -> None:
        from . import invalidation

        invalidation.connect()
