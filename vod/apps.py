from django.apps import AppConfig


class VodConfig(AppConfig):
    name = "vod"
    verbose_name = "Video library"

    def ready(self) -> None:
        from clients.services import clone_step_register

        from . import invalidation
        from .services import videos_clone

        invalidation.connect()
        clone_step_register(30, videos_clone)
