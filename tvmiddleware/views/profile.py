"""Profile (reference tvmw/Profile.md): the operator's profile types."""

from __future__ import annotations

from accounts.selectors import profile_type_list
from smarty.api import Call, String
from smarty.i18n import translated

from ..api import tvmw


@tvmw.method(
    "/profile/list/",
    "ProfileList",
    params=[String("device"), String("device_uid"), String("lang", default="")],
    auth=["session"],
)
def profile_list(call: Call) -> dict:
    lang = call.params["lang"]
    return {
        "error_message": "",
        "profiles": [
            {
                "id": p.pk,
                "name": translated(p, "name", lang),
                "default": int(p.is_default),
                "show_adult_content": int(p.show_adult_content),
                "description": translated(p, "description", lang),
            }
            for p in profile_type_list(client=call.client)
        ],
    }
