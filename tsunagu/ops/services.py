"""Writes of the operations app."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.utils import timezone

from tsunagu.ops.models import WorkerHeartbeat

FORGET_AFTER = timedelta(days=1)


def record_heartbeat(worker_id: str) -> WorkerHeartbeat:
    """Mark the worker ``worker_id`` (this process) as alive now."""
    now = timezone.now()
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen_at": now},
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "last_seen_at": now,
        },
    )
    return heartbeat


def forget_worker(worker_id: str) -> None:
    """A worker that stops cleanly removes its row, so /healthz turns stale at once."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def forget_dead_workers() -> int:
    """Drop rows of workers not seen for a day (killed without a clean stop)."""
    deleted, _ = WorkerHeartbeat.objects.filter(
        last_seen_at__lt=timezone.now() - FORGET_AFTER
    ).delete()
    return deleted
