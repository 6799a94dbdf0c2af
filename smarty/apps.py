from django.apps import AppConfig


class SmartyConfig(AppConfig):
    name = "smarty"
    verbose_name = "Smarty"

    def ready(self) -> None:
        from django.conf import settings

        from .logging import log_event
        from .metrics import celery_queue_lengths, register_collector

        register_collector(celery_queue_lengths)

        log_event("smarty_main", "URLS_INITIALIZED", available_apps=list(settings.INSTALLED_APPS))
