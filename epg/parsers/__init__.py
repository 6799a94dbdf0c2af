"""EPG parser plugins: one module per parser, each with a class `EpgParser` (see base.py).
An EpgSource's `parser` field names the module."""

from __future__ import annotations

import importlib
import pkgutil
import re

from .base import EpgParserBase, FeedError

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_NOT_PARSERS = {"base"}


def get_parser(name: str) -> type[EpgParserBase]:
    """The EpgParser class of module epg/parsers/<name>.py."""
    if not _NAME.match(name or "") or name in _NOT_PARSERS:
        raise FeedError(f"unknown EPG parser {name!r}")
    try:
        module = importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        raise FeedError(f"unknown EPG parser {name!r}") from exc
    parser = getattr(module, "EpgParser", None)
    if not (isinstance(parser, type) and issubclass(parser, EpgParserBase)):
        raise FeedError(f"epg/parsers/{name}.py has no EpgParser class")
    return parser


def available_parsers() -> list[str]:
    """Module names usable as EpgSource.parser (for the admin's help text)."""
    return sorted(
        info.name for info in pkgutil.iter_modules(__path__) if _NAME.match(info.name) and info.name not in _NOT_PARSERS
    )
