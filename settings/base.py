"""All settings of the project. Every value can be overridden by an environment variable
(documented in the README) or by a settings module that imports this one
(`--settings=settings.<name>`, see settings/prod_example.py)."""

from __future__ import annotations

from pathlib import Path

from .env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
    parse_database_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SMARTY_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("SMARTY_DEBUG", False)
SECRET_KEY = env_secret("SMARTY_SECRET_KEY")
ALLOWED_HOSTS = env_list("SMARTY_ALLOWED_HOSTS", ["*"])
CSRF_TRUSTED_ORIGINS = env_list("SMARTY_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "smarty",
    "clients",
    "accounts",
    "tariffs",
    "channels",
    "epg",
    "vod",
    "streaming",
    "billing",
    "monitoring",
    "tvmiddleware",
    "content",
    "dealers",
]

MIDDLEWARE = [
    "smarty.middleware.StatsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "smarty.middleware.AdminRequestLogMiddleware",
]

ROOT_URLCONF = "smarty.urls"
WSGI_APPLICATION = "smarty.wsgi.application"
ASGI_APPLICATION = "smarty.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SMARTY_DATABASE_URL selects the database: sqlite:///path, mysql://user:pass@host:3306/name,
# postgres://user:pass@host:5432/name. The default is a SQLite file under var/.
DATABASE_URL = env_str("SMARTY_DATABASE_URL", f"sqlite:///{VAR_DIR / 'smarty.sqlite3'}")
DATABASES = {"default": parse_database_url(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("SMARTY_DB_CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# SMARTY_REDIS_URL selects Redis for the cache (and the Celery broker unless
# SMARTY_CELERY_BROKER_URL says otherwise). SMARTY_REDIS_CLUSTER_NODES
# ("host:port,host:port") switches the cache to a Redis Cluster.
REDIS_URL = env_str("SMARTY_REDIS_URL", "")
REDIS_CLUSTER_NODES = env_list("SMARTY_REDIS_CLUSTER_NODES", [])
CACHE_KEY_PREFIX = env_str("SMARTY_CACHE_KEY_PREFIX", "smarty")
if REDIS_CLUSTER_NODES:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://" + REDIS_CLUSTER_NODES[0],
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "smarty.cache_backends.RedisClusterClient",
                "STARTUP_NODES": REDIS_CLUSTER_NODES,
            },
        }
    }
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # A Redis outage degrades to the database instead of failing requests.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "smarty",
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "smarty_cache"
SMARTY_CACHE_TIMEOUT = env_int("SMARTY_CACHE_TIMEOUT", 3600)

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("SMARTY_CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("SMARTY_CELERY_EAGER", not (REDIS_URL or env_str("SMARTY_CELERY_BROKER_URL")))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"

# --- Internationalisation ---------------------------------------------------------------
TIME_ZONE = env_str("SMARTY_TIME_ZONE", "UTC")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = env_str("SMARTY_ADMIN_LANGUAGE", "en")
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# Content languages: `name` holds SMARTY_DEFAULT_LANGUAGE, `name_lang1..5` hold the
# additional languages in this order; the TVMW `lang` parameter picks one.
SMARTY_DEFAULT_LANGUAGE = env_str("SMARTY_DEFAULT_LANGUAGE", "en")
SMARTY_ADDITIONAL_LANGUAGES = env_list("SMARTY_ADDITIONAL_LANGUAGES", [])
SMARTY_MAX_ADDITIONAL_LANGUAGES = 5

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("SMARTY_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env_str("SMARTY_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("SMARTY_MEDIA_ROOT", str(VAR_DIR / "media")))
SMARTY_ICONS_DIR = "icons"  # below MEDIA_ROOT
SMARTY_DEFAULT_ICON_SIZE = (120, 91)
SMARTY_DEFAULT_ICON_SIZES = [(500, 500), (120, 91), (40, 40)]

# --- Logging (seed section 4) -----------------------------------------------------------
LOG_DIR = Path(env_str("SMARTY_LOG_DIR", str(VAR_DIR / "log")))
LOG_LEVEL = env_str("SMARTY_LOG_LEVEL", "DEBUG")
SMARTY_LOGGERS = [
    "smarty_main",
    "smarty_accounts",
    "smarty_billing_in",
    "smarty_billing_out",
    "smarty_cache",
    "smarty_messaging",
    "smarty_management",
    "smarty_epg",
    "smarty_content_requests",
    "smarty_portal",
    "smarty_stream_services",
    "smarty_admin",
    "smarty_videoservices",
    "smarty_payment",
]
LOGGING_CONFIG = "smarty.logging.configure"
LOGGING: dict = {"version": 1}  # merged over the seed loggers by smarty.logging.configure

# --- API behaviour ------------------------------------------------------------------------
# Health check (tvmw health/check): alive while load average and used memory stay below.
MAX_LA = env_float("SMARTY_MAX_LA", 8.0)
MAX_USED_MEM = env_float("SMARTY_MAX_USED_MEM", 0.95)
SMARTY_RESERVED_SERVER_ADDRESSES = env_list("SMARTY_RESERVED_SERVER_ADDRESSES", [])
TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = env_bool("TVMIDDLEWARE_CUSTOMER_LOG_ENABLED", True)
TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING = env_bool("TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING", True)
SMARTY_SESSION_TTL_DAYS = env_int("SMARTY_SESSION_TTL_DAYS", 30)
SMARTY_LOGIN_ATTEMPTS_PER_IP = env_int("SMARTY_LOGIN_ATTEMPTS_PER_IP", 30)
SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT = env_int("SMARTY_LOGIN_ATTEMPTS_PER_ABONEMENT", 10)
SMARTY_LOGIN_ATTEMPTS_WINDOW = env_int("SMARTY_LOGIN_ATTEMPTS_WINDOW", 300)
SMARTY_STREAM_TOKEN_TTL = env_int("SMARTY_STREAM_TOKEN_TTL", 60)
SMARTY_EPG_RETENTION_DAYS = env_int("SMARTY_EPG_RETENTION_DAYS", 14)

# Licence-style limits from the seed (2.4.3); 0 means unlimited.
SMARTY_MAX_CLIENTS = env_int("SMARTY_MAX_CLIENTS", 0)

# --- CORS ----------------------------------------------------------------------------------
CORS_ORIGIN_WHITELIST = env_list("SMARTY_CORS_ORIGIN_WHITELIST", [])
CORS_ALLOWED_ORIGINS = CORS_ORIGIN_WHITELIST
CORS_ALLOW_CREDENTIALS = True

# --- statsd (seed 2.8.3) --------------------------------------------------------------------
STATSD_HOST = env_str("STATSD_HOST", "")
STATSD_PORT = env_int("STATSD_PORT", 8125)
STATSD_PREFIX = env_str("STATSD_PREFIX", "smarty")

# --- Sentry (seed 2.4.11): SENTRY_DSN, or the seed's RAVEN_CONFIG = {"dsn": ...} ---------
SENTRY_DSN = env_str("SENTRY_DSN", "")
RAVEN_CONFIG: dict = {}

# --- REST framework / OpenAPI ------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Smarty-compatible IPTV/OTT middleware API",
    "DESCRIPTION": "TVMW, Billing, Streaming and monitoring APIs, wire-compatible with the "
    "published Smarty methods. See docs/api.md for the protocol notes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": [],
}

AUTH_PASSWORD_VALIDATORS: list = []
LOGIN_URL = "/admin/login/"
SESSION_COOKIE_NAME = "smarty_admin_session"


def finalize(namespace: dict) -> None:
    """Derived settings; each settings module calls it last so overrides take effect."""
    if not namespace.get("SECRET_KEY"):
        key_file = namespace["VAR_DIR"] / "secret_key.txt"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            import secrets

            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        namespace["SECRET_KEY"] = key_file.read_text().strip()
    extra = namespace["SMARTY_ADDITIONAL_LANGUAGES"]
    if len(extra) > namespace["SMARTY_MAX_ADDITIONAL_LANGUAGES"]:
        raise ValueError("SMARTY_ADDITIONAL_LANGUAGES takes at most 5 languages")
    dsn = namespace.get("SENTRY_DSN") or (namespace.get("RAVEN_CONFIG") or {}).get("dsn")
    if dsn:
        import sentry_sdk
        from sentry_sdk.integrations.django import DjangoIntegration

        sentry_sdk.init(dsn=dsn, integrations=[DjangoIntegration()], send_default_pii=False)
    namespace["CORS_ALLOWED_ORIGINS"] = namespace["CORS_ORIGIN_WHITELIST"]


# --- epg ---------------------------------------------------------------------------------------
# Guide downloads (EPG sources, channel lists, premieres): timeouts in seconds, caps in bytes.
SMARTY_EPG_CONNECT_TIMEOUT = env_float("SMARTY_EPG_CONNECT_TIMEOUT", 10.0)
SMARTY_EPG_READ_TIMEOUT = env_float("SMARTY_EPG_READ_TIMEOUT", 60.0)
SMARTY_EPG_DOWNLOAD_TIMEOUT = env_float("SMARTY_EPG_DOWNLOAD_TIMEOUT", 600.0)  # a whole download
SMARTY_EPG_MAX_DOWNLOAD_BYTES = env_int("SMARTY_EPG_MAX_DOWNLOAD_BYTES", 256 * 1024 * 1024)
# The XML once decompressed (.gz/.zip), against gzip bombs.
SMARTY_EPG_MAX_XML_BYTES = env_int("SMARTY_EPG_MAX_XML_BYTES", 1024 * 1024 * 1024)
SMARTY_EPG_MAX_ICON_BYTES = env_int("SMARTY_EPG_MAX_ICON_BYTES", 5 * 1024 * 1024)
SMARTY_EPG_MAX_ICON_PIXELS = env_int("SMARTY_EPG_MAX_ICON_PIXELS", 16_000_000)
SMARTY_EPG_USER_AGENT = env_str("SMARTY_EPG_USER_AGENT", "smarty-epg-importer/1.0")
# Parsed programmes kept in memory before the importer spills them to a temporary file.
SMARTY_EPG_SPOOL_PROGRAMMES = env_int("SMARTY_EPG_SPOOL_PROGRAMMES", 10000)
SMARTY_EPG_INSERT_BATCH = env_int("SMARTY_EPG_INSERT_BATCH", 500)
# Programmes written per transaction (each channel in its own savepoint inside it).
SMARTY_EPG_COMMIT_PROGRAMMES = env_int("SMARTY_EPG_COMMIT_PROGRAMMES", 5000)
