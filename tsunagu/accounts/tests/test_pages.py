from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.access import ACTIVE_ORGANIZATION_SESSION_KEY
from tsunagu.accounts.models import Membership, Role
from tsunagu.accounts.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_sends_a_visitor_to_the_japanese_login_page(client: Client) -> None:
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    page = response.content.decode()
    assert '<html lang="ja">' in page
    assert '<h1 class="page-title">ログイン</h1>' in page
    assert 'name="login"' in page
    assert 'name="password"' in page


def test_login_page_stays_japanese_when_the_browser_asks_for_english(client: Client) -> None:
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert response.headers["Content-Language"] == "ja"
    assert "ログイン" in response.content.decode()


def test_language_switch_shows_english_and_is_remembered(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302

    page = client.get(reverse("account_login")).content.decode()
    assert '<html lang="en">' in page
    assert "Log in" in page


def test_member_logs_in_by_email_in_any_case_and_sees_the_dashboard(
    client: Client, buyer_member: Membership, password: str
) -> None:
    response = client.post(
        reverse("account_login"),
        {"login": "CHEF@Buyer.test", "password": password},
        follow=True,
    )

    # A buyer's home is the ordering page.
    assert response.redirect_chain[-1][0] == reverse("buyer-home")
    page = response.content.decode()
    assert "テスト食堂" in page
    assert "メンバー" in page


def test_wrong_password_keeps_the_email_and_says_what_is_wrong(
    client: Client, buyer_member: Membership
) -> None:
    response = client.post(
        reverse("account_login"), {"login": "chef@buyer.test", "password": "not-the-password"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="chef@buyer.test"' in page
    assert "入力されたメールアドレスもしくはパスワードが正しくありません" in page


def test_dashboard_requires_login(client: Client) -> None:
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("account_login"))


def test_person_without_organization_is_told_whom_to_ask(client: Client) -> None:
    client.force_login(UserFactory.create())

    page = client.get(reverse("dashboard"), follow=True).content.decode()

    assert "まだどの組織にも所属していません" in page


def test_switching_organization_changes_the_header_and_says_so(
    buyer_member: Membership, supplier: object
) -> None:
    MembershipFactory.create(user=buyer_member.user, organization=supplier, role=Role.VIEWER)
    client = Client()
    client.force_login(buyer_member.user)

    response = client.post(
        reverse("organization-switch"), {"organization": "test-supplier"}, follow=True
    )

    page = response.content.decode()
    assert "テスト食品卸 株式会社として操作しています。" in page
    assert '<span class="switcher__name">テスト食品卸 株式会社</span>' in page
    assert "閲覧のみ" in page


def test_switching_to_an_organization_one_is_not_in_is_404_and_changes_nothing(
    buyer_member: Membership, outsider: Membership
) -> None:
    client = Client()
    client.force_login(buyer_member.user)
    client.get(reverse("dashboard"))

    response = client.post(reverse("organization-switch"), {"organization": "other-supplier"})

    assert response.status_code == 404
    assert ACTIVE_ORGANIZATION_SESSION_KEY not in client.session
    page = client.get(reverse("dashboard"), follow=True).content.decode()
    assert "テスト食堂" in page
    assert "よその問屋" not in page


def test_switch_ignores_a_next_url_on_another_site(
    buyer_member: Membership, supplier: object
) -> None:
    MembershipFactory.create(user=buyer_member.user, organization=supplier)
    client = Client()
    client.force_login(buyer_member.user)

    response = client.post(
        reverse("organization-switch"),
        {"organization": "test-supplier", "next": "https://evil.example/"},
    )

    assert response.headers["Location"] == reverse("dashboard")


def test_removed_membership_takes_effect_on_the_next_request(
    buyer_member: Membership, supplier: object
) -> None:
    second = MembershipFactory.create(user=buyer_member.user, organization=supplier)
    client = Client()
    client.force_login(buyer_member.user)
    client.post(reverse("organization-switch"), {"organization": "test-supplier"}, follow=True)

    second.delete()

    page = client.get(reverse("dashboard"), follow=True).content.decode()
    assert "テスト食品卸" not in page
    assert "テスト食堂" in page
