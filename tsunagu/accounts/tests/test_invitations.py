from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import client_for
from tsunagu.accounts.models import Invitation, Membership, Organization, Role, User
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.audit.models import AuditEntry
from tsunagu.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

JOIN = {"name": "新人 さくら", "password": "umi-no-hoshi-2026"}


def invite_by_email(client: Client, email: str, role: str = Role.MEMBER) -> str:
    """Invite through the page; return the link from the queued mail."""
    response = client.post(
        reverse("invitation-new"), {"kind": "email", "email": email, "role": role}, follow=True
    )
    assert f"{email} に招待メールを送りました" in response.content.decode()
    mail = OutboxMessage.objects.get(to=email)
    match = re.search(r"http://testserver(/invite/[\w-]+/)", mail.body_text)
    assert match is not None
    return match.group(1)


def invite_by_link(client: Client, role: str = Role.MEMBER) -> str:
    response = client.post(
        reverse("invitation-new"), {"kind": "link", "email": "", "role": role}, follow=True
    )
    match = re.search(r'value="http://testserver(/invite/[\w-]+/)"', response.content.decode())
    assert match is not None
    return match.group(1)


def test_an_emailed_invitation_is_japanese_and_lets_a_new_person_join(
    supplier_client: Client, supplier: Organization
) -> None:
    link = invite_by_email(supplier_client, "new@supplier.test")
    mail = OutboxMessage.objects.get()
    assert mail.subject == "【つなぐ】テスト食品卸 株式会社への招待"
    assert "メンバーとして招待されました" in mail.body_text
    assert "<p>" in mail.body_html

    visitor = Client()
    page = visitor.get(link).content.decode()
    assert "テスト食品卸 株式会社に参加する" in page
    assert 'value="new@supplier.test"' in page
    response = visitor.post(link, JOIN, follow=True)

    assert "テスト食品卸 株式会社に参加しました" in response.content.decode()
    user = User.objects.get(email="new@supplier.test")
    assert user.name == "新人 さくら"
    assert Membership.objects.get(user=user).role == Role.MEMBER
    assert visitor.session["_auth_user_id"] == str(user.pk)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"invitation.created", "invitation.accepted", "user.registered"} <= actions


def test_an_invitation_link_works_once(supplier_client: Client) -> None:
    link = invite_by_email(supplier_client, "new@supplier.test")
    Client().post(link, JOIN)

    response = Client().get(link)

    assert response.status_code == 410
    assert "この招待リンクはすでに使われています" in response.content.decode()


def test_an_expired_or_cancelled_or_made_up_link_says_why(supplier_client: Client) -> None:
    link = invite_by_email(supplier_client, "late@supplier.test")
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        response = Client().post(link, JOIN)
    assert response.status_code == 410
    assert "有効期限が切れています" in response.content.decode()
    assert not User.objects.filter(email="late@supplier.test").exists()

    other = invite_by_email(supplier_client, "other@supplier.test")
    invitation = Invitation.objects.get(email="other@supplier.test")
    supplier_client.post(reverse("invitation-revoke", args=[invitation.pk]))
    assert "取り消されました" in Client().get(other).content.decode()

    response = Client().get("/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "この招待リンクは無効です" in response.content.decode()


def test_a_link_invitation_shows_its_link_and_qr_code_once(supplier_client: Client) -> None:
    response = supplier_client.post(
        reverse("invitation-new"), {"kind": "link", "role": Role.VIEWER}, follow=True
    )
    page = response.content.decode()
    assert 'data-testid="invitation-url"' in page
    assert "<svg" in page

    invitation = Invitation.objects.get()
    again = supplier_client.get(reverse("invitation-detail", args=[invitation.pk])).content.decode()
    assert 'data-testid="invitation-url"' not in again
    assert "再表示はできません" in again
    assert invitation.token_hash not in page


def test_an_existing_user_joins_a_second_organization_by_link(
    supplier_client: Client, buyer_member: Membership, password: str
) -> None:
    link = invite_by_link(supplier_client, role=Role.VIEWER)
    EmailAddress.objects.create(
        user=buyer_member.user, email=buyer_member.user.email, primary=True, verified=True
    )
    client = client_for(buyer_member)

    assert "として参加します" in client.get(link).content.decode()
    response = client.post(link, follow=True)

    assert "テスト食品卸 株式会社に参加しました" in response.content.decode()
    assert (
        Membership.objects.get(user=buyer_member.user, organization__code="test-supplier").role
        == "viewer"
    )


def test_a_new_person_with_an_address_already_registered_is_asked_to_log_in(
    supplier_client: Client, buyer_member: Membership
) -> None:
    link = invite_by_link(supplier_client)

    response = Client().post(link, {**JOIN, "email": "chef@buyer.test"})

    assert "このメールアドレスはすでに登録されています" in response.content.decode()
    assert not Membership.objects.filter(
        user=buyer_member.user, organization__code="test-supplier"
    ).exists()


def test_domain_restriction_holds_at_invitation_and_at_joining(
    supplier_client: Client, supplier: Organization
) -> None:
    supplier.allowed_email_domains = "supplier.test"
    supplier.save()

    response = supplier_client.post(
        reverse("invitation-new"), {"kind": "email", "email": "x@gmail.example", "role": "member"}
    )
    assert "supplier.test のメールアドレスの人だけが参加できます" in response.content.decode()
    assert not Invitation.objects.exists()

    link = invite_by_link(supplier_client)
    response = Client().post(link, {**JOIN, "email": "someone@gmail.example"})
    page = response.content.decode()
    assert "supplier.test のメールアドレスの人だけが参加できます" in page
    assert 'value="someone@gmail.example"' in page
    assert not User.objects.filter(email="someone@gmail.example").exists()


def test_a_weak_password_is_refused_with_the_reason_and_nothing_is_made(
    supplier_client: Client,
) -> None:
    link = invite_by_email(supplier_client, "new@supplier.test")

    response = Client().post(link, {"name": "新人", "password": "12345678"})

    page = response.content.decode()
    assert 'id="id_password_error"' in page
    assert 'value="新人"' in page
    assert not User.objects.filter(email="new@supplier.test").exists()


def test_admins_only_invite_and_only_owners_invite_owners(
    supplier_client: Client, supplier_member: Membership
) -> None:
    assert client_for(supplier_member).get(reverse("invitation-new")).status_code == 403

    response = supplier_client.post(
        reverse("invitation-new"), {"kind": "email", "email": "o@supplier.test", "role": "owner"}
    )
    assert 'id="id_role_error"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_buyers_admin_invites_a_colleague(buyer: Organization) -> None:
    admin = MembershipFactory.create(organization=buyer, role=Role.ADMIN)
    link = invite_by_link(client_for(admin))

    visitor = Client()
    visitor.post(link, {**JOIN, "email": "sous-chef@buyer.test"})
    confirm(visitor, "sous-chef@buyer.test")

    assert Membership.objects.get(user__email="sous-chef@buyer.test").organization == buyer


def test_an_address_typed_on_a_shared_link_is_confirmed_by_mail(supplier_client: Client) -> None:
    link = invite_by_link(supplier_client)
    Client().post(link, {**JOIN, "email": "link-joiner@supplier.test"})

    assert not EmailAddress.objects.get(email="link-joiner@supplier.test").verified
    mail = OutboxMessage.objects.get(to="link-joiner@supplier.test")
    assert "/accounts/confirm-email/" in mail.body_text


def confirm(client: Client, email: str) -> str:
    """Open the confirmation link of the newest mail to `email` and confirm; the page after."""
    mail = OutboxMessage.objects.filter(to=email).order_by("-created_at").first()
    assert mail is not None
    match = re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", mail.body_text)
    assert match is not None
    return client.post(match.group(1), follow=True).content.decode()


def test_a_link_joiner_becomes_a_member_only_once_the_address_is_confirmed(
    supplier_client: Client, supplier: Organization
) -> None:
    supplier.allowed_email_domains = "supplier.test"
    supplier.save()
    link = invite_by_link(supplier_client, role=Role.ADMIN)
    visitor = Client()

    page = visitor.post(link, {**JOIN, "email": "typed@supplier.test"}, follow=True)

    user = User.objects.get(email="typed@supplier.test")
    assert not Membership.objects.filter(user=user).exists()
    text = page.content.decode()
    assert "typed@supplier.test にメールを送りました" in text
    assert "テスト食品卸 株式会社 への参加が完了します" in text
    # Nothing of the organization is reachable yet.
    assert visitor.get(reverse("members")).status_code == 404
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user
    assert invitation.awaiting_confirmation
    assert Client().get(link).status_code == 410
    members = supplier_client.get(reverse("members")).content.decode()
    assert "typed@supplier.test" in members
    assert "メールアドレスの確認が済むと参加します" in members

    after = confirm(visitor, "typed@supplier.test")

    assert Membership.objects.get(user=user, organization=supplier).role == Role.ADMIN
    assert "テスト食品卸 株式会社に参加しました" in after
    invitation.refresh_from_db()
    assert not invitation.awaiting_confirmation
    entry = AuditEntry.objects.get(action="invitation.accepted")
    assert entry.changes["role"] == Role.ADMIN
    assert entry.organization_id == supplier.pk


def test_an_invitation_cancelled_while_waiting_for_the_confirmation_makes_no_member(
    supplier_client: Client,
) -> None:
    link = invite_by_link(supplier_client)
    visitor = Client()
    visitor.post(link, {**JOIN, "email": "late@supplier.test"})
    invitation = Invitation.objects.get()

    supplier_client.post(reverse("invitation-revoke", args=[invitation.pk]))
    confirm(visitor, "late@supplier.test")

    assert not Membership.objects.filter(user__email="late@supplier.test").exists()
    assert EmailAddress.objects.get(email="late@supplier.test").verified


def test_a_member_with_an_unconfirmed_address_joins_by_link_after_confirming(
    supplier_client: Client, buyer_member: Membership
) -> None:
    link = invite_by_link(supplier_client)
    client = client_for(buyer_member)

    assert "リンクを開くと参加できます" in client.get(link).content.decode()
    client.post(link)

    assert not Membership.objects.filter(
        user=buyer_member.user, organization__code="test-supplier"
    ).exists()
    confirm(client, "chef@buyer.test")
    assert Membership.objects.filter(
        user=buyer_member.user, organization__code="test-supplier"
    ).exists()


def test_a_mailed_invitation_cannot_be_used_by_another_logged_in_person(
    supplier_client: Client, buyer_member: Membership
) -> None:
    link = invite_by_email(supplier_client, "new@supplier.test", role=Role.ADMIN)
    other = client_for(buyer_member)

    page = other.get(link)
    response = other.post(link)

    assert page.status_code == 403
    assert response.status_code == 403
    text = response.content.decode()
    assert "この招待は別のメールアドレスに送られたものです" in text
    assert "new@supplier.test" not in text
    assert not Membership.objects.filter(
        user=buyer_member.user, organization__code="test-supplier"
    ).exists()
    # The invited person can still use it.
    Client().post(link, JOIN)
    assert Membership.objects.filter(user__email="new@supplier.test").exists()


def test_the_join_form_asks_for_one_password_with_a_show_button_and_phone_hints(
    supplier_client: Client,
) -> None:
    mailed = Client().get(invite_by_email(supplier_client, "new@supplier.test")).content.decode()
    shared = Client().get(invite_by_link(supplier_client)).content.decode()

    assert mailed.count('type="password"') == 1
    assert re.search(
        r'<input type="password" name="password"[^>]*autocomplete="new-password"', mailed
    )
    assert "data-password-toggle" in mailed
    assert 'data-show-label="表示する"' in mailed
    assert re.search(r'<script src="/static/accounts/password-toggle\.js" defer>', mailed)
    # The address the invitation went to is filled in and offered to the password manager.
    assert re.search(
        r'<input type="email" name="email" value="new@supplier.test"[^>]*autocomplete="username"[^>]*readonly',
        mailed,
    )
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', shared)
    assert re.search(r'<input type="text" name="name"[^>]*autocomplete="name"', shared)


def test_the_join_form_keeps_the_typed_password_after_an_error_elsewhere(
    supplier_client: Client, buyer_member: Membership
) -> None:
    link = invite_by_link(supplier_client)

    response = Client().post(link, {**JOIN, "email": "chef@buyer.test"})

    page = response.content.decode()
    assert "このメールアドレスはすでに登録されています" in page
    assert re.search(r'<input type="password" name="password" value="umi-no-hoshi-2026"', page)


def test_a_mailed_invitation_joins_with_its_own_address_whatever_is_posted(
    supplier_client: Client,
) -> None:
    link = invite_by_email(supplier_client, "new@supplier.test")

    Client().post(link, {**JOIN, "email": "someone-else@supplier.test"})

    assert Membership.objects.filter(user__email="new@supplier.test").exists()
    assert not User.objects.filter(email="someone-else@supplier.test").exists()


def test_the_waiting_page_sends_the_confirmation_again_but_not_every_second(
    supplier_client: Client,
) -> None:
    link = invite_by_link(supplier_client)
    visitor = Client()
    visitor.post(link, {**JOIN, "email": "again@supplier.test"})
    assert OutboxMessage.objects.filter(to="again@supplier.test").count() == 1

    first = visitor.post(reverse("invitation-waiting"), follow=True).content.decode()
    second = visitor.post(reverse("invitation-waiting"), follow=True).content.decode()

    # The sign-up mail itself used the cooldown: the page says so instead of mailing again.
    assert OutboxMessage.objects.filter(to="again@supplier.test").count() == 1
    assert "少し前に送ったところです" in first
    assert "少し前に送ったところです" in second
