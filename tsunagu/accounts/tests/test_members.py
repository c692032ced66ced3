from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_members_page_lists_roles_two_factor_and_lockouts(
    supplier_client: Client, supplier_member: Membership
) -> None:
    Authenticator.objects.create(user=supplier_member.user, type=Authenticator.Type.TOTP, data={})

    page = supplier_client.get(reverse("members")).content.decode()

    assert "staff@supplier.test" in page
    assert "admin@supplier.test" in page
    assert page.count("設定済み") == 1
    assert "メンバーを招待" in page


def test_an_admin_changes_a_role_and_it_is_recorded(
    supplier_client: Client, supplier_admin: Membership, supplier_member: Membership
) -> None:
    url = reverse("member-detail", args=[supplier_member.pk])

    response = supplier_client.post(url, {"role": Role.VIEWER}, follow=True)

    supplier_member.refresh_from_db()
    assert supplier_member.role == Role.VIEWER
    assert "役割を閲覧のみに変更しました" in response.content.decode()
    entry = AuditEntry.objects.get(action="member.role_changed")
    assert entry.changes == {"role": ["member", "viewer"]}
    assert entry.actor_email == "admin@supplier.test"


def test_a_changed_role_takes_effect_on_the_members_next_request(
    supplier_client: Client, supplier_member: Membership
) -> None:
    member_client = client_for(supplier_member)
    MembershipFactory.create(organization=supplier_member.organization, role=Role.OWNER)
    supplier_client.post(reverse("member-detail", args=[supplier_member.pk]), {"role": Role.ADMIN})

    assert member_client.get(reverse("organization-settings")).status_code == 200


def test_a_member_cannot_manage_members(
    supplier_client: Client, supplier_member: Membership
) -> None:
    member_client = client_for(supplier_member)
    url = reverse("member-detail", args=[supplier_member.pk])

    assert member_client.get(url).status_code == 403
    assert member_client.post(url, {"role": Role.ADMIN}).status_code == 403
    supplier_member.refresh_from_db()
    assert supplier_member.role == Role.MEMBER


def test_only_an_owner_makes_owners_and_the_last_owner_stays(
    supplier: Organization, supplier_client: Client, supplier_member: Membership
) -> None:
    owner = MembershipFactory.create(organization=supplier, role=Role.OWNER)

    response = supplier_client.post(
        reverse("member-detail", args=[supplier_member.pk]), {"role": Role.OWNER}
    )
    assert response.status_code == 200
    assert 'id="id_role_error"' in response.content.decode()
    supplier_member.refresh_from_db()
    assert supplier_member.role == Role.MEMBER

    owner_client = client_for(owner)
    response = owner_client.post(reverse("member-detail", args=[owner.pk]), {"role": Role.ADMIN})
    assert "唯一のオーナー" in response.content.decode()
    response = owner_client.post(reverse("member-remove", args=[owner.pk]), follow=True)
    assert "唯一のオーナーのため、外せません" in response.content.decode()
    assert Membership.objects.filter(pk=owner.pk).exists()


def test_a_removed_member_loses_access_at_once(
    supplier_client: Client, supplier_member: Membership
) -> None:
    member_client = client_for(supplier_member)
    assert "テスト食品卸" in member_client.get(reverse("dashboard")).content.decode()

    response = supplier_client.post(
        reverse("member-remove", args=[supplier_member.pk]), follow=True
    )

    assert "組織から外しました" in response.content.decode()
    assert not Membership.objects.filter(pk=supplier_member.pk).exists()
    page = member_client.get(reverse("dashboard")).content.decode()
    assert "まだどの組織にも所属していません" in page
    assert member_client.get(reverse("members")).status_code == 404
    assert AuditEntry.objects.filter(action="member.removed").count() == 1


def test_organization_settings_keep_input_and_explain_a_bad_registration_number(
    supplier_client: Client, supplier: Organization
) -> None:
    data = {
        "name": "テスト食品卸 株式会社",
        "name_kana": "テストショクヒン",
        "address": "東京都中央区1-2-3",
        "is_corporation": "on",
        "registration_number": "T8000012050002",
        "allowed_email_domains": "",
        "rounding": "down",
    }

    response = supplier_client.post(reverse("organization-settings"), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert "法人番号の検査用数字が一致しません" in page
    assert 'value="東京都中央区1-2-3"' in page
    supplier.refresh_from_db()
    assert supplier.address == ""


def test_organization_settings_are_saved_normalised_and_audited(
    supplier_client: Client, supplier: Organization
) -> None:
    data = {
        "name": "テスト食品卸 株式会社",
        "is_corporation": "on",
        "registration_number": "Ｔ７０００−０１２０５０００２",
        "allowed_email_domains": "@Supplier.test、example.co.jp",
        "rounding": "down",
        "require_two_factor": "",
    }

    response = supplier_client.post(reverse("organization-settings"), data, follow=True)

    assert "組織の設定を保存しました" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.registration_number == "T7000012050002"
    assert supplier.email_domains == ["supplier.test", "example.co.jp"]
    entry = AuditEntry.objects.get(action="organization.updated")
    assert entry.changes["registration_number"] == ["", "T7000012050002"]


def test_an_organization_that_requires_two_step_verification_sends_members_to_set_it_up(
    supplier: Organization, supplier_member: Membership
) -> None:
    member_client = client_for(supplier_member)
    supplier.require_two_factor = True
    supplier.save()

    response = member_client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.headers["Location"] == reverse("mfa_activate_totp")
    assert member_client.get(reverse("mfa_activate_totp")).status_code == 200
    Authenticator.objects.create(user=supplier_member.user, type=Authenticator.Type.TOTP, data={})
    assert member_client.get(reverse("dashboard")).status_code == 200
