"""Who is asking, from where: set once per request, read by every audit entry written in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from tsunagu.core.client_ip import client_ip


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""


_NO_REQUEST = RequestContext()  # frozen, so sharing it as the default is safe
_current: ContextVar[RequestContext] = ContextVar("tsunagu_request", default=_NO_REQUEST)


def current() -> RequestContext:
    return _current.get()


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and remembers its IP and user agent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex
        token = _current.set(
            RequestContext(
                ip=client_ip(request) or None,
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                request_id=request_id,
            )
        )
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response.headers["X-Request-ID"] = request_id
        return response
