"""The worker's heartbeat: a thread in each db_worker process that /healthz reads. Each beat
also renews the leases of the work this worker holds and takes over work whose lease ran out."""

from __future__ import annotations

import logging
import threading

from django.db import DatabaseError, connection

from tsunagu.ops import leases, services

logger = logging.getLogger(__name__)


class HeartbeatThread(threading.Thread):
    def __init__(self, worker_id: str, interval: float) -> None:
        super().__init__(name=f"heartbeat-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.stopped = threading.Event()

    def beat(self) -> None:
        try:
            heartbeat = services.record_heartbeat(self.worker_id)
            # The same instant as the beat: a task's lease (its worker's beat) and the leases of
            # the rows it holds run out together.
            leases.renew(self.worker_id, now=heartbeat.last_seen_at)
        except DatabaseError as error:
            # A busy or briefly unreachable database must not kill the worker; the next beat
            # retries, and /healthz says "stale" if beats keep failing.
            logger.warning("worker.heartbeat_failed worker_id=%s error=%s", self.worker_id, error)
        else:
            try:
                leases.take_over_expired()
            except Exception:
                # Whatever goes wrong taking over others' work, this worker keeps beating (else
                # its own work would be taken over next); the next beat tries again.
                logger.exception("worker.take_over_failed worker_id=%s", self.worker_id)
        finally:
            # This thread owns its own connection; do not hold it open between beats.
            connection.close()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.beat()

    def stop(self) -> None:
        self.stopped.set()
