# ruff: noqa: F811 - the fixtures come from test_history and are named as arguments
"""The buyer's order page: cancelling with a question, the main action after sending, the
tax-included total, approvals sent back, unread messages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from conftest import client_for
from tsunagu.accounts.models import Membership, Organization
from tsunagu.ordering.models import Order, OrderEvent, OrderStatus
from tsunagu.ordering.rules import LineRequest
from tsunagu.ordering.tests.factories import buyer_admin
from tsunagu.ordering.tests.test_history import (  # noqa: F401 - fixtures
    Shop,
    detail,
    english_client,
    in_english,
    place,
    shop,
    waiting_order,
)

pytestmark = pytest.mark.django_db


def cancel_url(order: Order) -> str:
    return reverse("buyer-order-cancel", args=[order.pk])


def test_cancelling_asks_first_and_takes_an_optional_reason(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")
    page = english_client.get(detail(order)).content.decode()
    # The order page offers a link to a question, not a button that cancels at once.
    assert f'href="{cancel_url(order)}" id="cancel-button"' in page
    assert f'action="{cancel_url(order)}"' not in page

    question = english_client.get(cancel_url(order)).content.decode()
    assert "Cancel order S-000001?" in question
    assert 'name="reason"' in question
    # A POST without the confirmation (an old page, a double tap) only asks.
    asked = english_client.post(cancel_url(order))
    assert asked.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED

    done = english_client.post(
        cancel_url(order), {"confirmed": "1", "reason": "数を間違えました"}, follow=True
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert OrderEvent.objects.get(order=order, kind="cancelled").note == "数を間違えました"
    assert "Order S-000001 was cancelled." in done.content.decode()
    assert "数を間違えました" in done.content.decode()


def test_a_too_long_reason_keeps_what_was_typed(shop: Shop, english_client: Client) -> None:
    order = place(shop, "a")

    response = english_client.post(cancel_url(order), {"confirmed": "1", "reason": "あ" * 301})

    assert response.status_code == 200
    assert "あ" * 301 in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.SUBMITTED


def test_after_sending_the_main_action_is_going_home_not_ordering_again(
    shop: Shop, english_client: Client
) -> None:
    order = place(shop, "a")

    page = english_client.get(detail(order)).content.decode()

    primary = re.findall(r'<a class="btn btn--primary[^"]*"[^>]*>([^<]+)</a>', page)
    assert primary == ["Back to the home"]
    assert re.search(r'class="btn btn--secondary[^"]*" id="reorder-link"', page)


def test_the_order_page_shows_tax_per_rate_and_the_tax_included_total(
    shop: Shop, english_client: Client
) -> None:
    shop.cabbage.tax_rate = 8
    shop.cabbage.save()
    shop.chopsticks.tax_rate = 10
    shop.chopsticks.save()
    order = place(shop, "a")  # 5 × 198 (8%) + 3 × 1,200 (10%)

    page = english_client.get(detail(order)).content.decode()

    assert "Consumption tax 10% (on ¥3,600)" in page
    assert "Consumption tax 8% (on ¥990)" in page
    totals = re.search(r'<dl class="totals" id="totals">(.*?)</dl>', page, re.S)
    assert totals is not None
    # 990 × 8% = 79.2 → 79 (down), 3,600 × 10% = 360
    assert "¥79<" in totals.group(1)
    assert "¥360<" in totals.group(1)
    assert "¥5,029<" in totals.group(1)
    history = english_client.get(reverse("buyer-orders")).content.decode()
    assert "Total (tax included)" in history
    assert "¥5,029" in history
    assert "incl. tax 8%: ¥79" in history
    assert "incl. tax 10%: ¥360" in history
    # The confirmation page, here of the same order again, shows the same figures.
    again = english_client.get(reverse("buyer-reorder", args=[order.pk])).content.decode()
    assert "Consumption tax 8% (on ¥990)" in again
    assert "Consumption tax 10% (on ¥3,600)" in again
    assert re.search(r'id="send-bar-total">¥5,029<', again)
    # The home offers ordering by product codes next to each supplier.
    home = english_client.get(reverse("buyer-home")).content.decode()
    assert reverse("buyer-quick-order", args=[shop.customer.supplier.code]) in home


def test_with_hidden_prices_the_buyer_sees_no_amount_at_all(
    shop: Shop, english_client: Client
) -> None:
    shop.customer.hide_prices = True
    shop.customer.save()
    order = place(shop, "a")

    # Each of these pages shows ¥ amounts when prices are not hidden.
    for url in (detail(order), reverse("buyer-orders"), reverse("buyer-home")):
        response = english_client.get(url)
        assert response.status_code == 200, url
        assert "¥" not in response.content.decode(), url


# ---- approval ------------------------------------------------------------------------------------


def test_the_approver_sends_a_waiting_order_back_with_a_reason(
    waiting_order: Order, buyer: Organization, english_client: Client
) -> None:
    from tsunagu.notifications.models import OutboxMessage

    boss = in_english(client_for(buyer_admin(buyer)))
    home = boss.get(reverse("buyer-home")).content.decode()
    # The approver's home shows what waits for approval first, before the suppliers.
    assert home.index('id="waiting-approval"') < home.index("supplier-card")
    assert "S-000001" in home
    url = reverse("buyer-order-send-back", args=[waiting_order.pk])

    empty = boss.post(url, {"reason": " "})
    assert "Write what should be changed." in empty.content.decode()
    boss.post(url, {"reason": "割り箸は3袋で足ります"})

    waiting_order.refresh_from_db()
    assert waiting_order.status == OrderStatus.PENDING_APPROVAL
    assert (
        OrderEvent.objects.get(order=waiting_order, kind="sent_back").note
        == "割り箸は3袋で足ります"
    )
    assert OutboxMessage.objects.filter(to="chef@buyer.test", subject__contains="S-000001").exists()
    page = english_client.get(detail(waiting_order)).content.decode()
    assert 'id="sent-back"' in page
    assert "割り箸は3袋で足ります" in page
    assert english_client.post(url, {"reason": "x"}).status_code == 403


def test_a_member_sees_before_sending_that_the_order_will_wait_for_approval(
    shop: Shop, buyer: Organization, buyer_client: Client
) -> None:
    buyer.approval_threshold = Decimal("1000")
    buyer.save()
    cart = reverse("buyer-cart", args=["test-supplier"])
    add = reverse("buyer-cart-add", args=["test-supplier"])

    buyer_client.post(add, {"product": shop.cabbage.pk, "quantity": "2"})  # ¥396
    assert 'id="approval-notice"' not in buyer_client.get(cart).content.decode()
    buyer_client.post(add, {"product": shop.chopsticks.pk, "quantity": "1"})  # + ¥1,200

    page = buyer_client.get(cart).content.decode()
    assert 'id="approval-notice"' in page
    assert "¥1,000(税抜)を超える注文は管理者の承認が必要です" in page


def test_the_threshold_is_set_on_the_buyer_organizations_settings_page(
    buyer: Organization,
) -> None:
    from tsunagu.accounts.models import Role
    from tsunagu.accounts.tests.factories import MembershipFactory

    owner = client_for(
        MembershipFactory.create(organization=buyer, role=Role.OWNER, user__email="o@b.test")
    )
    page = owner.get(reverse("organization-settings")).content.decode()
    assert 'name="approval_threshold"' in page
    assert "承認" in page
    # Supplier matters are not asked of a company that only buys.
    for field in ("rounding", "registration_number", "allowed_email_domains"):
        assert f'name="{field}"' not in page, field
    invite = owner.get(reverse("invitation-new")).content.decode()
    assert 'value="member"' in invite
    assert 'value="shipping"' not in invite

    response = owner.post(
        reverse("organization-settings"), {"name": buyer.name, "approval_threshold": "30,000"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    buyer.refresh_from_db()
    assert buyer.approval_threshold == Decimal(30000)


# ---- messages ----------------------------------------------------------------------------------


def test_a_suppliers_reply_is_marked_on_the_home_and_in_the_history_until_opened(
    shop: Shop, english_client: Client, supplier_admin: Membership
) -> None:
    from tsunagu.ordering.services import post_message

    order = place(shop, "a")
    post_message(order, actor=supplier_admin, body="明日は午後になります")

    home = english_client.get(reverse("buyer-home")).content.decode()
    assert 'id="unread-messages"' in home
    assert "1 new" in home
    history = english_client.get(reverse("buyer-orders")).content.decode()
    assert f'id="unread-{order.pk}"' in history

    english_client.get(detail(order))

    assert 'id="unread-messages"' not in english_client.get(reverse("buyer-home")).content.decode()
    assert f'id="unread-{order.pk}"' not in (
        english_client.get(reverse("buyer-orders")).content.decode()
    )


# ---- the home's usual orders ---------------------------------------------------------------------


def test_usual_orders_are_the_repeated_ones_and_show_what_is_in_them(
    shop: Shop, english_client: Client
) -> None:
    for key in ("a", "b", "c"):
        place(shop, key, lines=[LineRequest(shop.cabbage, 5), LineRequest(shop.chopsticks, 3)])
    keg = place(shop, "keg", lines=[LineRequest(shop.chopsticks, 20)])  # the newest: a one-off

    home = english_client.get(reverse("buyer-home")).content.decode()

    usual = home[home.index("Your usual orders") : home.index("Recent orders")]
    assert "Ordered 3 times" in usual
    assert "キャベツ 5玉、割り箸 3袋" in usual
    assert usual.count("Order again") == 1
    recent = home[home.index("Recent orders") :]
    assert "割り箸 20袋" in recent
    assert reverse("buyer-reorder", args=[keg.pk]) in recent


def test_the_first_time_home_has_one_filled_main_button(shop: Shop, english_client: Client) -> None:
    home = english_client.get(reverse("buyer-home")).content.decode()

    main = home[home.index('<main id="main"') :]
    buttons = re.findall(r'class="btn (btn--\w+)"', main)
    assert buttons == ["btn--primary"]


def test_buyers_read_one_word_for_the_supplier_on_every_page(
    shop: Shop, buyer_client: Client
) -> None:
    order = place(shop, "a")
    code = shop.customer.supplier.code

    for url in (
        reverse("buyer-home"),
        reverse("buyer-orders"),
        detail(order),
        reverse("buyer-catalogue", args=[code]),
        reverse("buyer-reorder", args=[order.pk]),
    ):
        page = buyer_client.get(url).content.decode()
        assert "仕入先" not in page, url  # decision 0046: 受注企業, the word buyers read
    assert "受注企業" in buyer_client.get(reverse("buyer-orders")).content.decode()


def test_a_refused_send_of_an_earlier_order_comes_back_at_an_address_a_reload_keeps(
    shop: Shop, english_client: Client
) -> None:
    from tsunagu.ordering.tests.test_shop_pages import form_fields

    order = place(shop, "a")
    send_url = reverse("buyer-send", args=[shop.customer.supplier.code])
    again = english_client.get(reverse("buyer-reorder", args=[order.pk])).content.decode()
    fields = form_fields(again)
    quantities = list(fields["line_quantity"])  # type: ignore[call-overload]
    fields["line_quantity"] = ["abc", *quantities[1:]]

    refused = english_client.post(send_url, fields)

    assert refused.status_code == 302
    assert refused["Location"] == send_url  # not the cart: these lines are not in it
    for _reload in range(2):
        page = english_client.get(send_url)
        assert page.status_code == 200
        assert "Enter the quantity as a number." in page.content.decode()
        assert 'value="abc"' in page.content.decode()  # what was typed is still there
    assert Order.objects.count() == 1
    fields["line_quantity"] = ["2", *quantities[1:]]
    assert english_client.post(send_url, fields).status_code == 302
    assert Order.objects.count() == 2
    assert english_client.get(send_url)["Location"] == reverse(
        "buyer-cart", args=[shop.customer.supplier.code]
    )
