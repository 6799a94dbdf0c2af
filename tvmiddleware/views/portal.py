"""Portal (reference tvmw/Portal.md): /portal/settings/list/. The other Portal methods
(operator directory of a meta-widget) are not implemented."""

from __future__ import annotations

import functools
import tomllib
import uuid

from django.conf import settings

from clients.selectors import portal_settings_get
from smarty.api import ApiError, Call, String

from .. import errors
from ..api import tvmw


@functools.cache
def backend_version() -> str:
    """The project's version from pyproject.toml (one source of truth)."""
    try:
        with open(settings.BASE_DIR / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return ""


@tvmw.method(
    "/portal/settings/list/",
    "PortalSettingsList",
    params=[String("brand"), String("model"), String("device"), String("device_uid"), String("lang", default="")],
    auth=["client"],
)
def portal_settings_list(call: Call) -> dict:
    device = (call.params["device"] or "").strip()
    if not device:
        raise ApiError(errors.PORTAL_NO_DEVICE, "The device parameter is required", {"device": "required"})
    found = portal_settings_get(client=call.client, device=device, lang=call.params["lang"])
    if found is None:
        raise ApiError(
            errors.PORTAL_DEVICE_NOT_ALLOWED, "This device type is not enabled for the operator", {"device": device}
        )
    return {
        "error_message": "",
        "random_uuid4": str(uuid.uuid4()),
        **found,
        "backend_version": backend_version(),
    }
