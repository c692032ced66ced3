from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role, User
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.audit.models import AuditEntry
from tsunagu.customers.models import Customer
from tsunagu.customers.tests.factories import CustomerFactory
from tsunagu.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db

JOIN = {
    "company_name": "レストラン さくら",
    "name": "桜井 美咲",
    "email": "misaki@sakura.example",
    "password": "sakura-no-hana-2026",
}


def link_for(client: Client, customer: Customer) -> str:
    page = client.post(
        reverse("customer-invite", args=[customer.pk]), {"kind": "link"}, follow=True
    ).content.decode()
    match = re.search(r'value="http://testserver(/join/[\w-]+/)"', page)
    assert match is not None
    assert "<svg" in page
    return match.group(1)


def test_a_customers_person_without_an_account_makes_their_company_and_is_linked(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier, name="レストラン さくら")
    link = link_for(supplier_client, customer)

    visitor = Client()
    assert "テスト食品卸 株式会社" in visitor.get(link).content.decode()
    response = visitor.post(link, JOIN, follow=True)

    customer.refresh_from_db()
    assert customer.buyer is not None
    assert customer.buyer.name == "レストラン さくら"
    assert customer.buyer.is_buyer
    membership = Membership.objects.get(user__email="misaki@sakura.example")
    assert (membership.organization, membership.role) == (customer.buyer, Role.OWNER)
    assert "テスト食品卸 株式会社" in response.content.decode()
    assert AuditEntry.objects.filter(action="customer.linked", organization_id=supplier.pk).exists()
    assert Client().get(link).status_code == 410


def test_a_buyer_admin_links_their_existing_company_to_a_second_supplier(
    supplier_client: Client, supplier: Organization, buyer: Organization
) -> None:
    owner = MembershipFactory.create(
        organization=buyer, role=Role.OWNER, user__email="boss@buyer.test"
    )
    customer = CustomerFactory.create(supplier=supplier)
    link = link_for(supplier_client, customer)
    client = client_for(owner)

    page = client.get(link).content.decode()
    assert 'value="test-buyer"' in page
    client.post(link, {"company": "test-buyer"})

    customer.refresh_from_db()
    assert customer.buyer == buyer
    assert Membership.objects.filter(organization=buyer).count() == 1


def test_an_emailed_customer_invitation_is_sent_in_japanese(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier, name="居酒屋 はなみち")

    supplier_client.post(
        reverse("customer-invite", args=[customer.pk]),
        {"kind": "email", "email": "Hana@Michi.example"},
    )

    mail = OutboxMessage.objects.get()
    assert mail.to == "hana@michi.example"
    assert "テスト食品卸 株式会社" in mail.subject
    assert "居酒屋 はなみち" in mail.body_text
    assert "/join/" in mail.body_text


def test_an_email_invitation_needs_an_address(
    supplier_client: Client, supplier: Organization
) -> None:
    customer = CustomerFactory.create(supplier=supplier)

    response = supplier_client.post(
        reverse("customer-invite", args=[customer.pk]), {"kind": "email", "email": ""}
    )

    assert 'id="id_email_error"' in response.content.decode()
    assert not OutboxMessage.objects.exists()


def test_the_sign_up_asks_for_one_password_keeps_it_after_an_error_and_fills_the_address(
    supplier_client: Client, supplier: Organization, buyer_member: Membership
) -> None:
    customer = CustomerFactory.create(supplier=supplier, name="レストラン さくら")
    link = link_for(supplier_client, customer)

    page = Client().post(link, {**JOIN, "email": "chef@buyer.test"}).content.decode()

    assert "このメールアドレスはすでに登録されています" in page
    assert page.count('type="password"') == 1
    assert re.search(
        r'<input type="password" name="password" value="sakura-no-hana-2026"[^>]*'
        r'autocomplete="new-password"',
        page,
    )
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', page)
    assert "accounts/password-toggle.js" in page

    supplier_client.post(
        reverse("customer-invite", args=[customer.pk]),
        {"kind": "email", "email": "misaki@sakura.example"},
    )
    mail = OutboxMessage.objects.get(to="misaki@sakura.example")
    match = re.search(r"http://testserver(/join/[\w-]+/)", mail.body_text)
    assert match is not None
    mailed = Client().get(match.group(1)).content.decode()
    assert re.search(
        r'<input type="email" name="email" value="misaki@sakura.example"[^>]*'
        r'autocomplete="username"[^>]*readonly',
        mailed,
    )


def test_a_mailed_customer_invitation_is_refused_to_another_logged_in_person(
    supplier_client: Client, supplier: Organization, buyer: Organization
) -> None:
    owner = MembershipFactory.create(
        organization=buyer, role=Role.OWNER, user__email="boss@buyer.test"
    )
    customer = CustomerFactory.create(supplier=supplier)
    supplier_client.post(
        reverse("customer-invite", args=[customer.pk]),
        {"kind": "email", "email": "misaki@sakura.example"},
    )
    mail = OutboxMessage.objects.get(to="misaki@sakura.example")
    match = re.search(r"http://testserver(/join/[\w-]+/)", mail.body_text)
    assert match is not None
    client = client_for(owner)

    page = client.get(match.group(1))
    response = client.post(match.group(1), {"company": "test-buyer"})

    assert page.status_code == 403
    assert response.status_code == 403
    assert "この招待は別のメールアドレスに送られたものです" in response.content.decode()
    customer.refresh_from_db()
    assert customer.buyer is None


def test_a_link_adds_a_person_to_a_linked_customers_company_only_with_a_confirmed_address(
    supplier_client: Client, supplier: Organization, buyer: Organization
) -> None:
    # The customer already uses Tsunagu: its link adds people to the buyer's own organization,
    # so the same rules hold as for the buyer's own links (confirmed address, mail domains).
    Organization.objects.filter(pk=buyer.pk).update(allowed_email_domains="buyer.test")
    customer = CustomerFactory.create(supplier=supplier, buyer=buyer)
    link = link_for(supplier_client, customer)
    unconfirmed = MembershipFactory.create(user__email="eve@buyer.test")
    outside = MembershipFactory.create(user__email="eve@evil.example")
    EmailAddress.objects.create(
        user=outside.user, email=outside.user.email, primary=True, verified=True
    )
    confirmed = MembershipFactory.create(user__email="misaki@buyer.test")
    EmailAddress.objects.create(
        user=confirmed.user, email=confirmed.user.email, primary=True, verified=True
    )

    signed_up = Client().post(link, {**JOIN, "email": "mallory@buyer.test"})
    not_confirmed = client_for(unconfirmed).post(link, {})
    other_domain = client_for(outside).post(link, {})

    assert signed_up.status_code == 410
    assert "メールアドレスの確認" in signed_up.content.decode()
    assert not User.objects.filter(email="mallory@buyer.test").exists()
    assert not_confirmed.status_code == 410
    assert "メールアドレスの確認" in not_confirmed.content.decode()
    assert other_domain.status_code == 410
    assert "buyer.test" in other_domain.content.decode()
    assert not Membership.objects.filter(organization=buyer).exists()

    client_for(confirmed).post(link, {})

    assert list(
        Membership.objects.filter(organization=buyer).values_list("user__email", "role")
    ) == [("misaki@buyer.test", Role.MEMBER)]
    assert Client().get(link).status_code == 410


def test_a_member_of_the_linked_company_may_use_its_link_without_a_confirmed_address(
    supplier_client: Client, supplier: Organization, buyer: Organization
) -> None:
    # Someone already in the company gains nothing by the link: it is simply used.
    Organization.objects.filter(pk=buyer.pk).update(allowed_email_domains="other.test")
    owner = MembershipFactory.create(
        organization=buyer, role=Role.OWNER, user__email="boss@buyer.test"
    )
    customer = CustomerFactory.create(supplier=supplier, buyer=buyer)
    link = link_for(supplier_client, customer)

    response = client_for(owner).post(link, {})

    assert response.status_code == 302
    assert list(
        Membership.objects.filter(organization=buyer).values_list("user__email", "role")
    ) == [("boss@buyer.test", Role.OWNER)]
    assert Client().get(link).status_code == 410
