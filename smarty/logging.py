"""Logging as the seed's section 4 describes: named loggers, one file each, the line format

    Fri Mar 24 10:22:35+0300 2017 DEBUG api:621 get[83630.Thread-3] EVENT 'k'='v' ...

Code logs events with `log_event(logger, EVENT, key=value, ...)`; the context stays as
key/value pairs on the record (`record.event`, `record.context`) and is rendered here only.
"""

from __future__ import annotations

import logging
import logging.config
import traceback
from datetime import datetime
from zoneinfo import ZoneInfo

LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING, "ERROR": logging.ERROR}


def render_context(context: dict) -> str:
    return " ".join(f"'{key}'={value!r}" for key, value in context.items())


class SmartyFormatter(logging.Formatter):
    """The seed's line format; times in settings.TIME_ZONE with the UTC offset."""

    def __init__(self, time_zone: str = "UTC") -> None:
        super().__init__()
        self.tz = ZoneInfo(time_zone)

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, self.tz).strftime("%a %b %d %H:%M:%S%z %Y")
        head = (
            f"{stamp} {record.levelname} {record.module}:{record.lineno} "
            f"{record.funcName}[{record.process}.{record.threadName}]"
        )
        event = getattr(record, "event", None)
        if event is None:
            body = record.getMessage()
        else:
            context = getattr(record, "context", {}) or {}
            body = f"{event} {render_context(context)}".rstrip()
        if record.exc_info:
            body += " 'stacktrace'=" + repr("".join(traceback.format_exception(*record.exc_info)))
        return f"{head} {body}"


def log_event(
    logger: str | logging.Logger,
    event: str,
    *,
    level: int | str = logging.DEBUG,
    exc_info: bool = False,
    **context: object,
) -> None:
    """Log one seed event with its context on the named logger."""
    log = logging.getLogger(logger) if isinstance(logger, str) else logger
    lvl = LEVELS.get(level, logging.DEBUG) if isinstance(level, str) else level
    if not log.isEnabledFor(lvl):
        return
    log.log(lvl, event, extra={"event": event, "context": context}, exc_info=exc_info, stacklevel=2)


def mask_secret(text: str, secret: str, mask: str = "***") -> str:
    """`text` with every occurrence of `secret` replaced: a stream address keeps its shape in
    the log while its one-time token does not reach the file."""
    return text.replace(secret, mask) if secret and text else text


def build_config(*, log_dir, level: str, loggers: list[str], time_zone: str) -> dict:
    handlers = {
        name: {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(log_dir / f"{name}.log"),
            "formatter": "smarty",
            "level": level,
            "encoding": "utf-8",
        }
        for name in loggers
    }
    handlers["console"] = {"class": "logging.StreamHandler", "formatter": "smarty", "level": "WARNING"}
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"smarty": {"()": SmartyFormatter, "time_zone": time_zone}},
        "handlers": handlers,
        "loggers": {name: {"handlers": [name], "level": level, "propagate": False} for name in loggers},
    }
    # Unhandled errors from Django land in the main log (seed 4.1.1), warnings also on stderr.
    config["loggers"]["django"] = {"handlers": ["smarty_main", "console"], "level": "WARNING", "propagate": False}
    config["loggers"]["celery"] = {"handlers": ["smarty_main"], "level": "INFO", "propagate": False}
    return config


def configure(overrides: dict) -> None:
    """LOGGING_CONFIG entry point: the seed's loggers, then settings.LOGGING on top."""
    from django.conf import settings

    settings.LOG_DIR.mkdir(parents=True, exist_ok=True)
    config = build_config(
        log_dir=settings.LOG_DIR,
        level=settings.LOG_LEVEL,
        loggers=settings.SMARTY_LOGGERS,
        time_zone=settings.TIME_ZONE,
    )
    for section, entries in (overrides or {}).items():
        if isinstance(entries, dict) and isinstance(config.get(section), dict):
            for name, value in entries.items():
                config[section].setdefault(name, {}).update(value)
        else:
            config[section] = entries
    logging.config.dictConfig(config)
