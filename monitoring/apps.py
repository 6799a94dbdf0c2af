from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from smarty.metrics import register_collector

        from .metrics import epg_imports, online_devices

        register_collector(online_devices)
        register_collector(epg_imports)
