from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from smarty.admin_site import HOOKS

        from . import invalidation
        from .models import Client

        invalidation.connect()
        HOOKS.operator_model = Client
