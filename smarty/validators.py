"""Field validators shared by the domain apps' models, so that every door (the admin's forms,
the APIs' services, commands) refuses the same values."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*$")


def _check_location(value: str, *, paths: bool) -> None:
    if not value:
        return
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValidationError("no spaces or control characters", code="invalid")
    scheme, sep, rest = value.partition("://")
    if sep:
        if not _SCHEME.match(scheme) or not rest:
            raise ValidationError("a URL: scheme://host/...", code="invalid")
        return
    if not (paths and value.startswith("/")):
        expected = "a URL (scheme://...) or an absolute server path" if paths else "a URL (scheme://...)"
        raise ValidationError(expected, code="invalid")


def validate_source_location(value: str) -> None:
    """Where a feed is read from: a URL (or URL mask) or an absolute path on the server."""
    _check_location(str(value), paths=True)


def validate_url_mask(value: str) -> None:
    """A stream URL or URL mask ($cid, $token ... placeholders allowed): scheme://..."""
    _check_location(str(value), paths=False)
