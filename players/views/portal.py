"""The portal page a MAG box loads from `stalker_portal/c/` (docs/players.md): a small page of
our own (players/templates/players/portal/, players/static/players/portal/) that talks the
portal protocol of `../server/load.php` like Ministra's front end does."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..access import operator
from .common import door, plain_refusal


@require_GET
@door(plain_refusal)
def portal_view(request: HttpRequest, prefix: str) -> HttpResponse:
    client = operator(prefix)
    context = {
        "operator_name": client.name,
        # Relative: the page works behind any proxy that keeps the portal's path.
        "api_url": "../server/load.php",
    }
    response = render(request, "players/portal/index.html", context)
    response["Cache-Control"] = "no-cache"
    return response
