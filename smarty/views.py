"""Project-level views."""

from django.http import HttpRequest, HttpResponse


def floor(request: HttpRequest) -> HttpResponse:
    """The benchmark's floor: the cheapest JSON answer the stack can give (bench/README.md)."""
    return HttpResponse(b'{"error":0}', content_type="application/json")
