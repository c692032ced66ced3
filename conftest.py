"""Shared fixtures: the parties almost every test needs.

- supplier_admin, supplier_member: people of one supplier (`supplier`)
- buyer_member: a person of a buyer organization (`buyer`)
- outsider: an administrator of another supplier, who must never see the first supplier's data
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from django.test import Client

from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import (
    TEST_PASSWORD,
    BuyerFactory,
    MembershipFactory,
    SupplierFactory,
)

# Playwright's sync API runs an event loop in the test thread; Django must still allow ORM calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> None:
    """Login rate limits and lockouts live in the database cache; in tests that commit (browser
    journeys, live server) they would carry over to the next test, so each test starts empty."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
    elif marker or "db" in request.fixturenames:
        request.getfixturevalue("db")
    else:
        return
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def password() -> str:
    return TEST_PASSWORD


@pytest.fixture
def supplier(db: None) -> Organization:
    return SupplierFactory.create(code="test-supplier", name="テスト食品卸 株式会社")


@pytest.fixture
def buyer(db: None) -> Organization:
    return BuyerFactory.create(code="test-buyer", name="テスト食堂")


@pytest.fixture
def other_supplier(db: None) -> Organization:
    return SupplierFactory.create(code="other-supplier", name="よその問屋 株式会社")


@pytest.fixture
def supplier_admin(supplier: Organization) -> Membership:
    return MembershipFactory.create(
        organization=supplier, role=Role.ADMIN, user__email="admin@supplier.test"
    )


@pytest.fixture
def supplier_member(supplier: Organization) -> Membership:
    return MembershipFactory.create(
        organization=supplier, role=Role.MEMBER, user__email="staff@supplier.test"
    )


@pytest.fixture
def buyer_member(buyer: Organization) -> Membership:
    return MembershipFactory.create(
        organization=buyer, role=Role.MEMBER, user__email="chef@buyer.test"
    )


@pytest.fixture
def outsider(other_supplier: Organization) -> Membership:
    return MembershipFactory.create(
        organization=other_supplier, role=Role.ADMIN, user__email="admin@other.test"
    )


@pytest.fixture
def run_tasks() -> Callable[[], int]:
    """Run every task that is due, as `db_worker --batch` would; returns how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    def run() -> int:
        before = DBTaskResult.objects.exclude(status="READY").count()
        # The worker closes "old" connections between tasks; inside a test's transaction that
        # would close the test's own connection, so this one step is skipped here.
        with mock.patch(
            "django_tasks_db.management.commands.db_worker.close_old_connections", return_value=None
        ):
            worker = Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="test-worker",
                excluded_queue_names=[],
            )
            worker.run()
        return DBTaskResult.objects.exclude(status="READY").count() - before

    return run


@dataclass
class SmtpServer:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.messages.append(message_from_bytes(content, policy=policy.default))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[SmtpServer]:
    server = SmtpServer(port=free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield server
    server.stop()


def client_for(membership: Membership) -> Client:
    """A client logged in through the real login form, so allauth knows when the person last
    entered their password (pages that need re-authentication accept it for a few minutes)."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": membership.user.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def supplier_client(supplier_admin: Membership) -> Client:
    return client_for(supplier_admin)


@pytest.fixture
def buyer_client(buyer_member: Membership) -> Client:
    return client_for(buyer_member)


@pytest.fixture
def outsider_client(outsider: Membership) -> Client:
    return client_for(outsider)


def pytest_report_header() -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"tsunagu: database engine {engine}"
