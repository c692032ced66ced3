"""Leases on claimed work: renewed by the holder's heartbeat, taken over once they run out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tsunagu.accounts.models import Membership
from tsunagu.customers.models import Customer
from tsunagu.integrations import services as integrations
from tsunagu.integrations.models import ImportJob
from tsunagu.notifications.models import OutboxMessage
from tsunagu.notifications.services import queue_email
from tsunagu.ops import heartbeat, leases, services
from tsunagu.ops.models import WorkerHeartbeat
from tsunagu.ops.tests.tasks import add

pytestmark = pytest.mark.django_db
LEASE = timedelta(seconds=60)


@pytest.fixture(autouse=True)
def _lease(settings: object) -> Iterator[None]:
    settings.WORKER_LEASE_SECONDS = 60  # type: ignore[attr-defined]
    yield
    leases.set_worker(None)


def running_task(worker_id: str) -> DBTaskResult:
    result = add.enqueue(1, 2)
    task = DBTaskResult.objects.get(pk=result.id)
    task.claim(worker_id)
    return task


def test_a_task_whose_worker_stopped_beating_goes_back_to_the_queue_after_the_lease(
    client: Client,
) -> None:
    services.record_heartbeat("worker-dead")
    task = running_task("worker-dead")
    assert leases.take_over_expired()["tasks"] == 0

    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1)):
        assert client.get("/healthz").json()["stuck"] == 1
        assert leases.take_over_expired()["tasks"] == 1
        assert client.get("/healthz").json()["stuck"] == 0

    task.refresh_from_db()
    assert task.status == "READY"
    assert task.started_at is None


def test_a_task_of_a_worker_that_keeps_beating_is_left_to_it() -> None:
    task = running_task("worker-alive")
    with time_machine.travel(timezone.now() + LEASE * 2):
        services.record_heartbeat("worker-alive")

        assert leases.take_over_expired()["tasks"] == 0

    task.refresh_from_db()
    assert task.status == "RUNNING"


def test_a_heartbeat_renews_the_leases_of_its_own_work_only(
    supplier_admin: Membership, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The heartbeat thread closes its own connection after each beat; here it beats in the
    # test's thread, whose connection holds the test's transaction.
    monkeypatch.setattr(heartbeat, "connection", SimpleNamespace(close=lambda: None))
    with transaction.atomic():
        mine = queue_email(to="a@buyer.test", subject="a", text="a")
        theirs = queue_email(to="b@buyer.test", subject="b", text="b")
    start = timezone.now()
    OutboxMessage.objects.filter(pk=mine.pk).update(
        status=OutboxMessage.Status.SENDING, claimed_by="worker-a", lease_expires_at=start
    )
    OutboxMessage.objects.filter(pk=theirs.pk).update(
        status=OutboxMessage.Status.SENDING,
        claimed_by="worker-b",
        lease_expires_at=start + timedelta(seconds=55),
    )
    job = ImportJob.objects.create(
        supplier=supplier_admin.organization,
        created_by=supplier_admin.user,
        kind="customers",
        filename="c.csv",
        content=b"",
        claimed_by="worker-a",
        lease_expires_at=start,
    )

    with time_machine.travel(start + timedelta(seconds=50)):
        heartbeat.HeartbeatThread("worker-a", 10).beat()
        beat_at = timezone.now()

    mine.refresh_from_db()
    theirs.refresh_from_db()
    job.refresh_from_db()
    assert mine.lease_expires_at == job.lease_expires_at
    assert mine.lease_expires_at is not None
    assert abs(mine.lease_expires_at - (beat_at + LEASE)) < timedelta(seconds=1)
    assert theirs.lease_expires_at == start + timedelta(seconds=55)


GOOD = "得意先コード,得意先名,締日\nK1,レストラン さくら,20\nK2,居酒屋 はなみち,末\n"


def test_an_import_whose_worker_died_while_applying_is_applied_once_by_another(
    supplier_admin: Membership, run_tasks: Callable[[], int]
) -> None:
    job = integrations.start_import(
        actor=supplier_admin, kind="customers", filename="c.csv", content=GOOD.encode()
    )
    run_tasks()
    integrations.confirm_import(job, actor=supplier_admin)
    # The worker that claimed the apply was killed: its task and claim are left behind.
    task = DBTaskResult.objects.get(status="READY")
    task.claim("worker-killed")
    ImportJob.objects.filter(pk=job.pk).update(
        claimed_by="worker-killed", lease_expires_at=timezone.now() + LEASE
    )
    # Its claim is live: a second attempt leaves the job alone.
    assert integrations.apply_job(str(job.pk)) == "held by another worker"

    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1)):
        taken = leases.take_over_expired()
        assert (taken["tasks"], taken["import_jobs"]) == (1, 1)
        run_tasks()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.claimed_by, job.lease_expires_at) == (2, "", None)
    assert sorted(
        Customer.objects.filter(supplier=supplier_admin.organization).values_list(
            "customer_code", flat=True
        )
    ) == ["K1", "K2"]


def test_a_failing_take_over_does_not_stop_the_heartbeat(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(heartbeat, "connection", SimpleNamespace(close=lambda: None))

    def broken(now: object = None) -> dict[str, int]:
        raise RuntimeError("a bug in some app's take-over")

    monkeypatch.setattr(leases, "take_over_expired", broken)

    heartbeat.HeartbeatThread("worker-a", 10).beat()

    assert WorkerHeartbeat.objects.filter(worker_id="worker-a").exists()
    assert "worker.take_over_failed worker_id=worker-a" in caplog.text
