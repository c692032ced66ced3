"""A worker SIGKILLed in the middle of a billing run, and another in the middle of sending mail:
the work is taken over once its lease runs out and ends with nothing lost and nothing doubled.

Real processes on a real database: `manage.py db_worker` on a file SQLite database, or on a
fresh database of the PostgreSQL server the suite runs on, and a real SMTP server on loopback.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest
from aiosmtpd.smtp import Envelope
from django.conf import settings

from conftest import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[3]
CUSTOMERS = 6
MAILS = 5
LEASE_SECONDS = 3
# The mail the SMTP server holds at RCPT the first time, while the test kills its sender.
HELD_MAIL = 3


class HoldingSmtpServer(SmtpServer):
    """Keeps every message; the first time the HELD_MAIL-th message arrives, stops at RCPT
    (before the message is handed over) until the test lets it go."""

    def __init__(self, port: int) -> None:
        super().__init__(port=port)
        self.recipients_seen = 0
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_RCPT(  # noqa: N802
        self, server: object, session: object, envelope: Envelope, address: str, options: Any
    ) -> str:
        self.recipients_seen += 1
        if self.recipients_seen == HELD_MAIL:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 60)
        envelope.rcpt_tos.append(address)
        return "250 OK"


def _database_url(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the workers: the test database of SQLite lives in memory."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"
        return
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"killed_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(base), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _libpq(url: str) -> str:
    parsed = dj_database_url.parse(url)
    parts = {
        "dbname": parsed["NAME"],
        "user": parsed.get("USER") or "",
        "host": parsed.get("HOST") or "",
        "port": str(parsed.get("PORT") or ""),
        "password": parsed.get("PASSWORD") or "",
    }
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield from _database_url(tmp_path)


@pytest.fixture
def mail_server() -> Iterator[HoldingSmtpServer]:
    server = HoldingSmtpServer(free_port())
    server.start()
    yield server
    server.release.set()
    server.stop()


def _environment(database_url: str, tmp_path: Path, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url,
        "TSUNAGU_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "30",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_STALE_AFTER_SECONDS": str(LEASE_SECONDS),
        "WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
        "LOG_LEVEL": "WARNING",
    }


def _python(env: dict[str, str], code: str) -> Any:
    script = f"import django; django.setup(); from tsunagu.ops.tests import killed_worker; {code}"
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _worker(env: dict[str, str], name: str, logs: Path) -> subprocess.Popen[bytes]:
    log = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--worker-id",
            name,
            "--interval",
            "0.2",
            "--no-startup-delay",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(what: str, condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _processed(database_url: str, run_id: str) -> int:
    """The run's progress, read without Django (the test process has its own database)."""
    query = "SELECT processed_customers FROM documents_billingrun WHERE id = %s"
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=20) as db:
            row = db.execute(query.replace("%s", "?"), (run_id.replace("-", ""),)).fetchone()
    else:
        import psycopg

        with psycopg.connect(_libpq(database_url)) as db:
            row = db.execute(query, (run_id,)).fetchone()
    return int(row[0]) if row else 0


def _kill(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def test_work_of_killed_workers_is_taken_over_and_done_once(
    database_url: str, mail_server: HoldingSmtpServer, tmp_path: Path
) -> None:
    env = _environment(database_url, tmp_path, mail_server.port)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, capture_output=True
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    given = _python(env, f"killed_worker.main('setup', '{CUSTOMERS}', '{MAILS}')")
    workers: list[subprocess.Popen[bytes]] = []
    try:
        # Given a worker that dies (SIGKILL: no clean stop) halfway through the billing run
        first = _worker(env, "worker-a", tmp_path)
        workers.append(first)
        _wait("the run to be under way", lambda: _processed(database_url, given["run"]) >= 2)
        _kill(first)
        killed_at = _processed(database_url, given["run"])
        assert killed_at < CUSTOMERS, "the run ended before the worker was killed"

        # /healthz says so once the lease has run out, and that no worker is alive
        time.sleep(LEASE_SECONDS + 0.5)
        health = _python(env, "killed_worker.main('healthz')")
        assert (health["status"], health["worker"]) == ("ok", "stale")
        assert health["stuck"] >= 1

        # When another worker starts, it takes the run over; it is killed in its turn while
        # the mail server takes a mail
        second = _worker(env, "worker-b", tmp_path)
        workers.append(second)
        _wait("the held mail", mail_server.holding.is_set)
        _kill(second)
        mail_server.release.set()

        # and a third worker finishes the rest
        third = _worker(env, "worker-c", tmp_path)
        workers.append(third)

        def finished() -> bool:
            now = _python(env, "killed_worker.main('state')")
            done = now["run"]["status"] == "done" and set(now["outbox"].values()) == {"sent"}
            return done and not {"READY", "RUNNING"} & set(now["tasks"])

        _wait("every invoice and mail", finished, timeout=180)
        final = _python(env, "killed_worker.main('state')")
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                worker.wait(timeout=30)

    # Then every customer has exactly one invoice, numbered without a gap
    assert [code for code, _number in final["invoices"]] == given["customers"]
    serials = sorted(int(re.findall(r"\d+", number)[-1]) for _code, number in final["invoices"])
    assert serials == list(range(serials[0], serials[0] + CUSTOMERS))
    assert final["last_number"] == CUSTOMERS
    assert final["run"] == {
        "status": "done",
        "processed": CUSTOMERS,
        "total": CUSTOMERS,
        "created": CUSTOMERS,
        "claimed_by": "",
    }
    # every mail arrived exactly once, the held one too
    received = Counter(message["X-Tsunagu-Message-ID"] for message in mail_server.messages)
    assert received == Counter(given["mails"])
    assert "FAILED" not in final["tasks"]
    assert final["stuck"] == 0
