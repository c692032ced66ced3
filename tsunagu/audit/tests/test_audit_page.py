from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from tsunagu.accounts.models import Membership
from tsunagu.audit import services

pytestmark = pytest.mark.django_db


def test_admins_see_their_own_organizations_log_only(
    supplier_client: Client, supplier_admin: Membership, outsider: Membership
) -> None:
    services.record(
        "member.removed",
        actor=outsider.user,
        organization=outsider.organization,
        target_label="someone@other.test",
    )

    page = supplier_client.get(reverse("audit-log")).content.decode()

    assert "ログイン" in page  # the admin's own login, recorded by the fixture
    assert "admin@supplier.test" in page
    assert "someone@other.test" not in page
    assert "admin@other.test" not in page


def test_the_log_is_searched_by_date_actor_operation_and_target(
    supplier_client: Client, supplier_admin: Membership, supplier_member: Membership
) -> None:
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        services.record(
            "member.role_changed",
            actor=supplier_admin.user,
            organization=supplier_admin.organization,
            target=supplier_member,
            target_label="old@supplier.test",
        )
    services.record(
        "member.role_changed",
        actor=supplier_admin.user,
        organization=supplier_admin.organization,
        target=supplier_member,
        target_label="staff@supplier.test",
    )
    today = timezone.localdate().isoformat()

    page = supplier_client.get(
        reverse("audit-log"),
        {
            "date_from": today,
            "date_to": today,
            "actor": "ADMIN@",
            "action": "member.role_changed",
            "target": "staff",
        },
    ).content.decode()

    assert "staff@supplier.test" in page
    assert "old@supplier.test" not in page
    assert page.count("役割を変更") >= 1


def test_a_bad_date_range_is_explained_next_to_the_field(supplier_client: Client) -> None:
    page = supplier_client.get(
        reverse("audit-log"), {"date_from": "2026-11-20", "date_to": "2026-11-01"}
    ).content.decode()

    assert "終了日が開始日より前になっています" in page
    assert 'value="2026-11-20"' in page


def test_the_csv_opens_in_excel_with_japanese_headers(supplier_client: Client) -> None:
    response = supplier_client.get(reverse("audit-log"), {"format": "csv"})

    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith("\ufeff日時,操作した人,操作,操作コード,対象")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[1][1] == "admin@supplier.test"
    assert rows[1][3] == "login.succeeded"


def test_members_cannot_read_the_log(supplier_member: Membership) -> None:
    assert client_for(supplier_member).get(reverse("audit-log")).status_code == 403
