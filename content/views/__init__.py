"""Content API methods, one module per reference group. Every module of this package is
imported here, which registers its methods with the `content` Api object."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
