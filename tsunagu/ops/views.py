from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tsunagu import __version__
from tsunagu.ops import leases, selectors

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and monitoring (CONTRACT.md): no login, JSON, 503 if DB down.

    `stuck` counts claimed work whose worker stopped renewing its lease and that no worker has
    taken over yet (a live worker takes it over within one heartbeat)."""
    body: dict[str, object] = {
        "status": "ok",
        "database": "ok",
        "worker": "stale",
        "version": __version__,
    }
    try:
        selectors.database_is_reachable()
        body["worker"] = "ok" if selectors.worker_is_alive() else "stale"
        body["stuck"] = leases.stuck_count()
    except DatabaseError as error:
        logger.warning("healthz.database_unreachable error=%s", type(error).__name__)
        body.update(status="error", database="error", worker="unknown")
        return JsonResponse(body, status=503)
    return JsonResponse(body)
