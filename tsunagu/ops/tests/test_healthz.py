from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tsunagu import __version__
from tsunagu.ops import services
from tsunagu.ops.models import WorkerHeartbeat
from tsunagu.ops.tests.tasks import add

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_healthz_without_a_worker_is_ok_with_a_stale_worker(client: Client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "worker": "stale",
        "version": __version__,
        "stuck": 0,
    }
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_a_worker_that_beat_recently_and_stale_once_it_stops(
    client: Client,
) -> None:
    services.record_heartbeat("worker-a")

    assert client.get("/healthz").json()["worker"] == "ok"

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert client.get("/healthz").json()["worker"] == "stale"


def test_healthz_answers_503_with_the_same_keys_when_the_database_is_down(tmp_path: Path) -> None:
    # A real unreachable database: PostgreSQL on a socket directory where nothing listens.
    script = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz', HTTP_HOST='localhost');"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://nobody@{str(tmp_path).replace('/', '%2F')}/nothing",
        "TSUNAGU_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "CRITICAL",
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["code"] == 503
    assert answer["body"] == {
        "status": "error",
        "database": "error",
        "worker": "unknown",
        "version": __version__,
    }


@pytest.mark.django_db(transaction=True)
def test_db_worker_runs_queued_tasks_and_beats_while_it_lives() -> None:
    result = add.enqueue(2, 3)
    beats_seen: list[str] = []

    def spy(worker_id: str) -> WorkerHeartbeat:
        beats_seen.append(worker_id)
        return original(worker_id)

    original = services.record_heartbeat
    services.record_heartbeat = spy
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--worker-id", "w-test", verbosity=0
        )
    finally:
        services.record_heartbeat = original

    stored = DBTaskResult.objects.get(id=result.id)
    assert stored.status == "SUCCESSFUL"
    assert stored.return_value == 5
    assert beats_seen == ["w-test"]
    # A worker that stops cleanly removes its heartbeat, so /healthz turns stale at once.
    assert not WorkerHeartbeat.objects.filter(worker_id="w-test").exists()


@pytest.mark.django_db
def test_workers_dead_for_a_day_are_forgotten() -> None:
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        services.record_heartbeat("long-gone")
    services.record_heartbeat("alive")

    assert services.forget_dead_workers() == 1
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
