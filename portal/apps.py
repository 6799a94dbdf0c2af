from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portal home screen"

    def ready(self) -> None:
        from . import invalidation

        invalidation.connect()
