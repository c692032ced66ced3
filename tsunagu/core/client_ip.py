"""The address a request really comes from, also behind the TLS proxy."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's IP address.

    Behind reverse proxies every connection comes from the nearest proxy; each proxy appends the
    address it was connected from to X-Forwarded-For. With TRUSTED_PROXY_COUNT = N the N-th entry
    from the right is the client's (anything left of it may be forged by the client). With 0 the
    header is ignored, since anyone can send it.
    """
    remote = _clean(request.META.get("REMOTE_ADDR", "")) or ""
    count: int = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    hops = [hop for hop in hops if hop]
    if not hops:
        # The request reached us without going through the proxy.
        return remote
    return _clean(hops[-min(count, len(hops))]) or remote


def _clean(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]  # [IPv6]:port
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]  # IPv4:port
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
