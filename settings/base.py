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
    "demo",
    "portal",
    "selfservice",
    "players",
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

# Device API requests (paths below SMARTY_DEVICE_API_PATHS) go through this shorter chain in the
# servers' handler (smarty.http): what an API answer needs, none of the admin's sessions,
# language, CSRF, users, messages and framing (docs/architecture.md, "Two middleware chains").
SMARTY_DEVICE_API_MIDDLEWARE = [
    "smarty.middleware.StatsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
SMARTY_DEVICE_API_PATHS = ["/tvmiddleware/api/", "/viewstats/api/"]

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
# A transaction the database aborts with a deadlock or a lock wait timeout is run again, up to
# this many times in all, after a jittered pause of about attempt x delay seconds (smarty/db.py).
SMARTY_DB_RETRY_ATTEMPTS = env_int("SMARTY_DB_RETRY_ATTEMPTS", 5)
SMARTY_DB_RETRY_DELAY = env_float("SMARTY_DB_RETRY_DELAY", 0.05)
# Read replicas (docs/scaling.md): URLs in the same form, comma-separated. The device API's
# reads go to a replica within SMARTY_DATABASE_REPLICA_MAX_LAG seconds of the primary (lag
# asked at most every SMARTY_DATABASE_REPLICA_LAG_CHECK seconds per process); values cached
# from a replica are kept at most SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT seconds.
SMARTY_DATABASE_REPLICA_URLS = env_list("SMARTY_DATABASE_REPLICA_URLS", [])
SMARTY_DATABASE_REPLICA_PATHS = env_list("SMARTY_DATABASE_REPLICA_PATHS", ["/tvmiddleware/api/"])
SMARTY_DATABASE_REPLICA_MAX_LAG = env_float("SMARTY_DATABASE_REPLICA_MAX_LAG", 2.0)
SMARTY_DATABASE_REPLICA_LAG_CHECK = env_float("SMARTY_DATABASE_REPLICA_LAG_CHECK", 5.0)
SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT = env_int("SMARTY_DATABASE_REPLICA_CACHE_TIMEOUT", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
# SMARTY_REDIS_URL selects Redis for the cache (and the Celery broker unless
# SMARTY_CELERY_BROKER_URL says otherwise). SMARTY_REDIS_CLUSTER_NODES
# ("host:port,host:port") switches the cache to a Redis Cluster.
REDIS_URL = env_str("SMARTY_REDIS_URL", "")
REDIS_CLUSTER_NODES = env_list("SMARTY_REDIS_CLUSTER_NODES", [])
CACHE_KEY_PREFIX = env_str("SMARTY_CACHE_KEY_PREFIX", "smarty")
# When the cache is down (docs/architecture.md): each command waits at most this long; after a
# failure the process skips the cache for SMARTY_CACHE_BREAKER_SECONDS; a write whose
# invalidation was lost is seen by every process within SMARTY_CACHE_EPOCH_SECONDS.
CACHE_SOCKET_TIMEOUT = env_float("SMARTY_CACHE_SOCKET_TIMEOUT", 0.25)
SMARTY_CACHE_BREAKER_SECONDS = env_float("SMARTY_CACHE_BREAKER_SECONDS", 5.0)
SMARTY_CACHE_EPOCH_SECONDS = env_float("SMARTY_CACHE_EPOCH_SECONDS", 5.0)
# The generation mirror (smarty.cache, docs/architecture.md "Caching"): each process keeps the
# generations it read, dropped by a broadcast on bump; its listener pings Redis every
# SMARTY_CACHE_BROADCAST_PING seconds and the mirror is used only while an answer came within
# SMARTY_CACHE_LOCAL_STALENESS seconds (the bound on a missed broadcast; 0 turns it off). At
# most SMARTY_CACHE_MIRROR_ENTRIES generations per process (about 150 bytes each; the oldest
# quarter goes when full): what it must hold is the operator-wide ones (a few thousand) and
# those of the devices the per-device memory holds (SMARTY_LOCAL_DEVICE_ENTRIES values).
SMARTY_CACHE_BROADCAST_PING = env_float("SMARTY_CACHE_BROADCAST_PING", 1.0)
SMARTY_CACHE_LOCAL_STALENESS = env_float("SMARTY_CACHE_LOCAL_STALENESS", 2.0)
SMARTY_CACHE_MIRROR_ENTRIES = env_int("SMARTY_CACHE_MIRROR_ENTRIES", 20_000)
if REDIS_CLUSTER_NODES:
    CACHES = {
        "default": {
            "BACKEND": "smarty.cache_backends.GuardedRedisCache",
            "LOCATION": "redis://" + REDIS_CLUSTER_NODES[0],
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "smarty.cache_backends.RedisClusterClient",
                "STARTUP_NODES": REDIS_CLUSTER_NODES,
                "SOCKET_CONNECT_TIMEOUT": CACHE_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": CACHE_SOCKET_TIMEOUT,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
elif REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "smarty.cache_backends.GuardedRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": CACHE_SOCKET_TIMEOUT,
                "SOCKET_TIMEOUT": CACHE_SOCKET_TIMEOUT,
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
# The queue tasks are sent to and the worker reads: installations sharing one broker (or one
# RabbitMQ virtual host) keep apart by name.
CELERY_TASK_DEFAULT_QUEUE = env_str("SMARTY_CELERY_QUEUE", "celery")

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

# --- Reverse proxies and HTTPS (docs/operations.md "Behind a proxy, HTTPS, cookies") ----------
# Addresses or networks of the reverse proxies in front of the app server: only connections
# from them may name the caller's address in X-Real-IP / X-Forwarded-For.
SMARTY_TRUSTED_PROXIES = env_list("SMARTY_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
# The admin is served over HTTPS (TLS ended by the proxy, which sets X-Forwarded-Proto): its
# session and CSRF cookies get the Secure flag and requests with X-Forwarded-Proto: https count
# as secure.
SMARTY_HTTPS = env_bool("SMARTY_HTTPS", False)
SECURE_HSTS_SECONDS = env_int("SMARTY_HSTS_SECONDS", 0)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # the admin's forms carry the token; no script reads the cookie
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- API behaviour ------------------------------------------------------------------------
# Health check (tvmw health/check): alive while load average and used memory stay below.
MAX_LA = env_float("SMARTY_MAX_LA", 8.0)
MAX_USED_MEM = env_float("SMARTY_MAX_USED_MEM", 0.95)
SMARTY_RESERVED_SERVER_ADDRESSES = env_list("SMARTY_RESERVED_SERVER_ADDRESSES", [])
TVMIDDLEWARE_CUSTOMER_LOG_ENABLED = env_bool("TVMIDDLEWARE_CUSTOMER_LOG_ENABLED", True)
TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING = env_bool("TVMW_EPG_IMPORT_ALLOW_PARSER_HANDLING", True)
SMARTY_SESSION_TTL_DAYS = env_int("SMARTY_SESSION_TTL_DAYS", 30)
# PBKDF2-SHA256 iterations of account (subscriber) passwords: about 30 ms per login on one
# core. Hashes with fewer iterations are re-hashed at the next successful login.
SMARTY_ACCOUNT_PASSWORD_ITERATIONS = env_int("SMARTY_ACCOUNT_PASSWORD_ITERATIONS", 100_000)
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

# --- Prometheus (/metrics; docs/operations.md "Metrics") ------------------------------------
# Request counts, latency and query histograms are kept in memory (in PROMETHEUS_MULTIPROC_DIR
# under gunicorn); /metrics answers callers from SMARTY_METRICS_ALLOWED_IPS (addresses or
# networks, as client_ip() sees them behind SMARTY_TRUSTED_PROXIES) or with
# "Authorization: Bearer <SMARTY_METRICS_TOKEN>".
SMARTY_METRICS_ENABLED = env_bool("SMARTY_METRICS_ENABLED", True)
SMARTY_METRICS_ALLOWED_IPS = env_list("SMARTY_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
SMARTY_METRICS_TOKEN = env_secret("SMARTY_METRICS_TOKEN")
# Celery queues whose length is shown (empty: the default queue); seconds to reach the broker.
SMARTY_METRICS_CELERY_QUEUES = env_list("SMARTY_METRICS_CELERY_QUEUES", [])
SMARTY_METRICS_BROKER_TIMEOUT = env_float("SMARTY_METRICS_BROKER_TIMEOUT", 2.0)

# --- Sentry (seed 2.4.11): SENTRY_DSN, or the seed's RAVEN_CONFIG = {"dsn": ...} ---------
SENTRY_DSN = env_str("SENTRY_DSN", "")
RAVEN_CONFIG: dict = {}

AUTH_PASSWORD_VALIDATORS: list = []
LOGIN_URL = "/admin/login/"
LOGIN_REDIRECT_URL = "/admin/"  # also where an admin login lands when its `next` is refused
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
        from sentry_sdk.integrations.threading import ThreadingIntegration
        from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

        from smarty.redaction import SECRET_PARAMS, scrub_sentry_event

        sentry_sdk.init(
            dsn=dsn,
            integrations=[DjangoIntegration()],
            # The threading integration takes our `channels` app for Django Channels and fails.
            disabled_integrations=[ThreadingIntegration()],
            send_default_pii=False,
            # Device credentials travel in query strings and reach objects' string forms: no
            # local variables, and before_send removes the secrets (docs/operations.md); the
            # scrubber leaves our names to it, which first reads their values.
            include_local_variables=False,
            event_scrubber=EventScrubber(denylist=[k for k in DEFAULT_DENYLIST if k not in SECRET_PARAMS]),
            before_send=scrub_sentry_event,
        )
    namespace["CORS_ALLOWED_ORIGINS"] = namespace["CORS_ORIGIN_WHITELIST"]
    _add_replicas(namespace)
    if namespace.get("SMARTY_HTTPS"):
        namespace["SESSION_COOKIE_SECURE"] = True
        namespace["CSRF_COOKIE_SECURE"] = True
        namespace.setdefault("SECURE_PROXY_SSL_HEADER", ("HTTP_X_FORWARDED_PROTO", "https"))


def _add_replicas(namespace: dict) -> None:
    """DATABASES replica1..N, the router and its middleware (in both middleware chains), when
    replica URLs are set."""
    urls = namespace.get("SMARTY_DATABASE_REPLICA_URLS") or []
    databases = namespace.get("DATABASES") or {}
    if not urls or not databases or any(alias.startswith("replica") for alias in databases):
        return
    primary = databases["default"]
    for number, url in enumerate(urls, start=1):
        databases[f"replica{number}"] = {
            **parse_database_url(url),
            "CONN_MAX_AGE": primary.get("CONN_MAX_AGE", 0),
            "CONN_HEALTH_CHECKS": True,
            # The test database of a replica is the primary's.
            "TEST": {"MIRROR": "default"},
        }
    namespace["DATABASE_ROUTERS"] = ["smarty.db_routing.ReplicaRouter", *namespace.get("DATABASE_ROUTERS", [])]
    # Both chains (smarty/http.py): the device API's reads are the ones sent to a replica.
    for chain in ("MIDDLEWARE", "SMARTY_DEVICE_API_MIDDLEWARE"):
        middleware = namespace.get(chain)
        if middleware is not None and "smarty.db_routing.ReplicaRoutingMiddleware" not in middleware:
            middleware.insert(1, "smarty.db_routing.ReplicaRoutingMiddleware")


# --- tvmw-auth ---------------------------------------------------------------------------
# Device groups (PlayDevice.Group values) whose devices register as basic devices and count
# against the tariffs' basic_sessions_count; other groups are additional devices. A device
# of unknown type counts as basic.
SMARTY_BASIC_DEVICE_GROUPS = [int(g) for g in env_list("SMARTY_BASIC_DEVICE_GROUPS", ["0", "1"])]
# A session's last_active / expires_at are refreshed at most this often (seconds).
SMARTY_SESSION_TOUCH_INTERVAL = env_int("SMARTY_SESSION_TOUCH_INTERVAL", 300)
# With Redis, what device requests write and nobody reads at once (a stream request's view for
# the viewing statistics, a session's touch) is written behind by a thread of the process, many
# in one round trip, at most this many seconds later (smarty/write_behind.py; 0: each request
# writes its own). At most 5 s, well inside the minute flushes' 20 s of grace.
SMARTY_WRITE_BEHIND_SECONDS = min(env_float("SMARTY_WRITE_BEHIND_SECONDS", 0.05), 5.0)
# Phone verification (login try_login_by_phone, login/customer_list).
SMARTY_PHONE_GATEWAY = env_str("SMARTY_PHONE_GATEWAY", "accounts.sms.LoggingPhoneGateway")
SMARTY_PHONE_VERIFICATION_METHOD = env_str("SMARTY_PHONE_VERIFICATION_METHOD", "sms")  # sms, flash_call, call
SMARTY_PHONE_CONFIRMATION_NUMBER = env_str("SMARTY_PHONE_CONFIRMATION_NUMBER", "")
SMARTY_PHONE_CODE_LENGTH = env_int("SMARTY_PHONE_CODE_LENGTH", 4)
SMARTY_PHONE_CODE_TTL = env_int("SMARTY_PHONE_CODE_TTL", 300)
SMARTY_PHONE_CODE_RESEND_INTERVAL = env_int("SMARTY_PHONE_CODE_RESEND_INTERVAL", 60)
SMARTY_PHONE_CODES_PER_HOUR = env_int("SMARTY_PHONE_CODES_PER_HOUR", 5)
SMARTY_PHONE_CODE_MAX_TRIES = env_int("SMARTY_PHONE_CODE_MAX_TRIES", 5)
# Self-service (account/register, account/reset_password, account/send_parent_code_by_sms).
SMARTY_REGISTRATION_ENABLED = env_bool("SMARTY_REGISTRATION_ENABLED", True)
# Registrations per IP address and window; an operator's Client.registration_limit overrides.
SMARTY_REGISTRATIONS_PER_IP = env_int("SMARTY_REGISTRATIONS_PER_IP", 5)
SMARTY_REGISTRATION_WINDOW = env_int("SMARTY_REGISTRATION_WINDOW", 86400)
# Password reset requests per IP and per phone/email and window.
SMARTY_PASSWORD_RESETS_PER_IP = env_int("SMARTY_PASSWORD_RESETS_PER_IP", 10)
SMARTY_PASSWORD_RESET_WINDOW = env_int("SMARTY_PASSWORD_RESET_WINDOW", 3600)
SMARTY_PARENT_CODE_SMS_INTERVAL = env_int("SMARTY_PARENT_CODE_SMS_INTERVAL", 60)
SMARTY_PARENT_CODE_SMS_PER_DAY = env_int("SMARTY_PARENT_CODE_SMS_PER_DAY", 5)
# QR login (noauth/qr/login/generate, qr/login/sync): how long a TV's code lives (seconds),
# its digits, and the text of the QR code ({code} and {client_id} are filled in).
SMARTY_QR_LOGIN_TTL = env_int("SMARTY_QR_LOGIN_TTL", 300)
SMARTY_QR_LOGIN_CODE_LENGTH = env_int("SMARTY_QR_LOGIN_CODE_LENGTH", 6)
SMARTY_QR_LOGIN_LINK = env_str("SMARTY_QR_LOGIN_LINK", "smarty://qr-login?client_id={client_id}&code={code}")
# Also return the digits (login_code) for typing them on the phone instead of scanning.
SMARTY_QR_LOGIN_SHOW_CODE = env_bool("SMARTY_QR_LOGIN_SHOW_CODE", True)
# GeoIP2 / GeoLite2 City or Country database (.mmdb) for country/info when an operator's
# geo_locator is "geoip2".
SMARTY_GEOIP_DB = env_str("SMARTY_GEOIP_DB", "")
# Where `geoip_update` fetches that database from: an http(s) URL or a local path, of a .mmdb
# or a .tar.gz holding one (MaxMind's download links carry the licence key).
SMARTY_GEOIP_DB_SOURCE = env_str("SMARTY_GEOIP_DB_SOURCE", "")
# ip2location: the binary database and the CSV database (countries and cities for
# `sync_geo_ip2location`), where `update_ip2location` puts them and where it fetches them from
# (http(s) URL or local path; a .zip holding the .BIN/.CSV is unpacked).
SMARTY_IP2LOCATION_BIN = env_str("SMARTY_IP2LOCATION_BIN", str(VAR_DIR / "geo" / "ip2location.bin"))
SMARTY_IP2LOCATION_BIN_SOURCE = env_str("SMARTY_IP2LOCATION_BIN_SOURCE", "")
SMARTY_IP2LOCATION_CSV = env_str("SMARTY_IP2LOCATION_CSV", str(VAR_DIR / "geo" / "ip2location.csv"))
SMARTY_IP2LOCATION_CSV_SOURCE = env_str("SMARTY_IP2LOCATION_CSV_SOURCE", "")

# --- streaming ---------------------------------------------------------------------------
# Routing scripts run in a separate sandbox process with these limits (docs/streaming.md).
SMARTY_ROUTING_SCRIPT_TIMEOUT = env_float("SMARTY_ROUTING_SCRIPT_TIMEOUT", 0.5)
SMARTY_ROUTING_SCRIPT_MEMORY_MB = env_int("SMARTY_ROUTING_SCRIPT_MEMORY_MB", 256)
SMARTY_ROUTING_SCRIPT_START_TIME = env_float("SMARTY_ROUTING_SCRIPT_START_TIME", 5.0)
# Token check answers for streaming servers: HTTP status of a denial.
SMARTY_STREAM_TOKEN_DENY_STATUS = env_int("SMARTY_STREAM_TOKEN_DENY_STATUS", 403)
# Claimed tokens stay valid for the viewer while re-checked within session_ttl x this factor.
SMARTY_STREAM_TOKEN_SESSION_FACTOR = env_int("SMARTY_STREAM_TOKEN_SESSION_FACTOR", 2)
# Expired tokens are deleted after this many hours (purge_stream_tokens / Celery).
SMARTY_STREAM_TOKEN_KEEP_HOURS = env_int("SMARTY_STREAM_TOKEN_KEEP_HOURS", 24)
# Availability checks (check_stream_services / Celery, every minute): per-probe timeout.
SMARTY_STREAM_CHECK_TIMEOUT = env_float("SMARTY_STREAM_CHECK_TIMEOUT", 3.0)
SMARTY_STREAM_CHECK_WORKERS = env_int("SMARTY_STREAM_CHECK_WORKERS", 8)
SMARTY_STREAM_PROBE_TIMEOUT = env_float("SMARTY_STREAM_PROBE_TIMEOUT", 5.0)  # "Test stream" on a channel
# program/url by `time` on a channel without EPG: the recording length handed out (seconds).
SMARTY_ARCHIVE_NO_EPG_DURATION = env_int("SMARTY_ARCHIVE_NO_EPG_DURATION", 3600)

# --- players (M3U/XMLTV, Xtream, Stalker; docs/players.md) -----------------------------------
# The XMLTV guide of an account: days ahead (from today) and days back (the archive).
SMARTY_PLAYERS_XMLTV_DAYS = env_int("SMARTY_PLAYERS_XMLTV_DAYS", 3)
SMARTY_PLAYERS_XMLTV_PAST_DAYS = env_int("SMARTY_PLAYERS_XMLTV_PAST_DAYS", 2)
# How long a MAG box's handshake token is good for (seconds).
SMARTY_PLAYERS_STALKER_TOKEN_TTL = env_int("SMARTY_PLAYERS_STALKER_TOKEN_TTL", 86400)

# --- tvmw-content (live TV, TV guide, their caches; docs/tvmw-content.md) ---------------------
# channel/list's current/next programmes come from a snapshot per operator, language and
# time bucket of this many seconds; "next" is looked for this far after the bucket.
SMARTY_EPG_NOW_WINDOW = env_int("SMARTY_EPG_NOW_WINDOW", 600)
SMARTY_EPG_NEXT_LOOKAHEAD = env_int("SMARTY_EPG_NEXT_LOOKAHEAD", 6 * 3600)
# program/list: the longest range one request may ask for.
SMARTY_PROGRAM_LIST_MAX_DAYS = env_int("SMARTY_PROGRAM_LIST_MAX_DAYS", 31)
# channel/programs: the largest `limit`; channel/list/programs: the longest range (seconds).
SMARTY_CHANNEL_PROGRAMS_MAX_LIMIT = env_int("SMARTY_CHANNEL_PROGRAMS_MAX_LIMIT", 100)
SMARTY_CHANNEL_LIST_PROGRAMS_MAX_SECONDS = env_int("SMARTY_CHANNEL_LIST_PROGRAMS_MAX_SECONDS", 3 * 86400)
# program/list/search (names from the reference): days ahead searched, default and largest limit.
TVMIDDLEWARE_PROGRAM_LIST_SEARCH_DAYS = env_int("TVMIDDLEWARE_PROGRAM_LIST_SEARCH_DAYS", 7)
TVMIDDLEWARE_PROGRAM_LIST_SEARCH_LIMIT_RESULTS_TO = env_int("TVMIDDLEWARE_PROGRAM_LIST_SEARCH_LIMIT_RESULTS_TO", 20)
# Rows scanned at most by program search and archive selections; premieres returned at most.
SMARTY_PROGRAM_SEARCH_SCAN = env_int("SMARTY_PROGRAM_SEARCH_SCAN", 500)
SMARTY_RECORD_LIST_SCAN = env_int("SMARTY_RECORD_LIST_SCAN", 2000)
SMARTY_PREMIERES_MAX = env_int("SMARTY_PREMIERES_MAX", 500)
# channel/list/last: how many channels.
SMARTY_LAST_CHANNELS_LIMIT = env_int("SMARTY_LAST_CHANNELS_LIMIT", 10)
# Large operator-wide cached values each process also keeps in memory (smarty.cache, cached(local=True)
# and the guide's day windows): at most this many, and at most SMARTY_LOCAL_CACHE_BYTES bytes of
# them (estimated when kept; the least recently used go first). The bytes are the bound: 24 MiB hold
# some 3,000 day windows of a guide of 24 programmes a channel a day (kept pickled, about 7 KB each),
# six days of 300-500 channels, with the operators' channel lists and catalogues; with the
# per-device values below, a sync worker stays under 150 MB (docs/scaling.md).
SMARTY_LOCAL_CACHE_ENTRIES = env_int("SMARTY_LOCAL_CACHE_ENTRIES", 4096)
SMARTY_LOCAL_CACHE_BYTES = env_int("SMARTY_LOCAL_CACHE_BYTES", 24 * 1024 * 1024)
# Per-device values each process keeps in memory (sessions, accounts, inboxes: smarty.cache,
# cached(local="device")): at most this many, about 1.2 KB each (10 000: some 12 MB a process).
SMARTY_LOCAL_DEVICE_ENTRIES = env_int("SMARTY_LOCAL_DEVICE_ENTRIES", 10_000)
# The garbage collector of a serving process (smarty/collector.py): what setup made frozen out of
# every collection, and the youngest generation collected every this many allocations (0:
# CPython's 700).
SMARTY_GC_FREEZE = env_bool("SMARTY_GC_FREEZE", True)
SMARTY_GC_THRESHOLD = env_int("SMARTY_GC_THRESHOLD", 20_000)
# /bench/floor/ (the benchmark's cheapest JSON answer): only for bench/run.py's server.
SMARTY_BENCH_FLOOR = env_bool("SMARTY_BENCH_FLOOR", False)

# --- admin ---------------------------------------------------------------------------------
# The admin site of the project (sections, operator selector) as Django's default site, and
# the role limits of operator staff, monitoring operators and dealers before Django's
# permissions (smarty/admin_access.py).
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "smarty.admin_apps.SmartyAdminConfig"
AUTHENTICATION_BACKENDS = [
    "smarty.admin_access.SmartyPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# An account or device counts as online when a session of it was active this recently.
SMARTY_ADMIN_ONLINE_MINUTES = env_int("SMARTY_ADMIN_ONLINE_MINUTES", 10)
# --- billing ---------------------------------------------------------------------------------
# Billing API and internal billing (docs/billing.md). Operators whose Client.payment_method is
# "internal" are charged by Smarty (charge_tariffs); for any other value Smarty never charges.
# Subscription methods answer 100 ("subscription model not used") when this is off.
BILLING_SUBSCRIPTIONS_ENABLED = env_bool("SMARTY_BILLING_SUBSCRIPTIONS_ENABLED", True)
# customer/create answers 2 after this many customers per source IP and day; 0: unlimited.
BILLING_CUSTOMER_CREATE_LIMIT_PER_IP = env_int("SMARTY_BILLING_CUSTOMER_CREATE_LIMIT_PER_IP", 0)
# session/list reports a session online when it was active within this many seconds.
BILLING_SESSION_ONLINE_SECONDS = env_int("SMARTY_BILLING_SESSION_ONLINE_SECONDS", 300)
# Payment gateways: built-in names ("test") or dotted paths of billing.gateways.base.Gateway
# subclasses. The first one is used when a request names no merchant_type.
BILLING_PAYMENT_GATEWAYS = env_list("SMARTY_BILLING_PAYMENT_GATEWAYS", ["test"])
# Seconds a request to a payment gateway's API may take (then: gateway error 3).
BILLING_GATEWAY_TIMEOUT = env_int("SMARTY_BILLING_GATEWAY_TIMEOUT", 10)
# The test gateway's merchant page (%transaction_id%, %success_url%, %fail_url% placeholders);
# empty: the application uses its own card form.
BILLING_TEST_GATEWAY_MERCHANT_URL = env_str("SMARTY_BILLING_TEST_GATEWAY_MERCHANT_URL", "")
BILLING_PROMO_CODE_LENGTH = env_int("SMARTY_BILLING_PROMO_CODE_LENGTH", 6)
# --- content api ---------------------------------------------------------------------------
# Operators (client ids) allowed to call the Content API's EPGChannelIconUpload: EPG channels
# are shared by every operator (the reference's CONTENT_FULL_ACCESS_CLIENTS).
CONTENT_FULL_ACCESS_CLIENTS = [int(i) for i in env_list("SMARTY_CONTENT_FULL_ACCESS_CLIENTS", [])]
# --- epg ---------------------------------------------------------------------------------------
# Guide downloads (EPG sources, channel lists, premieres): timeouts in seconds, caps in bytes.
SMARTY_EPG_CONNECT_TIMEOUT = env_float("SMARTY_EPG_CONNECT_TIMEOUT", 10.0)
SMARTY_EPG_READ_TIMEOUT = env_float("SMARTY_EPG_READ_TIMEOUT", 60.0)
SMARTY_EPG_DOWNLOAD_TIMEOUT = env_float("SMARTY_EPG_DOWNLOAD_TIMEOUT", 600.0)  # a whole download
SMARTY_EPG_MAX_DOWNLOAD_BYTES = env_int("SMARTY_EPG_MAX_DOWNLOAD_BYTES", 256 * 1024 * 1024)
# The XML once decompressed (.gz/.zip), against gzip bombs.
SMARTY_EPG_MAX_XML_BYTES = env_int("SMARTY_EPG_MAX_XML_BYTES", 1024 * 1024 * 1024)
# Decompressed bytes per compressed byte (.gz/.zip), checked once 16 MiB came out: real guides
# compress 5-30 times, bombs a thousand times.
SMARTY_EPG_MAX_EXPANSION_RATIO = env_int("SMARTY_EPG_MAX_EXPANSION_RATIO", 200)
# The most XML read without a complete <channel>/<programme>: bounds every single token (text,
# attribute, comment, CDATA, processing instruction) and element, so the reader's memory
# (docs/epg.md, "Memory bound").
SMARTY_EPG_MAX_ELEMENT_BYTES = env_int("SMARTY_EPG_MAX_ELEMENT_BYTES", 2 * 1024 * 1024)
# The most programmes one channel may have in one input: the importer holds one channel's
# programmes at a time, so this bounds its own memory (a week of a busy channel is ~1,000).
SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL = env_int("SMARTY_EPG_MAX_PROGRAMMES_PER_CHANNEL", 20_000)
SMARTY_EPG_MAX_ICON_BYTES = env_int("SMARTY_EPG_MAX_ICON_BYTES", 5 * 1024 * 1024)
SMARTY_EPG_MAX_ICON_PIXELS = env_int("SMARTY_EPG_MAX_ICON_PIXELS", 16_000_000)
SMARTY_EPG_USER_AGENT = env_str("SMARTY_EPG_USER_AGENT", "smarty-epg-importer/1.0")

# Video library (docs/vod.md): upload limits and the sizes of posters and screenshots.
SMARTY_VOD_MAX_IMAGE_BYTES = env_int("SMARTY_VOD_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
SMARTY_VOD_MAX_IMAGE_PIXELS = env_int("SMARTY_VOD_MAX_IMAGE_PIXELS", 16_000_000)
# Bulk import of videos from a CSV/JSON file (admin): file size, rows, how long the report is kept (s).
SMARTY_VOD_IMPORT_MAX_BYTES = env_int("SMARTY_VOD_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
SMARTY_VOD_IMPORT_MAX_ROWS = env_int("SMARTY_VOD_IMPORT_MAX_ROWS", 10_000)
SMARTY_VOD_IMPORT_KEEP = env_int("SMARTY_VOD_IMPORT_KEEP", 24 * 3600)
SMARTY_VOD_IMAGE_SIZES = {
    "poster": {"small": (160, 240), "big": (400, 600)},
    "screenshot": {"big": (1280, 720)},
    "photo": {"small": (120, 160)},
    "banner": {},
    "preview": {"small": (320, 180)},
}
# TVMW video/list filters `new` and `premiere` (reference tvmw/Video.md).
TVMIDDLEWARE_VIDEO_NEW_DAYS = env_int("TVMIDDLEWARE_VIDEO_NEW_DAYS", 30)
TVMIDDLEWARE_VIDEO_PREMIERE_DAYS = env_int("TVMIDDLEWARE_VIDEO_PREMIERE_DAYS", 90)
TVMIDDLEWARE_VIDEO_PREMIERE_YEARS = env_int("TVMIDDLEWARE_VIDEO_PREMIERE_YEARS", 0)
# Parsed programmes kept in memory before the importer spills them to a temporary file.
SMARTY_EPG_SPOOL_PROGRAMMES = env_int("SMARTY_EPG_SPOOL_PROGRAMMES", 10000)
SMARTY_EPG_INSERT_BATCH = env_int("SMARTY_EPG_INSERT_BATCH", 500)
# Programmes written per transaction (each channel in its own savepoint inside it).
SMARTY_EPG_COMMIT_PROGRAMMES = env_int("SMARTY_EPG_COMMIT_PROGRAMMES", 5000)
# MySQL/MariaDB: send a channel's INSERT and prepare the next channel while the server works.
SMARTY_EPG_PIPELINE = env_bool("SMARTY_EPG_PIPELINE", True)
# Write each channel while the rest of the file is parsed, in one transaction per input (an
# input listing a channel in several places falls back to the spool). Unset: on, except on SQLite.
SMARTY_EPG_STREAMING = env_bool("SMARTY_EPG_STREAMING", None)
# EPG_TIME_OVERLAP / EPG_TIME_HOLE / EPG_NAME_DOUBLE logged per channel and import, each (0: all);
# EPG_CHANNEL_IMPORTED then says how many were left out (sequence_events_suppressed).
SMARTY_EPG_SEQUENCE_EVENTS = env_int("SMARTY_EPG_SEQUENCE_EVENTS", 20)

# --- Monitoring: viewing statistics, device monitoring, dashboard (docs/monitoring.md) ----------
# ViewStats StatPush records per account and minute (0: unlimited); more answer code 4.
SMARTY_VIEWSTATS_PUSH_LIMIT = env_int("SMARTY_VIEWSTATS_PUSH_LIMIT", 120)
# Operators whose devices may use the ViewStats API (empty: every operator); others get code 3.
SMARTY_VIEWSTATS_CLIENTS = [int(c) for c in env_list("SMARTY_VIEWSTATS_CLIENTS", [])]
# Pushes of one channel_session further apart than this (seconds) start a new session row.
SMARTY_VIEWSTATS_SESSION_GAP = env_int("SMARTY_VIEWSTATS_SESSION_GAP", 900)
# A session started by channel/url or program/url counts at most this long (seconds).
SMARTY_MONITORING_URL_SESSION_MAX = env_int("SMARTY_MONITORING_URL_SESSION_MAX", 4 * 3600)
# Raw viewing events and health-agent reports are kept this many days, hourly rollups this many.
SMARTY_MONITORING_RAW_DAYS = env_int("SMARTY_MONITORING_RAW_DAYS", 35)
SMARTY_MONITORING_ROLLUP_DAYS = env_int("SMARTY_MONITORING_ROLLUP_DAYS", 400)
# Device Monitoring: the size limit of one pushed JSON body (bytes) and of a metrics batch.
SMARTY_DEVICE_MONITORING_MAX_BODY = env_int("SMARTY_DEVICE_MONITORING_MAX_BODY", 65536)
SMARTY_DEVICE_MONITORING_MAX_METRICS = env_int("SMARTY_DEVICE_MONITORING_MAX_METRICS", 100)
# Digits of the device admin-panel password (PasswordGenerate).
SMARTY_DEVICE_PASSWORD_LENGTH = env_int("SMARTY_DEVICE_PASSWORD_LENGTH", 8)
# DRM API: the DRM type of each device type, as `system_name:type` (widevine, playready,
# fairplay); a device type not listed answers "DRM type identification issue".
SMARTY_DRM_DEVICE_TYPES = env_list(
    "SMARTY_DRM_DEVICE_TYPES",
    [
        "android:widevine",
        "android_stb:widevine",
        "android_tv:widevine",
        "chromecast:widevine",
        "web:widevine",
        "smarttv_tizen:playready",
        "smarttv_webos:playready",
        "ios:fairplay",
        "apple_tv:fairplay",
        "safari:fairplay",
    ],
)
# --- portal -------------------------------------------------------------------------------------
# Widget data sources (RSS, weather, exchange rates): fetched by portal.tasks.portal_feeds_fetch
# every SMARTY_PORTAL_FEED_INTERVAL minutes per source; timeouts in seconds, the cap in bytes.
SMARTY_PORTAL_FEED_INTERVAL = env_int("SMARTY_PORTAL_FEED_INTERVAL", 15)
SMARTY_PORTAL_FEED_CONNECT_TIMEOUT = env_float("SMARTY_PORTAL_FEED_CONNECT_TIMEOUT", 5.0)
SMARTY_PORTAL_FEED_READ_TIMEOUT = env_float("SMARTY_PORTAL_FEED_READ_TIMEOUT", 10.0)
SMARTY_PORTAL_FEED_TOTAL_TIMEOUT = env_float("SMARTY_PORTAL_FEED_TOTAL_TIMEOUT", 30.0)
SMARTY_PORTAL_FEED_MAX_BYTES = env_int("SMARTY_PORTAL_FEED_MAX_BYTES", 2 * 1024 * 1024)
SMARTY_PORTAL_RSS_MAX_ENTRIES = env_int("SMARTY_PORTAL_RSS_MAX_ENTRIES", 50)
# ads/list answers error 2 unless ads are enabled (the vendor's TVMIDDLEWARE_ADS_ENABLED).
SMARTY_TVMW_ADS_ENABLED = env_bool("SMARTY_TVMW_ADS_ENABLED", False)
