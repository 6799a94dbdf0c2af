import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
application = get_asgi_application()

from .collector import settle_after_setup  # noqa: E402 - needs the settings configured

settle_after_setup()
