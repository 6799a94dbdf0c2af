from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "channels"
    verbose_name = "Live content"

    def ready(self) -> None:
        from smarty.schedules import crontab, register

        from . import signals

        signals.connect()
        # The seed's crontab runs cache_channel_list every minute.
        register("cache_channel_list", "channels.tasks.cache_channel_list", crontab())
