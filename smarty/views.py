"""Project-level views: the home page, the favicon, the benchmark's floor."""

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static

from .admin_access import current_client_id
from .admin_site import HOOKS


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: the cheapest JSON answer the stack can give (bench/README.md)."""
    return HttpResponse(b'{"error":0}', content_type="application/json")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the pages say."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def home(request: HttpRequest) -> HttpResponse:
    """`/` ("View site" in the admin): where things are. A signed-in admin also sees its
    operator's device API entry (client_id, portal subdomain); nobody else sees operators."""
    operator = None
    if request.user.is_authenticated and request.user.is_staff and HOOKS.operator_model is not None:
        client_id = current_client_id(request)
        if client_id and client_id > 0:
            operator = HOOKS.operator_model._default_manager.filter(pk=client_id).first()
    return render(request, "home.html", {"operator": operator})
