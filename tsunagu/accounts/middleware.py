from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tsunagu.accounts.access import active_membership


class ActiveOrganizationMiddleware:
    """Sets request.membership (or None) for the signed-in user on every request.

    Read fresh each time so that a removed membership or a changed role takes effect at once.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = active_membership(request)  # type: ignore[attr-defined]
        return self.get_response(request)
