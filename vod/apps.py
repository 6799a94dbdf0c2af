from django.apps import AppConfig


class VodConfig(AppConfig):
    name = "vod"

    def ready(self) -> None:
        from clients.services import clone_step_register

        from .services import videos_clone

        clone_step_register(30, videos_clone)
