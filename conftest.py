"""Shared fixtures: the parties almost every test needs.

- supplier_admin, supplier_member: people of one supplier (`supplier`)
- buyer_member: a person of a buyer organization (`buyer`)
- outsider: an administrator of another supplier, who must never see the first supplier's data
"""

from __future__ import annotations

import os

import pytest
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


def client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
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
