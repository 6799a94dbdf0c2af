from django.apps import AppConfig


class SmartyConfig(AppConfig):
    name = "smarty"
    verbose_name = "Smarty"

    def ready(self) -> None:
        from django.conf import settings

        from .logging import log_event

        log_event("smarty_main", "URLS_INITIALIZED", available_apps=list(settings.INSTALLED_APPS))
