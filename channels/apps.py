from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Live content"

    def ready(self) -> None:
        from clients.services import clone_step_register

        from . import invalidation
        from .services import content_clone

        invalidation.connect()
        clone_step_register(20, content_clone)
