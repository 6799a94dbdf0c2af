# Smarty settings of this installation, read after the defaults (settings/base.py) and the
# environment (/etc/smarty/smarty.env). Plain Python: assign any setting of the project, e.g.
#
# ALLOWED_HOSTS = ["tv.example.com"]
# SMARTY_HTTPS = True
# TIME_ZONE = "Europe/Moscow"
# SMARTY_DEFAULT_LANGUAGE = "ru"
# STATSD_HOST = "10.0.0.5"
# RAVEN_CONFIG = {"dsn": "https://<key>@sentry.example.com/<project>"}
