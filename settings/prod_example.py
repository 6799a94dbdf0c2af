"""An example production settings module. Copy it to settings/<name>.py (for example
settings/myiptv.py, seed 2.4.1.1), adjust, and run `smarty_manage <cmd> --settings=settings.myiptv`.
Values may also come from the environment variables listed in the README."""

from .base import *
from .base import finalize

DEBUG = False
ALLOWED_HOSTS = ["smarty.example.com"]
SMARTY_HTTPS = True  # the admin behind TLS: Secure cookies (docs/operations.md)
SMARTY_TRUSTED_PROXIES = ["127.0.0.1", "::1"]  # nginx on this host; add load balancers' addresses
DATABASES = {
    "default": parse_database_url(env_str("SMARTY_DATABASE_URL", "mysql://smarty:smarty@127.0.0.1:3306/smarty"))
}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": env_str("SMARTY_REDIS_URL", "redis://127.0.0.1:6379/1"),
        "KEY_PREFIX": "smarty",
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient", "IGNORE_EXCEPTIONS": True},
    }
}
CELERY_BROKER_URL = env_str("SMARTY_CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
CELERY_TASK_ALWAYS_EAGER = False
LOG_DIR = Path("/var/log/smarty")
TIME_ZONE = "Europe/Moscow"
SMARTY_DEFAULT_LANGUAGE = "ru"
SMARTY_ADDITIONAL_LANGUAGES = ["en"]
STATSD_HOST = ""  # e.g. "10.0.0.5" to send request statistics
# RAVEN_CONFIG = {"dsn": "https://<key>@sentry.example.com/<project>"}

finalize(globals())
