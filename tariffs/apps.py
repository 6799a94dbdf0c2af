from django.apps import AppConfig


class TariffsConfig(AppConfig):
    name = "tariffs"

    def ready(self) -> None:
        from clients.services import clone_step_register

        from . import invalidation
        from .services import tariffs_clone

        invalidation.connect()
        clone_step_register(10, tariffs_clone)
