from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Live content"

    def ready(self) -> None:
        from . import signals

        signals.connect()
