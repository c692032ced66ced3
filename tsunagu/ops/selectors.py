from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tsunagu.ops.models import WorkerHeartbeat


def database_is_reachable() -> bool:
    """Run one trivial query; raises the database's error when it is down."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def worker_is_alive() -> bool:
    """True when at least one worker has written its heartbeat recently."""
    threshold = timezone.now() - timedelta(seconds=settings.WORKER_STALE_AFTER_SECONDS)
    return WorkerHeartbeat.objects.filter(last_seen_at__gte=threshold).exists()
