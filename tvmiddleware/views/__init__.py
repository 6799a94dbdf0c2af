"""TVMW methods, one module per reference group. Importing a module registers its methods."""

from . import health  # noqa: F401
