"""The floor of the HTTP figures: the least a Django view can do on the same server."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse


def minimal(request: HttpRequest) -> HttpResponse:
    """Through the same middleware as every page, but no query and no template."""
    return HttpResponse(b"ok", content_type="text/plain")
