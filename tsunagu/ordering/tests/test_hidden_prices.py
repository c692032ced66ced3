"""A customer with hidden prices (hide_prices) sees no price or amount on any buyer page or mail."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization, Role
from tsunagu.accounts.tests.factories import MembershipFactory
from tsunagu.catalog.tests.factories import ProductFactory
from tsunagu.notifications.models import OutboxMessage
from tsunagu.ordering import services
from tsunagu.ordering.models import CartLine, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import linked_customer
from tsunagu.ordering.totals import order_totals

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
# ¥1,234 a piece, two pieces: ¥2,468; none of these may show.
AMOUNTS = ("¥", "1,234", "1234", "2,468", "2468", "円")


def _assert_no_amounts(text: str, where: str) -> None:
    # Digits inside a longer run of letters and digits (ids such as ...62468359f1) are not amounts.
    for amount in AMOUNTS:
        if amount[0].isdigit():
            shown = re.search(rf"(?<![0-9a-fA-F]){re.escape(amount)}(?![0-9a-fA-F])", text)
        else:
            shown = re.search(re.escape(amount), text)
        context = text[shown.start() - 120 : shown.end() + 40] if shown else ""
        assert shown is None, f"{amount} on {where}: ...{context}..."


def test_no_buyer_page_or_mail_shows_a_price(
    supplier: Organization,
    buyer: Organization,
    buyer_member: Membership,
    supplier_admin: Membership,
) -> None:
    customer, location = linked_customer(supplier, buyer, hide_prices=True)
    product = ProductFactory.create(
        supplier=supplier, product_code="V1", name="キャベツ", unit="玉", unit_price=Decimal(1234)
    )
    buyer.approval_threshold = Decimal(1000)
    buyer.save()
    boss = MembershipFactory.create(organization=buyer, role=Role.ADMIN, user__email="boss@b.test")
    # A member's order above the threshold waits for approval: the approver's mail.
    waiting = services.send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(product, 2)],
        delivery_date=date(2026, 11, 27),
        idempotency_key="hidden-1",
        now=NOW,
    ).order
    services.approve_order(waiting, actor=boss)
    order = services.send_order(
        boss,
        customer,
        location=location,
        lines=[LineRequest(product, 2)],
        delivery_date=date(2026, 11, 27),
        idempotency_key="hidden-2",
        now=NOW,
    ).order
    services.post_message(order, actor=supplier_admin, body="明日伺います")
    services.revise_order(
        order,
        actor=supplier_admin,
        version=order.version,
        changes=[
            services.LineChange("confirm", line_id=order.lines.get().pk, quantity=1),
            services.LineChange("add", product=product, quantity=2),
        ],
        reason="入荷が少ないため",
    )
    services.move_order(waiting, to_status=OrderStatus.ACCEPTED, actor=supplier_admin)
    CartLine.objects.create(
        supplier=supplier,
        buyer=buyer,
        user=buyer_member.user,
        customer=customer,
        product=product,
        quantity=2,
    )

    client = client_for(buyer_member)
    code = supplier.code
    pages = {
        "home": reverse("buyer-home"),
        "catalogue": reverse("buyer-catalogue", args=[code]),
        "cart": reverse("buyer-cart", args=[code]),
        "quick order": reverse("buyer-quick-order", args=[code]),
        "usual items": reverse("buyer-usual-items", args=[code]),
        "history": reverse("buyer-orders"),
        "order page": reverse("buyer-order-detail", args=[order.pk]),
        "accepted order page": reverse("buyer-order-detail", args=[waiting.pk]),
        "reorder": reverse("buyer-reorder", args=[order.pk]),
    }
    for name, url in pages.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, name
        _assert_no_amounts(response.content.decode(), name)
    changing = client.get(reverse("buyer-order-change", args=[order.pk]), follow=True)
    _assert_no_amounts(changing.content.decode(), "order change")

    mails = OutboxMessage.objects.filter(to__in=[buyer_member.user.email, boss.user.email])
    # Approval request, two confirmations, acceptance, the message and the revision.
    assert mails.count() == 6, [m.subject for m in mails]
    for mail in mails:
        _assert_no_amounts(mail.body_text, mail.subject)
        _assert_no_amounts(mail.body_html, mail.subject)


def test_the_minimum_order_refusal_names_no_amount(
    supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    customer, location = linked_customer(
        supplier, buyer, hide_prices=True, minimum_order_amount=Decimal(5000)
    )
    product = ProductFactory.create(supplier=supplier, product_code="V1", unit_price=Decimal(1234))

    with pytest.raises(services.OrderRejectedError) as refused:
        services.send_order(
            buyer_member,
            customer,
            location=location,
            lines=[LineRequest(product, 2)],
            delivery_date=date(2026, 11, 27),
            idempotency_key="min",
            now=NOW,
        )

    # Refused for the minimum itself (not for some other rule), and without naming it.
    assert refused.value.problems == {
        "order": ["最低注文金額に届いていません。商品を追加してください。"]
    }
    _assert_no_amounts(str(refused.value), "the refusal")
    assert "5,000" not in str(refused.value)


def test_a_customer_who_sees_prices_still_sees_them(
    supplier: Organization, buyer: Organization, buyer_member: Membership
) -> None:
    customer, location = linked_customer(supplier, buyer)
    product = ProductFactory.create(supplier=supplier, product_code="V1", unit_price=Decimal(1234))
    order = services.send_order(
        buyer_member,
        customer,
        location=location,
        lines=[LineRequest(product, 2)],
        delivery_date=date(2026, 11, 27),
        idempotency_key="seen",
        now=NOW,
    ).order
    client: Client = client_for(buyer_member)

    assert "¥2,468" in client.get(reverse("buyer-order-detail", args=[order.pk])).content.decode()
    # The history shows each order's tax-included total.
    total = order_totals(order).total
    assert total > Decimal(2468)
    assert f"¥{total:,}" in client.get(reverse("buyer-orders")).content.decode()
    assert "¥2,468" in OutboxMessage.objects.get(to=buyer_member.user.email).body_text
