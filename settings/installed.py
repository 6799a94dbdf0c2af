"""Settings of the Debian package (debian/): the defaults and the environment
(/etc/smarty/smarty.env), then the installation's own file (SMARTY_SETTINGS_FILE, by default
/etc/smarty/settings.py), plain Python run in this module's namespace."""

from pathlib import Path

from .base import *
from .base import finalize

DEBUG = env_bool("SMARTY_DEBUG", False)
LOG_DIR = Path(env_str("SMARTY_LOG_DIR", "/var/log/smarty"))

_site_file = Path(env_str("SMARTY_SETTINGS_FILE", "/etc/smarty/settings.py"))
if _site_file.is_file():
    exec(compile(_site_file.read_text(), str(_site_file), "exec"), globals())  # noqa: S102 - the operator's own file

finalize(globals())
