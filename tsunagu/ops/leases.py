"""Leases on claimed work: who holds a unit of work, and until when.

A worker claims a task (django-tasks-db marks it RUNNING with the worker's id last in
`worker_ids`), a mail it is sending, a billing run or an import job. Every claim is a lease of
WORKER_LEASE_SECONDS: the rows record `claimed_by` and `lease_expires_at`, which the holder's
heartbeat renews; a task's lease is its worker's heartbeat (the row belongs to django-tasks-db).
Once a lease has run out its holder is taken for dead, and any worker takes the work over
(`take_over_expired`, at start and with every heartbeat): tasks go back to the queue and each app
returns its rows to it. Every task is safe to run again (decision: leases on claimed work).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tsunagu.ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

_worker_id: str | None = None


def set_worker(worker_id: str | None) -> None:
    """This process is the db_worker `worker_id`: its claims are renewed by its heartbeat."""
    global _worker_id
    _worker_id = worker_id


def holder() -> str:
    """Who claims work in this process: the worker's id, or host and pid for a command run by
    hand (no heartbeat renews its lease; its progress does)."""
    return _worker_id or f"{socket.gethostname()[:40]}:{os.getpid()}"


def lease_length() -> timedelta:
    return timedelta(seconds=settings.WORKER_LEASE_SECONDS)


def lease_until(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + lease_length()


def claimable(now: datetime) -> Q:
    """Rows nobody holds, whose lease ran out, or that this process already holds."""
    return (
        Q(claimed_by="")
        | Q(lease_expires_at__isnull=True)
        | Q(lease_expires_at__lt=now)
        | Q(claimed_by=holder())
    )


def claim_fields(now: datetime) -> dict[str, Any]:
    return {"claimed_by": holder(), "lease_expires_at": lease_until(now)}


RELEASED: dict[str, Any] = {"claimed_by": "", "lease_expires_at": None}


def claim(rows: QuerySet[Any]) -> bool:
    """Take `rows` (one unit of work in the status its step starts from) for this process,
    unless a live holder has them. False when another worker holds them or they moved on."""
    now = timezone.now()
    return bool(rows.filter(claimable(now)).update(updated_at=now, **claim_fields(now)))


def expired(model: type[models.Model], active: Iterable[str], now: datetime) -> QuerySet[Any]:
    """Rows of `model` in a live status whose holder stopped renewing its lease."""
    return model._default_manager.filter(status__in=list(active), lease_expires_at__lt=now)


def take_over(
    model: type[models.Model],
    active: Iterable[str],
    *,
    now: datetime,
    requeue: Callable[[Any, str], object],
) -> list[tuple[Any, str]]:
    """Release the rows of `model` whose lease ran out and hand each (pk, status) to `requeue`
    in the same transaction, so that a row is queued again exactly when it is released. Two
    workers taking over at once each take the rows the other has not locked. Returns the rows
    taken over."""
    rows = expired(model, active, now)
    if not rows.exists():
        # Nothing to take over (the usual case): no write transaction at every heartbeat.
        return []
    with transaction.atomic():
        taken = list(
            rows.select_for_update(skip_locked=True, no_key=True).values_list("pk", "status")
        )
        model._default_manager.filter(
            pk__in=[pk for pk, _status in taken], lease_expires_at__lt=now
        ).update(updated_at=now, **RELEASED)
        for pk, status in taken:
            requeue(pk, status)
    return taken


@dataclass(frozen=True)
class Leased:
    """A table of claimable work and the statuses in which a claim is live."""

    model: type[models.Model]
    active: tuple[str, ...]


def leased_work() -> list[Leased]:
    from tsunagu.documents.models import BillingRun
    from tsunagu.integrations.models import ImportJob
    from tsunagu.notifications.models import OutboxMessage

    return [
        Leased(OutboxMessage, (OutboxMessage.Status.SENDING,)),
        Leased(BillingRun, (BillingRun.Status.RUNNING,)),
        Leased(ImportJob, (ImportJob.Status.CHECKING, ImportJob.Status.APPLYING)),
    ]


def renew(worker_id: str, *, now: datetime) -> int:
    """Extend every live claim of `worker_id` (called with each of its heartbeats)."""
    until = lease_until(now)
    return sum(
        leased.model._default_manager.filter(claimed_by=worker_id, status__in=leased.active).update(
            lease_expires_at=until
        )
        for leased in leased_work()
    )


def dead_tasks(now: datetime) -> list[Any]:
    """Running tasks whose worker has not beaten for a lease's length (or has no heartbeat)."""
    cutoff = now - lease_length()
    running = list(
        DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
            "id", "worker_ids", "started_at"
        )
    )
    holders = {workers[-1] for _pk, workers, _started in running if workers}
    alive = set(
        WorkerHeartbeat.objects.filter(worker_id__in=holders, last_seen_at__gte=cutoff).values_list(
            "worker_id", flat=True
        )
    )
    return [
        pk
        for pk, workers, started_at in running
        if (workers[-1] if workers else "") not in alive
        and (started_at is None or started_at < cutoff)
    ]


def requeue_dead_tasks(now: datetime) -> int:
    """Put the tasks of dead workers back in the queue, to be run again from the start."""
    ids = dead_tasks(now)
    if not ids:
        return 0
    count = DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )
    for pk in ids:
        logger.warning("lease.task_requeued task_id=%s", pk)
    return count


def take_over_expired(now: datetime | None = None) -> dict[str, int]:
    """Take over every unit of work whose lease ran out: what a worker does at start and with
    each heartbeat. Returns how many of each kind were taken over."""
    from tsunagu.documents import billing
    from tsunagu.integrations import services as integrations
    from tsunagu.notifications import services as notifications

    now = now or timezone.now()
    taken = {
        "tasks": requeue_dead_tasks(now),
        "mails": notifications.take_over_expired(now),
        "billing_runs": billing.take_over_expired_runs(now),
        "import_jobs": integrations.take_over_expired_jobs(now),
    }
    if any(taken.values()):
        logger.warning(
            "lease.taken_over tasks=%s mails=%s billing_runs=%s import_jobs=%s",
            *taken.values(),
        )
    return taken


def stuck_count(now: datetime | None = None) -> int:
    """Units of work whose holder stopped renewing its lease and that nobody has taken over."""
    now = now or timezone.now()
    rows = sum(expired(leased.model, leased.active, now).count() for leased in leased_work())
    return rows + len(dead_tasks(now))


def is_expired(lease_expires_at: datetime | None, now: datetime | None = None) -> bool:
    return lease_expires_at is not None and lease_expires_at < (now or timezone.now())
