"""`manage.py db_worker`: django-tasks-db's worker, plus the heartbeat that /healthz reports and
that renews the leases of the work it holds (tsunagu.ops.leases)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from tsunagu.ops import leases, services
from tsunagu.ops.heartbeat import HeartbeatThread


class Command(DatabaseWorkerCommand):
    help = (
        "Run a background worker that takes tasks from the database queue. "
        "It writes a heartbeat every WORKER_HEARTBEAT_SECONDS that /healthz reports, and takes "
        "over work whose worker stopped (its lease of WORKER_LEASE_SECONDS ran out)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The autoreloader would run the heartbeat in the watching parent, not in the worker.
        options["reload"] = False
        worker_id = options["worker_id"]
        services.forget_dead_workers()
        leases.set_worker(worker_id)
        heartbeat = HeartbeatThread(worker_id, settings.WORKER_HEARTBEAT_SECONDS)
        # The first beat also takes over what a worker killed earlier left behind.
        heartbeat.beat()
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
            services.forget_worker(worker_id)
            leases.set_worker(None)
