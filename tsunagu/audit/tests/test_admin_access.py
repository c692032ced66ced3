from __future__ import annotations

import pytest
from django.test import Client

from tsunagu.accounts.models import Membership
from tsunagu.accounts.tests.factories import UserFactory
from tsunagu.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_platform_operator_viewing_and_changing_tenant_data_is_recorded(
    supplier_admin: Membership,
) -> None:
    operator = UserFactory.create(email="ops@tsunagu.test", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)
    organization = supplier_admin.organization

    assert client.get(f"/admin/accounts/organization/{organization.pk}/change/").status_code == 200

    entry = AuditEntry.objects.get(action="admin.viewed", organization_id=organization.pk)
    assert entry.actor_email == "ops@tsunagu.test"
    assert entry.target_label == "テスト食品卸 株式会社"
    assert entry.changes["method"] == "GET"


def test_the_operation_log_cannot_be_edited_in_the_admin() -> None:
    operator = UserFactory.create(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(operator)

    assert client.get("/admin/audit/auditentry/add/").status_code == 403
