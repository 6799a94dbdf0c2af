from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"

    def ready(self) -> None:
        from smarty.admin_site import HOOKS

        from .selectors import summary_report

        HOOKS.summary_report = summary_report
