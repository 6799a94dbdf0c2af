import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.local")
# What django.core.wsgi.get_wsgi_application does, with the project's handler (smarty.http).
django.setup(set_prefix=False)

from .collector import settle_after_setup  # noqa: E402 - needs the settings configured
from .http import Handler  # noqa: E402 - needs the settings configured

application = Handler()
settle_after_setup()
